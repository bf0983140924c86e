"""Dues arrears per affiliate: the answer `GET /api/funds/{id}/arrears` computes from its rows
(projections/fund_arrears.report: each affiliate's months, its dues summed by month and the
allocation) against the yardstick of merely decoding those rows' JSON (what reading them from the
view store costs at least), measured in the same run. The rows are built by the view itself from
real events.

    .venv/bin/python bench/arrears.py [--affiliates 300] [--months 120] [--runs 7]

Every affiliate declares its members once (and again halfway), pays every month but the last
few, one payment in twenty is reversed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import uuid
from datetime import UTC, date, datetime
from typing import Any

import benchkit as bk

from core import arrears
from core.fund import Fund
from projections import fund_arrears
from projections.rows import Rows

FUND = uuid.uuid4()
T0 = datetime(2016, 1, 1, tzinfo=UTC)


def _event(cls: Any, **fields: Any) -> Any:
    return cls(
        originator_id=FUND,
        originator_version=1,
        timestamp=T0,
        prev_hash="",
        hash="",
        actor="b",
        **fields,
    )


def build(affiliates: int, months: int) -> tuple[dict[tuple[str, str], Any], int]:
    """The view's rows after the events, and how many dues payments those were."""
    store: dict[tuple[str, str], Any] = {}
    payments = 0
    rows = Rows(lambda channel, key: store.get((channel, key)))
    rule = {"rate_bp": 100, "rounding": "floor", "base": "umk", "split": {"dpp": 10_000}}
    fund_arrears.apply(rows, _event(Fund.DuesRuleSet, rule=rule, rule_version=1))
    all_months = arrears.months("2016-01", "2099-12")[:months]
    for a in range(affiliates):
        name = f"PUK {a}"
        for start, members in ((all_months[0], 100 + a), (all_months[months // 2], 120 + a)):
            fund_arrears.apply(
                rows,
                _event(
                    Fund.MembershipDeclared,
                    affiliate=name,
                    effective_from=start,
                    members=members,
                    base_amount=4_500_000,
                ),
            )
        for i, month in enumerate(all_months[: months - 1 - a % 3]):
            entry = str(uuid.uuid4())
            payments += 1
            paid_on = arrears.next_month(month) + "-10"
            legs = [{"account": "bank", "side": "debit", "amount": (100 + a) * 45_000}]
            fund_arrears.apply(
                rows,
                _event(
                    Fund.EntryPosted,
                    entry_id=entry,
                    kind="dues",
                    effective_date=paid_on,
                    legs=legs,
                    memo="",
                    details={"payer": name, "month": month},
                    reverses=None,
                ),
            )
            if i % 20 == 7:
                fund_arrears.apply(
                    rows,
                    _event(
                        Fund.EntryPosted,
                        entry_id=str(uuid.uuid4()),
                        kind="reversal",
                        effective_date=paid_on,
                        legs=legs,
                        memo="",
                        details={},
                        reverses=entry,
                    ),
                )
        store.update(rows.changed)
        rows = Rows(lambda channel, key: store.get((channel, key)))
    return store, payments


def median_ms(fn: Any, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--affiliates", type=int, default=300)
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    store, payments = build(args.affiliates, args.months)
    channel = fund_arrears.channel(FUND)
    texts = [json.dumps(doc) for (ch, _k), doc in store.items() if ch == channel]
    as_of = date.fromisoformat(arrears.months("2016-01", "2099-12")[args.months] + "-15")

    def decode() -> list[Any]:
        return [json.loads(t) for t in texts]

    def answer() -> dict[str, Any]:
        book, affiliates = fund_arrears.split_rows(decode())
        return fund_arrears.report(book, affiliates, as_of)

    raw_ms = median_ms(decode, args.runs)
    answer_ms = median_ms(answer, args.runs)
    behind = answer()["totals"]["affiliates_behind"]
    size = sum(len(t) for t in texts)
    print(
        f"SUMMARY arrears affiliates={args.affiliates} months={args.months} payments={payments} "
        f"rows_bytes={size} decode_ms={raw_ms:.1f} answer_ms={answer_ms:.1f} "
        f"ratio={raw_ms / answer_ms:.2f} behind={behind} "
        f'machine="{bk.machine()}"'
    )


if __name__ == "__main__":
    main()
