"""The views of a fund's annual budget (APBO) and the budget against actual. A private row per
fund and year holds the figures in force and every revision (who, when, what each line was
before), so a closed period can be shown with the budget as it stood when it closed. Actuals
are sums over the fund's monthly rows (projections/fund.py): per account and effective month,
reversals included, never a replay of the ledger.

Planned for a half year follows core.budget.HALF_RULE; the year to date compares the entries
effective from 1 January to the period's end with the whole year's figure."""

from __future__ import annotations

from datetime import date
from typing import Any

from core import budget, ledger
from core.fund import Fund
from projections.rows import Doc, Rows


def channel(fund_id: Any) -> str:
    return f"_fund_budget:{fund_id}"  # per year: {year, lines in force, revisions}


def apply(rows: Rows, event: Fund.BudgetSet) -> None:
    name, key = channel(event.originator_id), str(event.year)
    doc = rows.get(name, key) or {"year": event.year, "lines": {}, "revisions": []}
    before: dict[str, int] = doc["lines"]
    doc["revisions"].append(
        {
            "revision": len(doc["revisions"]) + 1,
            "id": event.revision_id,
            "version": event.originator_version,
            "at": event.timestamp.isoformat(),
            "by": event.actor,
            "note": event.note,
            "lines": {
                code: {"amount": amount, "previous": before.get(code)}
                for code, amount in event.lines.items()
            },
        }
    )
    doc["lines"] = {**before, **event.lines}
    rows.put(name, key, doc)


# -- queries answered from the rows (pure) ---------------------------------------------------------


def in_force(doc: Doc | None, version: int | None = None) -> tuple[dict[str, int], int]:
    """The planned amounts per account after the revisions recorded by the fund's `version`
    (None: all of them), and how many revisions that is."""
    lines: dict[str, int] = {}
    count = 0
    for revision in [] if doc is None else doc["revisions"]:
        if version is not None and revision["version"] > version:
            break
        lines.update({code: line["amount"] for code, line in revision["lines"].items()})
        count += 1
    return lines, count


def actuals(accounts: dict[str, Doc], monthly: list[Doc], lo: date, hi: date) -> dict[str, int]:
    """Per income and expense account, what the entries effective from `lo` to `hi` (whole
    months) brought in or spent: credits less debits for income, debits less credits for
    spending, so a reversal takes back what it reverses."""
    out = {code: 0 for code, a in accounts.items() if a["type"] in budget.BUDGET_TYPES}
    first, last = lo.isoformat(), hi.isoformat()
    for row in monthly:
        code = row["account"]
        if code in out and first <= row["eff"] <= last:
            net = int(row["debit"]) - int(row["credit"])
            out[code] += net if accounts[code]["type"] in ledger.DEBIT_NORMAL else -net
    return out


def period_section(summary: Doc, monthly: list[Doc], doc: Doc | None, period: str) -> Doc:
    """The period report's `budget`: per account the year's figure, the period (planned: its
    half, HALF_RULE) and the year to date (planned: the year's figure), with totals for income
    and spending. A closed period shows the budget in force when it closed."""
    start, end = ledger.period_bounds(period)
    half = 1 if period.endswith("H1") else 2
    closed = summary["periods"].get(period)
    annual, revision = in_force(doc, None if closed is None else closed["version"])
    in_period = actuals(summary["accounts"], monthly, start, end)
    to_date = actuals(summary["accounts"], monthly, date(start.year, 1, 1), end)
    lines: dict[str, Doc] = {}
    for code in in_period:
        account = summary["accounts"][code]
        planned = annual.get(code, 0)
        lines[code] = {
            "name": account["name"],
            "type": account["type"],
            "annual": planned,
            "period": budget.figures(budget.half_share(planned, half), in_period[code]),
            "year_to_date": budget.figures(planned, to_date[code]),
        }
    return {
        "year": start.year,
        "period": period,
        "rule": budget.HALF_RULE,
        "frozen": closed is not None,
        "revision": revision,
        "lines": lines,
        "totals": totals(lines, ("period", "year_to_date")),
    }


def totals(lines: dict[str, Doc], scopes: tuple[str, ...]) -> Doc:
    """Income and spending added up over the lines, per scope."""
    out: Doc = {}
    for kind in budget.BUDGET_TYPES:
        mine = [line for line in lines.values() if line["type"] == kind]
        out[kind] = {"annual": sum(line["annual"] for line in mine)}
        for scope in scopes:
            out[kind][scope] = budget.figures(
                sum(line[scope]["planned"] for line in mine),
                sum(line[scope]["actual"] for line in mine),
            )
    return out


def year_section(summary: Doc, monthly: list[Doc], doc: Doc | None, year: int) -> Doc:
    """A year's budget against actual: per account the figure in force, each half as its
    period report shows it, and the whole year as the second half's year to date (each
    frozen when its period closed); the revisions with what each line was before."""
    first = period_section(summary, monthly, doc, f"{year}-H1")
    second = period_section(summary, monthly, doc, f"{year}-H2")
    annual, revision = in_force(doc)
    lines = {
        code: {
            "name": line["name"],
            "type": line["type"],
            "annual": annual.get(code, 0),
            "H1": line["period"],
            "H2": second["lines"][code]["period"],
            "year": second["lines"][code]["year_to_date"],
        }
        for code, line in first["lines"].items()
    }
    return {
        "year": year,
        "rule": budget.HALF_RULE,
        "revision": revision,
        "frozen": {"H1": first["frozen"], "H2": second["frozen"]},
        "lines": lines,
        "totals": totals(lines, ("H1", "H2", "year")),
        "revisions": [] if doc is None else doc["revisions"],
    }
