"""Time travel speed: a view as of random moments over a log of many events, answered from the
view checkpoints (the nearest one plus the tail) against a replay of the whole log, with the
raw library's read+decode of the same events measured in the same run; and what making the
checkpoints costs a rebuild (catch_up with and without them). Each read is timed by the wall
clock and by the CPU time of its thread (steadier when other work shares the machine).

    .venv/bin/python bench/time_travel.py [--events 100000] [--reads 200] [--full-reads 5]
                                          [--live 3000] [--views sqlite|postgres]

With `--views postgres` the views (and their checkpoints) live in throwaway PostgreSQL schemas
(127.0.0.1:5432, database test); the events stay in SQLite.

The live path is measured apart: the first `--live` events applied one batch per event (as the
runner does when reports trickle in), into fresh stores with and without checkpoints.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
import time
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import Any

import benchkit as bk
import psycopg
from rebuild import raw_read, seed

from core.application import Posko
from posko.persistence import eventsourcing_env
from projections import channels, checkpoints, feed, live_map, overview
from projections.port import ViewPort
from projections.runner import ProjectionRunner
from projections.store import PostgresViewStore, SQLiteViewStore, ViewStore
from projections.time_travel import replay, replay_all, snapshots_at


def event_times(app: Posko) -> list[datetime]:
    times = []
    position = 0
    while notes := app.recorder.select_notifications(
        start=position, limit=1000, inclusive_of_start=False
    ):
        for note in notes:
            event: Any = app.mapper.to_domain_event(note)
            times.append(event.timestamp)
        position = notes[-1].id
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--sites", type=int, default=300)
    parser.add_argument("--reads", type=int, default=200, help="moments read from checkpoints")
    parser.add_argument("--full-reads", type=int, default=5, help="moments replayed in full")
    parser.add_argument("--every", type=int, default=checkpoints.EVERY)
    parser.add_argument("--live", type=int, default=3000, help="events applied one per batch")
    parser.add_argument("--views", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()

    print(f"machine: {bk.machine()}  load {bk.load()}  views in {args.views}")
    with tempfile.TemporaryDirectory(prefix="posko-bench-tt-") as tmp, ExitStack() as schemas:
        data = Path(tmp)
        places: dict[str, str] = {}

        def views(name: str) -> ViewStore:
            """The view store `name`: a file, or a schema of its own (the same one again)."""
            if args.views == "sqlite":
                return SQLiteViewStore(data / f"views-{name}.db")
            if name not in places:
                places[name] = schemas.enter_context(bk.pg_schema("bench_tt"))
            return PostgresViewStore(bk.PG_URL, schema=places[name])

        def count(name: str, table: str) -> int:
            sql = f"SELECT count(*) FROM {table}"
            if args.views == "sqlite":
                with sqlite3.connect(data / f"views-{name}.db") as conn:
                    return int(conn.execute(sql).fetchone()[0])
            with psycopg.connect(bk.PG_URL) as conn:
                conn.execute(f"SET search_path={places[name]}")
                row = conn.execute(sql).fetchone()
                return 0 if row is None else int(row[0])

        app = Posko(env=eventsourcing_env("", data))
        reports = seed(app, events=args.events, sites=args.sites, reporters=500, per_save=50)
        total = app.recorder.max_notification_id() or 0
        print(f"seeded {total} events ({reports} reports, {args.sites} sites)")

        # Rebuild with checkpoints (the runner's default) and without (none due in the log).
        timings = {}
        for name, every in (("without", total + 1), ("with", args.every)):
            store = views(name)
            started = time.perf_counter()
            ProjectionRunner(app, ViewPort(store), checkpoint_every=every).catch_up()
            timings[name] = time.perf_counter() - started
            store.close()
        store = views("with")
        made, history, rows = (
            count("with", t) for t in ("view_checkpoints", "view_history", "view_rows")
        )
        print(
            f"rebuild: {timings['without']:.1f}s without checkpoints, {timings['with']:.1f}s "
            f"with ({made} checkpoints every {args.every}, {history} history rows for "
            f"{rows} rows)"
        )

        # Interleaved, batch by batch, so both see the same load.
        notes = app.recorder.select_notifications(start=0, limit=args.live)
        runners = {
            name: ProjectionRunner(app, ViewPort(views(f"live-{name}")), checkpoint_every=every)
            for name, every in (("without", total + 1), ("with", args.every))
        }
        spent = dict.fromkeys(runners, 0.0)
        for note in notes:
            for name, runner in runners.items():
                started = time.perf_counter()
                runner.apply([note])
                spent[name] += time.perf_counter() - started
        live = {name: seconds * 1000 / len(notes) for name, seconds in spent.items()}
        for runner in runners.values():
            runner.store.close()
        print(
            f"live path, one event per batch: {live['without']:.2f} ms a batch without "
            f"checkpoints, {live['with']:.2f} ms with ({len(notes)} batches)"
        )

        action_id = next(iter(store.snapshot(overview.CHANNEL)[1]))["id"]
        refs = [
            ref
            for name in (live_map.channel(action_id), feed.channel(action_id))
            if (ref := channels.parse(name)) is not None
        ]
        times = event_times(app)
        rng = random.Random(1)
        moments = [rng.uniform(min(times).timestamp(), max(times).timestamp()) for _ in range(9)]

        def at(seconds: float) -> datetime:
            return datetime.fromtimestamp(seconds, tz=times[0].tzinfo)

        ours: list[float] = []
        ours_cpu: list[float] = []
        for _ in range(args.reads):
            moment = at(rng.uniform(min(times).timestamp(), max(times).timestamp()))
            started, cpu = time.perf_counter(), time.thread_time()
            snapshots_at(app, store, refs, moment)
            ours.append((time.perf_counter() - started) * 1000)
            ours_cpu.append((time.thread_time() - cpu) * 1000)
        full: list[float] = []
        checked = 0
        for seconds in moments[: args.full_reads]:
            moment = at(seconds)
            started = time.perf_counter()
            whole = replay_all(app, moment)
            answers = [whole.snapshot(ref) for ref in refs]
            full.append((time.perf_counter() - started) * 1000)
            past = replay(app, store, moment)
            if [past.snapshot(ref) for ref in refs] != answers or past.position != whole.position:
                raise SystemExit(f"checkpoint answer differs from the full replay at {moment}")
            checked += 1
        raw: list[float] = []
        raw_cpu: list[float] = []
        for _ in range(3):
            started, cpu = time.perf_counter(), time.thread_time()
            raw_read(app, 1000)
            raw.append((time.perf_counter() - started) * 1000)
            raw_cpu.append((time.thread_time() - cpu) * 1000)
        store.close()
        app.close()

    for values in (ours, ours_cpu, full):
        values.sort()
    p50, p99 = bk.percentile(ours, 50), bk.percentile(ours, 99)
    c50, c99 = bk.percentile(ours_cpu, 50), bk.percentile(ours_cpu, 99)
    f50 = bk.percentile(full, 50)
    r, rc = bk.spread(raw), bk.spread(raw_cpu)
    print(
        bk.table(
            ["read as of a random moment (map + feed)", "p50 ms", "p99 ms", "max ms", "n"],
            [
                ["from checkpoints", f"{p50:.1f}", f"{p99:.1f}", f"{max(ours):.1f}", len(ours)],
                [
                    "from checkpoints, CPU time",
                    f"{c50:.1f}",
                    f"{c99:.1f}",
                    f"{max(ours_cpu):.1f}",
                    len(ours_cpu),
                ],
                [
                    "full replay (before)",
                    f"{f50:.0f}",
                    f"{bk.percentile(full, 99):.0f}",
                    f"{max(full):.0f}",
                    len(full),
                ],
                [
                    f"raw read+decode of all {total} events",
                    f"{r.median:.0f}",
                    "",
                    f"{r.high:.0f}",
                    len(raw),
                ],
                [
                    "raw read+decode, CPU time",
                    f"{rc.median:.0f}",
                    "",
                    f"{rc.high:.0f}",
                    len(raw_cpu),
                ],
            ],
        )
    )
    print(f"checkpoint answers equal to the full replay at {checked} moments")
    met = p99 <= 100
    print(f"p99 {p99:.1f} ms at {total} events (target <= 100 ms: {'met' if met else 'NOT met'})")
    print(
        f"CPU time p99 {c99:.1f} ms; raw read+decode of the whole log {rc.median:.0f} ms CPU: "
        f"a read costs {c99 / rc.median:.3f} of it at p99"
    )
    print(
        bk.summary_line(
            "time_travel",
            {
                "views": args.views,
                "events": total,
                "every": args.every,
                "p50_ms": f"{p50:.1f}",
                "p99_ms": f"{p99:.1f}",
                "cpu_p50_ms": f"{c50:.1f}",
                "cpu_p99_ms": f"{c99:.1f}",
                "raw_cpu_ms": f"{rc.median:.0f}",
                "full_p50_ms": f"{f50:.0f}",
                "raw_read_decode_ms": f"{r.median:.0f}",
                "ratio_p99_to_raw": f"{p99 / r.median:.3f}",
                "rebuild_s_without": f"{timings['without']:.1f}",
                "rebuild_s_with": f"{timings['with']:.1f}",
                "live_ms_per_batch_without": f"{live['without']:.2f}",
                "live_ms_per_batch_with": f"{live['with']:.2f}",
                "met": met,
            },
        )
    )


if __name__ == "__main__":
    main()
