"""Actions, their sites and field reports, the overview and the live map, and the one read of
people's exact positions (recorded as an event every time)."""

from __future__ import annotations

import uuid as uuid_module
from uuid import UUID

from aiohttp import web

from core.access import Permission, may
from core.errors import InvalidInput, NotFound
from projections import live_map, overview
from projections.people import checkins_channel
from web import parse
from web.context import (
    PRINCIPAL,
    authorise,
    created,
    services,
    wait_for_min_position,
)

STATUSES = ("live", "concluded", "cancelled")


async def list_actions(request: web.Request) -> web.Response:
    """National coordinators and admins see every action; anyone else only those they may
    read (a coordinator's or korlap's own actions), so nobody gets a 403 here."""
    principal = request[PRINCIPAL]
    svc = services(request)
    await wait_for_min_position(request)
    position, docs = await svc.call(svc.store.snapshot, overview.CHANNEL)
    if not may(principal, Permission.READ_ACTIONS):
        docs = [d for d in docs if may(principal, Permission.READ_ACTION, UUID(d["id"]))]
    return web.json_response({"position": position, **overview.snapshot(docs)})


async def get_action(request: web.Request) -> web.Response:
    action_id = parse.path_id(request)
    authorise(request, Permission.READ_ACTION, action_id)
    svc = services(request)
    await wait_for_min_position(request)
    position = await svc.call(svc.store.position)
    doc = await svc.call(svc.store.load, overview.CHANNEL, str(action_id))
    if doc is None:
        raise NotFound("unknown_action", field="id")
    return web.json_response({**doc, "position": position})


async def get_map(request: web.Request) -> web.Response:
    action_id = parse.path_id(request)
    authorise(request, Permission.READ_ACTION, action_id)
    svc = services(request)
    await wait_for_min_position(request)
    if await svc.call(svc.store.load, overview.CHANNEL, str(action_id)) is None:
        raise NotFound("unknown_action", field="id")
    position, docs = await svc.call(svc.store.snapshot, live_map.channel(action_id))
    return web.json_response({**live_map.snapshot(docs), "position": position})


async def list_checkins(request: web.Request) -> web.Response:
    """People's exact positions: coordinators of the action and admins only, and every read
    is recorded (who, which action, how many) before the positions leave the server."""
    action_id = parse.path_id(request)
    actor = authorise(request, Permission.READ_EXACT_POSITIONS, action_id)
    svc = services(request)
    await wait_for_min_position(request)
    if await svc.call(svc.store.load, overview.CHANNEL, str(action_id)) is None:
        raise NotFound("unknown_action", field="id")
    position, docs = await svc.call(svc.store.snapshot, checkins_channel(action_id))
    await svc.call(svc.app.record_positions_read, action_id=action_id, count=len(docs), actor=actor)
    return web.json_response({"position": position, "checkins": docs})


async def plan_action(request: web.Request) -> web.Response:
    actor = authorise(request, Permission.PLAN_ACTIONS)
    body = await parse.json_body(request)
    svc = services(request)
    result = await svc.call(
        svc.app.plan_action,
        id=parse.optional_uuid(body, "id") or uuid_module.uuid4(),
        title=parse.string(body, "title"),
        kind=parse.string(body, "kind"),
        demands=parse.string_list(body, "demands"),
        starts_at=parse.timestamp(body, "starts_at"),
        ends_at=parse.timestamp(body, "ends_at"),
        actor=actor,
    )
    return created(result)


async def add_site(request: web.Request) -> web.Response:
    action_id = parse.path_id(request)
    actor = authorise(request, Permission.CHANGE_ACTION, action_id)
    body = await parse.json_body(request)
    svc = services(request)
    result = await svc.call(
        svc.app.add_site,
        action_id=action_id,
        site_id=parse.optional_uuid(body, "id") or uuid_module.uuid4(),
        name=parse.string(body, "name"),
        lat=parse.number(body, "lat"),
        lon=parse.number(body, "lon"),
        target=parse.integer(body, "target"),
        actor=actor,
    )
    return created(result)


async def change_status(request: web.Request) -> web.Response:
    action_id = parse.path_id(request)
    actor = authorise(request, Permission.CHANGE_ACTION, action_id)
    body = await parse.json_body(request)
    to = parse.string(body, "status")
    if to not in STATUSES:
        raise InvalidInput("not_one_of", field="status", allowed=list(STATUSES))
    svc = services(request)
    result = await svc.call(
        svc.app.change_action_status,
        action_id=action_id,
        to=to,
        reason=parse.optional_string(body, "reason"),
        actor=actor,
    )
    return created(result)


async def file_report(request: web.Request) -> web.Response:
    action_id = parse.path_id(request)
    body = await parse.json_body(request)
    site_id = parse.uuid(body, "site_id")  # a korlap may be scoped to one site: check it first
    actor = authorise(request, Permission.FILE_REPORTS, action_id, site_id)
    svc = services(request)
    result = await svc.call(
        svc.app.file_report,
        id=parse.uuid(body, "id"),
        action_id=action_id,
        site_id=site_id,
        kind=parse.string(body, "kind"),
        at=parse.timestamp(body, "at"),
        lat=parse.optional_number(body, "lat"),
        lon=parse.optional_number(body, "lon"),
        accuracy_m=parse.optional_number(body, "accuracy_m"),
        headcount=parse.optional_integer(body, "headcount"),
        actor=actor,
    )
    return created(result)
