"""The fund's ledger a page at a time, at size: a page of 100 entries at the start, the middle
and the end of a large ledger, a filtered page (text in 1 % of the entries) and a filter that
matches nothing (reads its whole 5 000-row budget), each against a raw SQLite read of the same
rows (SELECT ... LIMIT, json.loads) in the same run; and the old way, every row of the channel
read and filtered, as `GET /ledger` did before it had pages.

    .venv/bin/python bench/fund_ledger.py [--entries 100000] [--queries 30]

The entry rows are committed straight into a SQLiteViewStore, shaped as projections/fund.py
writes them (key e:<version>, legs, memo, details), so the figures are those of the reads
alone, not of posting 100 000 entries (bench/fund.py times that).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import benchkit as bk

from projections import fund as fund_view
from projections.changes import Batch
from projections.fund_ledger import SCAN, LedgerFilter, read_page
from projections.store import SQLiteViewStore

PAGE = 100
COMMIT = 5_000  # rows per commit while seeding


def entry(version: int) -> dict[str, Any]:
    memo = "Sewa bus aksi" if version % 100 == 0 else "Dana mogok"
    return {
        "key": fund_view.entry_key(version),
        "entry_id": str(uuid.UUID(int=version)),
        "kind": "contribution",
        "effective_date": f"2026-{1 + version % 12:02d}-{1 + version % 28:02d}",
        "recorded_at": "2026-11-02T03:04:05+00:00",
        "legs": [
            {"account": "bank", "side": "debit", "amount": 100_000 + version},
            {"account": "income:strike", "side": "credit", "amount": 100_000 + version},
        ],
        "amount": 100_000 + version,
        "memo": memo,
        "details": {
            "source": "affiliate",
            "payer": f"PUK {version % 300}",
            "channel": "transfer",
            "reference": f"TRX-{version}",
        },
        "reverses": None,
        "reversed_by": None,
        "actor": "person:bendahara",
        "hash": f"{version:064x}",
        "version": version,
    }


def seed(store: SQLiteViewStore, channel: str, entries: int) -> None:
    for position, start in enumerate(range(1, entries + 1, COMMIT), start=1):
        rows = {
            (channel, fund_view.entry_key(v)): entry(v)
            for v in range(start, min(start + COMMIT, entries + 1))
        }
        store.commit(position, rows, Batch(position, ()))


def median_ms(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "views.db"
        store = SQLiteViewStore(path)
        fund_id = str(uuid.uuid4())
        channel = fund_view.channel(fund_id)
        started = time.perf_counter()
        seed(store, channel, ARGS.entries)
        print(f"seeded {ARGS.entries} entry rows in {time.perf_counter() - started:.1f}s")
        raw = sqlite3.connect(path)

        def raw_rows(after: str, limit: int, descending: bool = False) -> list[Any]:
            order, compare = ("DESC", "<") if descending else ("ASC", ">")
            bound = "e;" if descending and after == "e:" else after
            sql = (
                f"SELECT doc FROM view_rows WHERE channel=? AND key{compare}? "
                f"ORDER BY key {order} LIMIT ?"
            )
            return [json.loads(r[0]) for r in raw.execute(sql, (channel, bound, limit))]

        middle = ARGS.entries // 2
        text = LedgerFilter(text="bus")
        none = LedgerFilter(kind="payment")
        cases: list[tuple[str, Callable[[], Any], Callable[[], Any]]] = [
            (
                "first page (oldest first)",
                lambda: read_page(store, fund_id, LedgerFilter(), None, PAGE, False),
                lambda: raw_rows("e:", PAGE),
            ),
            (
                "a page from the middle (cursor)",
                lambda: read_page(store, fund_id, LedgerFilter(), middle, PAGE, False),
                lambda: raw_rows(fund_view.entry_key(middle), PAGE),
            ),
            (
                "newest page (order=desc)",
                lambda: read_page(store, fund_id, LedgerFilter(), None, PAGE, True),
                lambda: raw_rows("e:", PAGE, descending=True),
            ),
            (
                "q=bus (1 % of entries): reads its 5 000-row budget",
                lambda: read_page(store, fund_id, text, None, PAGE, False),
                lambda: raw_rows("e:", SCAN),
            ),
            (
                "kind=payment (none): reads its 5 000-row budget",
                lambda: read_page(store, fund_id, none, None, PAGE, False),
                lambda: raw_rows("e:", SCAN),
            ),
        ]
        lines = []
        figures: dict[str, Any] = {"entries": ARGS.entries}
        for n, (name, ours, yardstick) in enumerate(cases):
            ours_ms, (_pos, got, cursor) = median_ms(ours, ARGS.queries)
            raw_ms, _ = median_ms(yardstick, ARGS.queries)
            lines.append([name, f"{ours_ms:.2f}", f"{raw_ms:.2f}", f"{raw_ms / ours_ms:.2f}"])
            lines.append(["", f"({len(got)} entries, next cursor {cursor})", "", ""])
            figures[f"case{n}_ms"] = round(ours_ms, 2)
            figures[f"case{n}_raw_ms"] = round(raw_ms, 2)

        def whole_channel() -> int:
            _p, docs = store.snapshot(channel)
            return len([d for d in docs if "legs" in d and text.matches(d)])

        old_ms, matched = median_ms(whole_channel, max(3, ARGS.queries // 10))
        lines.append(["before pages: every row read, then filtered", f"{old_ms:.0f}", "", ""])
        lines.append(["", f"({matched} matching entries)", "", ""])
        figures["whole_channel_ms"] = round(old_ms)
        print(bk.table(["read", "ms (median)", "raw SQLite ms", "raw/ours"], lines))
        figures["machine"] = json.dumps(bk.machine())
        print(bk.summary_line("fund_ledger", figures))
        raw.close()
        store.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=30)
    ARGS = parser.parse_args()
    main()
