"""Dues arrears per affiliate (tunggakan iuran): the rows a fund's arrears are answered from,
and the answer (core/arrears.py does the arithmetic). Private rows only: per fund a book (the
dues rules with the month each counts from, and the affiliates' keys) and one row per affiliate
(its declarations and the dues it paid, summed by month and effective day; a payment a
reversal touched is kept whole apart, with its reversals' days); an index from entry ids to
those payments (their month, amount and day), so a reversal finds what it reverses without the
affiliate's row holding every payment. When a period closes, its arrears as of the period's last
day are stored beside it: the period report shows those, frozen."""

from __future__ import annotations

from datetime import date
from typing import Any

from core import arrears, ledger
from core.fund import Fund
from projections.rows import Doc, Rows

BOOK = "book"
# entry id -> the dues payment it is or reverses: {fund_id, key, payment, month, amount,
# effective_date}
_INDEX = "_fund_arrears_entry"
TOTALS = ("affiliate", "declared", "due", "paid", "arrears", "credit", "months_behind")


def channel(fund_id: Any) -> str:
    return f"_fund_arrears:{fund_id}"  # the book and one row per affiliate ("a:<key>")


def frozen_channel(fund_id: Any) -> str:
    return f"_fund_arrears_frozen:{fund_id}"  # per closed period: its arrears at close


def _book(rows: Rows, fund_id: str) -> Doc:
    return rows.get(channel(fund_id), BOOK) or {"rules": [], "affiliates": []}


def _affiliate(rows: Rows, fund_id: str, name: str) -> Doc:
    """The affiliate's row (made, and listed in the book, the first time its name is seen)."""
    key = arrears.affiliate_key(name)
    found = rows.get(channel(fund_id), f"a:{key}")
    if found is not None:
        return found
    book = _book(rows, fund_id)
    book["affiliates"].append(key)
    rows.put(channel(fund_id), BOOK, book)
    return {"key": key, "affiliate": name, "declarations": [], "paid": {}, "reversed": {}}


EVENTS = (Fund.Event,)  # what `apply` reacts to (projections.channels calls it for these alone)


def apply(rows: Rows, event: Any) -> None:
    if not isinstance(event, Fund.Event):
        return
    fund_id = str(event.originator_id)
    name = channel(fund_id)
    if isinstance(event, Fund.DuesRuleSet):
        book = _book(rows, fund_id)
        book["rules"].append(
            {
                "from": arrears.month_of(ledger.today_wib(event.timestamp)),
                "rate_bp": event.rule["rate_bp"],
                "rounding": event.rule["rounding"],
                "version": event.rule_version,
            }
        )
        rows.put(name, BOOK, book)
    elif isinstance(event, Fund.MembershipDeclared):
        row = _affiliate(rows, fund_id, event.affiliate)
        row["affiliate"] = event.affiliate  # as the treasurer last wrote it
        row["declarations"].append(
            {
                "from": event.effective_from,
                "members": event.members,
                "base_amount": event.base_amount,
                "recorded_at": event.timestamp.isoformat(),
            }
        )
        rows.put(name, f"a:{row['key']}", row)
    elif isinstance(event, Fund.EntryPosted) and event.kind == "dues":
        row = _affiliate(rows, fund_id, event.details["payer"])
        month, day = event.details["month"], event.effective_date
        amount = sum(leg["amount"] for leg in event.legs if leg["side"] == "debit")
        by_day = row["paid"].setdefault(month, {})
        by_day[day] = by_day.get(day, 0) + amount
        rows.put(name, f"a:{row['key']}", row)
        index = {
            "fund_id": fund_id,
            "key": row["key"],
            "payment": event.entry_id,
            "month": month,
            "amount": amount,
            "effective_date": day,
        }
        rows.put(_INDEX, event.entry_id, index)
    elif isinstance(event, Fund.EntryPosted) and event.reverses is not None:
        target = rows.get(_INDEX, event.reverses)
        if target is not None:
            reversed_row = rows.get(name, f"a:{target['key']}")
            if reversed_row is not None:
                _toggle(reversed_row, target, event.effective_date)
                rows.put(name, f"a:{target['key']}", reversed_row)
                rows.put(_INDEX, event.entry_id, target)
    elif isinstance(event, Fund.PeriodClosed):
        _start, end = ledger.period_bounds(event.period)
        book = _book(rows, fund_id)
        affiliates = [rows.get(name, f"a:{key}") for key in book["affiliates"]]
        frozen = report(book, [a for a in affiliates if a is not None], end)
        frozen["frozen_at"] = event.timestamp.isoformat()
        rows.put(frozen_channel(fund_id), event.period, frozen)


def _toggle(row: Doc, payment: Doc, day: str) -> None:
    """A reversal undoes a payment; a reversal of that reversal restores it: each toggles, as
    of its own day. The first takes the payment out of its month's sums and keeps it whole
    apart, where its reversals' days are listed."""
    kept = row["reversed"].get(payment["payment"])
    if kept is None:
        month, paid_on = payment["month"], payment["effective_date"]
        by_day = row["paid"][month]
        by_day[paid_on] -= payment["amount"]
        if by_day[paid_on] == 0:  # dues are never zero: no other payment that day is left
            del by_day[paid_on]
            if not by_day:
                del row["paid"][month]
        kept = {k: payment[k] for k in ("month", "amount", "effective_date")}
        kept["reversals"] = []
        row["reversed"][payment["payment"]] = kept
    kept["reversals"].append(day)


# -- the answer (pure) -----------------------------------------------------------------------------


def counted(row: Doc, as_of: date) -> tuple[dict[str, int], str | None]:
    """The affiliate's dues effective by `as_of` that no reversal by then undid, summed by the
    month they paid, and the day of the last of them."""
    day = as_of.isoformat()
    paid: dict[str, int] = {}
    last = ""
    for month, by_day in row["paid"].items():
        total = 0
        for paid_on, amount in by_day.items():
            if paid_on <= day:
                total += amount
                if paid_on > last:
                    last = paid_on
        if total:
            paid[month] = total
    for p in row["reversed"].values():
        if p["effective_date"] <= day and sum(r <= day for r in p["reversals"]) % 2 == 0:
            paid[p["month"]] = paid.get(p["month"], 0) + p["amount"]
            last = max(last, p["effective_date"])
    return paid, last or None


def report(book: Doc, affiliates: list[Doc], as_of: date) -> dict[str, Any]:
    """Every affiliate's dues through the last month over by `as_of`, most in arrears first,
    with the fund's totals. An affiliate that paid dues but declared nothing shows with
    `declared: false` (often a payer's name written another way)."""
    through = arrears.last_month_due(as_of)
    lines = []
    for row in affiliates:
        paid, last_payment = counted(row, as_of)
        standing = arrears.balance(row["declarations"], book["rules"], paid, through)
        declared = arrears.in_force(row["declarations"], through)
        lines.append(
            {
                "affiliate": row["affiliate"],
                "declared": bool(row["declarations"]),
                **{k: standing[k] for k in ("due", "paid", "arrears", "credit")},
                "months_behind": len(standing["months_behind"]),
                "behind": standing["months_behind"],
                "last_payment": last_payment,
                "members": None if declared is None else declared["members"],
                "base_amount": None if declared is None else declared["base_amount"],
                "declarations": [
                    {k: d[k] for k in ("from", "members", "base_amount")}
                    for d in row["declarations"]
                ],
            }
        )
    lines.sort(key=lambda line: (-line["arrears"], arrears.affiliate_key(line["affiliate"])))
    totals = {k: sum(line[k] for line in lines) for k in ("due", "paid", "arrears", "credit")}
    return {
        "as_of": as_of.isoformat(),
        "through": through,
        "rule": bool(book["rules"]),
        "totals": {**totals, "affiliates_behind": sum(1 for x in lines if x["arrears"] > 0)},
        "affiliates": lines,
    }


def totals_only(answer: dict[str, Any]) -> dict[str, Any]:
    """What the unit's members see: per affiliate its totals, not months, dates or members."""
    return {**answer, "affiliates": [{k: a[k] for k in TOTALS} for a in answer["affiliates"]]}


def split_rows(docs: list[Doc]) -> tuple[Doc, list[Doc]]:
    """A fund's arrears rows as the book and its affiliates."""
    book: Doc = next((d for d in docs if "rules" in d), {"rules": [], "affiliates": []})
    return book, [d for d in docs if "paid" in d]


def period_section(docs: list[Doc], frozen: Doc | None, period: str, today: date) -> Doc:
    """The period report's arrears: as frozen when the period closed, else as of its last day
    (or today, while it runs)."""
    if frozen is not None:
        return {**frozen, "frozen": True}
    _start, end = ledger.period_bounds(period)
    book, affiliates = split_rows(docs)
    return {**report(book, affiliates, min(today, end)), "frozen": False}
