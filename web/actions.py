"""Actions, their sites (by position or by address) and field reports, the overview, the live
map, feed and legal channel (now or as of any moment), and the one read of people's exact
positions (recorded as an event every time)."""

from __future__ import annotations

import contextlib
import uuid as uuid_module
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from uuid import UUID

from aiohttp import web

from core.access import Permission, may
from core.errors import Forbidden, InvalidInput, NotFound, TooManyRequests
from projections import channels, feed, live_map, overview
from projections.people import checkins_channel
from web import bodies, parse
from web.context import (
    PRINCIPAL,
    authorise,
    created,
    services,
    wait_for_min_position,
)
from web.field import filer
from web.geocoding import geocode
from web.services import Services

REPLAY_RETRY_AFTER = 2  # seconds: about what a replay of a day's log takes


async def list_actions(request: web.Request) -> web.Response:
    """National coordinators and admins see every action; anyone else only those they may
    read (a coordinator's or korlap's own actions), so nobody gets a 403 here."""
    principal = request[PRINCIPAL]
    svc = services(request)
    await wait_for_min_position(request)
    position, docs = await svc.port.snapshot(overview.CHANNEL)
    if not may(principal, Permission.READ_ACTIONS):
        docs = [d for d in docs if may(principal, Permission.READ_ACTION, UUID(d["id"]))]
    now = datetime.now(UTC)
    docs = [overview.flag_overdue(d, now) for d in docs]
    return web.json_response({"position": position, **overview.snapshot(docs)})


async def get_action(request: web.Request) -> web.Response:
    action_id = parse.path_id(request)
    authorise(request, Permission.READ_ACTION, action_id)
    svc = services(request)
    await wait_for_min_position(request)
    position = await svc.port.views_position()
    doc = await svc.port.load(overview.CHANNEL, str(action_id))
    if doc is None:
        raise NotFound("unknown_action", field="id")
    doc = overview.flag_overdue(doc, datetime.now(UTC))
    return web.json_response({**doc, "position": position})


async def get_map(request: web.Request) -> web.Response:
    return await _read_channel(request, live_map.channel(parse.path_id(request)))


async def get_feed(request: web.Request) -> web.Response:
    return await _read_channel(request, feed.channel(parse.path_id(request)))


async def get_legal(request: web.Request) -> web.Response:
    return await _read_channel(request, feed.legal_channel(parse.path_id(request)))


async def _read_channel(request: web.Request, name: str) -> web.Response:
    """A channel's snapshot as a client subscribing now would get it (the feed: its latest
    items, oldest first), or with ?at= as it stood then, computed from the events up to it."""
    ref = channels.parse(name)
    if ref is None or ref.action_id is None:
        raise NotFound("not_found", field="id")
    if not channels.may_read(request[PRINCIPAL], ref):
        raise Forbidden()
    at = parse.query_timestamp(request, "at")
    svc = services(request)
    await wait_for_min_position(request)
    await require_action(svc, ref.action_id)
    if at is not None:
        async with _replay_slot(svc):
            position, data = await svc.port.snapshot_at(ref, at)
        return web.json_response({**data, "position": position, "at": at.isoformat()})
    position, docs = await svc.port.snapshot(ref.name, channels.snapshot_limit(ref))
    return web.json_response({**channels.snapshot_data(ref, docs), "position": position})


async def get_past(request: web.Request) -> web.Response:
    """What the dashboard's timeline shows as of ?at= (required), from one replay: the map,
    the feed, and the legal channel for those who may read it (each decided exactly as its own
    read is: map and feed by may_read, legal by may_read, left out rather than refused)."""
    action_id = parse.path_id(request)
    principal = request[PRINCIPAL]
    wanted = {
        "map": channels.parse(live_map.channel(action_id)),
        "feed": channels.parse(feed.channel(action_id)),
        "legal": channels.legal_ref(action_id),
    }
    refs = {part: ref for part, ref in wanted.items() if ref is not None}
    if not (
        channels.may_read(principal, refs["map"]) and channels.may_read(principal, refs["feed"])
    ):
        raise Forbidden()
    if not channels.may_read(principal, refs["legal"]):
        del refs["legal"]
    at = parse.query_timestamp(request, "at")
    if at is None:
        raise InvalidInput("required", field="at")
    svc = services(request)
    await wait_for_min_position(request)
    await require_action(svc, action_id)
    async with _replay_slot(svc):
        position, data = await svc.port.snapshots_at(list(refs.values()), at)
    out = {part: data[ref.name] for part, ref in refs.items()}
    return web.json_response({**out, "position": position, "at": at.isoformat()})


@contextlib.asynccontextmanager
async def _replay_slot(svc: Services) -> AsyncIterator[None]:
    """A read as of a past moment: in the slow pool, a few at a time, never on the loop. From
    a checkpoint it takes milliseconds; without one (views of an older release) it replays the
    whole log, so the slots stay; never a queue: each waiting replay would hold a request."""
    if svc.replays.locked():
        raise TooManyRequests("replays_busy", retry_after=REPLAY_RETRY_AFTER)
    async with svc.replays:
        yield


async def require_action(svc: Services, action_id: UUID) -> None:
    """404 unless the views know the action (reads of views only: a command checks itself)."""
    if await svc.port.load(overview.CHANNEL, str(action_id)) is None:
        raise NotFound("unknown_action", field="id")


async def list_checkins(request: web.Request) -> web.Response:
    """People's exact positions: coordinators of the action and admins only, and every read
    is recorded (who, which action, how many) before the positions leave the server."""
    action_id = parse.path_id(request)
    actor = authorise(request, Permission.READ_EXACT_POSITIONS, action_id)
    svc = services(request)
    await wait_for_min_position(request)
    await require_action(svc, action_id)
    position, docs = await svc.port.snapshot(checkins_channel(action_id))
    await svc.port.record_positions_read(action_id=action_id, count=len(docs), actor=actor)
    return web.json_response({"position": position, "checkins": docs})


async def plan_action(request: web.Request) -> web.Response:
    actor = authorise(request, Permission.PLAN_ACTIONS)
    body = await parse.body(request, bodies.ActionIn)
    result = await services(request).port.plan_action(
        id=body.id or uuid_module.uuid4(),
        title=body.title,
        kind=body.kind,
        demands=list(body.demands),
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        checkin_radius_m=body.checkin_radius_m,
        affiliates=list(body.affiliates),
        actor=actor,
    )
    return created(result)


async def add_site(request: web.Request) -> web.Response:
    """A site at a position ({"lat", "lon"}), or at an address ({"address"}) that the configured
    geocoder places; the answer then says where it found it."""
    action_id = parse.path_id(request)
    actor = authorise(request, Permission.CHANGE_ACTION, action_id)
    body = await parse.body(request, bodies.SiteIn)
    svc = services(request)
    place = None
    if body.address is None:
        if body.lat is None or body.lon is None:
            raise InvalidInput("required", field="lat" if body.lat is None else "lon")
        lat, lon = body.lat, body.lon
    elif body.lat is not None or body.lon is not None:
        raise InvalidInput("address_or_position", field="address")
    else:
        place = await geocode(svc, body.address)
        lat, lon = place.lat, place.lon
    result = await svc.port.add_site(
        action_id=action_id,
        site_id=body.id or uuid_module.uuid4(),
        name=body.name,
        lat=lat,
        lon=lon,
        target=body.target,
        actor=actor,
    )
    if place is None:
        return created(result)
    return created(result, lat=place.lat, lon=place.lon, found=place.label)


async def change_status(request: web.Request) -> web.Response:
    action_id = parse.path_id(request)
    actor = authorise(request, Permission.CHANGE_ACTION, action_id)
    body = await parse.body(request, bodies.StatusIn)
    result = await services(request).port.change_action_status(
        action_id=action_id, to=body.status, reason=body.reason, actor=actor
    )
    return created(result)


async def file_report(request: web.Request) -> web.Response:
    action_id = parse.path_id(request)
    body = await parse.body(request, bodies.ReportIn)
    site_id, actor = await filer(request, action_id, body)  # a korlap may have one site
    result = await services(request).port.file_report(
        id=body.id,
        action_id=action_id,
        site_id=site_id,
        kind=body.kind,
        at=body.at,
        lat=body.lat,
        lon=body.lon,
        accuracy_m=body.accuracy_m,
        headcount=body.headcount,
        by_affiliate=_counts(body.by_affiliate),
        phase=body.phase,
        mood=body.mood,
        actor=actor,
    )
    return created(result)


def _counts(by_id: Mapping[UUID, int] | None) -> dict[str, int] | None:
    """{uuid: n} as the core keeps it: keys in canonical UUID form."""
    return None if by_id is None else {str(key): count for key, count in by_id.items()}
