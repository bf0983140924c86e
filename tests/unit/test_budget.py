"""The annual budget's arithmetic, pure: budget years, planned amounts, the half-year rule,
% realised, and budget against actual from monthly rows (only the months in range count;
the year to date starts on 1 January; the totals are the sums of the lines)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import budget, ledger
from core.errors import InvalidInput
from projections import fund_budget

ACCOUNTS = {
    "bank": {"name": "Bank", "type": "asset"},
    "income:dues": {"name": "Iuran", "type": "income"},
    "expense:transport": {"name": "Transportasi", "type": "expense"},
}


@pytest.mark.parametrize("raw", ["26", "20x6", "02026", "", " 2026", "1899", "9999", True, None])
def test_a_malformed_year_is_refused(raw: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        budget.parse_year("year", raw)
    assert (refused.value.code, refused.value.field) == ("not_a_year", "year")


def test_a_year_is_four_digits() -> None:
    assert budget.parse_year("year", "2026") == budget.parse_year("year", 2026) == 2026


@pytest.mark.parametrize(
    ("value", "code"), [(-1, "out_of_range"), (1.5, "whole_rupiah"), ("9", "whole_rupiah")]
)
def test_planned_amounts_are_whole_rupiah_from_zero(value: Any, code: str) -> None:
    assert budget.planned("amount", 0) == 0 and budget.planned("amount", 12.0) == 12
    with pytest.raises(InvalidInput) as refused:
        budget.planned("amount", value)
    assert refused.value.code == code


@given(st.integers(min_value=0, max_value=ledger.MAX_RUPIAH))
def test_the_halves_add_up_to_the_year_exactly(annual: int) -> None:
    first, second = budget.half_share(annual, 1), budget.half_share(annual, 2)
    assert first + second == annual and 0 <= second - first <= 1


@pytest.mark.parametrize(
    ("planned", "actual", "pct"),
    [(3, 1, 33.3), (3, 2, 66.7), (8, 1, 12.5), (200, 1, 0.5), (4, 6, 150.0), (4, -1, -25.0)],
)
def test_realised_is_a_percentage_with_one_decimal_rounded_half_up(
    planned: int, actual: int, pct: float
) -> None:
    assert budget.realised_pct(planned, actual) == pct


def test_nothing_planned_has_no_percentage() -> None:
    assert budget.figures(0, 5) == {
        "planned": 0,
        "actual": 5,
        "difference": 5,
        "realised_pct": None,
    }


def month(account: str, first_day: str, debit: int, credit: int) -> dict[str, Any]:
    return {"account": account, "eff": first_day, "debit": debit, "credit": credit, "count": 1}


def test_budget_against_actual_takes_the_months_in_range_only() -> None:
    summary = {"accounts": ACCOUNTS, "periods": {}}
    monthly = [
        month("income:dues", "2025-12-01", 0, 900),  # last year: neither
        month("income:dues", "2026-03-01", 100, 1_100),  # H1: year to date only
        month("income:dues", "2026-07-01", 0, 2_000),
        month("expense:transport", "2026-12-01", 700, 200),  # a reversal takes back 200
        month("bank", "2026-07-01", 2_000, 0),  # not a budget account
    ]
    doc = {
        "year": 2026,
        "lines": {},
        "revisions": [
            {"version": 2, "lines": {"income:dues": {"amount": 8_001, "previous": None}}},
            {"version": 5, "lines": {"expense:transport": {"amount": 1_000, "previous": None}}},
        ],
    }
    report = fund_budget.period_section(summary, monthly, doc, "2026-H2")
    assert set(report["lines"]) == {"income:dues", "expense:transport"}
    dues = report["lines"]["income:dues"]
    assert dues["period"] == budget.figures(4_001, 2_000)
    assert dues["year_to_date"] == budget.figures(8_001, 3_000)
    transport = report["lines"]["expense:transport"]
    assert transport["period"] == budget.figures(500, 500)
    assert report["totals"]["income"]["year_to_date"] == budget.figures(8_001, 3_000)
    assert report["totals"]["expense"]["annual"] == 1_000
    assert report["rule"] == budget.HALF_RULE and report["revision"] == 2
    assert not report["frozen"]


def test_a_closed_period_takes_the_revisions_recorded_before_its_close() -> None:
    summary = {"accounts": ACCOUNTS, "periods": {"2026-H1": {"version": 4}}}
    doc = {
        "year": 2026,
        "lines": {},
        "revisions": [
            {"version": 2, "lines": {"income:dues": {"amount": 100, "previous": None}}},
            {"version": 6, "lines": {"income:dues": {"amount": 900, "previous": 100}}},
        ],
    }
    closed = fund_budget.period_section(summary, [], doc, "2026-H1")
    assert closed["frozen"] and closed["revision"] == 1
    assert closed["lines"]["income:dues"]["annual"] == 100
    year = fund_budget.year_section(summary, [], doc, 2026)
    assert year["lines"]["income:dues"]["annual"] == 900
    assert year["lines"]["income:dues"]["H1"]["planned"] == 50
    assert year["lines"]["income:dues"]["H2"]["planned"] == 450
    assert year["frozen"] == {"H1": True, "H2": False}


def test_no_budget_yet_plans_nothing() -> None:
    summary = {"accounts": ACCOUNTS, "periods": {}}
    year = fund_budget.year_section(summary, [], None, 2026)
    assert year["revision"] == 0 and year["revisions"] == []
    assert year["totals"]["income"]["year"] == budget.figures(0, 0)
