"""The street and the posko's answer to it: incidents reported from a site and their handling,
requests for help and who delivers them, mobilisation targets per affiliate, and the nearest
site to a phone that knows where it is but not which site that is."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol
from uuid import UUID

from aiohttp import web

from core.access import Permission, may
from core.errors import InvalidInput
from web import parse
from web.context import PRINCIPAL, authorise, created, services


class _InAction(Protocol):
    action_id: UUID


async def required_site(request: web.Request, action_id: UUID, body: parse.Body) -> UUID:
    """The site a report is about. A phone that sent its position but no site gets a 422
    naming site_id with the nearest site as `suggestion` {site_id, name, distance_m}; only
    for callers who may read the action, since it names one of its sites."""
    site_id = parse.optional_uuid(body, "site_id")
    if site_id is not None:
        return site_id
    lat, lon = parse.optional_number(body, "lat"), parse.optional_number(body, "lon")
    if lat is None or lon is None:
        raise InvalidInput("required", field="site_id")
    authorise(request, Permission.READ_ACTION, action_id)
    svc = services(request)
    suggestion = await svc.port.nearest_site(action_id=action_id, lat=lat, lon=lon)
    raise InvalidInput("choose_site", field="site_id", suggestion=suggestion)


async def nearest_site(request: web.Request) -> web.Response:
    action_id = parse.path_id(request)
    authorise(request, Permission.READ_ACTION, action_id)
    lat, lon = parse.query_number(request, "lat"), parse.query_number(request, "lon")
    svc = services(request)
    return web.json_response(await svc.port.nearest_site(action_id=action_id, lat=lat, lon=lon))


# -- incidents -----------------------------------------------------------------------------------


async def report_incident(request: web.Request) -> web.Response:
    action_id = parse.path_id(request)
    body = await parse.json_body(request)
    site_id = parse.optional_uuid(body, "site_id")
    principal = request[PRINCIPAL]
    if (
        site_id is None
        and may(principal, Permission.READ_ACTION, action_id)
        and not may(principal, Permission.FILE_REPORTS, action_id)
    ):
        site_id = await required_site(request, action_id, body)  # a korlap of one site
    actor = authorise(request, Permission.FILE_REPORTS, action_id, site_id)
    svc = services(request)
    result = await svc.port.report_incident(
        id=parse.uuid(body, "id"),
        action_id=action_id,
        site_id=site_id,
        kind=parse.string(body, "kind"),
        severity=parse.string(body, "severity"),
        description=parse.string(body, "description"),
        lat=parse.optional_number(body, "lat"),
        lon=parse.optional_number(body, "lon"),
        at=parse.timestamp(body, "at"),
        actor=actor,
    )
    return created(result)


async def acknowledge_incident(request: web.Request) -> web.Response:
    incident_id = parse.path_id(request)
    await parse.optional_json_body(request)
    svc = services(request)
    actor = await _handling_actor(request, svc.port.incident, incident_id)
    return created(await svc.port.acknowledge_incident(incident_id=incident_id, actor=actor))


async def resolve_incident(request: web.Request) -> web.Response:
    incident_id = parse.path_id(request)
    note = parse.string(await parse.json_body(request), "note")
    svc = services(request)
    actor = await _handling_actor(request, svc.port.incident, incident_id)
    return created(await svc.port.resolve_incident(incident_id=incident_id, note=note, actor=actor))


async def reopen_incident(request: web.Request) -> web.Response:
    incident_id = parse.path_id(request)
    reason = parse.string(await parse.json_body(request), "reason")
    svc = services(request)
    actor = await _handling_actor(request, svc.port.incident, incident_id)
    return created(
        await svc.port.reopen_incident(incident_id=incident_id, reason=reason, actor=actor)
    )


# -- requests for help ---------------------------------------------------------------------------


async def request_help(request: web.Request) -> web.Response:
    action_id = parse.path_id(request)
    body = await parse.json_body(request)
    site_id = await required_site(request, action_id, body)
    actor = authorise(request, Permission.FILE_REPORTS, action_id, site_id)
    svc = services(request)
    result = await svc.port.request_help(
        id=parse.uuid(body, "id"),
        action_id=action_id,
        site_id=site_id,
        kind=parse.string(body, "kind"),
        quantity=parse.integer(body, "quantity"),
        note=parse.optional_string(body, "note") or "",
        at=parse.timestamp(body, "at"),
        actor=actor,
    )
    return created(result)


async def commit_help(request: web.Request) -> web.Response:
    request_id = parse.path_id(request)
    by = parse.string(await parse.json_body(request), "by")
    svc = services(request)
    actor = await _handling_actor(request, svc.port.help_request, request_id)
    return created(await svc.port.commit_help(request_id=request_id, by=by, actor=actor))


async def fulfil_help(request: web.Request) -> web.Response:
    request_id = parse.path_id(request)
    await parse.optional_json_body(request)
    svc = services(request)
    actor = await _handling_actor(request, svc.port.help_request, request_id)
    return created(await svc.port.fulfil_help(request_id=request_id, actor=actor))


async def cancel_help(request: web.Request) -> web.Response:
    request_id = parse.path_id(request)
    reason = parse.string(await parse.json_body(request), "reason")
    svc = services(request)
    actor = await _handling_actor(request, svc.port.help_request, request_id)
    return created(await svc.port.cancel_help(request_id=request_id, reason=reason, actor=actor))


async def _handling_actor(
    request: web.Request, load: Callable[[UUID], Awaitable[_InAction]], item_id: UUID
) -> str:
    """Who may handle an incident or request: coordinators of its action, which only the item
    itself knows (so it is loaded first; an unknown id is a 404)."""
    item = await load(item_id)
    return authorise(request, Permission.HANDLE_FIELD, item.action_id)


# -- mobilisation targets ------------------------------------------------------------------------


async def set_target(request: web.Request) -> web.Response:
    action_id = parse.path_id(request)
    actor = authorise(request, Permission.CHANGE_ACTION, action_id)
    body = await parse.json_body(request)
    svc = services(request)
    result = await svc.port.set_target(
        action_id=action_id,
        affiliate_id=parse.uuid(body, "affiliate_id"),
        site_id=parse.optional_uuid(body, "site_id"),
        target=parse.integer(body, "target"),
        actor=actor,
    )
    return created(result)
