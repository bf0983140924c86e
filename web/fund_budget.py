"""The annual budget (APBO) of a fund over HTTP: the treasurer sets or revises a year's planned
income and spending per account; the year's budget against actual (the unit's members see the
totals, the fund's treasurers, officers and auditors every line and revision); the budget CSV
for the external audit. The period report's `budget` section is added in web/fund.py."""

from __future__ import annotations

import csv
import io
from typing import Any
from uuid import UUID

from aiohttp import web

from core import budget
from core.access import FundScope, Permission, may_fund
from core.errors import Forbidden, NotFound
from projections import fund as fund_view
from projections import fund_budget
from projections.rows import Doc
from web import bodies, parse
from web.context import PRINCIPAL, created, services, wait_for_min_position
from web.exports import _cell


async def _scope(request: web.Request, permission: Permission) -> tuple[UUID, FundScope]:
    """The fund in the path and its scope, once the caller may do `permission` on it."""
    fund_id = parse.path_id(request)
    scope = await services(request).port.fund_scope(fund_id)
    if not may_fund(request[PRINCIPAL], permission, scope):
        raise Forbidden()
    return fund_id, scope


async def set_budget(request: web.Request) -> web.Response:
    fund_id, _fund = await _scope(request, Permission.RECORD_FUND)
    body = await parse.body(request, bodies.BudgetIn)
    result = await services(request).port.set_budget(
        id=body.id,
        fund_id=fund_id,
        year=request.match_info["year"],
        lines=[line.model_dump() for line in body.lines],
        note=body.note,
        actor=request[PRINCIPAL].id,
    )
    return created(result)


async def _figures(request: web.Request, fund_id: UUID) -> tuple[Doc, list[Doc], int]:
    """The fund's summary and monthly rows, and the views' position."""
    svc = services(request)
    summary = await svc.port.load(fund_view.channel(fund_id), fund_view.SUMMARY_KEY)
    if summary is None:
        raise NotFound("unknown_fund", field="id")
    position, monthly = await svc.port.snapshot(fund_view.monthly_channel(fund_id))
    return summary, monthly, position


async def get_budget(request: web.Request) -> web.Response:
    """A year's budget against actual; the unit's members see the totals only."""
    fund_id, scope = await _scope(request, Permission.READ_FUND_TOTALS)
    year = budget.parse_year("year", request.match_info["year"])
    await wait_for_min_position(request)
    summary, monthly, position = await _figures(request, fund_id)
    doc = await services(request).port.load(fund_budget.channel(fund_id), str(year))
    section = fund_budget.year_section(summary, monthly, doc, year)
    if not may_fund(request[PRINCIPAL], Permission.READ_FUND, scope):
        section = {k: section[k] for k in ("year", "rule", "revision", "frozen", "totals")}
    return web.json_response({**section, "fund_id": str(fund_id), "position": position})


BUDGET_COLUMNS = [
    "year",
    "scope",
    "account",
    "name",
    "type",
    "planned",
    "actual",
    "difference",
    "realised_pct",
    "frozen",
    "revision",
]


async def budget_csv(request: web.Request) -> web.Response:
    """Every budgeted year, per account and scope (each half, the whole year): planned,
    actual, difference and % realised as the period reports show them, whether the figures
    are frozen by the period's close, and the budget revision they come from; for the audit."""
    fund_id, _fund = await _scope(request, Permission.AUDIT_FUND)
    await wait_for_min_position(request)
    summary, monthly, _position = await _figures(request, fund_id)
    _p, docs = await services(request).port.snapshot(fund_budget.channel(fund_id))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(BUDGET_COLUMNS)
    for doc in sorted(docs, key=lambda d: int(d["year"])):
        year = int(doc["year"])
        first, second = (
            fund_budget.period_section(summary, monthly, doc, f"{year}-H{half}") for half in (1, 2)
        )
        for scope, section, part in (
            ("H1", first, "period"),
            ("H2", second, "period"),
            ("year", second, "year_to_date"),
        ):
            for code, line in section["lines"].items():
                row: dict[str, Any] = {
                    **line[part],
                    "year": year,
                    "scope": scope,
                    "account": code,
                    "name": line["name"],
                    "type": line["type"],
                    "frozen": section["frozen"],
                    "revision": section["revision"],
                }
                writer.writerow([_cell(c, row.get(c)) for c in BUDGET_COLUMNS])
    return web.Response(
        body=out.getvalue().encode("utf-8"),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="posko-fund-{fund_id}-budget.csv"'},
    )
