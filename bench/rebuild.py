"""Rebuild speed: `ProjectionRunner(...).catch_up()` into a fresh SQLiteViewStore over a log
of one action, its sites and many field reports, against a raw read-and-decode of the same log
(`select_notifications` pages + `app.mapper.to_domain_event`), measured in the same run.

    .venv/bin/python bench/rebuild.py [--events 30000] [--sites 300] [--runs 3]

Both sides run in this process, one after the other, so each is also timed in CPU seconds
(`time.process_time`): on a machine shared with other work the CPU ratio is the steadier one.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import benchkit as bk

from core.action import Action
from core.application import Posko
from core.report import FieldReport
from posko.persistence import eventsourcing_env
from projections import overview
from projections.port import ViewPort
from projections.runner import CATCH_UP_BATCH_SIZE, ProjectionRunner
from projections.store import SQLiteViewStore


def seed(app: Posko, *, events: int, sites: int, reporters: int, per_save: int) -> int:
    """One live action with `sites` sites, then reports until the log holds `events` events."""
    start = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    action = Action.plan(
        id=uuid.uuid4(),
        title="Aksi Nasional Tolak Upah Murah",
        kind="rally",
        demands=["Tolak upah murah", "Hapus outsourcing"],
        starts_at=start,
        ends_at=start + timedelta(hours=10),
        actor="api-key",
    )
    site_ids = [uuid.uuid4() for _ in range(sites)]
    for i, site_id in enumerate(site_ids):
        action.add_site(
            site_id=site_id,
            name=f"Titik {i}",
            lat=-6.2 + i / 1000,
            lon=106.8 + i / 1000,
            target=1000 + i,
            actor="api-key",
        )
    action.start(actor="api-key")
    app.save(action)
    written = sites + 2
    now = datetime.now(UTC)
    i = 0
    while written < events:
        reports = []
        for _ in range(min(per_save, events - written)):
            kind = "headcount" if i % 3 else "checkin"
            reports.append(
                FieldReport.file(
                    id=uuid.uuid4(),
                    action_id=action.id,
                    site_id=site_ids[i % sites],
                    kind=kind,
                    # Mostly in order, every 7th report late (a phone that was offline).
                    at=now - timedelta(seconds=(events - i) + (600 if i % 7 == 0 else 0)),
                    now=now,
                    lat=-6.2 if kind == "checkin" else None,
                    lon=106.8 if kind == "checkin" else None,
                    accuracy_m=12.5 if kind == "checkin" else None,
                    headcount=100 + i if kind == "headcount" else None,
                    actor=f"korlap-{i % reporters}",
                )
            )
            i += 1
        app.save(*reports)
        written += len(reports)
    return i


def raw_read(app: Posko, page: int) -> int:
    """The raw yardstick: read every notification in pages and decode it into a domain event."""
    position, count = 0, 0
    while notifications := app.recorder.select_notifications(
        start=position, limit=page, inclusive_of_start=False
    ):
        for notification in notifications:
            app.mapper.to_domain_event(notification)
        count += len(notifications)
        position = notifications[-1].id
    return count


def rebuild(app: Posko, path: Path, batch: int) -> tuple[int, SQLiteViewStore]:
    store = SQLiteViewStore(path)
    ProjectionRunner(app, ViewPort(store)).catch_up(batch or CATCH_UP_BATCH_SIZE)
    return store.position(), store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=30_000, help="events in the log")
    parser.add_argument("--sites", type=int, default=300)
    parser.add_argument("--reporters", type=int, default=500, help="distinct korlaps")
    parser.add_argument("--page", type=int, default=500, help="notifications per read/batch")
    parser.add_argument(
        "--batch",
        type=int,
        default=0,
        help="catch-up batch size (0: the runner's CATCH_UP_BATCH_SIZE)",
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="cProfile one extra rebuild")
    args = parser.parse_args()

    print(f"machine: {bk.machine()}")
    with tempfile.TemporaryDirectory(prefix="posko-bench-rebuild-") as tmp:
        data = Path(tmp)
        app = Posko(env=eventsourcing_env("", data))
        started = time.perf_counter()
        reports = seed(
            app, events=args.events, sites=args.sites, reporters=args.reporters, per_save=500
        )
        total = app.recorder.max_notification_id() or 0
        print(
            f"seeded {total} events ({reports} reports, {args.sites} sites) "
            f"in {time.perf_counter() - started:.1f}s"
        )

        ours: list[float] = []
        raw: list[float] = []
        cpu_ratios: list[float] = []
        rows = []
        for run in range(args.runs):
            load_before = bk.load1()
            t0, c0 = time.perf_counter(), time.process_time()
            count = raw_read(app, args.page)
            raw_rate = count / (time.perf_counter() - t0)
            raw_cpu = time.process_time() - c0
            t0, c0 = time.perf_counter(), time.process_time()
            position, store = rebuild(app, data / f"views-{run}.db", args.batch)
            ours_rate = total / (time.perf_counter() - t0)
            cpu_ratios.append(raw_cpu / (time.process_time() - c0))
            # The rebuilt overview must have counted every report: a fast wrong rebuild is no win.
            row = store.load(overview.CHANNEL, str(_action_id(app)))
            store.close()
            if count != total or position != total or row is None or row["reports"] != reports:
                sys.exit(f"rebuild mismatch: read {count}, position {position}, row {row}")
            raw.append(raw_rate)
            ours.append(ours_rate)
            rows.append(
                (
                    run + 1,
                    f"{ours_rate:,.0f}",
                    f"{raw_rate:,.0f}",
                    f"{ours_rate / raw_rate:.2f}",
                    f"{cpu_ratios[-1]:.2f}",
                    f"{load_before:.2f}",
                )
            )
        print(bk.table(["run", "rebuild ev/s", "raw ev/s", "ratio", "cpu ratio", "load1"], rows))

        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            rebuild(app, data / "views-profile.db", args.batch)[1].close()
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(18)
            print(out.getvalue())
        app.close()

    o, r, c = bk.spread(ours), bk.spread(raw), bk.spread(cpu_ratios)
    ratio = bk.ratio(o.median, r.median)
    print(
        f"\nrebuild (catch_up into a fresh SQLiteViewStore): {o.show()} events/s (median, min-max)"
    )
    print(f"raw read+decode (pages of {args.page}):             {r.show()} events/s")
    print(f"(runner batch size {args.batch or CATCH_UP_BATCH_SIZE})")
    print(f"ratio {ratio:.2f} (target >= 0.5: {'met' if ratio >= 0.5 else 'NOT met'})")
    print(f"ratio of CPU seconds (raw / rebuild): {c.median:.2f} ({c.low:.2f}-{c.high:.2f})")
    print(
        bk.summary_line(
            "rebuild",
            {
                "events": total,
                "sites": args.sites,
                "reporters": args.reporters,
                "page": args.page,
                "batch": args.batch or CATCH_UP_BATCH_SIZE,
                "runs": args.runs,
                "median_events/s": f"{o.median:.0f}",
                "min": f"{o.low:.0f}",
                "max": f"{o.high:.0f}",
                "raw_median_events/s": f"{r.median:.0f}",
                "raw_min": f"{r.low:.0f}",
                "raw_max": f"{r.high:.0f}",
                "ratio": f"{ratio:.2f}",
                "cpu_ratio": f"{c.median:.2f}",
                "target": ">=0.5",
                "met": ratio >= 0.5,
                "load1": f"{bk.load1():.2f}",
            },
        )
    )


def _action_id(app: Posko) -> uuid.UUID:
    first = app.recorder.select_notifications(start=1, limit=1)[0]
    return uuid.UUID(str(first.originator_id))


if __name__ == "__main__":
    main()
