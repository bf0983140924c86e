"""The street and the posko's answer to it: incidents reported from a site and their handling,
requests for help and who delivers them, mobilisation targets per affiliate, and the nearest
site to a phone that knows where it is but not which site that is."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Literal, Protocol, overload
from uuid import UUID

from aiohttp import web

from core.access import Permission, may
from core.errors import InvalidInput
from web import bodies, parse
from web.context import PRINCIPAL, authorise, created, services


class _InAction(Protocol):
    action_id: UUID


class _Placed(Protocol):
    """A body that names its site, or may give the phone's position instead."""

    @property
    def site_id(self) -> UUID | None: ...
    @property
    def lat(self) -> float | None: ...
    @property
    def lon(self) -> float | None: ...


async def required_site(request: web.Request, action_id: UUID, body: _Placed) -> UUID:
    """The site a report is about. A phone that sent its position but no site gets a 422
    naming site_id with the nearest site as `suggestion` {site_id, name, distance_m}; only
    for callers who may read the action, since it names one of its sites."""
    if body.site_id is not None:
        return body.site_id
    if body.lat is None or body.lon is None:
        raise InvalidInput("required", field="site_id")
    authorise(request, Permission.READ_ACTION, action_id)
    suggestion = await services(request).port.nearest_site(
        action_id=action_id, lat=body.lat, lon=body.lon
    )
    raise InvalidInput("choose_site", field="site_id", suggestion=suggestion)


@overload
async def filer(
    request: web.Request, action_id: UUID, body: _Placed, *, site_needed: Literal[True] = True
) -> tuple[UUID, str]: ...


@overload
async def filer(
    request: web.Request, action_id: UUID, body: _Placed, *, site_needed: Literal[False]
) -> tuple[UUID | None, str]: ...


async def filer(
    request: web.Request, action_id: UUID, body: _Placed, *, site_needed: bool = True
) -> tuple[UUID | None, str]:
    """The site a report, incident or request from the street is about, and who files it.
    Reports and requests need a site; an incident may concern the whole action, except from a
    korlap of one site, who is known by the site. A phone that sent its position but no site
    is told the nearest one (see `required_site`)."""
    site_id = body.site_id
    if site_id is None:
        principal = request[PRINCIPAL]
        one_site = may(principal, Permission.READ_ACTION, action_id) and not may(
            principal, Permission.FILE_REPORTS, action_id
        )
        if site_needed or one_site:
            site_id = await required_site(request, action_id, body)
    return site_id, authorise(request, Permission.FILE_REPORTS, action_id, site_id)


async def nearest_site(request: web.Request) -> web.Response:
    action_id = parse.path_id(request)
    authorise(request, Permission.READ_ACTION, action_id)
    lat, lon = parse.query_number(request, "lat"), parse.query_number(request, "lon")
    svc = services(request)
    return web.json_response(await svc.port.nearest_site(action_id=action_id, lat=lat, lon=lon))


# -- incidents -----------------------------------------------------------------------------------


async def report_incident(request: web.Request) -> web.Response:
    action_id = parse.path_id(request)
    body = await parse.body(request, bodies.IncidentIn)
    site_id, actor = await filer(request, action_id, body, site_needed=False)
    result = await services(request).port.report_incident(
        id=body.id,
        action_id=action_id,
        site_id=site_id,
        kind=body.kind,
        severity=body.severity,
        description=body.description,
        lat=body.lat,
        lon=body.lon,
        at=body.at,
        actor=actor,
    )
    return created(result)


async def acknowledge_incident(request: web.Request) -> web.Response:
    incident_id = parse.path_id(request)
    await parse.body(request, bodies.NoDetails, optional=True)
    svc = services(request)
    actor = await _handling_actor(request, svc.port.incident, incident_id)
    return created(await svc.port.acknowledge_incident(incident_id=incident_id, actor=actor))


async def resolve_incident(request: web.Request) -> web.Response:
    incident_id = parse.path_id(request)
    note = (await parse.body(request, bodies.ResolveIn)).note
    svc = services(request)
    actor = await _handling_actor(request, svc.port.incident, incident_id)
    return created(await svc.port.resolve_incident(incident_id=incident_id, note=note, actor=actor))


async def reopen_incident(request: web.Request) -> web.Response:
    incident_id = parse.path_id(request)
    reason = (await parse.body(request, bodies.ReasonIn)).reason
    svc = services(request)
    actor = await _handling_actor(request, svc.port.incident, incident_id)
    return created(
        await svc.port.reopen_incident(incident_id=incident_id, reason=reason, actor=actor)
    )


# -- requests for help ---------------------------------------------------------------------------


async def request_help(request: web.Request) -> web.Response:
    action_id = parse.path_id(request)
    body = await parse.body(request, bodies.HelpIn)
    site_id, actor = await filer(request, action_id, body)
    result = await services(request).port.request_help(
        id=body.id,
        action_id=action_id,
        site_id=site_id,
        kind=body.kind,
        quantity=body.quantity,
        note=body.note or "",
        at=body.at,
        actor=actor,
    )
    return created(result)


async def commit_help(request: web.Request) -> web.Response:
    request_id = parse.path_id(request)
    by = (await parse.body(request, bodies.CommitIn)).by
    svc = services(request)
    actor = await _handling_actor(request, svc.port.help_request, request_id)
    return created(await svc.port.commit_help(request_id=request_id, by=by, actor=actor))


async def fulfil_help(request: web.Request) -> web.Response:
    request_id = parse.path_id(request)
    await parse.body(request, bodies.NoDetails, optional=True)
    svc = services(request)
    actor = await _handling_actor(request, svc.port.help_request, request_id)
    return created(await svc.port.fulfil_help(request_id=request_id, actor=actor))


async def cancel_help(request: web.Request) -> web.Response:
    request_id = parse.path_id(request)
    reason = (await parse.body(request, bodies.ReasonIn)).reason
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
    body = await parse.body(request, bodies.TargetIn)
    result = await services(request).port.set_target(
        action_id=action_id,
        affiliate_id=body.affiliate_id,
        site_id=body.site_id,
        target=body.target,
        actor=actor,
    )
    return created(result)
