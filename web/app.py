"""The aiohttp application: the JSON API under /api/, the OpenAPI document, health, and the
static page. Handlers parse, authorise, call one command or query, and render."""

from __future__ import annotations

import logging
import time
import uuid as uuid_module
from pathlib import Path
from uuid import UUID

from aiohttp import web

from core.access import Permission, Principal, may
from core.application import Recorded
from core.errors import Forbidden, InvalidInput, NotFound, Unauthenticated
from projections import live_map, overview
from web import parse
from web.openapi import openapi_document
from web.problems import MAX_BODY, Handler, problems_middleware
from web.services import Services

log = logging.getLogger("posko.web")

SERVICES = web.AppKey("services", Services)
PRINCIPAL = web.RequestKey("principal", Principal)
STATIC = Path(__file__).parent / "static"
PUBLIC_PATHS = ("/healthz", "/api/openapi.json")


def create_app(services: Services) -> web.Application:
    app = web.Application(
        client_max_size=MAX_BODY,
        middlewares=[log_middleware, problems_middleware, auth_middleware],
    )
    app[SERVICES] = services
    app.add_routes(
        [
            web.get("/healthz", healthz),
            web.get("/api/openapi.json", openapi),
            web.get("/api/config", config),
            web.get("/api/actions", list_actions),
            web.post("/api/actions", plan_action),
            web.get("/api/actions/{id}", get_action),
            web.post("/api/actions/{id}/sites", add_site),
            web.post("/api/actions/{id}/status", change_status),
            web.post("/api/actions/{id}/reports", file_report),
            web.get("/api/actions/{id}/map", get_map),
            web.get("/", index),
            web.static("/static", STATIC),
        ]
    )
    return app


# -- middlewares ---------------------------------------------------------------------------------


@web.middleware
async def log_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    response = await handler(request)
    log.info(
        "http method=%s path=%s status=%s ms=%.1f",
        request.method,
        request.path,
        response.status,
        (time.perf_counter() - started) * 1000,
    )
    return response


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith("/api/") and request.path not in PUBLIC_PATHS:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        principal = request.app[SERVICES].authenticator.principal(
            token.strip() if scheme.lower() == "bearer" else None
        )
        if principal is None:
            raise Unauthenticated()
        request[PRINCIPAL] = principal
    return await handler(request)


def authorise(request: web.Request, permission: Permission, action_id: UUID | None = None) -> str:
    """Checks the caller may do `permission`; returns the actor id to record on events."""
    principal = request[PRINCIPAL]
    if not may(principal, permission, action_id):
        raise Forbidden()
    return principal.id


def created(result: Recorded) -> web.Response:
    return web.json_response(
        {"id": str(result.id), "position": result.position},
        status=201 if result.created else 200,
    )


# -- handlers ------------------------------------------------------------------------------------


async def healthz(request: web.Request) -> web.Response:
    state = await request.app[SERVICES].health()
    return web.json_response(state, status=200 if state["status"] == "ok" else 503)


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document())


async def config(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    ws_url = services.public_ws_url or f"ws://{request.url.host}:{services.ws_port}/"
    return web.json_response({"ws_url": ws_url, "api": "/api"})


async def list_actions(request: web.Request) -> web.Response:
    authorise(request, Permission.READ_ACTIONS)
    services = request.app[SERVICES]
    await _wait_for_min_position(request)
    position, docs = await services.call(services.store.snapshot, overview.CHANNEL)
    return web.json_response({"position": position, **overview.snapshot(docs)})


async def get_action(request: web.Request) -> web.Response:
    action_id = parse.path_id(request)
    authorise(request, Permission.READ_ACTION, action_id)
    services = request.app[SERVICES]
    await _wait_for_min_position(request)
    position = await services.call(services.store.position)
    doc = await services.call(services.store.load, overview.CHANNEL, str(action_id))
    if doc is None:
        raise NotFound("unknown_action", field="id")
    return web.json_response({**doc, "position": position})


async def get_map(request: web.Request) -> web.Response:
    action_id = parse.path_id(request)
    authorise(request, Permission.READ_ACTION, action_id)
    services = request.app[SERVICES]
    await _wait_for_min_position(request)
    if await services.call(services.store.load, overview.CHANNEL, str(action_id)) is None:
        raise NotFound("unknown_action", field="id")
    position, docs = await services.call(services.store.snapshot, live_map.channel(action_id))
    return web.json_response({**live_map.snapshot(docs), "position": position})


async def plan_action(request: web.Request) -> web.Response:
    actor = authorise(request, Permission.PLAN_ACTIONS)
    body = await parse.json_body(request)
    services = request.app[SERVICES]
    result = await services.call(
        services.app.plan_action,
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
    actor = authorise(request, Permission.PLAN_ACTIONS, action_id)
    body = await parse.json_body(request)
    services = request.app[SERVICES]
    result = await services.call(
        services.app.add_site,
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
    actor = authorise(request, Permission.PLAN_ACTIONS, action_id)
    body = await parse.json_body(request)
    to = parse.string(body, "status")
    if to not in ("live", "concluded", "cancelled"):
        raise InvalidInput("not_one_of", field="status", allowed=["live", "concluded", "cancelled"])
    services = request.app[SERVICES]
    result = await services.call(
        services.app.change_action_status,
        action_id=action_id,
        to=to,
        reason=parse.optional_string(body, "reason"),
        actor=actor,
    )
    return created(result)


async def file_report(request: web.Request) -> web.Response:
    action_id = parse.path_id(request)
    actor = authorise(request, Permission.FILE_REPORTS, action_id)
    body = await parse.json_body(request)
    services = request.app[SERVICES]
    result = await services.call(
        services.app.file_report,
        id=parse.uuid(body, "id"),
        action_id=action_id,
        site_id=parse.uuid(body, "site_id"),
        kind=parse.string(body, "kind"),
        at=parse.timestamp(body, "at"),
        lat=parse.optional_number(body, "lat"),
        lon=parse.optional_number(body, "lon"),
        accuracy_m=parse.optional_number(body, "accuracy_m"),
        headcount=parse.optional_integer(body, "headcount"),
        actor=actor,
    )
    return created(result)


async def index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html")


# -- helpers -------------------------------------------------------------------------------------


async def _wait_for_min_position(request: web.Request) -> None:
    raw = request.query.get("min_position")
    if raw is None:
        return
    if not raw.isdigit():
        raise InvalidInput("wrong_type", field="min_position", expected="integer")
    await request.app[SERVICES].views_at_least(int(raw))
