"""A solidarity fund (dana solidaritas, dana mogok) of one organisational unit: its chart of
accounts, balances and reservations, dues rule, disbursements and periods. Every event of a
fund carries the hash of the one before it, so the fund's history is a hash chain; a closed
period carries a checkpoint (chain head and Merkle root of its entries).

Public methods check the invariants and raise domain errors; the events' `apply` only changes
state (replay runs it alone). Amounts are whole rupiah (int) everywhere."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from core import arrears, budget, ledger, values
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.ledger import Leg

UNIT_KINDS = ("confederation", "affiliate", "branch")
ENTRY_KINDS = ("contribution", "dues", "manual", "payment", "reversal")
DEFAULT_ACCOUNTS: dict[str, dict[str, str]] = {
    "cash": {"name": "Kas", "type": "asset"},
    "bank": {"name": "Bank", "type": "asset"},
    "income:dues": {"name": "Iuran anggota", "type": "income"},
    "income:solidarity": {"name": "Dana solidaritas", "type": "income"},
    "income:strike": {"name": "Dana mogok", "type": "income"},
    "income:donation": {"name": "Sumbangan", "type": "income"},
    "expense:strike_pay": {"name": "Upah mogok", "type": "expense"},
    "expense:legal_aid": {"name": "Bantuan hukum", "type": "expense"},
    "expense:transport": {"name": "Transportasi", "type": "expense"},
    "expense:logistics": {"name": "Konsumsi dan logistik", "type": "expense"},
    "expense:emergency": {"name": "Bantuan darurat", "type": "expense"},
}
MAX_EXPIRY_DAYS = 365
_NOT_HASHED = ("originator_id", "originator_version", "originator_topic", "prev_hash", "hash")


def event_body(fund_id: UUID | str, fields: dict[str, Any]) -> dict[str, Any]:
    """What an event's hash covers: its fields (with its timestamp) and the fund's id (or its
    text, for a caller hashing many events of one fund)."""
    body = {k: v for k, v in fields.items() if k not in _NOT_HASHED}
    body["fund"] = str(fund_id)
    return body


def account_code(field: str, value: Any) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= 60:
        raise InvalidInput("bad_account_code", field=field)
    allowed = all((c.isalnum() and c.isascii()) or c in ":_-." for c in value)
    if not allowed or value != value.lower():
        raise InvalidInput("bad_account_code", field=field)
    return value


class Fund(Aggregate):
    class Event(Aggregate.Event):
        prev_hash: str
        hash: str
        actor: str

        def apply(self, aggregate: Any) -> None:
            self.change(aggregate)
            aggregate.head = self.hash

        def change(self, fund: Any) -> None:
            """What the event does to the fund's state (no checks, no clock)."""

    class Opened(Aggregate.Created):
        prev_hash: str
        hash: str
        actor: str
        name: str
        unit_kind: str
        unit_id: str | None
        threshold: int
        expiry_days: int
        accounts: dict[str, dict[str, str]]

        def apply(self, aggregate: Any) -> None:
            fund: Fund = aggregate
            fund.name, fund.unit_kind, fund.unit_id = self.name, self.unit_kind, self.unit_id
            fund.threshold, fund.expiry_days = self.threshold, self.expiry_days
            fund.accounts = {k: dict(v) for k, v in self.accounts.items()}
            fund.balances = {k: 0 for k in self.accounts}
            fund.reserved = {k: 0 for k in self.accounts}
            fund.dues_rule = None
            fund.dues_rule_version = 0
            fund.memberships = {}
            fund.disbursements = {}
            fund.closed = {}
            fund.open_trees = {}
            fund.reversed = {}
            fund.entries = 0
            fund.budgets = {}
            fund.budget_revisions = {}
            fund.head = self.hash

    class AccountOpened(Event):
        code: str
        account_name: str
        account_type: str

        def change(self, fund: Any) -> None:
            fund.accounts[self.code] = {"name": self.account_name, "type": self.account_type}
            fund.balances[self.code] = 0
            fund.reserved[self.code] = 0

    class DuesRuleSet(Event):
        rule: dict[str, Any]
        rule_version: int

        def change(self, fund: Any) -> None:
            fund.dues_rule, fund.dues_rule_version = dict(self.rule), self.rule_version

    class MembershipDeclared(Event):
        """An affiliate's dues-paying members and their base, from a month on."""

        affiliate: str
        effective_from: str
        members: int
        base_amount: int

        def change(self, fund: Any) -> None:
            declared = fund.memberships.setdefault(arrears.affiliate_key(self.affiliate), {})
            declared[self.effective_from] = {
                "affiliate": self.affiliate,
                "members": self.members,
                "base_amount": self.base_amount,
            }

    class EntryPosted(Event):
        entry_id: str
        kind: str
        effective_date: str
        legs: list[Leg]
        memo: str
        details: dict[str, Any]
        reverses: str | None

        def change(self, fund: Any) -> None:
            for leg in self.legs:
                kind = fund.accounts[leg["account"]]["type"]
                fund.balances[leg["account"]] += ledger.effect(kind, leg)
            if self.reverses is not None:
                fund.reversed[self.reverses] = self.entry_id
            period = ledger.period_of(date.fromisoformat(self.effective_date))
            tree = fund.open_trees.get(period, {"count": 0, "frontier": []})
            fund.open_trees[period] = {
                "count": tree["count"] + 1,
                "frontier": ledger.frontier_add(tree["frontier"], self.hash),
            }
            fund.entries += 1

    class ReceiptIssued(Event):
        number: str
        entry_id: str
        payer: str
        amount: int
        replaces: str | None

    class ReceiptVoided(Event):
        number: str
        reason: str
        replaced_by: str | None

    class DisbursementRequested(Event):
        disbursement_id: str
        purpose: str
        beneficiary: str
        amount: int
        expense_account: str
        pay_from: str
        evidence: str
        expires_at: datetime
        help_request_id: str | None

        def change(self, fund: Any) -> None:
            fund.disbursements[self.disbursement_id] = {
                "status": "requested",
                "purpose": self.purpose,
                "beneficiary": self.beneficiary,
                "amount": self.amount,
                "expense_account": self.expense_account,
                "pay_from": self.pay_from,
                "evidence": self.evidence,
                "expires_at": self.expires_at.isoformat(),
                "requester": self.actor,
                "approvers": [],
                "reserved": 0,
                "help_request_id": self.help_request_id,
            }

    class DisbursementApproved(Event):
        disbursement_id: str

        def change(self, fund: Any) -> None:
            fund.disbursements[self.disbursement_id]["approvers"].append(self.actor)

    class FundsReserved(Event):
        disbursement_id: str
        account: str
        amount: int

        def change(self, fund: Any) -> None:
            d = fund.disbursements[self.disbursement_id]
            d["status"], d["reserved"] = "approved", self.amount
            fund.reserved[self.account] += self.amount

    class AmountChanged(Event):
        """A new amount: approvals are cancelled and any reservation released."""

        disbursement_id: str
        amount: int
        previous: int

        def change(self, fund: Any) -> None:
            d = fund.disbursements[self.disbursement_id]
            fund.reserved[d["pay_from"]] -= d["reserved"]
            d.update(amount=self.amount, approvers=[], reserved=0, status="requested")

    class DisbursementClosed(Event):
        """Rejected or expired: whatever it reserved is released."""

        disbursement_id: str
        outcome: str  # "rejected" | "expired"
        reason: str

        def change(self, fund: Any) -> None:
            d = fund.disbursements[self.disbursement_id]
            fund.reserved[d["pay_from"]] -= d["reserved"]
            d.update(status=self.outcome, reserved=0, closed_by=self.actor, reason=self.reason)

    class DisbursementPaid(Event):
        disbursement_id: str
        entry_id: str
        payment_ref: str

        def change(self, fund: Any) -> None:
            d = fund.disbursements[self.disbursement_id]
            fund.reserved[d["pay_from"]] -= d["reserved"]
            d.update(
                status="paid",
                reserved=0,
                payer=self.actor,
                payment_ref=self.payment_ref,
                entry_id=self.entry_id,
            )

    class PeriodClosed(Event):
        period: str
        checkpoint: dict[str, Any]

        def change(self, fund: Any) -> None:
            fund.closed[self.period] = {**self.checkpoint, "signatures": {}}
            fund.open_trees.pop(self.period, None)

    class CheckpointSigned(Event):
        period: str
        role: str

        def change(self, fund: Any) -> None:
            fund.closed[self.period]["signatures"][self.role] = self.actor

    class BudgetSet(Event):
        """A revision of a year's budget (APBO): these accounts' planned amounts supersede
        their earlier figures; the other accounts keep theirs."""

        revision_id: str
        year: int
        lines: dict[str, int]
        note: str | None

        def change(self, fund: Any) -> None:
            fund.budgets.setdefault(str(self.year), {}).update(self.lines)
            fund.budget_revisions[self.revision_id] = {
                "year": self.year,
                "lines": dict(self.lines),
                "note": self.note,
                "actor": self.actor,
            }

    # -- state attributes (set by Opened.apply) -------------------------------------------------
    name: str
    unit_kind: str
    unit_id: str | None
    threshold: int
    expiry_days: int
    accounts: dict[str, dict[str, str]]
    balances: dict[str, int]
    reserved: dict[str, int]
    dues_rule: dict[str, Any] | None
    dues_rule_version: int
    memberships: dict[str, dict[str, dict[str, Any]]]  # affiliate key -> month -> declared
    disbursements: dict[str, dict[str, Any]]
    closed: dict[str, dict[str, Any]]
    open_trees: dict[str, dict[str, Any]]
    reversed: dict[str, str]
    entries: int
    budgets: dict[str, dict[str, int]]  # year -> account -> planned rupiah in force
    budget_revisions: dict[str, dict[str, Any]]  # the client's revision id -> what it set
    head: str

    def __init__(self) -> None:
        pass  # Opened.apply sets the state

    @classmethod
    def open(
        cls,
        *,
        id: UUID,
        name: str,
        unit_kind: str,
        unit_id: UUID | None,
        threshold: Any,
        expiry_days: Any = 30,
        now: datetime,
        actor: str,
    ) -> Fund:
        values.choice("unit_kind", unit_kind, UNIT_KINDS)
        if (unit_kind == "confederation") != (unit_id is None):
            raise InvalidInput("unit_id_for_kind", field="unit_id", unit_kind=unit_kind)
        if isinstance(expiry_days, bool) or not isinstance(expiry_days, int):
            raise InvalidInput("wrong_type", field="expiry_days", expected="integer")
        if not 1 <= expiry_days <= MAX_EXPIRY_DAYS:
            raise InvalidInput("out_of_range", field="expiry_days", min=1, max=MAX_EXPIRY_DAYS)
        fields: dict[str, Any] = {
            "actor": actor,
            "name": values.text("name", name),
            "unit_kind": unit_kind,
            "unit_id": None if unit_id is None else str(unit_id),
            "threshold": ledger.rupiah("threshold", threshold),
            "expiry_days": expiry_days,
            "accounts": {k: dict(v) for k, v in DEFAULT_ACCOUNTS.items()},
        }
        digest = ledger.chain_hash(
            ledger.GENESIS, "Opened", 1, event_body(id, fields | {"timestamp": now})
        )
        return cls._create(
            cls.Opened, id=id, timestamp=now, prev_hash=ledger.GENESIS, hash=digest, **fields
        )

    def facts(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "unit_kind": self.unit_kind,
            "unit_id": self.unit_id,
            "threshold": self.threshold,
            "expiry_days": self.expiry_days,
        }

    def _record(self, event_class: type[Fund.Event], now: datetime, **fields: Any) -> None:
        """Trigger an event chained to the one before it."""
        digest = ledger.chain_hash(
            self.head,
            event_class.__name__,
            self.version + 1,
            event_body(self.id, fields | {"timestamp": now}),
        )
        self.trigger_event(event_class, timestamp=now, prev_hash=self.head, hash=digest, **fields)

    @property
    def unit_key(self) -> str:
        return f"{self.unit_kind}:{self.unit_id or 'national'}"

    # -- accounts and dues ---------------------------------------------------------------------

    def open_account(
        self, *, code: Any, name: str, account_type: str, now: datetime, actor: str
    ) -> bool:
        code = account_code("code", code)
        name = values.text("name", name)
        values.choice("type", account_type, ledger.ACCOUNT_TYPES)
        existing = self.accounts.get(code)
        if existing is not None:
            if existing != {"name": name, "type": account_type}:
                raise Conflict("account_exists", field="code", account=code)
            return False
        self._record(
            Fund.AccountOpened,
            now,
            actor=actor,
            code=code,
            account_name=name,
            account_type=account_type,
        )
        return True

    def set_dues_rule(
        self, *, rule: dict[str, Any], own_level: str, now: datetime, actor: str
    ) -> bool:
        """A new dues rule; the other levels' shares are owed to them (due_to:<level>)."""
        if own_level not in rule["split"]:
            raise InvalidInput("own_level_not_in_split", field="own_level")
        full = {**rule, "own_level": own_level}
        if self.dues_rule == full:
            return False
        for level in rule["split"]:
            code = f"due_to:{level}"
            if level != own_level and code not in self.accounts:
                account_code("split", code)
                self._record(
                    Fund.AccountOpened,
                    now,
                    actor=actor,
                    code=code,
                    account_name=f"Hutang iuran ke {level}",
                    account_type="liability",
                )
        self._record(
            Fund.DuesRuleSet, now, actor=actor, rule=full, rule_version=self.dues_rule_version + 1
        )
        return True

    def declare_membership(
        self,
        *,
        affiliate: str,
        effective_from: Any,
        members: Any,
        base_amount: Any,
        now: datetime,
        actor: str,
    ) -> bool:
        """An affiliate's declared membership from a month on (core/arrears.py counts its
        dues). The same declaration again records nothing; another one for the same month
        replaces it, unless that month is in a closed period (its report is frozen)."""
        fields: dict[str, Any] = {
            "affiliate": values.text("affiliate", affiliate),
            "effective_from": arrears.month("effective_from", effective_from),
            "members": arrears.members("members", members),
            "base_amount": ledger.rupiah("base_amount", base_amount),
        }
        key = arrears.affiliate_key(fields["affiliate"])
        declared = self.memberships.get(key, {}).get(fields["effective_from"])
        if declared == {k: fields[k] for k in ("affiliate", "members", "base_amount")}:
            return False
        period = ledger.period_of(date.fromisoformat(fields["effective_from"] + "-01"))
        if period in self.closed:
            raise Conflict("period_closed", field="effective_from", period=period)
        self._record(Fund.MembershipDeclared, now, actor=actor, **fields)
        return True

    def set_budget(
        self,
        *,
        revision_id: UUID,
        year: int,
        lines: Any,
        note: str | None,
        now: datetime,
        actor: str,
    ) -> bool:
        """Revise a year's budget: planned amounts per income or expense account. A resend of
        the same revision records nothing; a revision that changes no figure neither. Once
        both halves of the year are closed, its budget is history."""
        checked = budget.check_lines(lines, self.accounts)
        key = str(revision_id)
        asked = {"year": year, "lines": checked, "note": note, "actor": actor}
        seen = self.budget_revisions.get(key)
        if seen is not None:
            if seen != asked:
                raise Conflict("id_reused", field="id", id=key)
            return False
        if all(f"{year}-H{half}" in self.closed for half in (1, 2)):
            raise Conflict("budget_year_closed", field="year", year=year)
        current = self.budgets.get(str(year), {})
        if all(current.get(code) == amount for code, amount in checked.items()):
            return False
        self._record(
            Fund.BudgetSet,
            now,
            actor=actor,
            revision_id=key,
            year=year,
            lines=checked,
            note=note,
        )
        return True

    # -- entries -------------------------------------------------------------------------------

    def check_effective(
        self, effective: date, now: datetime, field: str = "effective_date"
    ) -> None:
        """An entry's effective date: not after today (WIB), not in a closed period."""
        if effective > ledger.today_wib(now):
            raise InvalidInput("date_in_future", field=field)
        if ledger.period_of(effective) in self.closed:
            raise Conflict("period_closed", field=field, period=ledger.period_of(effective))

    def post(
        self,
        *,
        entry_id: UUID,
        kind: str,
        effective: date,
        legs: Any,
        memo: str,
        details: dict[str, Any],
        reverses: str | None = None,
        now: datetime,
        actor: str,
    ) -> list[Leg]:
        """Post a balanced entry; no account may end below zero counting reservations."""
        values.choice("kind", kind, ENTRY_KINDS)
        checked = ledger.check_legs(legs, self.accounts)
        self.check_effective(effective, now)
        after: dict[str, int] = {}
        for leg in checked:
            account = leg["account"]
            before = after.get(account, self.balances[account])
            after[account] = before + ledger.effect(self.accounts[account]["type"], leg)
        for account, balance in after.items():
            if balance - self.reserved[account] < 0:
                raise Conflict(
                    "insufficient_funds",
                    field="legs",
                    account=account,
                    available=self.balances[account] - self.reserved[account],
                )
        self._record(
            Fund.EntryPosted,
            now,
            actor=actor,
            entry_id=str(entry_id),
            kind=kind,
            effective_date=effective.isoformat(),
            legs=checked,
            memo=memo,
            details=details,
            reverses=reverses,
        )
        return checked

    def issue_receipt(
        self,
        *,
        number: str,
        entry_id: UUID,
        payer: str,
        amount: int,
        replaces: str | None,
        now: datetime,
        actor: str,
    ) -> None:
        self._record(
            Fund.ReceiptIssued,
            now,
            actor=actor,
            number=number,
            entry_id=str(entry_id),
            payer=payer,
            amount=amount,
            replaces=replaces,
        )

    def void_receipt(
        self, *, number: str, reason: str, replaced_by: str | None, now: datetime, actor: str
    ) -> None:
        self._record(
            Fund.ReceiptVoided,
            now,
            actor=actor,
            number=number,
            reason=reason,
            replaced_by=replaced_by,
        )

    # -- disbursements -------------------------------------------------------------------------

    def disbursement(self, disbursement_id: UUID) -> dict[str, Any]:
        d = self.disbursements.get(str(disbursement_id))
        if d is None:
            raise NotFound("unknown_disbursement", field="disbursement_id")
        return d

    def request_disbursement(
        self,
        *,
        disbursement_id: UUID,
        purpose: str,
        beneficiary: str,
        amount: Any,
        expense_account: str,
        pay_from: str,
        evidence: str,
        help_request_id: UUID | None,
        now: datetime,
        actor: str,
    ) -> bool:
        fields: dict[str, Any] = {
            "purpose": values.text("purpose", purpose),
            "beneficiary": values.text("beneficiary", beneficiary),
            "amount": ledger.rupiah("amount", amount),
            "expense_account": self._account_of("expense_account", expense_account, "expense"),
            "pay_from": self._account_of("pay_from", pay_from, "asset"),
            "evidence": values.text("evidence", evidence, max_length=1000),
            "help_request_id": None if help_request_id is None else str(help_request_id),
        }
        existing = self.disbursements.get(str(disbursement_id))
        if existing is not None:
            if existing["requester"] != actor or any(
                existing[k] != v for k, v in fields.items() if k != "amount"
            ):
                raise Conflict("id_reused", field="id", id=str(disbursement_id))
            return False  # a resend (its amount may have been changed since)
        self._record(
            Fund.DisbursementRequested,
            now,
            actor=actor,
            disbursement_id=str(disbursement_id),
            expires_at=now + timedelta(days=self.expiry_days),
            **fields,
        )
        return True

    def _account_of(self, field: str, code: str, kind: str) -> str:
        account = self.accounts.get(code)
        if account is None or account["type"] != kind:
            raise InvalidInput("unknown_account", field=field, type=kind)
        return code

    def approvals_needed(self, amount: int) -> int:
        """Two distinct approvers above the fund's threshold, one up to it."""
        return 2 if amount > self.threshold else 1

    def _open(self, d: dict[str, Any], now: datetime, field: str = "disbursement_id") -> None:
        if d["status"] == "paid":
            raise Conflict("disbursement_paid", field=field)
        if d["status"] == "rejected":
            raise Conflict("disbursement_rejected", field=field)
        if d["status"] == "expired" or now >= datetime.fromisoformat(d["expires_at"]):
            raise Conflict("disbursement_expired", field=field)

    def approve(self, *, disbursement_id: UUID, now: datetime, actor: str) -> bool:
        d = self.disbursement(disbursement_id)
        if actor in d["approvers"]:
            return False  # a double click
        if d["status"] == "approved":
            raise Conflict("already_approved", field="disbursement_id")
        self._open(d, now)
        if actor == d["requester"]:
            raise Forbidden("requester_cannot_approve", field="disbursement_id")
        approving = len(d["approvers"]) + 1 >= self.approvals_needed(d["amount"])
        available = self.balances[d["pay_from"]] - self.reserved[d["pay_from"]]
        if approving and available < d["amount"]:
            raise Conflict("insufficient_funds", field="amount", available=available)
        key = str(disbursement_id)
        self._record(Fund.DisbursementApproved, now, actor=actor, disbursement_id=key)
        if approving:
            self._record(
                Fund.FundsReserved,
                now,
                actor=actor,
                disbursement_id=key,
                account=d["pay_from"],
                amount=d["amount"],
            )
        return True

    def change_amount(
        self, *, disbursement_id: UUID, amount: Any, now: datetime, actor: str
    ) -> bool:
        d = self.disbursement(disbursement_id)
        amount = ledger.rupiah("amount", amount)
        if amount == d["amount"]:
            return False
        self._open(d, now)
        if actor != d["requester"]:
            raise Forbidden("only_requester_changes", field="disbursement_id")
        self._record(
            Fund.AmountChanged,
            now,
            actor=actor,
            disbursement_id=str(disbursement_id),
            amount=amount,
            previous=d["amount"],
        )
        return True

    def reject(self, *, disbursement_id: UUID, reason: str, now: datetime, actor: str) -> bool:
        d = self.disbursement(disbursement_id)
        if d["status"] == "rejected":
            return False
        self._open(d, now)
        if actor == d["requester"]:
            raise Forbidden("requester_cannot_approve", field="disbursement_id")
        self._record(
            Fund.DisbursementClosed,
            now,
            actor=actor,
            disbursement_id=str(disbursement_id),
            outcome="rejected",
            reason=values.text("reason", reason),
        )
        return True

    def expire(self, *, disbursement_id: UUID, now: datetime, actor: str) -> bool:
        d = self.disbursement(disbursement_id)
        if d["status"] in ("paid", "rejected", "expired"):
            return False
        if now < datetime.fromisoformat(d["expires_at"]):
            raise Conflict("not_expired_yet", field="disbursement_id", expires_at=d["expires_at"])
        self._record(
            Fund.DisbursementClosed,
            now,
            actor=actor,
            disbursement_id=str(disbursement_id),
            outcome="expired",
            reason="expired",
        )
        return True

    def pay(
        self,
        *,
        disbursement_id: UUID,
        entry_id: UUID,
        payment_ref: str,
        effective: date,
        now: datetime,
        actor: str,
    ) -> bool:
        """Post the payment of an approved disbursement (releasing its reservation)."""
        d = self.disbursement(disbursement_id)
        payment_ref = values.text("payment_ref", payment_ref)
        if d["status"] == "paid":
            if d["payment_ref"] == payment_ref and d["payer"] == actor:
                return False  # a double click
            raise Conflict("already_paid", field="disbursement_id")
        self._open(d, now)
        if d["status"] != "approved":
            raise Conflict("not_approved", field="disbursement_id")
        if actor == d["requester"] or actor in d["approvers"]:
            raise Forbidden("payer_not_requester_or_approver", field="disbursement_id")
        self.check_effective(effective, now)
        key = str(disbursement_id)
        self._record(
            Fund.DisbursementPaid,
            now,
            actor=actor,
            disbursement_id=key,
            entry_id=str(entry_id),
            payment_ref=payment_ref,
        )
        self.post(
            entry_id=entry_id,
            kind="payment",
            effective=effective,
            legs=[
                {"account": d["expense_account"], "side": "debit", "amount": d["amount"]},
                {"account": d["pay_from"], "side": "credit", "amount": d["amount"]},
            ],
            memo=d["purpose"],
            details={
                "disbursement_id": key,
                "beneficiary": d["beneficiary"],
                "payment_ref": payment_ref,
            },
            now=now,
            actor=actor,
        )
        return True

    # -- periods and checkpoints ---------------------------------------------------------------

    def close_period(self, *, period: str, now: datetime, actor: str) -> bool:
        _start, end = ledger.period_bounds(period)
        if period in self.closed:
            return False
        if ledger.today_wib(now) <= end:
            raise Conflict("period_not_over", field="period", ends=end.isoformat())
        tree = self.open_trees.get(period, {"count": 0, "frontier": []})
        checkpoint = {
            "period": period,
            "chain_head": self.head,
            "version": self.version,
            "entries": tree["count"],
            "merkle_root": ledger.frontier_root(tree["frontier"]),
        }
        self._record(Fund.PeriodClosed, now, actor=actor, period=period, checkpoint=checkpoint)
        return True

    def sign_checkpoint(self, *, period: str, role: str, now: datetime, actor: str) -> bool:
        ledger.period_bounds(period)
        values.choice("role", role, ("treasurer", "chair"))
        closed = self.closed.get(period)
        if closed is None:
            raise Conflict("period_open", field="period")
        signatures = closed["signatures"]
        if signatures.get(role) == actor:
            return False
        if role in signatures:
            raise Conflict("already_signed", field="role")
        if actor in signatures.values():
            raise Forbidden("one_signature_each", field="role")
        self._record(Fund.CheckpointSigned, now, actor=actor, period=period, role=role)
        return True
