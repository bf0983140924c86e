"""Views of solidarity funds. The channel `fund:<id>` (treasurers, officers and auditors of the
fund) holds the fund's summary (balances, reservations, totals, periods and checkpoints), its
disbursements and its ledger entries. Private rows hold what the API answers from: per account
and day running totals by effective date and by recording date (so "balance as of D" and "what
the books said on T about D" are sums over a few rows, not replays), receipts, and the index of
funds with their units for access checks.

After every entry the view checks that the ledger still balances and that the entry continues
the fund's hash chain; if not it raises, the batch is not committed, and the runner stops with
the error in its status rather than show wrong balances."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from core import ledger
from core.access import FundScope
from core.fund import Fund
from projections import fund_budget
from projections.rows import Doc, Rows

FUNDS = "_funds"  # fund id -> {id, name, unit_kind, unit_id}
SUMMARY = "summary"
FUND_SNAPSHOT = 500  # rows a snapshot carries: the summary, disbursements, the latest entries
_ENTRY_INDEX = "_fund_entry"  # entry id -> {fund_id, key}


class LedgerOutOfBalance(RuntimeError):
    """The views would show a ledger that does not balance, or a broken chain: stop."""


def channel(fund_id: Any) -> str:
    return f"fund:{fund_id}"


def daily_channel(fund_id: Any) -> str:
    return f"_fund_daily:{fund_id}"


def monthly_channel(fund_id: Any) -> str:
    return f"_fund_monthly:{fund_id}"  # per account and effective month (eff = its first day)


def month_days_channel(fund_id: Any, month: str) -> str:
    return f"_fund_days:{fund_id}:{month}"  # per account and effective day, one month


def receipts_channel(fund_id: Any) -> str:
    return f"_fund_receipts:{fund_id}"


def receipt_stats_channel(fund_id: Any) -> str:
    return f"_fund_receipt_stats:{fund_id}"  # per period: how many, how much, first and last


def voided_channel(fund_id: Any) -> str:
    return f"_fund_voided:{fund_id}"  # voided receipts only


def reversals_channel(fund_id: Any) -> str:
    return f"_fund_reversals:{fund_id}"  # the reversing entries only: the period report's list


def disbursements_channel(fund_id: Any) -> str:
    return f"_fund_disbursements:{fund_id}"


def entry_key(version: int) -> str:
    return f"e:{version:012d}"


def disbursement_key(disbursement_id: str) -> str:
    return f"y:{disbursement_id}"  # after entries ("e:") so a snapshot's latest rows hold them


SUMMARY_KEY = "z:summary"


def scope(doc: Doc | None) -> FundScope | None:
    """A fund's access scope from its `_funds` row."""
    if doc is None:
        return None
    return FundScope(doc["id"], doc["unit_kind"], doc["unit_id"])


# -- applying events ----------------------------------------------------------------------------


# What `apply` reacts to (projections.channels calls it for these alone); Fund.Opened is one.
EVENTS = (Fund.Event,)


def apply(rows: Rows, event: Any) -> None:
    if not isinstance(event, Fund.Opened | Fund.Event):
        return
    fund_id = str(event.originator_id)
    name = channel(fund_id)
    if isinstance(event, Fund.Opened):
        opened = _opened(event)
        rows.put(FUNDS, fund_id, {k: opened[k] for k in ("id", "name", "unit_kind", "unit_id")})
        rows.put(name, SUMMARY_KEY, opened)
        return
    found = rows.get(name, SUMMARY_KEY)
    if found is None:
        raise LedgerOutOfBalance(f"event of fund {fund_id} the views never saw opened")
    summary: Doc = found
    if event.prev_hash != summary["head"] or event.originator_version != summary["version"] + 1:
        raise LedgerOutOfBalance(
            f"fund {fund_id}: event {event.originator_version} does not continue the chain"
        )
    summary["head"], summary["version"] = event.hash, event.originator_version
    summary["updated_at"] = event.timestamp.isoformat()
    if isinstance(event, Fund.AccountOpened):
        summary["accounts"][event.code] = {
            "name": event.account_name,
            "type": event.account_type,
            "balance": 0,
            "reserved": 0,
        }
    elif isinstance(event, Fund.DuesRuleSet):
        summary["dues_rule"] = {**event.rule, "version": event.rule_version}
    elif isinstance(event, Fund.EntryPosted):
        _entry(rows, summary, event)
    elif isinstance(event, Fund.ReceiptIssued | Fund.ReceiptVoided):
        _receipt(rows, event)
    elif isinstance(event, Fund.PeriodClosed):
        summary["periods"][event.period] = {
            **event.checkpoint,
            "closed_at": event.timestamp.isoformat(),
            "closed_by": event.actor,
            "signatures": {},
        }
    elif isinstance(event, Fund.CheckpointSigned):
        summary["periods"][event.period]["signatures"][event.role] = event.actor
    elif isinstance(event, Fund.MembershipDeclared):
        pass  # projections/fund_arrears.py keeps declarations; here only the chain moves on
    elif isinstance(event, Fund.BudgetSet):
        fund_budget.apply(rows, event)
    else:
        _disbursement(rows, summary, event)
    rows.put(name, SUMMARY_KEY, summary)


def _opened(event: Any) -> Doc:
    return {
        "id": str(event.originator_id),
        "name": event.name,
        "unit_kind": event.unit_kind,
        "unit_id": event.unit_id,
        "threshold": event.threshold,
        "expiry_days": event.expiry_days,
        "accounts": {
            code: {**account, "balance": 0, "reserved": 0}
            for code, account in event.accounts.items()
        },
        "debits": 0,
        "credits": 0,
        "entries": 0,
        "dues_rule": None,
        "periods": {},
        "head": event.hash,
        "version": event.originator_version,
        "opened_at": event.timestamp.isoformat(),
        "updated_at": event.timestamp.isoformat(),
    }


def _entry(rows: Rows, summary: Doc, event: Any) -> None:
    fund_id = summary["id"]
    debits = sum(leg["amount"] for leg in event.legs if leg["side"] == "debit")
    credits = sum(leg["amount"] for leg in event.legs if leg["side"] == "credit")
    if debits != credits:
        raise LedgerOutOfBalance(f"fund {fund_id}: entry {event.entry_id} does not balance")
    accounts = summary["accounts"]
    recorded = ledger.today_wib(event.timestamp).isoformat()
    daily = daily_channel(fund_id)
    for leg in event.legs:
        account = accounts[leg["account"]]
        account["balance"] += ledger.effect(account["type"], leg)
        key = f"{leg['account']}|{event.effective_date}|{recorded}"
        row = rows.get(daily, key) or {
            "account": leg["account"],
            "eff": event.effective_date,
            "rec": recorded,
            "debit": 0,
            "credit": 0,
            "count": 0,
        }
        row[leg["side"]] += leg["amount"]
        row["count"] += 1
        rows.put(daily, key, row)
        month = event.effective_date[:7]
        for name, key, eff in (
            (monthly_channel(fund_id), f"{leg['account']}|{month}", month + "-01"),
            (
                month_days_channel(fund_id, month),
                f"{leg['account']}|{event.effective_date}",
                event.effective_date,
            ),
        ):
            total = rows.get(name, key) or {
                "account": leg["account"],
                "eff": eff,
                "debit": 0,
                "credit": 0,
                "count": 0,
            }
            total[leg["side"]] += leg["amount"]
            total["count"] += 1
            rows.put(name, key, total)
    summary["debits"] += debits
    summary["credits"] += credits
    summary["entries"] += 1
    if summary["debits"] != summary["credits"]:
        raise LedgerOutOfBalance(f"fund {fund_id}: the ledger no longer balances")
    key = entry_key(event.originator_version)
    doc = {
        "key": key,
        "entry_id": event.entry_id,
        "kind": event.kind,
        "effective_date": event.effective_date,
        "recorded_at": event.timestamp.isoformat(),
        "legs": event.legs,
        "amount": debits,
        "memo": event.memo,
        "details": event.details,
        "reverses": event.reverses,
        "reversed_by": None,
        "actor": event.actor,
        "hash": event.hash,
        "version": event.originator_version,
    }
    rows.put(channel(fund_id), key, doc)
    rows.put(_ENTRY_INDEX, event.entry_id, {"fund_id": fund_id, "key": key})
    if event.reverses is not None:
        rows.put(reversals_channel(fund_id), key, doc)
        index = rows.get(_ENTRY_INDEX, event.reverses)
        original = None if index is None else rows.get(channel(fund_id), index["key"])
        if original is not None:
            original["reversed_by"] = event.entry_id
            rows.put(channel(fund_id), original["key"], original)


def _receipt(rows: Rows, event: Any) -> None:
    name = receipts_channel(event.originator_id)
    if isinstance(event, Fund.ReceiptIssued):
        period = ledger.period_of(ledger.today_wib(event.timestamp))
        stats_name = receipt_stats_channel(event.originator_id)
        stats = rows.get(stats_name, period) or {
            "period": period,
            "count": 0,
            "amount": 0,
            "first": event.number,
            "last": event.number,
        }
        stats["count"] += 1
        stats["amount"] += event.amount
        stats["first"] = min(stats["first"], event.number)
        stats["last"] = max(stats["last"], event.number)
        rows.put(stats_name, period, stats)
        rows.put(
            name,
            event.number,
            {
                "number": event.number,
                "entry_id": event.entry_id,
                "payer": event.payer,
                "amount": event.amount,
                "replaces": event.replaces,
                "issued_at": event.timestamp.isoformat(),
                "issued_by": event.actor,
                "voided": None,
                "replaced_by": None,
            },
        )
        return
    doc = rows.get(name, event.number)
    if doc is not None:
        doc["voided"] = {"reason": event.reason, "at": event.timestamp.isoformat()}
        doc["replaced_by"] = event.replaced_by
        rows.put(name, event.number, doc)
        rows.put(voided_channel(event.originator_id), event.number, doc)


def _disbursement(rows: Rows, summary: Doc, event: Any) -> None:
    fund_id = summary["id"]
    key = disbursement_key(event.disbursement_id)
    accounts = summary["accounts"]
    if isinstance(event, Fund.DisbursementRequested):
        doc: Doc | None = {
            "key": key,
            "id": event.disbursement_id,
            "status": "requested",
            "purpose": event.purpose,
            "beneficiary": event.beneficiary,
            "amount": event.amount,
            "expense_account": event.expense_account,
            "pay_from": event.pay_from,
            "evidence": event.evidence,
            "expires_at": event.expires_at.isoformat(),
            "requester": event.actor,
            "requested_at": event.timestamp.isoformat(),
            "approvers": [],
            "approvals_needed": 2 if event.amount > summary["threshold"] else 1,
            "reserved": 0,
            "help_request_id": event.help_request_id,
            "history": [],
        }
    else:
        doc = rows.get(channel(fund_id), key)
    if doc is None:
        raise LedgerOutOfBalance(f"fund {fund_id}: step of an unknown disbursement")
    step = type(event).__name__
    if isinstance(event, Fund.DisbursementApproved):
        doc["approvers"].append(event.actor)
    elif isinstance(event, Fund.FundsReserved):
        doc["status"], doc["reserved"] = "approved", event.amount
        accounts[event.account]["reserved"] += event.amount
    elif isinstance(event, Fund.AmountChanged):
        accounts[doc["pay_from"]]["reserved"] -= doc["reserved"]
        doc.update(amount=event.amount, approvers=[], reserved=0, status="requested")
        doc["approvals_needed"] = 2 if event.amount > summary["threshold"] else 1
    elif isinstance(event, Fund.DisbursementClosed):
        accounts[doc["pay_from"]]["reserved"] -= doc["reserved"]
        doc.update(status=event.outcome, reserved=0, reason=event.reason)
    elif isinstance(event, Fund.DisbursementPaid):
        accounts[doc["pay_from"]]["reserved"] -= doc["reserved"]
        doc.update(
            status="paid",
            reserved=0,
            payer=event.actor,
            payment_ref=event.payment_ref,
            entry_id=event.entry_id,
            paid_at=event.timestamp.isoformat(),
        )
    doc["history"].append({"step": step, "by": event.actor, "at": event.timestamp.isoformat()})
    rows.put(channel(fund_id), key, doc)
    rows.put(disbursements_channel(fund_id), event.disbursement_id, doc)


# -- the wire -------------------------------------------------------------------------------------


def snapshot(docs: list[Doc]) -> dict[str, Any]:
    return _split(docs)


def change(docs: list[Doc]) -> dict[str, Any]:
    return _split(docs)


def _split(docs: list[Doc]) -> dict[str, Any]:
    out: dict[str, Any] = {"summary": None, "entries": [], "disbursements": []}
    for doc in docs:
        if "accounts" in doc:
            out["summary"] = doc
        elif doc.get("key", "").startswith("y:"):
            out["disbursements"].append(doc)
        else:
            out["entries"].append(doc)
    out["entries"].sort(key=lambda d: d["version"])
    return out


# -- queries answered from the rows (pure) ---------------------------------------------------------


def balances_as_of(
    accounts: dict[str, Doc], daily: list[Doc], as_of: date, known_at: date | None = None
) -> dict[str, int]:
    """Each account's balance from the entries effective by `as_of` (and, if given, recorded
    by `known_at`: what the books said that day)."""
    day, known = as_of.isoformat(), None if known_at is None else known_at.isoformat()
    out = {code: 0 for code in accounts}
    for row in daily:
        if row["eff"] <= day and (known is None or row["rec"] <= known):
            out[row["account"]] += _net(accounts[row["account"]]["type"], row)
    return out


def balances_as_of_fast(
    accounts: dict[str, Doc], monthly: list[Doc], month_days: list[Doc], as_of: date
) -> dict[str, int]:
    """The same answer as `balances_as_of` (without `known_at`) from far fewer rows: whole
    months before D's month, then the days of D's month up to D."""
    first = as_of.replace(day=1).isoformat()
    rows = [r for r in monthly if r["eff"] < first] + month_days
    return balances_as_of(accounts, rows, as_of)


def _net(account_type: str, row: Doc) -> int:
    net = int(row["debit"]) - int(row["credit"])
    return net if account_type in ledger.DEBIT_NORMAL else -net


def period_report(
    summary: Doc,
    monthly: list[Doc],
    receipt_stats: list[Doc],
    voided: list[Doc],
    disbursements: list[Doc],
    reversals: list[Doc],
    period: str,
) -> dict[str, Any]:
    """Opening + inflows - outflows = closing, per account and for the fund's money (its asset
    accounts); receipts issued (how many, how much, first and last number) and voided;
    reversals; pending reservations; checkpoint. Every input is a small view, never the
    whole ledger, so the answer costs the same at a hundred entries or a hundred thousand.
    Periods are whole months, so the monthly rows (effective month, dated its first day) are
    enough; day rows give the same figures."""
    start, end = ledger.period_bounds(period)
    accounts = summary["accounts"]
    opening = balances_as_of(accounts, monthly, start - timedelta(days=1))
    closing = balances_as_of(accounts, monthly, end)
    lo, hi = start.isoformat(), end.isoformat()
    per_account: dict[str, Doc] = {}
    for code, account in accounts.items():
        per_account[code] = {
            "name": account["name"],
            "type": account["type"],
            "opening": opening[code],
            "inflows": 0,
            "outflows": 0,
            "closing": closing[code],
        }
    for row in monthly:
        if lo <= row["eff"] <= hi:
            debit_normal = accounts[row["account"]]["type"] in ledger.DEBIT_NORMAL
            increase = row["debit"] if debit_normal else row["credit"]
            decrease = row["credit"] if debit_normal else row["debit"]
            per_account[row["account"]]["inflows"] += increase
            per_account[row["account"]]["outflows"] += decrease
    for code, line in per_account.items():
        if line["opening"] + line["inflows"] - line["outflows"] != line["closing"]:
            raise LedgerOutOfBalance(f"roll-forward fails for {code} in {period}")
    money = [line for line in per_account.values() if line["type"] == "asset"]
    fund_line = {
        key: sum(line[key] for line in money)
        for key in ("opening", "inflows", "outflows", "closing")
    }

    def net_by(kind: str) -> dict[str, int]:
        return {
            code: line["inflows"] - line["outflows"]
            for code, line in per_account.items()
            if line["type"] == kind
        }

    def within(day: str) -> bool:
        return lo <= day[:10] <= hi

    return {
        "period": period,
        "from": lo,
        "to": hi,
        "accounts": per_account,
        "fund": fund_line,
        "income": net_by("income"),
        "expenses": net_by("expense"),
        "receipts_issued": next(
            (r for r in receipt_stats if r["period"] == period),
            {"period": period, "count": 0, "amount": 0, "first": None, "last": None},
        ),
        "receipts_voided": [r for r in voided if within(r["voided"]["at"])],
        "reversals": [e for e in reversals if within(e["effective_date"])],
        "pending": [d for d in disbursements if d["status"] in ("requested", "approved")],
        "reserved": sum(d["reserved"] for d in disbursements),
        "checkpoint": summary["periods"].get(period),
    }
