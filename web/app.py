"""The aiohttp application: its routes, middlewares and pages. The handlers live by subject in
actions, people, sessions and invites; each parses, authorises, calls one command or query, and
renders."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from aiohttp import web

from web import actions, invites, passwords, people, sessions
from web.context import SERVICES, services
from web.openapi import openapi_document
from web.problems import MAX_BODY, Handler, problems_middleware, route_pattern
from web.security import auth_middleware, gateway_url, security_headers
from web.services import Services

log = logging.getLogger("posko.web")

STATIC = Path(__file__).parent / "static"


def create_app(services: Services) -> web.Application:
    app = web.Application(
        client_max_size=MAX_BODY,
        middlewares=[log_middleware, problems_middleware, auth_middleware],
    )
    app[SERVICES] = services
    app.on_response_prepare.append(security_headers)
    app.on_startup.append(_warm_up)
    app.add_routes(
        [
            web.get("/healthz", healthz),
            web.get("/api/openapi.json", openapi),
            web.get("/api/config", config),
            # sign-in and sessions
            web.post("/api/session", sessions.sign_in),
            web.get("/api/session", sessions.who_am_i),
            web.delete("/api/session", sessions.sign_out),
            web.delete("/api/sessions/{session_id}", sessions.end_session),
            # the organisation and its people
            web.post("/api/affiliates", people.register_affiliate),
            web.get("/api/affiliates", people.list_affiliates),
            web.post("/api/affiliates/{id}/branches", people.add_branch),
            web.post("/api/people", people.register_person),
            web.get("/api/people", people.list_people),
            web.get("/api/people/{id}", people.get_person),
            web.put("/api/people/{id}", people.edit_person),
            web.put("/api/people/{id}/password", people.set_password),
            web.post("/api/people/{id}/roles", people.grant_role),
            web.delete("/api/people/{id}/roles", people.revoke_role),
            web.post("/api/people/{id}/deactivate", people.deactivate_person),
            web.post("/api/people/{id}/reactivate", people.reactivate_person),
            web.get("/api/people/{id}/sessions", sessions.list_person_sessions),
            # actions, the field, the map
            web.get("/api/actions", actions.list_actions),
            web.post("/api/actions", actions.plan_action),
            web.get("/api/actions/{id}", actions.get_action),
            web.post("/api/actions/{id}/sites", actions.add_site),
            web.post("/api/actions/{id}/status", actions.change_status),
            web.post("/api/actions/{id}/reports", actions.file_report),
            web.get("/api/actions/{id}/map", actions.get_map),
            web.get("/api/actions/{id}/checkins", actions.list_checkins),
            # invites for korlaps
            web.post("/api/actions/{id}/invites", invites.create_invite),
            web.get("/api/actions/{id}/invites", invites.list_invites),
            web.post("/api/invites/{invite_id}/revoke", invites.revoke_invite),
            web.post("/api/invites/redeem", invites.redeem_invite),
            # pages
            web.get("/", page("index.html")),
            web.get("/masuk", page("masuk.html")),
            web.get("/login", page("masuk.html")),
            web.get("/admin", page("admin.html")),
            web.get("/i/{code}", page("invite.html")),
            web.static("/static", STATIC),
        ]
    )
    return app


PAGES = ("/", "/masuk", "/login", "/admin", "/i/{code}")  # HTML, not API: not in OpenAPI


async def _warm_up(app: web.Application) -> None:
    await app[SERVICES].call(passwords.warm_up)


# -- middlewares ---------------------------------------------------------------------------------


@web.middleware
async def log_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """One line per request, naming the route (/i/{code}), never the path or query: those can
    carry invite codes."""
    started = time.perf_counter()
    response = await handler(request)
    log.info(
        "http method=%s route=%s status=%s ms=%.1f",
        request.method,
        route_pattern(request),
        response.status,
        (time.perf_counter() - started) * 1000,
    )
    return response


# -- handlers ------------------------------------------------------------------------------------


async def healthz(request: web.Request) -> web.Response:
    state = await services(request).health()
    return web.json_response(state, status=200 if state["status"] == "ok" else 503)


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document())


async def config(request: web.Request) -> web.Response:
    return web.json_response({"ws_url": gateway_url(request), "api": "/api"})


def page(name: str) -> Handler:
    """A page is a static HTML file; what it shows it fetches from the API with the cookie."""

    async def serve(request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC / name)

    return serve
