"""The annual budget (APBO, Anggaran Pendapatan dan Belanja Organisasi) of a fund, pure and
without I/O: a budget year, the lines a treasurer sets (planned whole rupiah per income or
expense account), the rule that shares a year's figure between its two six-monthly periods,
and the budget-against-actual figures (planned, actual, difference, % realised)."""

from __future__ import annotations

from typing import Any

from core import ledger
from core.errors import InvalidInput

BUDGET_TYPES = ("income", "expense")  # what a budget plans: income by source, spending by use
MAX_LINES = 200
# The half-year rule, shown with every budget-against-actual: whole months, so half a year
# each; the odd rupiah of an odd annual figure falls in the second half, so the halves always
# add up to the year exactly.
HALF_RULE = "H1 = floor(annual / 2); H2 = annual - H1"


def parse_year(field: str, value: Any) -> int:
    """A budget year as four digits ("2026"), within the years the books can hold."""
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or len(text) != 4 or not text.isdigit():
        raise InvalidInput("not_a_year", field=field)
    year = int(text)
    if not ledger.FIRST_YEAR <= year <= ledger.LAST_YEAR:
        raise InvalidInput("not_a_year", field=field)
    return year


def planned(field: str, value: Any) -> int:
    """A planned amount: whole rupiah, zero allowed (nothing planned is a plan too)."""
    if isinstance(value, float) and value.is_integer() and abs(value) <= ledger.MAX_RUPIAH:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput("whole_rupiah", field=field)
    if not 0 <= value <= ledger.MAX_RUPIAH:
        raise InvalidInput("out_of_range", field=field, min=0, max=ledger.MAX_RUPIAH)
    return value


def check_lines(
    lines: Any, accounts: dict[str, dict[str, str]], field: str = "lines"
) -> dict[str, int]:
    """[{account, amount}, ...] as {account: amount}: each an income or expense account of
    the fund, named once, with a planned amount."""
    if not isinstance(lines, list):
        raise InvalidInput("wrong_type", field=field, expected="array")
    if not lines:
        raise InvalidInput("too_few", field=field, min=1)
    if len(lines) > MAX_LINES:
        raise InvalidInput("too_many", field=field, max=MAX_LINES)
    out: dict[str, int] = {}
    for i, line in enumerate(lines):
        where = f"{field}[{i}]"
        if not isinstance(line, dict):
            raise InvalidInput("not_an_object", field=where)
        account = line.get("account")
        if (
            not isinstance(account, str)
            or accounts.get(account, {}).get("type") not in BUDGET_TYPES
        ):
            raise InvalidInput("not_budget_account", field=where + ".account")
        if account in out:
            raise InvalidInput("duplicate_account", field=where + ".account", account=account)
        out[account] = planned(where + ".amount", line.get("amount"))
    return out


def half_share(annual: int, half: int) -> int:
    """The planned figure of half `half` (1 or 2) of a year planned at `annual` (HALF_RULE)."""
    first = annual // 2
    return first if half == 1 else annual - first


def realised_pct(planned_amount: int, actual: int) -> float | None:
    """actual / planned as a percentage with one decimal (half up); None when nothing is
    planned. Integer arithmetic, then one division: no float drift on large rupiah."""
    if planned_amount <= 0:
        return None
    tenths = (actual * 2000 + planned_amount) // (2 * planned_amount)
    return tenths / 10


def figures(planned_amount: int, actual: int) -> dict[str, Any]:
    """One budget-against-actual cell: difference is actual - planned (above plan: positive)."""
    return {
        "planned": planned_amount,
        "actual": actual,
        "difference": actual - planned_amount,
        "realised_pct": realised_pct(planned_amount, actual),
    }
