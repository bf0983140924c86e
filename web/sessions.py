"""Signing in and out, "who am I", and the sessions a person has open (listed and revoked by
their owner or an administrator). Tokens are random, handed out once, and kept only as hashes."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from aiohttp import web

from core.access import Permission
from core.application import Posko
from core.errors import InvalidInput, NotFound, Unauthenticated
from core.people import Person
from core.sessions import Session
from projections.people import sessions_channel
from web import bodies, parse, passwords
from web.client_address import client_address
from web.context import (
    PRINCIPAL,
    authorise_or_hide,
    authorise_self_or,
    person_actor,
    recorded,
    services,
    wait_for_min_position,
)
from web.devices import describe_all
from web.security import (
    clear_session_cookie,
    csrf_token,
    csrf_token_of,
    refuse_cross_site,
    set_session_cookie,
)

TOKEN_BYTES = 32


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def client_of(request: web.Request) -> str:
    """What a person sees in their list of sessions: the browser, shortened by the core."""
    return request.headers.get("User-Agent", "") or "-"


def address_of(request: web.Request) -> str:
    """The client address sign-in failures are counted by: behind a trusted proxy
    (POSKO_TRUSTED_PROXIES), the one it forwarded; else the connection's."""
    forwarded = ", ".join(request.headers.getall("X-Forwarded-For", [])) or None
    return client_address(request.remote, forwarded, services(request).trusted_proxies)


async def sign_in(request: web.Request) -> web.Response:
    refuse_cross_site(request)
    body = await parse.body(request, bodies.SignIn)
    login, password = body.login, body.password
    svc = services(request)
    address = address_of(request)
    await svc.attempts.begin(login, address)
    person = await svc.slow_call(check_credentials, svc.port.app, login, password)
    if person is None:  # the same answer for an unknown login and a wrong password
        raise Unauthenticated("bad_credentials")
    await svc.attempts.succeeded(login, address)
    token = new_token()
    session = await svc.port.start_session(
        token=token,
        person_id=person.id,
        client=client_of(request),
        now=datetime.now(UTC),
        actor=person_actor(person.id),
    )
    return session_started(request, token, session, person=_person(person))


def session_started(
    request: web.Request, token: str, session: Session, **about: Any
) -> web.Response:
    """201 with the token (for API clients), the CSRF token (for pages) and its expiry, plus
    `about` the session; and the cookie that carries the token for the browser."""
    response = web.json_response(
        {
            "token": token,
            "csrf_token": csrf_token(services(request).csrf_key, str(session.id)),
            "expires_at": session.expires_at.isoformat(),
            **about,
        },
        status=201,
    )
    set_session_cookie(request, response, token, session.expires_at)
    return response


def check_credentials(app: Posko, login: str, password: str) -> Person | None:
    """The active person with this login and password, else None; a missing person costs the
    same argon2 work as a wrong password, so timing tells nothing about who has an account."""
    person = app.person_by_login(login)
    active = person if person is not None and person.active else None
    matches = passwords.verify(None if active is None else active.password_hash, password)
    return active if matches else None


async def confirm_password(request: web.Request, person_id: UUID, password: str) -> None:
    """A person changing their own password proves they know the current one; guesses are
    throttled like sign-ins, so a stolen session cannot be used to find it."""
    svc = services(request)
    person = await svc.port.person(person_id)
    address = address_of(request)
    await svc.attempts.begin(person.phone, address)
    if not await svc.slow_call(passwords.verify, person.password_hash, password):
        raise InvalidInput("wrong_password", field="current_password")
    await svc.attempts.succeeded(person.phone, address)


async def who_am_i(request: web.Request) -> web.Response:
    principal = request.get(PRINCIPAL)
    svc = services(request)
    if principal is None:  # no credentials at all (see security.SESSION_PROBE)
        return web.json_response(
            {"actor": None, "roles": [], "csrf_token": None, "expires_at": None, "person": None}
        )
    person = None
    if principal.id.startswith("person:"):
        person = await svc.port.person(UUID(principal.id.removeprefix("person:")))
    return web.json_response(
        {
            "actor": principal.id,
            "roles": [role.as_dict() for role in principal.roles],
            "csrf_token": csrf_token_of(svc.csrf_key, principal),
            "expires_at": _iso(principal.expires_at),
            "person": None if person is None else _person(person),
        }
    )


async def sign_out(request: web.Request) -> web.Response:
    principal = request[PRINCIPAL]
    svc = services(request)
    if principal.session_id is not None:  # the API key has no session to end
        await svc.port.end_session(
            session_id=UUID(principal.session_id),
            actor=principal.id,
            reason="logout",
        )
    response = web.Response(status=204)
    clear_session_cookie(request, response)
    return response


async def list_person_sessions(request: web.Request) -> web.Response:
    person_id = parse.path_id(request)
    authorise_self_or(request, person_id, Permission.MANAGE_PEOPLE)
    svc = services(request)
    await wait_for_min_position(request)
    position, docs = await svc.port.snapshot(sessions_channel(person_id))
    current = request[PRINCIPAL].session_id
    devices = await svc.port.slow(describe_all, [doc["client"] for doc in docs])
    sessions = [
        {**doc, "current": doc["id"] == current, "device": device}
        for doc, device in zip(docs, devices, strict=True)
    ]
    return web.json_response({"position": position, "sessions": sessions})


async def end_session(request: web.Request) -> web.Response:
    """Its owner ends it (a log-out elsewhere) or an administrator revokes it."""
    session_id = parse.path_id(request, "session_id")
    svc = services(request)
    session = await svc.port.session(session_id)
    owner = _owner(session)
    if request[PRINCIPAL].id == owner:
        actor = owner
    else:  # not theirs: as if there were no such session, unless they manage people
        hidden = NotFound("unknown_session", field="session_id")
        actor = authorise_or_hide(request, Permission.MANAGE_PEOPLE, None, hidden)
    result = await svc.port.end_session(
        session_id=session_id,
        actor=actor,
        reason="logout" if actor == owner else "revoked",
    )
    return recorded(result)


def _owner(session: Session) -> str:
    if session.person_id is not None:
        return person_actor(session.person_id)
    return session.holder  # one use of an invite: not the others who opened the same link


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _person(person: Person) -> dict[str, Any]:
    return {"id": str(person.id), "name": person.name, "roles": person.roles}
