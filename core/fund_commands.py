"""Commands on solidarity funds: open funds and accounts, record contributions and dues with
their receipts, post and reverse entries, the disbursement workflow, period close and sign-off,
and verification of a fund's hash chain against the store and any checkpoints given.

Each command loads the fund, decides, and saves the fund with whatever else it touched (an
entry's claim, a receipt, the unit's receipt book) in one transaction; a concurrent change by
someone else makes it reload and decide again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from core import arrears, dues, fund_verify, ledger, values
from core.access import FundScope
from core.base import CONCURRENCY_RETRIES, PoskoBase, Recorded
from core.errors import Conflict, InvalidInput, NotFound
from core.fund import Fund
from core.fund_link import FundLink, link_id
from core.fund_records import FundEntry, Receipt, ReceiptBook, receipt_book_id, receipt_id
from core.help_request import HelpRequest

SOURCES = ("affiliate", "member", "donor", "partner_union")
CHANNELS = ("transfer", "qris", "cash", "checkoff")
PAYMENT_ENTRY = "posko:payment"


def payment_entry_id(disbursement_id: UUID) -> UUID:
    """The id of the entry that pays a disbursement: one payment per disbursement."""
    return uuid5(disbursement_id, PAYMENT_ENTRY)


class FundCommands(PoskoBase):
    # -- helpers -------------------------------------------------------------------------------

    def _fund_change(
        self,
        fund_id: UUID,
        change: Callable[[Fund], list[Aggregate] | None],
        *,
        result_id: UUID | None = None,
    ) -> Recorded:
        """Load the fund, change it (None: nothing to do, a repeat), save it with the other
        aggregates `change` returns; retry on a concurrent change."""
        for _ in range(CONCURRENCY_RETRIES):
            fund = self._load(fund_id, Fund, field="fund_id")
            others = change(fund)
            if others is None:
                return Recorded(result_id or fund_id, self._latest_position(), created=False)
            try:
                recordings = self._commits.save(fund, *others)
            except IntegrityError:
                continue
            return Recorded(result_id or fund_id, recordings[-1].notification.id, created=True)
        raise Conflict("busy", field="fund_id", id=str(fund_id))

    def _post_once(
        self,
        *,
        entry_id: UUID,
        fund_id: UUID,
        request: dict[str, Any],
        build: Callable[[Fund], tuple[list[ledger.Leg], list[Aggregate]]],
    ) -> Recorded:
        """Post an entry whose id the client chose: a resend of the same request returns the
        first answer; the same id with another request is a 409."""
        request = ledger.plain(request)
        for _ in range(CONCURRENCY_RETRIES):
            existing = self._find(entry_id, FundEntry)
            if existing is not None:
                if existing.facts() != {"fund_id": fund_id, "request": request}:
                    raise Conflict("id_reused", field="id", id=str(entry_id))
                return Recorded(entry_id, self._position_of(entry_id), created=False)
            fund = self._load(fund_id, Fund, field="fund_id")
            legs, others = build(fund)
            claim = FundEntry(id=entry_id, fund_id=fund_id, request=request, legs=legs)
            try:
                recordings = self._commits.save(fund, claim, *others)
            except IntegrityError:
                continue
            return Recorded(entry_id, recordings[-1].notification.id, created=True)
        raise Conflict("busy", field="fund_id", id=str(fund_id))

    def _issue_receipt(
        self,
        fund: Fund,
        *,
        entry_id: UUID,
        payer: str,
        amount: int,
        purpose: str,
        year: int,
        now: datetime,
        actor: str,
        replaces: str | None = None,
    ) -> tuple[str, list[Aggregate]]:
        book_id = receipt_book_id(fund.unit_key, year)
        book = self._find(book_id, ReceiptBook) or ReceiptBook(
            id=book_id, unit_key=fund.unit_key, year=year
        )
        number = book.take()
        receipt = Receipt(
            id=receipt_id(fund.unit_key, number),
            number=number,
            fund_id=fund.id,
            entry_id=entry_id,
            payer=payer,
            amount=amount,
            purpose=purpose,
            replaces=replaces,
        )
        fund.issue_receipt(
            number=number,
            entry_id=entry_id,
            payer=payer,
            amount=amount,
            replaces=replaces,
            now=now,
            actor=actor,
        )
        return number, [book, receipt]

    # -- funds and accounts --------------------------------------------------------------------

    def open_fund(
        self,
        *,
        id: UUID,
        name: str,
        unit_kind: str,
        unit_id: UUID | None,
        threshold: Any,
        expiry_days: Any = 30,
        actor: str,
    ) -> Recorded:
        def make() -> Fund:
            return Fund.open(
                id=id,
                name=name,
                unit_kind=unit_kind,
                unit_id=unit_id,
                threshold=threshold,
                expiry_days=expiry_days,
                now=datetime.now(UTC),
                actor=actor,
            )

        return self._create(id, make, lambda fund: None)

    def fund(self, fund_id: UUID) -> Fund:
        return self._load(fund_id, Fund, field="fund_id")

    def fund_scope(self, fund_id: UUID) -> FundScope:
        """Who the fund belongs to, for access checks (read from the cached aggregate)."""
        fund = self._load(fund_id, Fund, field="id", copy=False)
        return FundScope(str(fund.id), fund.unit_kind, fund.unit_id)

    def open_account(
        self, *, fund_id: UUID, code: Any, name: str, account_type: str, actor: str
    ) -> Recorded:
        def change(fund: Fund) -> list[Aggregate] | None:
            opened = fund.open_account(
                code=code, name=name, account_type=account_type, now=datetime.now(UTC), actor=actor
            )
            return [] if opened else None

        return self._fund_change(fund_id, change)

    def set_dues_rule(
        self,
        *,
        fund_id: UUID,
        rate_bp: Any,
        base: Any,
        rounding: Any,
        split: Any,
        own_level: Any,
        actor: str,
    ) -> Recorded:
        rule = dues.rule(rate_bp, base, rounding, split)
        if not isinstance(own_level, str):
            raise InvalidInput("own_level_not_in_split", field="own_level")

        def change(fund: Fund) -> list[Aggregate] | None:
            changed = fund.set_dues_rule(
                rule=rule.as_dict(), own_level=own_level, now=datetime.now(UTC), actor=actor
            )
            return [] if changed else None

        return self._fund_change(fund_id, change)

    def declare_membership(
        self,
        *,
        fund_id: UUID,
        affiliate: str,
        effective_from: Any,
        members: Any,
        base_amount: Any,
        actor: str,
    ) -> Recorded:
        """An affiliate's declared dues-paying membership and base from a month on."""

        def change(fund: Fund) -> list[Aggregate] | None:
            declared = fund.declare_membership(
                affiliate=affiliate,
                effective_from=effective_from,
                members=members,
                base_amount=base_amount,
                now=datetime.now(UTC),
                actor=actor,
            )
            return [] if declared else None

        return self._fund_change(fund_id, change)

    # -- money in ------------------------------------------------------------------------------

    def record_contribution(
        self,
        *,
        id: UUID,
        fund_id: UUID,
        source: str,
        payer: str,
        channel: str,
        reference: str | None,
        amount: Any,
        income_account: str,
        asset_account: str,
        effective_date: date,
        actor: str,
    ) -> Recorded:
        """A contribution (from an affiliate, a member, a donor, a partner union) with its
        receipt: debit cash or bank, credit the income account."""
        values.choice("source", source, SOURCES)
        values.choice("channel", channel, CHANNELS)
        payer = values.text("payer", payer)
        reference = None if reference is None else values.text("reference", reference)
        amount = ledger.rupiah("amount", amount)
        request = {
            "kind": "contribution",
            "source": source,
            "payer": payer,
            "channel": channel,
            "reference": reference,
            "amount": amount,
            "income_account": income_account,
            "asset_account": asset_account,
            "effective_date": effective_date,
        }

        def build(fund: Fund) -> tuple[list[ledger.Leg], list[Aggregate]]:
            now = datetime.now(UTC)
            _typed(fund, "income_account", income_account, "income")
            _typed(fund, "asset_account", asset_account, "asset")
            legs = fund.post(
                entry_id=id,
                kind="contribution",
                effective=effective_date,
                legs=[
                    {"account": asset_account, "side": "debit", "amount": amount},
                    {"account": income_account, "side": "credit", "amount": amount},
                ],
                memo=fund.accounts[income_account]["name"],
                details={
                    "source": source,
                    "payer": payer,
                    "channel": channel,
                    "reference": reference,
                },
                now=now,
                actor=actor,
            )
            _number, others = self._issue_receipt(
                fund,
                entry_id=id,
                payer=payer,
                amount=amount,
                purpose=fund.accounts[income_account]["name"],
                year=effective_date.year,
                now=now,
                actor=actor,
            )
            return legs, others

        return self._post_once(entry_id=id, fund_id=fund_id, request=request, build=build)

    def record_dues(
        self,
        *,
        id: UUID,
        fund_id: UUID,
        payer: str,
        month: str,
        base_amount: Any,
        channel: str,
        asset_account: str,
        effective_date: date,
        actor: str,
    ) -> Recorded:
        """Dues paid on a base under the fund's rule: the fund's own share is income, the
        other levels' shares are owed to them (due_to:<level>); the split sums exactly."""
        payer = values.text("payer", payer)
        values.choice("channel", channel, CHANNELS)
        arrears.month("month", month)
        request = {
            "kind": "dues",
            "payer": payer,
            "month": month,
            "base_amount": base_amount,
            "channel": channel,
            "asset_account": asset_account,
            "effective_date": effective_date,
        }

        def build(fund: Fund) -> tuple[list[ledger.Leg], list[Aggregate]]:
            now = datetime.now(UTC)
            if fund.dues_rule is None:
                raise Conflict("no_dues_rule", field="fund_id")
            rule = dues.rule(
                **{k: fund.dues_rule[k] for k in ("rate_bp", "base", "rounding", "split")}
            )
            total, parts = dues.assess(base_amount, rule)
            own = fund.dues_rule["own_level"]
            _typed(fund, "asset_account", asset_account, "asset")
            legs = [{"account": asset_account, "side": "debit", "amount": total}]
            for level, part in parts.items():
                if part > 0:
                    account = "income:dues" if level == own else f"due_to:{level}"
                    legs.append({"account": account, "side": "credit", "amount": part})
            posted = fund.post(
                entry_id=id,
                kind="dues",
                effective=effective_date,
                legs=legs,
                memo=f"Iuran {month}",
                details={
                    "payer": payer,
                    "month": month,
                    "channel": channel,
                    "base_amount": base_amount,
                    "rule": fund.dues_rule,
                    "rule_version": fund.dues_rule_version,
                    "split": parts,
                },
                now=now,
                actor=actor,
            )
            _number, others = self._issue_receipt(
                fund,
                entry_id=id,
                payer=payer,
                amount=total,
                purpose=f"Iuran {month}",
                year=effective_date.year,
                now=now,
                actor=actor,
            )
            return posted, others

        return self._post_once(entry_id=id, fund_id=fund_id, request=request, build=build)

    # -- entries and reversals -----------------------------------------------------------------

    def post_entry(
        self, *, id: UUID, fund_id: UUID, legs: Any, memo: str, effective_date: date, actor: str
    ) -> Recorded:
        """A general journal entry (a transfer between accounts, paying a level its share)."""
        memo = values.text("memo", memo)
        request = {"kind": "manual", "legs": legs, "memo": memo, "effective_date": effective_date}

        def build(fund: Fund) -> tuple[list[ledger.Leg], list[Aggregate]]:
            posted = fund.post(
                entry_id=id,
                kind="manual",
                effective=effective_date,
                legs=legs,
                memo=memo,
                details={},
                now=datetime.now(UTC),
                actor=actor,
            )
            return posted, []

        return self._post_once(entry_id=id, fund_id=fund_id, request=request, build=build)

    def reverse_entry(
        self,
        *,
        id: UUID,
        fund_id: UUID,
        entry_id: UUID,
        reason: str,
        effective_date: date,
        actor: str,
    ) -> Recorded:
        """Reverse an entry with a new one that mirrors its legs and names it and the reason.
        It is dated in an open period (a closed one stays frozen)."""
        reason = values.text("reason", reason)
        request = {
            "kind": "reversal",
            "entry_id": entry_id,
            "reason": reason,
            "effective_date": effective_date,
        }

        def build(fund: Fund) -> tuple[list[ledger.Leg], list[Aggregate]]:
            original = self._find(entry_id, FundEntry)
            if original is None or original.fund_id != fund.id:
                raise NotFound("unknown_entry", field="entry_id")
            if original.reversed_by is not None or str(entry_id) in fund.reversed:
                raise Conflict("already_reversed", field="entry_id", by=original.reversed_by)
            posted = fund.post(
                entry_id=id,
                kind="reversal",
                effective=effective_date,
                legs=ledger.mirrored(original.legs),
                memo=reason,
                details={"reason": reason},
                reverses=str(entry_id),
                now=datetime.now(UTC),
                actor=actor,
            )
            original.mark_reversed(by=str(id))
            return posted, [original]

        return self._post_once(entry_id=id, fund_id=fund_id, request=request, build=build)

    # -- receipts ------------------------------------------------------------------------------

    def receipt(self, fund_id: UUID, number: str) -> Receipt:
        fund = self._load(fund_id, Fund, field="fund_id", copy=False)
        found = self._find(receipt_id(fund.unit_key, number), Receipt)
        if found is None or found.fund_id != fund_id:
            raise NotFound("unknown_receipt", field="number")
        return found

    def void_receipt(
        self, *, fund_id: UUID, number: str, reason: str, reissue: bool, actor: str
    ) -> Recorded:
        """Void a receipt (never edit it); optionally reissue it under a new number, each
        pointing at the other."""
        reason = values.text("reason", reason)

        def change(fund: Fund) -> list[Aggregate] | None:
            now = datetime.now(UTC)
            receipt = self._find(receipt_id(fund.unit_key, number), Receipt)
            if receipt is None or receipt.fund_id != fund.id:
                raise NotFound("unknown_receipt", field="number")
            if receipt.voided is not None:
                return None  # voided already: a repeat
            others: list[Aggregate] = []
            replacement = None
            if reissue:
                replacement, others = self._issue_receipt(
                    fund,
                    entry_id=receipt.entry_id,
                    payer=receipt.payer,
                    amount=receipt.amount,
                    purpose=receipt.purpose,
                    year=int(number[:4]),
                    now=now,
                    actor=actor,
                    replaces=number,
                )
            fund.void_receipt(
                number=number, reason=reason, replaced_by=replacement, now=now, actor=actor
            )
            receipt.void(reason=reason, replaced_by=replacement)
            return [receipt, *others]

        return self._fund_change(fund_id, change)

    # -- disbursements -------------------------------------------------------------------------

    def request_disbursement(
        self,
        *,
        id: UUID,
        fund_id: UUID,
        purpose: str,
        beneficiary: str,
        amount: Any,
        expense_account: str,
        pay_from: str,
        evidence: str,
        help_request_id: UUID | None = None,
        actor: str,
    ) -> Recorded:
        if help_request_id is not None:
            # Only help the posko committed to (or delivered) becomes a payout request.
            help_request = self._load(help_request_id, HelpRequest, field="help_request_id")
            if help_request.status not in ("committed", "fulfilled"):
                raise Conflict("help_not_committed", field="help_request_id")
            # ... and only against a fund linked to the request's action.
            link = self._find(link_id(fund_id, help_request.action_id), FundLink)
            if link is None or not link.linked:
                raise Conflict("fund_not_linked", field="help_request_id")

        def change(fund: Fund) -> list[Aggregate] | None:
            made = fund.request_disbursement(
                disbursement_id=id,
                purpose=purpose,
                beneficiary=beneficiary,
                amount=amount,
                expense_account=expense_account,
                pay_from=pay_from,
                evidence=evidence,
                help_request_id=help_request_id,
                now=datetime.now(UTC),
                actor=actor,
            )
            return [] if made else None

        return self._fund_change(fund_id, change, result_id=id)

    def _disbursement_step(
        self, fund_id: UUID, disbursement_id: UUID, step: Callable[[Fund, datetime], bool]
    ) -> Recorded:
        def change(fund: Fund) -> list[Aggregate] | None:
            return [] if step(fund, datetime.now(UTC)) else None

        return self._fund_change(fund_id, change, result_id=disbursement_id)

    def approve_disbursement(self, *, fund_id: UUID, disbursement_id: UUID, actor: str) -> Recorded:
        return self._disbursement_step(
            fund_id,
            disbursement_id,
            lambda f, now: f.approve(disbursement_id=disbursement_id, now=now, actor=actor),
        )

    def change_disbursement_amount(
        self, *, fund_id: UUID, disbursement_id: UUID, amount: Any, actor: str
    ) -> Recorded:
        return self._disbursement_step(
            fund_id,
            disbursement_id,
            lambda f, now: f.change_amount(
                disbursement_id=disbursement_id, amount=amount, now=now, actor=actor
            ),
        )

    def reject_disbursement(
        self, *, fund_id: UUID, disbursement_id: UUID, reason: str, actor: str
    ) -> Recorded:
        return self._disbursement_step(
            fund_id,
            disbursement_id,
            lambda f, now: f.reject(
                disbursement_id=disbursement_id, reason=reason, now=now, actor=actor
            ),
        )

    def expire_disbursement(
        self, *, fund_id: UUID, disbursement_id: UUID, actor: str, now: datetime | None = None
    ) -> Recorded:
        return self._disbursement_step(
            fund_id,
            disbursement_id,
            lambda f, clock: f.expire(
                disbursement_id=disbursement_id, now=now or clock, actor=actor
            ),
        )

    def pay_disbursement(
        self,
        *,
        fund_id: UUID,
        disbursement_id: UUID,
        payment_ref: str,
        effective_date: date,
        actor: str,
    ) -> Recorded:
        entry_id = payment_entry_id(disbursement_id)

        def change(fund: Fund) -> list[Aggregate] | None:
            paid = fund.pay(
                disbursement_id=disbursement_id,
                entry_id=entry_id,
                payment_ref=payment_ref,
                effective=effective_date,
                now=datetime.now(UTC),
                actor=actor,
            )
            if not paid:
                return None
            posted = fund.pending_events[-1]
            assert isinstance(posted, Fund.EntryPosted)
            request = {"kind": "payment", "disbursement_id": disbursement_id}
            claim = FundEntry(
                id=entry_id, fund_id=fund.id, request=ledger.plain(request), legs=list(posted.legs)
            )
            return [claim]

        return self._fund_change(fund_id, change, result_id=disbursement_id)

    # -- periods and verification --------------------------------------------------------------

    def close_period(self, *, fund_id: UUID, period: str, actor: str) -> Recorded:
        def change(fund: Fund) -> list[Aggregate] | None:
            closed = fund.close_period(period=period, now=datetime.now(UTC), actor=actor)
            return [] if closed else None

        return self._fund_change(fund_id, change)

    def sign_checkpoint(self, *, fund_id: UUID, period: str, role: str, actor: str) -> Recorded:
        def change(fund: Fund) -> list[Aggregate] | None:
            signed = fund.sign_checkpoint(
                period=period, role=role, now=datetime.now(UTC), actor=actor
            )
            return [] if signed else None

        return self._fund_change(fund_id, change)

    def fund_events(self, fund_id: UUID) -> list[Any]:
        """The fund's stored events, undecoded, in order (for verification and export)."""
        return list(self.recorder.select_events(fund_id))

    def export_fund_events(self, fund_id: UUID) -> dict[str, Any]:
        """The fund's events as plain JSON values with their hashes, for independent checks."""
        out = []
        for stored in self.fund_events(fund_id):
            event = self.mapper.to_domain_event(stored)
            fields = {k: v for k, v in vars(event).items() if k != "originator_id"}
            out.append({"type": type(event).__name__, **ledger.plain(fields)})
        if not out:
            raise NotFound("unknown_fund", field="fund_id")
        return {"fund_id": str(fund_id), "genesis": ledger.GENESIS, "events": out}

    def verify_fund(
        self, fund_id: UUID, checkpoints: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """Recompute the fund's chain, entries and checkpoints from the store."""
        stored = self.fund_events(fund_id)
        if not stored:
            raise NotFound("unknown_fund", field="fund_id")
        return fund_verify.verify(fund_id, stored, self.mapper, checkpoints or [])


def _typed(fund: Fund, field: str, code: str, kind: str) -> None:
    account = fund.accounts.get(code)
    if account is None or account["type"] != kind:
        raise InvalidInput("unknown_account", field=field, type=kind)
