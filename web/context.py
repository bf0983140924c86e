"""What every handler stands on: the services and the caller of a request, the one authorisation
check (core.access.may), and how a recorded command is rendered."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from aiohttp import web

from core.access import Permission, Principal, may
from core.application import Recorded
from core.errors import Forbidden, InvalidInput
from web.services import Services

SERVICES = web.AppKey("services", Services)
PRINCIPAL = web.RequestKey("principal", Principal)


def services(request: web.Request) -> Services:
    return request.app[SERVICES]


def authorise(
    request: web.Request,
    permission: Permission,
    action_id: UUID | None = None,
    site_id: UUID | None = None,
) -> str:
    """Checks the caller may do `permission`; returns the actor id to record on events."""
    principal = request[PRINCIPAL]
    if not may(principal, permission, action_id, site_id):
        raise Forbidden()
    return principal.id


def authorise_self_or(request: web.Request, person_id: UUID, permission: Permission) -> str:
    """The person themself, or someone with `permission` (their own sessions, password...)."""
    principal = request[PRINCIPAL]
    if principal.id == person_actor(person_id):
        return principal.id
    return authorise(request, permission)


def person_actor(person_id: UUID | str) -> str:
    """The actor id events record for a person (core.identity makes the same)."""
    return f"person:{person_id}"


def created(result: Recorded, **extra: Any) -> web.Response:
    """A create or a state change: 201 when recorded, 200 with the same body for a repeat."""
    return web.json_response(
        {"id": str(result.id), "position": result.position, **extra},
        status=201 if result.created else 200,
    )


def recorded(result: Recorded) -> web.Response:
    """An edit (PUT, DELETE of a part): 200 whether or not it changed anything."""
    return web.json_response({"id": str(result.id), "position": result.position})


async def wait_for_min_position(request: web.Request) -> None:
    """Read-your-writes: with ?min_position=N, wait (bounded) until the views include N."""
    raw = request.query.get("min_position")
    if raw is None:
        return
    if not (raw.isascii() and raw.isdigit()):
        raise InvalidInput("wrong_type", field="min_position", expected="integer")
    await services(request).port.views_at_least(int(raw))
