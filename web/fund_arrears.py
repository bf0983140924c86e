"""Dues arrears per affiliate over HTTP: the treasurer declares an affiliate's membership, the
fund's treasurers, officers and auditors read each affiliate's dues and months behind, the unit's
members only the totals per affiliate, and auditors export them as CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from aiohttp import web

from core import ledger
from core.access import Permission
from core.errors import Forbidden
from projections import fund_arrears
from web import bodies, parse
from web.context import created, services, wait_for_min_position
from web.exports import _cell
from web.fund import _authorise, _may, _query_day, _scope


async def declare_membership(request: web.Request) -> web.Response:
    fund_id, actor = await _authorise(request, Permission.RECORD_FUND)
    body = await parse.body(request, bodies.MembershipIn)
    svc = services(request)
    result = await svc.port.declare_membership(
        fund_id=fund_id,
        affiliate=body.affiliate,
        effective_from=body.effective_from,
        members=body.members,
        base_amount=body.base_amount,
        actor=actor,
    )
    return created(result)


async def _answer(request: web.Request, fund_id: UUID) -> tuple[dict[str, Any], int]:
    """The fund's arrears as of ?as_of= (default: today in WIB)."""
    as_of = _query_day(request, "as_of") or ledger.today_wib(datetime.now(UTC))
    svc = services(request)
    position, docs = await svc.port.snapshot(fund_arrears.channel(fund_id))
    book, affiliates = fund_arrears.split_rows(docs)
    return fund_arrears.report(book, affiliates, as_of), position


async def arrears(request: web.Request) -> web.Response:
    """Every affiliate's dues to date; the unit's members see the totals per affiliate only."""
    fund_id = parse.path_id(request)
    scope = await _scope(request, fund_id)
    if not _may(request, Permission.READ_FUND_TOTALS, scope):
        raise Forbidden()
    await wait_for_min_position(request)
    answer, position = await _answer(request, fund_id)
    if not _may(request, Permission.READ_FUND, scope):
        answer = fund_arrears.totals_only(answer)
    return web.json_response({**answer, "position": position})


CSV_COLUMNS = [
    "affiliate",
    "declared",
    "members",
    "base_amount",
    "due",
    "paid",
    "arrears",
    "credit",
    "months_behind",
    "behind",
    "last_payment",
    "as_of",
]


async def arrears_csv(request: web.Request) -> web.Response:
    """One row per affiliate, for the external audit (the months behind separated by spaces)."""
    fund_id, _actor = await _authorise(request, Permission.AUDIT_FUND)
    await wait_for_min_position(request)
    answer, _position = await _answer(request, fund_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for line in answer["affiliates"]:
        row = {**line, "behind": " ".join(line["behind"]), "as_of": answer["as_of"]}
        writer.writerow([_cell(c, row.get(c)) for c in CSV_COLUMNS])
    name = f"posko-fund-{fund_id}-arrears-{answer['as_of']}.csv"
    return web.Response(
        body=out.getvalue().encode("utf-8"),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
