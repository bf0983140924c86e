"""Property-based test of the budget against actual, on the fund machine's random sequences
(contributions, dues, payments, reversals, resends, a period close) with budget revisions
mixed in: for each half and the year to date, every account's actual equals the sum of the
entries effective in range (reversals included), the planned figure is the half-year rule
applied to the budget in force (at the close, for a closed period), and the totals are the
sums of the lines."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import rule

from core import budget, ledger
from core.fund import Fund
from projections import fund as fund_view
from projections import fund_budget
from tests.integration.test_fund_properties import FundMachine
from tests.unit.test_views import Views

BUDGETED = ("income:solidarity", "income:dues", "expense:strike_pay", "expense:legal_aid")


class BudgetMachine(FundMachine):
    @rule(
        lines=st.dictionaries(
            st.sampled_from(BUDGETED), st.integers(min_value=0, max_value=50_000_000), min_size=1
        )
    )
    def revise_budget(self, lines: dict[str, int]) -> None:
        self.app.set_budget(
            id=uuid4(),
            fund_id=self.fund_id,
            year="2026",
            lines=[{"account": code, "amount": amount} for code, amount in lines.items()],
            note=None,
            actor="person:a",
        )
        assert {c: self.fund.budgets["2026"][c] for c in lines} == lines

    def check_budget(self) -> None:
        events = [self.app.mapper.to_domain_event(s) for s in self.app.fund_events(self.fund_id)]
        views = Views()
        views.apply(*events)
        summary = views.rows[(fund_view.channel(self.fund_id), fund_view.SUMMARY_KEY)]
        monthly_name = fund_view.monthly_channel(self.fund_id)
        monthly = [doc for (ch, _k), doc in views.rows.items() if ch == monthly_name]
        doc = views.rows.get((fund_budget.channel(self.fund_id), "2026"))
        accounts = summary["accounts"]

        def summed(code: str, lo: date, hi: date) -> int:
            return sum(
                ledger.effect(accounts[code]["type"], leg)
                for event in events
                if isinstance(event, Fund.EntryPosted)
                and lo <= date.fromisoformat(event.effective_date) <= hi
                for leg in event.legs
                if leg["account"] == code
            )

        def in_force(by_version: int | None) -> dict[str, int]:
            out: dict[str, int] = {}
            for event in events:
                if isinstance(event, Fund.BudgetSet) and (
                    by_version is None or event.originator_version <= by_version
                ):
                    out.update(event.lines)
            return out

        for half in (1, 2):
            period = f"2026-H{half}"
            start, end = ledger.period_bounds(period)
            closed = summary["periods"].get(period)
            planned = in_force(None if closed is None else closed["version"])
            report = fund_budget.period_section(summary, monthly, doc, period)
            for code, line in report["lines"].items():
                annual = planned.get(code, 0)
                assert line["period"] == budget.figures(
                    budget.half_share(annual, half), summed(code, start, end)
                )
                assert line["year_to_date"] == budget.figures(
                    annual, summed(code, date(2026, 1, 1), end)
                )
            for kind, total in report["totals"].items():
                mine = [line for line in report["lines"].values() if line["type"] == kind]
                for scope in ("period", "year_to_date"):
                    assert total[scope]["planned"] == sum(x[scope]["planned"] for x in mine)
                    assert total[scope]["actual"] == sum(x[scope]["actual"] for x in mine)


class BudgetMachineWithViews(BudgetMachine):
    def teardown(self) -> None:
        try:
            self.check_budget()
        finally:
            super().teardown()


BudgetMachineWithViews.TestCase.settings = settings(
    max_examples=15,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestBudgetProperties = BudgetMachineWithViews.TestCase
