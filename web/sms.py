"""SMS over HTTP: the gateway's webhook for texts in and its poll for replies out, both signed
with HMAC-SHA256 under the gateway's secret instead of a bearer token; site codes and the
posko's number for the pages; the inbox of texts no keyword fitted, filed by a coordinator."""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from aiohttp import web

from core.access import Permission
from core.errors import InvalidInput, Unauthenticated
from core.sms import SmsGateway, gateway_secret, site_codes, transcribed_id
from core.sms_commands import SmsOutcome
from projections import sms_inbox
from web import bodies, parse
from web.context import authorise, created, services, wait_for_min_position
from web.messages import render

GATEWAY_HEADER = "X-Posko-Gateway"
SIGNATURE_HEADER = "X-Posko-Signature"
POLL_WINDOW = 300  # seconds a signed poll's `ts` may be off: a captured poll soon goes stale


def signature(secret: str, payload: bytes) -> str:
    """The value of X-Posko-Signature for `payload`: the body of a POST, or for a GET the
    method, a space and the path with its query (`GET /api/sms/outbound?ts=...`)."""
    return "sha256=" + hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


async def _verified_gateway(request: web.Request, payload: bytes) -> SmsGateway:
    """The gateway that signed this request; 401 (and nothing written) for a missing or bad
    signature, an unknown or removed gateway, or a secret that is not its own."""
    raw_id = request.headers.get(GATEWAY_HEADER, "")
    sent = request.headers.get(SIGNATURE_HEADER, "")
    try:
        gateway_id = UUID(raw_id)
    except ValueError:
        raise Unauthenticated("sms_signature", field=GATEWAY_HEADER) from None
    svc = services(request)
    gateway = await svc.port.sms_gateway(gateway_id)
    # The digest is computed even for an unknown gateway, so timing tells nothing.
    secret = gateway_secret(
        svc.port.authenticator.api_key, gateway_id, gateway.salt if gateway else ""
    )
    expected = signature(secret, payload)
    if gateway is None or not sent.isascii() or not hmac.compare_digest(sent, expected):
        raise Unauthenticated("sms_signature", field=SIGNATURE_HEADER)
    return gateway


async def inbound(request: web.Request) -> web.Response:
    """A text the gateway received. Answered 200 with what became of it and the reply; a
    replay of the same message id records nothing and gets the same answer."""
    raw = await request.read()  # once: the signature is over these bytes, and they are parsed
    gateway = await _verified_gateway(request, raw)
    body = parse.validated(raw, bodies.SmsIn)
    svc = services(request)
    outcome = await svc.port.receive_sms(
        gateway_id=gateway.id,
        gateway_message_id=body.message_id,
        sender=body.sender,
        text=body.text,
        sent_at=body.sent_at,
        now=datetime.now(UTC),
    )
    return web.json_response(_answer(outcome))


def _answer(outcome: SmsOutcome) -> dict[str, Any]:
    reply = outcome.reply
    return {
        "id": str(outcome.id),
        "outcome": outcome.outcome,
        "report_id": None if outcome.report_id is None else str(outcome.report_id),
        "report_type": outcome.report_type,
        "reply": render(reply["code"], reply["lang"], reply["params"]),
        "position": outcome.position,
    }


async def outbound(request: web.Request) -> web.Response:
    """The replies waiting for the gateway that polls; each is handed out once."""
    gateway = await _verified_gateway(request, f"GET {request.raw_path}".encode())
    raw_ts = request.query.get("ts", "")
    if not (raw_ts.isascii() and raw_ts.isdigit()) or abs(time.time() - int(raw_ts)) > POLL_WINDOW:
        raise Unauthenticated("sms_stale_poll", field="ts")
    raw_limit = request.query.get("limit", "20")
    if not (raw_limit.isascii() and raw_limit.isdigit()) or not 1 <= int(raw_limit) <= 50:
        raise InvalidInput("out_of_range", field="limit", min=1, max=50)
    svc = services(request)
    replies = await svc.port.collect_sms_replies(
        gateway_id=gateway.id,
        limit=int(raw_limit),
        now=datetime.now(UTC),
    )
    return web.json_response(
        {
            "messages": [
                {
                    "id": r["id"],
                    "to": r["to"],
                    "text": render(r["reply"]["code"], r["reply"]["lang"], r["reply"]["params"]),
                }
                for r in replies
            ]
        }
    )


async def action_sms(request: web.Request) -> web.Response:
    """The posko's number and the action's site codes: what an invite message and the phone
    page need to write a text."""
    action_id = parse.path_id(request)
    authorise(request, Permission.READ_ACTION, action_id)
    svc = services(request)
    action = await svc.port.action(action_id)
    codes = site_codes(action.sites)
    return web.json_response(
        {
            "number": svc.sms_number or None,
            "sites": [
                {"site_id": site_id, "name": action.sites[site_id]["name"], "code": code}
                for site_id, code in codes.items()
            ],
        }
    )


async def inbox(request: web.Request) -> web.Response:
    action_id = parse.path_id(request)
    authorise(request, Permission.HANDLE_FIELD, action_id)
    svc = services(request)
    await wait_for_min_position(request)
    position, docs = await svc.port.snapshot(sms_inbox.channel(action_id))
    return web.json_response({"position": position, "messages": sms_inbox.waiting(docs)})


_TRANSCRIBED: dict[str, type[bodies.Transcribed]] = {
    "report": bodies.TranscribedReport,
    "incident": bodies.TranscribedIncident,
    "request": bodies.TranscribedRequest,
}


def _transcription(raw: bytes) -> bodies.Transcribed:
    """The body by its `type`: first which record it is, then that record's fields."""
    return parse.validated(raw, _TRANSCRIBED[parse.validated(raw, bodies.Transcription).type])


async def transcribe(request: web.Request) -> web.Response:
    """A coordinator reads a text no keyword fitted and files it as a report, incident or
    request (the body of that endpoint, without `id`); recorded with who did it."""
    action_id = parse.path_id(request)
    message_uuid = parse.path_id(request, "message_id")
    actor = authorise(request, Permission.HANDLE_FIELD, action_id)
    body = _transcription(await request.read())
    svc = services(request)
    message = await svc.port.sms_message(message_uuid)
    if str(action_id) not in message.action_ids:
        raise InvalidInput("sms_other_action", field="message_id")
    report_id = transcribed_id(message_uuid)
    common: dict[str, Any] = {
        "id": report_id,
        "action_id": action_id,
        "at": message.sent_at,
        "actor": actor,
    }
    if isinstance(body, bodies.TranscribedReport):
        filed = await svc.port.file_report(
            **common,
            site_id=body.site_id,
            kind=body.kind,
            lat=body.lat,
            lon=body.lon,
            headcount=body.headcount,
            phase=body.phase,
            mood=body.mood,
        )
    elif isinstance(body, bodies.TranscribedIncident):
        filed = await svc.port.report_incident(
            **common,
            site_id=body.site_id,
            kind=body.kind,
            severity=body.severity,
            description=body.description,
        )
    else:
        filed = await svc.port.request_help(
            **common,
            site_id=body.site_id,
            kind=body.kind,
            quantity=body.quantity,
            note=body.note or "",
        )
    result = await svc.port.transcribe_sms(
        message_uuid=message_uuid,
        action_id=action_id,
        filed=filed,
        report_type=body.type,
        actor=actor,
    )
    return created(result)
