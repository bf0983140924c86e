"""Dues arrears per affiliate, pure: what a declared membership makes due under the fund's rule
(core/dues.py's arithmetic), payments counted for their month and what is over paying the
oldest month still short, rule and membership changes in mid-year, months that fall due when
they are over, reversals undoing payments, and what the unit's members see."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import arrears, dues
from core.errors import InvalidInput
from core.fund import Fund
from projections import fund_arrears
from projections.rows import Rows

RULE_1PCT = {"from": "2026-01", "rate_bp": 100, "rounding": "floor", "version": 1}
UMK = 5_000_000  # 1% of it: 50 000 per member and month


def reckon(
    declarations: list[dict[str, Any]],
    rules: list[dict[str, Any]],
    payments: list[dict[str, Any]],
    through: str,
) -> dict[str, Any]:
    """An affiliate's dues through month `through` as `arrears.balance` reckons them, with the
    last payment's date and the month by month lines the tests below read. `payments` are the
    ones that count ({"month", "amount", "effective_date"})."""
    paid: dict[str, int] = {}
    for payment in payments:
        paid[payment["month"]] = paid.get(payment["month"], 0) + int(payment["amount"])
    reckoned = arrears.balance(declarations, rules, paid, through)
    window = reckoned.pop("window")
    lines = [
        {
            "month": m,
            "members": None if declared is None else declared["members"],
            "base_amount": None if declared is None else declared["base_amount"],
            "due": due,
            "paid": settled,
            "short": due - settled,
        }
        for m, declared, due, settled in zip(
            window,
            arrears.in_force_each(declarations, list(window)),
            reckoned.pop("dues"),
            reckoned.pop("settled"),
            strict=True,
        )
    ]
    return {
        **reckoned,
        "last_payment": max((str(p["effective_date"]) for p in payments), default=None),
        "months": lines,
    }


def declared(month: str, members: int, base: int = UMK) -> dict[str, Any]:
    return {"from": month, "members": members, "base_amount": base}


def paid(month: str, amount: int, day: str = "2026-07-10") -> dict[str, Any]:
    return {"month": month, "amount": amount, "effective_date": day}


def test_a_months_dues_are_the_rule_on_members_times_the_base() -> None:
    rule = {"from": "2026-01", "rate_bp": 125, "rounding": "half_up", "version": 1}
    due = arrears.due_in("2026-03", [declared("2026-01", 3, 1_000_001)], [rule])
    assert due == dues.amount(3 * 1_000_001, 125, "half_up") == 37_500


def test_nothing_is_due_without_a_rule_or_before_the_first_declaration() -> None:
    assert arrears.due_in("2026-03", [declared("2026-01", 10)], []) == 0
    assert arrears.due_in("2025-12", [declared("2026-01", 10)], [RULE_1PCT]) == 0


def test_paid_in_full_month_by_month_is_not_behind() -> None:
    months = ["2026-01", "2026-02", "2026-03"]
    standing = reckon(
        [declared("2026-01", 10)], [RULE_1PCT], [paid(m, 500_000) for m in months], "2026-03"
    )
    assert (standing["due"], standing["paid"], standing["arrears"]) == (1_500_000, 1_500_000, 0)
    assert standing["months_behind"] == [] and standing["credit"] == 0


def test_a_partial_payment_leaves_its_month_short_and_behind() -> None:
    standing = reckon(
        [declared("2026-01", 10)],
        [RULE_1PCT],
        [paid("2026-01", 500_000), paid("2026-02", 300_000)],
        "2026-03",
    )
    assert standing["arrears"] == 200_000 + 500_000
    assert standing["months_behind"] == ["2026-02", "2026-03"]
    lines = {line["month"]: line for line in standing["months"]}
    assert (lines["2026-02"]["paid"], lines["2026-02"]["short"]) == (300_000, 200_000)


def test_an_overpayment_pays_the_oldest_month_still_short_then_is_credit() -> None:
    standing = reckon(
        [declared("2026-01", 10)],
        [RULE_1PCT],
        [paid("2026-03", 1_300_000)],  # March's 500 000, then January's, then 300 000 of Feb
        "2026-03",
    )
    assert standing["months_behind"] == ["2026-02"]
    assert standing["arrears"] == 200_000 and standing["credit"] == 0
    ahead = reckon([declared("2026-01", 10)], [RULE_1PCT], [paid("2026-01", 2_000_000)], "2026-03")
    assert (ahead["arrears"], ahead["credit"], ahead["months_behind"]) == (0, 500_000, [])


def test_dues_paid_for_a_month_not_yet_due_wait_for_it_only_if_nothing_older_is_short() -> None:
    early = [paid("2026-02", 500_000), paid("2026-04", 500_000)]
    standing = reckon([declared("2026-01", 10)], [RULE_1PCT], early, "2026-03")
    assert standing["months_behind"] == ["2026-03"]  # April's money paid January
    assert standing["arrears"] == 500_000 and standing["credit"] == 0


def test_a_rule_change_in_mid_year_counts_from_its_month() -> None:
    doubled = {"from": "2026-07", "rate_bp": 200, "rounding": "floor", "version": 2}
    standing = reckon([declared("2026-01", 10)], [RULE_1PCT, doubled], [], "2026-08")
    dues_by_month = {line["month"]: line["due"] for line in standing["months"]}
    assert dues_by_month["2026-06"] == 500_000 and dues_by_month["2026-07"] == 1_000_000
    assert standing["due"] == 6 * 500_000 + 2 * 1_000_000


def test_the_first_rule_also_covers_the_months_before_it_was_set() -> None:
    late = {**RULE_1PCT, "from": "2026-11"}
    assert arrears.due_in("2026-01", [declared("2026-01", 10)], [late]) == 500_000


def test_a_membership_change_in_mid_year_counts_from_its_month() -> None:
    declarations = [declared("2026-01", 10), declared("2026-07", 12, 5_500_000)]
    standing = reckon(declarations, [RULE_1PCT], [], "2026-07")
    lines = {line["month"]: line for line in standing["months"]}
    assert (lines["2026-06"]["members"], lines["2026-06"]["due"]) == (10, 500_000)
    assert (lines["2026-07"]["members"], lines["2026-07"]["due"]) == (12, 660_000)


def test_declaring_a_month_again_replaces_it_and_zero_members_stop_the_dues() -> None:
    declarations = [declared("2026-01", 10), declared("2026-01", 8), declared("2026-03", 0)]
    standing = reckon(declarations, [RULE_1PCT], [], "2026-04")
    assert [line["due"] for line in standing["months"]] == [400_000, 400_000, 0, 0]
    assert standing["months_behind"] == ["2026-01", "2026-02"]


@pytest.mark.parametrize(
    ("as_of", "through"),
    [
        ("2026-06-30", "2026-06"),  # the month's last day: it is over
        ("2026-07-01", "2026-06"),
        ("2026-12-06", "2026-11"),
        ("2028-02-29", "2028-02"),
        ("2027-01-15", "2026-12"),
    ],
)
def test_a_month_falls_due_when_it_is_over(as_of: str, through: str) -> None:
    assert arrears.last_month_due(date.fromisoformat(as_of)) == through


def test_months_run_across_years() -> None:
    assert arrears.months("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert arrears.months("2026-03", "2026-02") == []
    assert arrears.next_month("2026-12") == "2027-01"


@pytest.mark.parametrize(
    "value", ["2026-13", "2026-1", "26-01", "2026/01", 202601, None, "0001-01"]
)
def test_a_month_that_is_not_one_is_refused_naming_the_field(value: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        arrears.month("effective_from", value)
    assert (refused.value.code, refused.value.field) == ("not_a_month", "effective_from")


@pytest.mark.parametrize(
    ("value", "code"),
    [(True, "wrong_type"), ("12", "wrong_type"), (12.5, "wrong_type"), (-1, "out_of_range")],
)
def test_members_must_be_a_whole_number_in_range(value: Any, code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        arrears.members("members", value)
    assert (refused.value.code, refused.value.field) == (code, "members")
    assert arrears.members("members", 12.0) == 12 and arrears.members("members", 0) == 0


def test_names_match_whatever_their_spaces_and_case() -> None:
    assert arrears.affiliate_key("  Fspmi  Bekasi ") == arrears.affiliate_key("FSPMI Bekasi")


# -- the view's answer -----------------------------------------------------------------------------


FUND = UUID(int=1)


def event(cls: Any, **fields: Any) -> Any:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    return cls(
        originator_id=FUND,
        originator_version=1,
        timestamp=at,
        prev_hash="",
        hash="",
        actor="t",
        **fields,
    )


def row(name: str, declarations: list[dict[str, Any]], payments: dict[str, Any]) -> dict[str, Any]:
    """The affiliate's row as the view leaves it after the events: each declaration, each
    payment posted as dues (its key the entry id), then its reversals, each reversing the one
    before it."""
    rows = Rows(lambda _channel, _key: None)
    for d in declarations:
        declaring = {"effective_from": d["from"], "members": d["members"]}
        fund_arrears.apply(
            rows,
            event(
                Fund.MembershipDeclared, affiliate=name, base_amount=d["base_amount"], **declaring
            ),
        )
    for entry, p in payments.items():
        paid_in = [{"account": "bank", "side": "debit", "amount": p["amount"]}]
        dues = event(
            Fund.EntryPosted,
            entry_id=entry,
            kind="dues",
            effective_date=p["effective_date"],
            legs=paid_in,
            memo="",
            details={"payer": name, "month": p["month"]},
            reverses=None,
        )
        fund_arrears.apply(rows, dues)
        undone = entry
        for n, day in enumerate(p["reversals"]):
            reversal = f"{entry}-{n}"
            fund_arrears.apply(
                rows,
                event(
                    Fund.EntryPosted,
                    entry_id=reversal,
                    kind="reversal",
                    effective_date=day,
                    legs=[{**leg, "side": "credit" if n % 2 == 0 else "debit"} for leg in paid_in],
                    memo="",
                    details={},
                    reverses=undone,
                ),
            )
            undone = reversal
    found = rows.get(fund_arrears.channel(FUND), f"a:{arrears.affiliate_key(name)}")
    assert found is not None
    return found


def payment(month: str, amount: int, day: str, reversals: list[str] | None = None) -> Any:
    return {"month": month, "amount": amount, "effective_date": day, "reversals": reversals or []}


BOOK = {"rules": [RULE_1PCT], "affiliates": []}


def test_a_reversed_payment_no_longer_counts_and_a_reversed_reversal_counts_again() -> None:
    payments = {
        "a": payment("2026-01", 500_000, "2026-02-05", ["2026-02-20"]),
        "b": payment("2026-02", 500_000, "2026-03-05", ["2026-03-10", "2026-03-12"]),
        "c": payment("2026-03", 500_000, "2026-04-30"),
    }
    fspmi = row("FSPMI", [declared("2026-01", 10)], payments)
    assert fund_arrears.counted(fspmi, date(2026, 3, 11)) == ({}, None)
    assert fund_arrears.counted(fspmi, date(2026, 4, 1)) == ({"2026-02": 500_000}, "2026-03-05")
    answer = fund_arrears.report(BOOK, [fspmi], date(2026, 4, 1))
    (line,) = answer["affiliates"]
    assert line["behind"] == ["2026-01", "2026-03"] and line["months_behind"] == 2
    assert line["last_payment"] == "2026-03-05"


def test_the_report_puts_the_most_in_arrears_first_and_shows_undeclared_payers() -> None:
    late = row("KSPSI", [declared("2026-01", 10)], {})
    on_time = row(
        "FSPMI",
        [declared("2026-01", 10)],
        {
            "x": payment("2026-01", 500_000, "2026-02-01"),
            "y": payment("2026-02", 500_000, "2026-03-01"),
        },
    )
    typo = row("FSPMl", [], {"z": payment("2026-02", 100_000, "2026-03-01")})
    answer = fund_arrears.report(BOOK, [on_time, typo, late], date(2026, 3, 1))
    assert [a["affiliate"] for a in answer["affiliates"]] == ["KSPSI", "FSPMI", "FSPMl"]
    assert answer["affiliates"][2]["declared"] is False
    assert answer["affiliates"][2]["credit"] == 100_000
    assert answer["through"] == "2026-02"
    assert answer["totals"] == {
        "due": 2_000_000,
        "paid": 1_100_000,
        "arrears": 1_000_000,
        "credit": 100_000,
        "affiliates_behind": 1,
    }


def test_members_of_the_unit_see_totals_per_affiliate_only() -> None:
    late = row("KSPSI", [declared("2026-01", 10)], {"x": payment("2026-01", 1, "2026-02-01")})
    answer = fund_arrears.totals_only(fund_arrears.report(BOOK, [late], date(2026, 3, 1)))
    (line,) = answer["affiliates"]
    assert set(line) == set(fund_arrears.TOTALS)


# -- the property ----------------------------------------------------------------------------------

MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]
month_st = st.sampled_from(MONTHS)


@given(
    declarations=st.lists(
        st.builds(
            declared,
            month_st,
            st.integers(min_value=0, max_value=5_000),
            st.integers(min_value=1, max_value=10_000_000),
        ),
        max_size=4,
    ),
    rules=st.lists(
        st.builds(
            lambda m, bp, r: {"from": m, "rate_bp": bp, "rounding": r},
            month_st,
            st.integers(min_value=1, max_value=10_000),
            st.sampled_from(dues.ROUNDINGS),
        ),
        max_size=3,
    ).map(lambda rs: sorted(rs, key=lambda r: r["from"])),  # set one after another
    payments=st.lists(
        st.builds(paid, month_st, st.integers(min_value=1, max_value=10**9)), max_size=12
    ),
    through=month_st,
)
def test_arrears_plus_paid_is_due_plus_credit_and_the_months_behind_agree(
    declarations: list[dict[str, Any]],
    rules: list[dict[str, Any]],
    payments: list[dict[str, Any]],
    through: str,
) -> None:
    s = reckon(declarations, rules, payments, through)
    assert [line["due"] for line in s["months"]] == [
        arrears.due_in(line["month"], declarations, rules) for line in s["months"]
    ]  # the month by month sweep agrees with asking month by month
    assert s["arrears"] + s["paid"] == s["due"] + s["credit"]
    assert min(s["arrears"], s["credit"]) == 0 and s["arrears"] >= 0 and s["credit"] >= 0
    assert s["due"] == sum(line["due"] for line in s["months"])
    assert all(0 <= line["paid"] <= line["due"] for line in s["months"])
    short = [line["month"] for line in s["months"] if line["short"] > 0]
    assert s["months_behind"] == short == sorted(short)
    assert bool(s["months_behind"]) == (s["arrears"] > 0)
    # Oldest first: after a month still short, no later month got more than its own dues.
    own: dict[str, int] = {}
    for p in payments:
        own[p["month"]] = own.get(p["month"], 0) + p["amount"]
    first_short = s["months_behind"][0] if s["months_behind"] else None
    for line in s["months"]:
        if first_short is not None and line["month"] > first_short:
            assert line["paid"] == min(own.get(line["month"], 0), line["due"])
    more = reckon(declarations, rules, [*payments, paid(through, 1)], through)
    assert more["arrears"] <= s["arrears"]  # paying more never adds arrears
