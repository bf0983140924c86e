"""The fund's pure arithmetic, without I/O: dues (rate, rounding, a split that sums exactly by
largest remainder), whole-rupiah amounts, balanced legs, periods, and RFC 6962 Merkle roots
from the compact frontier a fund keeps."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import dues, ledger
from core.errors import InvalidInput

ACCOUNTS = {"bank": {"type": "asset"}, "income:dues": {"type": "income"}}


@given(
    base=st.integers(min_value=1, max_value=10**12),
    rate_bp=st.integers(min_value=1, max_value=10_000),
    rounding=st.sampled_from(dues.ROUNDINGS),
    shares=st.lists(st.integers(min_value=1, max_value=100), min_size=1, max_size=6),
)
def test_a_dues_split_always_sums_to_the_amount(
    base: int, rate_bp: int, rounding: str, shares: list[int]
) -> None:
    # Turn arbitrary weights into basis points that sum to exactly 10 000.
    raw = [s * 10_000 // sum(shares) for s in shares]
    raw[0] += 10_000 - sum(raw)
    split = {f"level{i}": bp for i, bp in enumerate(raw) if bp > 0}
    if sum(split.values()) != 10_000:
        return
    rule = dues.rule(rate_bp, "wage", rounding, split)
    exact = base * rate_bp / 10_000
    total = dues.amount(base, rate_bp, rounding)
    assert abs(total - exact) < 1
    parts = dues.split(total, rule.split)
    assert sum(parts.values()) == total
    for level, bp in rule.split.items():
        assert abs(parts[level] - total * bp / 10_000) < 1  # largest remainder: within a rupiah


@given(st.lists(st.binary(min_size=32, max_size=32).map(bytes.hex), max_size=70))
def test_the_compact_frontier_gives_the_rfc6962_root(items: list[str]) -> None:
    frontier: list[list[Any]] = []
    for item in items:
        frontier = ledger.frontier_add(frontier, item)
    assert ledger.frontier_root(frontier) == ledger.merkle_root(items)


@pytest.mark.parametrize(
    ("base", "rate_bp", "rounding", "expected"),
    [
        (5_396_761, 100, "floor", 53_967),  # 53 967.61
        (5_396_761, 100, "half_up", 53_968),
        (5_396_750, 100, "half_up", 53_968),  # exactly .50 goes up
        (5_396_749, 100, "half_up", 53_967),
        (5_396_701, 100, "ceil", 53_968),
        (5_396_700, 100, "ceil", 53_967),  # nothing to round
    ],
)
def test_dues_round_as_the_rule_says(base: int, rate_bp: int, rounding: str, expected: int) -> None:
    assert dues.amount(base, rate_bp, rounding) == expected


def test_the_largest_remainder_gets_the_spare_rupiah_and_ties_go_to_the_first_listed() -> None:
    assert dues.split(53_967, {"dpp": 4500, "puk": 5500}) == {"dpp": 24_285, "puk": 29_682}
    assert dues.split(1, {"a": 5000, "b": 5000}) == {"a": 1, "b": 0}
    assert dues.split(100, {"a": 3333, "b": 3333, "c": 3334}) == {"a": 33, "b": 33, "c": 34}


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ((0, "umk", "floor", {"a": 10_000}), "rate_bp"),
        ((100, "gaji", "floor", {"a": 10_000}), "base"),
        ((100, "umk", "round", {"a": 10_000}), "rounding"),
        ((100, "umk", "floor", {"a": 5000, "b": 4000}), "split"),
        ((100, "umk", "floor", {}), "split"),
        ((True, "umk", "floor", {"a": 10_000}), "rate_bp"),
    ],
)
def test_a_bad_dues_rule_names_its_field(rule: tuple[Any, ...], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        dues.rule(*rule)
    assert refused.value.field == field


def test_an_integral_float_is_that_many_rupiah_as_json_schema_counts_it() -> None:
    assert ledger.rupiah("amount", 1250000.0) == 1_250_000


@pytest.mark.parametrize("value", [0, -1, 0.0, 1.5, "1000", True, None, 10**15 + 1, 1e300])
def test_amounts_are_positive_whole_rupiah(value: Any) -> None:
    with pytest.raises(InvalidInput):
        ledger.rupiah("amount", value)


def test_legs_must_balance_and_name_accounts_of_the_fund() -> None:
    debit = {"account": "bank", "side": "debit", "amount": 10}
    credit = {"account": "income:dues", "side": "credit", "amount": 10}
    assert ledger.check_legs([debit, credit], ACCOUNTS) == [debit, credit]
    for legs, code in (
        ([debit], "legs_count"),
        ([debit, {**credit, "amount": 9}], "unbalanced"),
        ([debit, {**credit, "account": "kas-pribadi"}], "unknown_account"),
        ([debit, {**credit, "side": "kredit"}], "not_one_of"),
    ):
        with pytest.raises(InvalidInput) as refused:
            ledger.check_legs(legs, ACCOUNTS)
        assert refused.value.code == code


def test_periods_are_half_years() -> None:
    assert ledger.period_of(date(2026, 6, 30)) == "2026-H1"
    assert ledger.period_of(date(2026, 7, 1)) == "2026-H2"
    assert ledger.period_bounds("2026-H2") == (date(2026, 7, 1), date(2026, 12, 31))
    with pytest.raises(InvalidInput):
        ledger.period_bounds("2026-Q3")


def test_merkle_roots_follow_rfc_6962() -> None:
    # RFC 6962 2.1: MTH({}) = SHA-256(""), and one leaf is hashed with a 0x00 prefix.
    assert ledger.merkle_root([]) == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    leaf = "00" * 32
    assert ledger.merkle_root([leaf]) == ledger.leaf_hash(leaf)
    three = ["11" * 32, "22" * 32, "33" * 32]
    left = ledger.node_hash(ledger.leaf_hash(three[0]), ledger.leaf_hash(three[1]))
    assert ledger.merkle_root(three) == ledger.node_hash(left, ledger.leaf_hash(three[2]))


@pytest.mark.parametrize("period", ["0001-H1", "1899-H2", "9999-H2"])
def test_a_period_outside_the_books_years_is_refused_not_overflowed(period: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        ledger.period_bounds(period)
    assert refused.value.code == "not_a_period"


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_date_outside_the_books_years_is_refused_not_overflowed(day: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        ledger.parse_date("as_of", day)
    assert refused.value.code == "not_a_date"
