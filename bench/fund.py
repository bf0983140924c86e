"""The solidarity fund at size: posting rate through the application's commands and through the
HTTP API against raw single-event saves (eventsourcing, one new aggregate per save) in the same
run; the projection catch-up; balance as of a date and the period report (with its budget
against actual) answered from the views; and `verify` against a raw read-and-decode of the
same events.

    .venv/bin/python bench/fund.py [--entries 100000] [--http 2000] [--queries 50]

Entries are contributions (each also issues a receipt: two chained fund events, an entry claim,
a receipt and the unit's receipt book, saved in one transaction), effective on days spread over
two years so the day-by-day views have realistic size.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import benchkit as bk

from core.application import Posko
from posko.persistence import eventsourcing_env
from projections import fund as fund_view
from projections import fund_budget
from projections.port import ViewPort
from projections.runner import ProjectionRunner
from projections.store import SQLiteViewStore

FIRST_DAY = date(2025, 1, 1)
DAYS = 700


def open_fund(app: Posko) -> uuid.UUID:
    fund_id = uuid.uuid4()
    app.open_fund(
        id=fund_id,
        name="Dana Mogok",
        unit_kind="confederation",
        unit_id=None,
        threshold=5_000_000,
        actor="bench",
    )
    return fund_id


def contribution(i: int) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "source": "affiliate",
        "payer": f"PUK {i % 300}",
        "channel": "transfer",
        "reference": f"TRX-{i}",
        "amount": 10_000 + i % 5_000_000,
        "income_account": ("income:dues", "income:solidarity", "income:strike")[i % 3],
        "asset_account": ("bank", "cash")[i % 2],
        "effective_date": FIRST_DAY + timedelta(days=i * DAYS // max(1, ARGS.entries)),
    }


def post_commands(app: Posko, fund_id: uuid.UUID, n: int) -> float:
    started = time.perf_counter()
    for i in range(n):
        app.record_contribution(fund_id=fund_id, actor="bench", **contribution(i))
    return n / (time.perf_counter() - started)


async def post_http(base: str, key: str, fund_id: str, n: int) -> float:
    headers = {"Authorization": f"Bearer {key}"}
    async with aiohttp.ClientSession(base_url=base, headers=headers) as session:
        started = time.perf_counter()
        for i in range(n):
            body = {**contribution(i), "id": str(uuid.uuid4())}
            body["effective_date"] = body["effective_date"].isoformat()
            async with session.post(f"/api/funds/{fund_id}/contributions", json=body) as reply:
                assert reply.status == 201, await reply.text()
        return n / (time.perf_counter() - started)


def timed(fn: Any, runs: int) -> tuple[float, Any]:
    """Median milliseconds of `runs` calls, and the last result."""
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        raw_rate, raw_n = bk.raw_append(bk.sqlite_env(data / "raw.db"), 2000)
        # As posko/bootstrap.py builds it: a cache, so a command does not replay the fund.
        env = {
            **eventsourcing_env("", data),
            "AGGREGATE_CACHE_MAXSIZE": "1000",
            "AGGREGATE_CACHE_FASTFORWARD": "y",
        }
        app = Posko(env=env)
        fund_id = open_fund(app)
        app.set_budget(
            id=uuid.uuid4(),
            fund_id=fund_id,
            year=2025,
            lines=[{"account": "income:dues", "amount": 900_000_000}],
            note=None,
            actor="bench",
        )
        warm = post_commands(app, fund_id, 200)
        rate = post_commands(app, fund_id, 2000)
        print(f"posting (commands): {rate:.0f} entries/s; raw saves {raw_rate:.0f}/s (n={raw_n})")
        print(f"  ratio {bk.ratio(rate, raw_rate):.2f} (warm-up {warm:.0f}/s)")
        started = time.perf_counter()
        remaining = ARGS.entries - 2200
        post_commands(app, fund_id, max(0, remaining))
        seeding = time.perf_counter() - started
        print(f"seeded {ARGS.entries} entries in {seeding:.0f}s")

        store = SQLiteViewStore(data / "views.db")
        started = time.perf_counter()
        ProjectionRunner(app, ViewPort(store)).catch_up()
        catch_up = time.perf_counter() - started
        print(f"views caught up in {catch_up:.1f}s")

        summary = store.load(fund_view.channel(fund_id), fund_view.SUMMARY_KEY)
        assert summary is not None

        def as_of() -> dict[str, int]:
            _p, monthly = store.snapshot(fund_view.monthly_channel(fund_id))
            _p, days = store.snapshot(fund_view.month_days_channel(fund_id, "2025-09"))
            day = date(2025, 9, 30)
            return fund_view.balances_as_of_fast(summary["accounts"], monthly, days, day)

        def report() -> dict[str, Any]:
            _p, monthly = store.snapshot(fund_view.monthly_channel(fund_id))
            _p, stats = store.snapshot(fund_view.receipt_stats_channel(fund_id))
            _p, voided = store.snapshot(fund_view.voided_channel(fund_id))
            _p, disb = store.snapshot(fund_view.disbursements_channel(fund_id))
            _p, rev = store.snapshot(fund_view.reversals_channel(fund_id))
            out = fund_view.period_report(summary, monthly, stats, voided, disb, rev, "2025-H2")
            planned = store.load(fund_budget.channel(fund_id), "2025")
            out["budget"] = fund_budget.period_section(summary, monthly, planned, "2025-H2")
            return out

        def budget_section() -> dict[str, Any]:  # the report's budget part alone
            _p, monthly = store.snapshot(fund_view.monthly_channel(fund_id))
            planned = store.load(fund_budget.channel(fund_id), "2025")
            return fund_budget.period_section(summary, monthly, planned, "2025-H2")

        as_of_ms, _ = timed(as_of, ARGS.queries)
        report_ms, rep = timed(report, ARGS.queries)
        budget_ms, _ = timed(budget_section, ARGS.queries)
        daily_rows = len(store.snapshot(fund_view.daily_channel(fund_id))[1])
        print(f"balance as of a date: {as_of_ms:.1f} ms median ({daily_rows} day rows)")
        print(f"period report: {report_ms:.1f} ms median (fund line {rep['fund']})")
        dues = rep["budget"]["lines"]["income:dues"]["period"]
        print(f"  of which budget against actual: {budget_ms:.1f} ms median (dues {dues})")

        def raw_read() -> int:
            return len([app.mapper.to_domain_event(s) for s in app.fund_events(fund_id)])

        raw_ms, events = timed(raw_read, 3)
        verify_ms, result = timed(lambda: app.verify_fund(fund_id), 3)
        assert result["ok"], result["first_mismatch"]
        print(
            f"verify: {verify_ms:.0f} ms for {events} events; raw read+decode {raw_ms:.0f} ms; "
            f"speed ratio {raw_ms / verify_ms:.2f}"
        )
        store.close()
        app.close()

        http_rate = 0.0
        if ARGS.http:
            with bk.posko_server(data / "server") as server:
                status, fund = server.request(
                    "POST",
                    "/api/funds",
                    {
                        "id": str(uuid.uuid4()),
                        "name": "Dana",
                        "unit_kind": "confederation",
                        "threshold": 5_000_000,
                    },
                )
                assert status == 201, fund
                http_rate = asyncio.run(post_http(server.http, bk.API_KEY, fund["id"], ARGS.http))
            print(f"posting (HTTP, one client): {http_rate:.0f} entries/s")
        print(
            bk.summary_line(
                "fund",
                {
                    "entries": ARGS.entries,
                    "post_per_s": round(rate),
                    "post_http_per_s": round(http_rate),
                    "raw_save_per_s": round(raw_rate),
                    "post_ratio": round(bk.ratio(rate, raw_rate), 2),
                    "http_ratio": round(bk.ratio(http_rate, raw_rate), 2),
                    "catch_up_s": round(catch_up, 1),
                    "as_of_ms": round(as_of_ms, 1),
                    "report_ms": round(report_ms, 1),
                    "budget_ms": round(budget_ms, 1),
                    "verify_ms": round(verify_ms),
                    "raw_read_ms": round(raw_ms),
                    "verify_ratio": round(raw_ms / verify_ms, 2),
                    "machine": json.dumps(bk.machine()),
                },
            )
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--http", type=int, default=2000)
    parser.add_argument("--queries", type=int, default=50)
    ARGS = parser.parse_args()
    main()
