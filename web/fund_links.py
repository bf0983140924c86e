"""Funds linked to actions: the fund's treasurer or officer links a fund to an action (and
unlinks it); the fund's readers list its actions; the action's dashboard lists the linked funds
the caller may see (balance and pending payouts, never beneficiaries), then follows each on its
channel `action:<action>:fund:<fund>`. Access through core.access (may_fund for the link,
may_read_linked_fund for the dashboard)."""

from __future__ import annotations

from uuid import UUID

from aiohttp import web

from core.access import Permission, may_fund, may_read_linked_fund
from core.errors import Forbidden
from projections import fund as fund_view
from projections import fund_link, overview
from web import bodies, parse
from web.actions import require_action
from web.context import PRINCIPAL, authorise, created, recorded, services, wait_for_min_position


async def _authorise(request: web.Request, permission: Permission) -> tuple[UUID, str]:
    fund_id = parse.path_id(request)
    principal = request[PRINCIPAL]
    scope = await services(request).port.fund_scope(fund_id)
    if not may_fund(principal, permission, scope):
        raise Forbidden()
    return fund_id, principal.id


async def link(request: web.Request) -> web.Response:
    """Link the fund to an action: 201, or 200 recording nothing when linked already."""
    fund_id, actor = await _authorise(request, Permission.LINK_FUND)
    body = await parse.body(request, bodies.FundLinkIn)
    port = services(request).port
    return created(await port.link_fund(fund_id=fund_id, action_id=body.action_id, actor=actor))


async def unlink(request: web.Request) -> web.Response:
    """Unlink them: 200 whether or not they were linked."""
    fund_id, actor = await _authorise(request, Permission.LINK_FUND)
    action_id = parse.path_id(request, "action_id")
    port = services(request).port
    return recorded(await port.unlink_fund(fund_id=fund_id, action_id=action_id, actor=actor))


async def fund_actions(request: web.Request) -> web.Response:
    """The actions the fund is linked to, with their titles, for its readers."""
    fund_id, _actor = await _authorise(request, Permission.READ_FUND)
    await wait_for_min_position(request)
    port = services(request).port
    position = await port.views_position()
    links = await port.load(fund_link.LINKS, str(fund_id))
    actions = []
    for action_id, made in ({} if links is None else links["actions"]).items():
        action = await port.load(overview.CHANNEL, action_id)
        title = None if action is None else action.get("title")
        actions.append({"action_id": action_id, "title": title, **made})
    return web.json_response({"actions": actions, "position": position})


async def action_funds(request: web.Request) -> web.Response:
    """The funds linked to the action that the caller may see on its dashboard, each as its
    channel's row (balance, reserved, pending payouts, this action's payouts)."""
    action_id = parse.path_id(request)
    authorise(request, Permission.READ_ACTION, action_id)
    svc = services(request)
    await wait_for_min_position(request)
    await require_action(svc, action_id)
    position = await svc.port.views_position()
    linked = await svc.port.load(fund_link.ACTION_FUNDS, str(action_id))
    out = []
    for fund_id in [] if linked is None else linked["funds"]:
        scope = fund_view.scope(await svc.port.load(fund_view.FUNDS, fund_id))
        if may_read_linked_fund(request[PRINCIPAL], scope, action_id, True):
            row = await svc.port.load(fund_link.channel(action_id, fund_id), fund_link.KEY)
            if row is not None:
                out.append({**row, "channel": fund_link.channel(action_id, fund_id)})
    return web.json_response({"funds": out, "position": position})
