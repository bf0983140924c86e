"""Dues arrears (tunggakan iuran) per affiliate, pure and without I/O: what an affiliate's
declared membership makes due each month under the fund's dues rule (core/dues.py's arithmetic),
against the dues recorded as paid, oldest unpaid month first.

The rules, stated once:
- A month's dues are the fund's rule applied to the declaration in force that month: the rate
  and rounding of `dues.amount` on members x base (what `record_dues` posts for that base).
- A declaration counts from its month until a later one; declaring a month again replaces it.
- A dues rule counts from the month (WIB) it was set in; the fund's first rule also covers the
  months before it (the books start with the rule the union already had).
- A month falls due when it is over: "to date" counts the months that ended by the day asked.
- A payment counts first for the month it was recorded for, up to that month's dues; what is
  over (or paid for a month with nothing due) pays the oldest month still short; what is left
  after that is credit (paid ahead). So arrears + paid = due + credit, one of them is zero."""

from __future__ import annotations

import functools
from datetime import date, timedelta
from typing import Any

from core import dues, ledger, values
from core.errors import InvalidInput

MAX_MEMBERS = 10_000_000  # more than any federation's members; larger is a typo


def affiliate_key(name: str) -> str:
    """How dues and declarations find each other: the name with spaces and case folded."""
    return " ".join(name.split()).casefold()


def month(field: str, value: Any) -> str:
    """A month like 2026-11."""
    if not isinstance(value, str) or len(value) != 7 or value[4] != "-":
        raise InvalidInput("not_a_month", field=field)
    try:
        day = date.fromisoformat(value + "-01")
    except ValueError:
        raise InvalidInput("not_a_month", field=field) from None
    if not ledger.FIRST_YEAR <= day.year <= ledger.LAST_YEAR:
        raise InvalidInput("not_a_month", field=field)
    return value


def members(field: str, value: Any) -> int:
    """How many dues-paying members: a whole number, 0 (none any more) up to MAX_MEMBERS."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # JSON counts 12.0 as the integer 12, as for rupiah
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput("wrong_type", field=field, expected="integer")
    return values.count(field, value, maximum=MAX_MEMBERS)


def month_of(day: date) -> str:
    return day.isoformat()[:7]


def next_month(m: str) -> str:
    year, mon = int(m[:4]), int(m[5:])
    return f"{year + mon // 12:04d}-{mon % 12 + 1:02d}"


def last_month_due(as_of: date) -> str:
    """The last month that is over on `as_of` (its last day counts)."""
    if (as_of + timedelta(days=1)).day == 1:
        return month_of(as_of)
    return month_of(as_of.replace(day=1) - timedelta(days=1))


def months(first: str, last: str) -> list[str]:
    """Every month from `first` to `last`, both included."""
    lo, hi = (int(m[:4]) * 12 + int(m[5:]) - 1 for m in (first, last))
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(lo, hi + 1)]


def in_force(items: list[dict[str, Any]], m: str) -> dict[str, Any] | None:
    """The item (with a "from" month) counting for month `m`: the latest from on or before
    it; of two with the same month, the one recorded later."""
    found = None
    for item in sorted(items, key=lambda i: str(i["from"])):  # stable: recording order kept
        if item["from"] <= m:
            found = item
    return found


def in_force_each(items: list[dict[str, Any]], window: list[str]) -> list[dict[str, Any] | None]:
    """`in_force` for each month of an ordered window, in one sweep."""
    ordered = sorted(items, key=lambda i: str(i["from"]))
    out: list[dict[str, Any] | None] = []
    found, i = None, 0
    for m in window:
        while i < len(ordered) and ordered[i]["from"] <= m:
            found, i = ordered[i], i + 1
        out.append(found)
    return out


def rule_for(rules: list[dict[str, Any]], m: str) -> dict[str, Any] | None:
    """The dues rule for month `m`; before the first rule, the first rule."""
    return in_force(rules, m) or (rules[0] if rules else None)


def due_in(m: str, declarations: list[dict[str, Any]], rules: list[dict[str, Any]]) -> int:
    return _due(in_force(declarations, m), rule_for(rules, m))


def _due(declared: dict[str, Any] | None, rule: dict[str, Any] | None) -> int:
    if declared is None or rule is None:
        return 0
    base = int(declared["members"]) * int(declared["base_amount"])
    return dues.amount(base, int(rule["rate_bp"]), str(rule["rounding"]))


def balance(
    declarations: list[dict[str, Any]],
    rules: list[dict[str, Any]],
    paid: dict[str, int],
    through: str,
) -> dict[str, Any]:
    """An affiliate's dues through month `through`: due, paid, arrears, credit and the months
    still short (oldest first), from what counts as paid summed by the month it was paid for
    (a month's payments count for it together up to its dues, so only their sum matters). Also
    the window of months, each one's dues and what settled it, in order."""
    first = min((str(d["from"]) for d in declarations), default=None)
    window = _months(first, through) if first is not None else ()
    dues_each = _dues_each(declarations, rules, window)
    total = sum(paid.values())
    settled = list(map(min, [paid.get(m, 0) for m in window], dues_each))  # each month's own
    pool = total - sum(settled)
    for i, due in enumerate(dues_each):  # what is over pays the oldest month still short
        if not pool:
            break
        take = min(pool, due - settled[i])
        settled[i] += take
        pool -= take
    due = sum(dues_each)
    return {
        "due": due,
        "paid": total,
        "arrears": due - sum(settled),
        "credit": pool,
        "months_behind": [m for m, d, s in zip(window, dues_each, settled, strict=True) if s < d],
        "window": window,
        "dues": dues_each,
        "settled": settled,
    }


def _ordinal(m: str) -> int:
    return int(m[:4]) * 12 + int(m[5:7]) - 1


@functools.lru_cache(maxsize=256)
def _months(first: str, last: str) -> tuple[str, ...]:
    """`months`, kept: every affiliate declared since the same month asks for the same ones."""
    return tuple(months(first, last))


def _dues_each(
    declarations: list[dict[str, Any]], rules: list[dict[str, Any]], window: tuple[str, ...]
) -> list[int]:
    """Each month's dues over the window: reckoned once for each run of months under the same
    declaration and rule (they change only at a declaration's or a rule's month)."""
    if not window:
        return []
    first, last = window[0], window[-1]
    starts = sorted(
        {first, *(x["from"] for x in (*declarations, *rules) if first < x["from"] <= last)}
    )
    ends = [_ordinal(m) for m in starts[1:]] + [_ordinal(last) + 1]
    out: list[int] = []
    for start, end in zip(starts, ends, strict=True):
        out += [due_in(start, declarations, rules)] * (end - _ordinal(start))
    return out
