"""Invite links for korlaps: a coordinator creates one for an action (and maybe a site) and
shares its short URL; opening it on a phone and giving a name starts an organiser session.
The code is shown once, at creation; Posko keeps only its hash (the invite's id)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from core.access import Permission
from core.errors import NotFound
from core.sessions import invite_id
from projections.people import invites_channel
from web import bodies, parse
from web.context import authorise, authorise_or_hide, created, services, wait_for_min_position
from web.security import refuse_cross_site
from web.sessions import address_of, client_of, new_token, session_started

CODE_BYTES = 9  # 72 random bits in 12 URL-safe characters: short to type, too many to guess
DEFAULT_TTL = timedelta(hours=24)


def invite_url(code: str) -> str:
    return f"/i/{code}"


async def create_invite(request: web.Request) -> web.Response:
    """Not idempotent by a client id: the invite's id is derived from its secret code, which a
    retry could only get back if Posko kept it. A duplicate invite is harmless: it expires."""
    action_id = parse.path_id(request)
    actor = authorise(request, Permission.MANAGE_INVITES, action_id)
    body = await parse.body(request, bodies.InviteIn)
    now = datetime.now(UTC)
    code = secrets.token_urlsafe(CODE_BYTES)
    svc = services(request)
    result = await svc.port.create_invite(
        code=code,
        action_id=action_id,
        site_id=body.site_id,
        label=body.label,
        expires_at=body.expires_at or now + DEFAULT_TTL,
        max_uses=body.max_uses,
        now=now,
        actor=actor,
        phones=list(body.phones or ()),
    )
    return web.json_response(
        {
            "id": str(result.id),
            "position": result.position,
            "code": code,
            "url": invite_url(code),
        },
        status=201,
    )


async def list_invites(request: web.Request) -> web.Response:
    action_id = parse.path_id(request)
    authorise(request, Permission.MANAGE_INVITES, action_id)
    svc = services(request)
    await wait_for_min_position(request)
    position, docs = await svc.port.snapshot(invites_channel(action_id))
    now = datetime.now(UTC)
    return web.json_response(
        {"position": position, "invites": [{**d, "status": _status(d, now)} for d in docs]}
    )


def _status(doc: dict[str, Any], now: datetime) -> str:
    if doc["revoked"]:
        return "revoked"
    if now >= datetime.fromisoformat(doc["expires_at"]):
        return "expired"
    return "used_up" if len(doc["uses"]) >= doc["max_uses"] else "active"


async def revoke_invite(request: web.Request) -> web.Response:
    """Its sessions stop working at once: every request checks the invite behind a session."""
    invite = parse.path_id(request, "invite_id")
    svc = services(request)
    action_id = (await svc.port.invite(invite)).action_id
    missing = NotFound("unknown_invite", field="invite_id")
    actor = authorise_or_hide(request, Permission.MANAGE_INVITES, action_id, missing)
    result = await svc.port.revoke_invite(invite_id=invite, actor=actor)
    return created(result)


async def redeem_invite(request: web.Request) -> web.Response:
    """Public: the code is the credential. Answers like a sign-in, with the action and site.
    Failed attempts are throttled per client address (across every web process when Redis is
    configured), so codes cannot be guessed in bulk."""
    refuse_cross_site(request)
    body = await parse.body(request, bodies.Redeem)
    code, name = body.code, body.name
    token = new_token()
    svc = services(request)
    address = address_of(request)
    await svc.redemptions.begin(address)
    session = await svc.port.redeem_invite(
        code=code,
        token=token,
        name=name,
        client=client_of(request),
        now=datetime.now(UTC),
    )
    await svc.redemptions.succeeded(address)
    invite = await svc.port.invite(invite_id(code))
    return session_started(
        request,
        token,
        session,
        action_id=str(invite.action_id),
        site_id=None if invite.site_id is None else str(invite.site_id),
    )
