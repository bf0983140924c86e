"""The fund's ledger over HTTP, a page at a time: `?limit=` (1 to 500, 100 by default), `?order=`
(`asc`, the fund's order, or `desc`, newest first), `?cursor=` (the `next_cursor` of the page
before), and filters `?account=`, `?kind=`, `?from=`/`?to=` (effective dates) and `?q=` (text
in the memo, reference, payment reference or payer). A page reads at most
projections.fund_ledger.SCAN rows, so a rare filter may answer a short page with a cursor: only
`next: null` says there is nothing more."""

from __future__ import annotations

from uuid import UUID

from aiohttp import web

from core import ledger, values
from core.access import Permission, may_fund
from core.errors import Forbidden, InvalidInput, NotFound
from core.fund import ENTRY_KINDS
from projections import fund as fund_view
from projections import fund_ledger
from projections.fund_ledger import LedgerFilter
from projections.rows import Doc
from web import parse
from web.context import PRINCIPAL, services, wait_for_min_position

MAX_TEXT = 100


async def ledger_entries(request: web.Request) -> web.Response:
    fund_id = await _authorised(request)
    await wait_for_min_position(request)
    port = services(request).port
    summary = await port.load(fund_view.channel(fund_id), fund_view.SUMMARY_KEY)
    if summary is None:
        raise NotFound("unknown_fund", field="id")
    wanted = _filter(request, summary)
    limit = _limit(request)
    cursor = _cursor(request)
    order = values.choice("order", request.query.get("order", "asc"), ("asc", "desc"))
    position, entries, last = await port.ledger_page(
        str(fund_id), wanted, cursor, limit, descending=order == "desc"
    )
    next_cursor = None if last is None else str(last)
    return web.json_response(
        {
            "entries": entries,
            "limit": limit,
            "order": order,
            "next_cursor": next_cursor,
            "next": None if next_cursor is None else _next(request, next_cursor),
            "position": position,
        }
    )


def _next(request: web.Request, cursor: str) -> str:
    """The same query from `cursor` on (min_position was this read's; the next one asks anew)."""
    query = {k: v for k, v in request.query.items() if k not in ("cursor", "min_position")}
    return str(request.rel_url.with_query({**query, "cursor": cursor}))


async def _authorised(request: web.Request) -> UUID:
    fund_id = parse.path_id(request)
    scope = await services(request).port.fund_scope(fund_id)
    if not may_fund(request[PRINCIPAL], Permission.READ_FUND, scope):
        raise Forbidden()
    return fund_id


def _filter(request: web.Request, summary: Doc) -> LedgerFilter:
    query = request.query
    account = query.get("account") or None
    if account is not None and account not in summary["accounts"]:
        raise InvalidInput("unknown_account", field="account")
    kind = query.get("kind") or None
    if kind is not None:
        values.choice("kind", kind, ENTRY_KINDS)
    days = {}
    for field in ("from", "to"):
        raw = query.get(field) or None
        days[field] = None if raw is None else ledger.parse_date(field, raw).isoformat()
    text = query.get("q") or None
    return LedgerFilter(
        account=account,
        kind=kind,
        effective_from=days["from"],
        effective_to=days["to"],
        text=None if text is None else values.text("q", text, max_length=MAX_TEXT),
    )


def _limit(request: web.Request) -> int:
    raw = request.query.get("limit")
    if raw is None:
        return fund_ledger.DEFAULT_LIMIT
    digits = raw.isascii() and raw.isdigit() and len(raw) <= 3
    if not digits or not 1 <= int(raw) <= fund_ledger.MAX_LIMIT:
        raise InvalidInput("out_of_range", field="limit", min=1, max=fund_ledger.MAX_LIMIT)
    return int(raw)


def _cursor(request: web.Request) -> int | None:
    raw = request.query.get("cursor")
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()) or not 1 <= len(raw) <= 12:
        raise InvalidInput("bad_cursor", field="cursor")
    return int(raw)
