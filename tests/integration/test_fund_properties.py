"""Property-based tests of the fund on a real SQLite store: random sequences of contributions,
dues, disbursement steps by random people, payments, reversals, resends and period closes.
After every step the ledger balances, no account is below zero counting reservations, receipt
numbers have no gaps, a refused command wrote nothing, and the chain verifies; at the end the
views' balance as of any date equals the sum of the entries effective by then; the arrears
view counts exactly the dues the ledger holds, and arrears + paid = due + credit."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from core import ledger
from core.application import Posko
from core.errors import PoskoError
from core.fund import Fund
from posko.persistence import eventsourcing_env
from projections import fund as fund_view
from projections import fund_arrears
from tests.unit.test_views import Views

PEOPLE = ("person:a", "person:b", "person:c", "person:d")
FIRST_DAY = date(2026, 1, 1)
DAYS = (date(2026, 12, 1) - FIRST_DAY).days  # effective dates the machine picks from
THRESHOLD = 3_000_000

amounts = st.integers(min_value=1, max_value=10_000_000)
days = st.integers(min_value=0, max_value=DAYS).map(lambda n: FIRST_DAY + timedelta(days=n))
people = st.sampled_from(PEOPLE)


class FundMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = tempfile.TemporaryDirectory()
        self.app = Posko(env=eventsourcing_env("", Path(self.dir.name)))
        self.fund_id = uuid4()
        self.contributions: list[tuple[UUID, dict[str, Any]]] = []
        self.entries: list[UUID] = []
        self.disbursements: list[UUID] = []
        self.closed = False

    def teardown(self) -> None:
        self.app.close()
        self.dir.cleanup()

    @initialize()
    def open(self) -> None:
        self.app.open_fund(
            id=self.fund_id,
            name="Dana Mogok",
            unit_kind="confederation",
            unit_id=None,
            threshold=THRESHOLD,
            actor="person:admin",
        )
        self.app.set_dues_rule(
            fund_id=self.fund_id,
            rate_bp=100,
            base="umk",
            rounding="half_up",
            split={"dpp": 4500, "dpw": 1000, "puk": 4500},
            own_level="puk",
            actor="person:a",
        )

    @property
    def fund(self) -> Fund:
        return self.app.fund(self.fund_id)

    def attempt(self, command: Any, **kwargs: Any) -> bool:
        """Run a command; a refusal must leave the fund exactly as it was."""
        before = self.fund.version
        try:
            command(**kwargs)
        except PoskoError:
            assert self.fund.version == before
            return False
        return True

    # -- rules -----------------------------------------------------------------------------

    @rule(amount=amounts, day=days, account=st.sampled_from(["bank", "cash"]))
    def contribute(self, amount: int, day: date, account: str) -> None:
        request = {
            "id": uuid4(),
            "fund_id": self.fund_id,
            "source": "affiliate",
            "payer": "FSPMI",
            "channel": "transfer",
            "reference": None,
            "amount": amount,
            "income_account": "income:solidarity",
            "asset_account": account,
            "effective_date": day,
            "actor": "person:a",
        }
        done = self.attempt(self.app.record_contribution, **request)
        if self.closed and day <= date(2026, 6, 30):
            assert not done  # a closed period refuses back-dated entries
        elif done:
            self.contributions.append((request["id"], request))
            self.entries.append(request["id"])

    @precondition(lambda self: self.contributions)
    @rule(data=st.data())
    def resend(self, data: st.DataObject) -> None:
        _id, request = data.draw(st.sampled_from(self.contributions))
        before = self.fund.version
        result = self.app.record_contribution(**request)
        assert not result.created and self.fund.version == before

    @rule(base=st.integers(min_value=1_000_000, max_value=6_000_000), day=days)
    def pay_dues(self, base: int, day: date) -> None:
        entry_id = uuid4()
        if self.attempt(
            self.app.record_dues,
            id=entry_id,
            fund_id=self.fund_id,
            payer="PUK",
            month=day.isoformat()[:7],
            base_amount=base,
            channel="checkoff",
            asset_account="bank",
            effective_date=day,
            actor="person:a",
        ):
            self.entries.append(entry_id)

    @rule(month=st.integers(min_value=1, max_value=12), members=st.integers(0, 2_000))
    def declare(self, month: int, members: int) -> None:
        declared = self.fund.memberships.get("puk", {}).get(f"2026-{month:02d}")
        again = declared is not None and declared["members"] == members  # same base too
        before = self.fund.version
        done = self.attempt(
            self.app.declare_membership,
            fund_id=self.fund_id,
            affiliate="PUK",
            effective_from=f"2026-{month:02d}",
            members=members,
            base_amount=4_500_000,
            actor="person:a",
        )
        if again:  # the same declaration again (a retry) records nothing, closed or not
            assert done and self.fund.version == before
        elif self.closed and month <= 6:
            assert not done  # a closed period's arrears stay as they were
        else:
            assert done and self.fund.memberships["puk"][f"2026-{month:02d}"]["members"] == members

    @rule(amount=amounts, requester=people)
    def request(self, amount: int, requester: str) -> None:
        disbursement_id = uuid4()
        self.app.request_disbursement(
            id=disbursement_id,
            fund_id=self.fund_id,
            purpose="Upah mogok",
            beneficiary="Anggota",
            amount=amount,
            expense_account="expense:strike_pay",
            pay_from="bank",
            evidence="Daftar hadir",
            actor=requester,
        )
        self.disbursements.append(disbursement_id)

    @precondition(lambda self: self.disbursements)
    @rule(data=st.data(), officer=people)
    def approve(self, data: st.DataObject, officer: str) -> None:
        d = data.draw(st.sampled_from(self.disbursements))
        before = dict(self.fund.disbursement(d))
        if self.attempt(
            self.app.approve_disbursement, fund_id=self.fund_id, disbursement_id=d, actor=officer
        ):
            after = self.fund.disbursement(d)
            assert officer != after["requester"]
            assert officer in after["approvers"]
            if after["status"] == "approved" and before["status"] != "approved":
                needed = 2 if after["amount"] > THRESHOLD else 1
                assert len(set(after["approvers"])) == needed

    @precondition(lambda self: self.disbursements)
    @rule(data=st.data(), amount=amounts)
    def change_amount(self, data: st.DataObject, amount: int) -> None:
        d = data.draw(st.sampled_from(self.disbursements))
        requester = self.fund.disbursement(d)["requester"]
        if self.attempt(
            self.app.change_disbursement_amount,
            fund_id=self.fund_id,
            disbursement_id=d,
            amount=amount,
            actor=requester,
        ):
            after = self.fund.disbursement(d)
            assert after["amount"] == amount
            if after["status"] == "requested":
                assert after["approvers"] == [] or after["amount"] == amount

    @precondition(lambda self: self.disbursements)
    @rule(data=st.data(), payer=people, day=days)
    def pay(self, data: st.DataObject, payer: str, day: date) -> None:
        d = data.draw(st.sampled_from(self.disbursements))
        before = dict(self.fund.disbursement(d))
        if self.attempt(
            self.app.pay_disbursement,
            fund_id=self.fund_id,
            disbursement_id=d,
            payment_ref="REF-" + str(d)[:8],
            effective_date=day,
            actor=payer,
        ):
            after = self.fund.disbursement(d)
            assert after["status"] == "paid"
            if before["status"] != "paid":
                assert before["status"] == "approved"
                assert payer != before["requester"] and payer not in before["approvers"]

    @precondition(lambda self: self.disbursements)
    @rule(data=st.data(), officer=people)
    def reject(self, data: st.DataObject, officer: str) -> None:
        d = data.draw(st.sampled_from(self.disbursements))
        self.attempt(
            self.app.reject_disbursement,
            fund_id=self.fund_id,
            disbursement_id=d,
            reason="Tidak memenuhi syarat",
            actor=officer,
        )

    @precondition(lambda self: self.entries)
    @rule(data=st.data(), day=days)
    def reverse(self, data: st.DataObject, day: date) -> None:
        entry_id = data.draw(st.sampled_from(self.entries))
        reversal = uuid4()
        if self.attempt(
            self.app.reverse_entry,
            id=reversal,
            fund_id=self.fund_id,
            entry_id=entry_id,
            reason="Koreksi",
            effective_date=day,
            actor="person:b",
        ):
            self.entries.append(reversal)

    @precondition(lambda self: not self.closed)
    @rule()
    def close_first_half(self) -> None:
        self.app.close_period(fund_id=self.fund_id, period="2026-H1", actor="person:a")
        self.closed = True

    # -- invariants ------------------------------------------------------------------------

    @invariant()
    def ledger_balances_and_nothing_is_overdrawn(self) -> None:
        fund = self.fund
        debit_side = sum(
            b for c, b in fund.balances.items() if fund.accounts[c]["type"] in ledger.DEBIT_NORMAL
        )
        credit_side = sum(
            b
            for c, b in fund.balances.items()
            if fund.accounts[c]["type"] not in ledger.DEBIT_NORMAL
        )
        assert debit_side == credit_side
        for code, balance in fund.balances.items():
            assert balance - fund.reserved[code] >= 0, code
            assert fund.reserved[code] >= 0

    @invariant()
    def receipts_have_no_gaps_and_the_chain_verifies(self) -> None:
        events = [self.app.mapper.to_domain_event(s) for s in self.app.fund_events(self.fund_id)]
        by_year: dict[str, list[int]] = {}
        for event in events:
            if isinstance(event, Fund.ReceiptIssued):
                year, seq = event.number.split("-")
                by_year.setdefault(year, []).append(int(seq))
        for seqs in by_year.values():
            assert seqs == list(range(1, len(seqs) + 1))
        assert self.app.verify_fund(self.fund_id)["ok"]

    def check_as_of(self) -> None:
        events = [self.app.mapper.to_domain_event(s) for s in self.app.fund_events(self.fund_id)]
        views = Views()
        views.apply(*events)
        summary = views.rows[(fund_view.channel(self.fund_id), fund_view.SUMMARY_KEY)]
        daily = [
            doc
            for (ch, _k), doc in views.rows.items()
            if ch == fund_view.daily_channel(self.fund_id)
        ]
        accounts = summary["accounts"]
        monthly_name = fund_view.monthly_channel(self.fund_id)
        monthly = [doc for (ch, _k), doc in views.rows.items() if ch == monthly_name]
        posted = [e for e in events if isinstance(e, Fund.EntryPosted)]
        for offset in range(0, DAYS + 10, 17):
            day = FIRST_DAY + timedelta(days=offset)
            expected = dict.fromkeys(accounts, 0)
            for entry in posted:
                if date.fromisoformat(entry.effective_date) <= day:
                    for leg in entry.legs:
                        kind = accounts[leg["account"]]["type"]
                        expected[leg["account"]] += ledger.effect(kind, leg)
            assert fund_view.balances_as_of(accounts, daily, day) == expected
            month = day.isoformat()[:7]
            days_name = fund_view.month_days_channel(self.fund_id, month)
            days = [doc for (ch, _k), doc in views.rows.items() if ch == days_name]
            fast = fund_view.balances_as_of_fast(accounts, monthly, days, day)
            assert fast == expected
        self.check_arrears(events, views)
        final = fund_view.balances_as_of(accounts, daily, date(2026, 12, 31))
        assert final == self.fund.balances
        assert {c: a["balance"] for c, a in accounts.items()} == self.fund.balances

    def check_arrears(self, events: list[Any], views: Views) -> None:
        """The arrears view counts exactly the dues the ledger holds as of a day: each dues
        entry effective by then, unless an odd number of reversals in its chain are."""
        posted = {e.entry_id: e for e in events if isinstance(e, Fund.EntryPosted)}

        def root(entry_id: str) -> str:
            while posted[entry_id].reverses is not None:
                entry_id = posted[entry_id].reverses
            return entry_id

        channel = fund_arrears.channel(self.fund_id)
        book, rows = fund_arrears.split_rows(
            [doc for (ch, _k), doc in views.rows.items() if ch == channel]
        )
        for offset in range(0, DAYS + 40, 23):
            day = FIRST_DAY + timedelta(days=offset)
            toggles = {e.entry_id: 0 for e in posted.values() if e.kind == "dues"}
            for e in posted.values():
                if e.reverses is not None and e.effective_date <= day.isoformat():
                    toggles[root(e.entry_id)] = toggles.get(root(e.entry_id), 0) + 1
            expected = sum(
                sum(leg["amount"] for leg in posted[x].legs if leg["side"] == "debit")
                for x, n in toggles.items()
                if posted[x].kind == "dues"
                and posted[x].effective_date <= day.isoformat()
                and n % 2 == 0
            )
            answer = fund_arrears.report(book, rows, day)
            totals = answer["totals"]
            assert totals["paid"] == expected
            assert totals["arrears"] + totals["paid"] == totals["due"] + totals["credit"]


class FundMachineWithViews(FundMachine):
    def teardown(self) -> None:
        try:
            self.check_as_of()
        finally:
            super().teardown()


FundMachineWithViews.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestFundProperties = FundMachineWithViews.TestCase


def test_a_declaration_retried_after_its_period_closed_records_nothing() -> None:
    """Found by the machine: a retried declaration for a month of a closed period was taken for
    a change of it (which the period refuses), where it is an idempotent no-op."""
    machine = FundMachineWithViews()
    machine.open()
    machine.declare(month=3, members=10)
    machine.close_first_half()
    machine.declare(month=3, members=10)  # the retry: accepted, nothing recorded
    machine.declare(month=3, members=11)  # a change: refused
    machine.teardown()
