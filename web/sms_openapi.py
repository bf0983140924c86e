"""The OpenAPI paths and response schemas of SMS intake (merged into web.openapi's document);
the request schemas are generated from their one description in web/bodies.py."""

from __future__ import annotations

from typing import Any

from web import bodies
from web.bodies import schema_of
from web.schemas import RECORDED, UUID_S, Schema

MIN_POSITION = {
    "name": "min_position",
    "in": "query",
    "required": False,
    "schema": {"type": "integer", "minimum": 0},
    "description": "Wait (up to 3 s) until the views include this position.",
}

_SIGNED: list[dict[str, list[str]]] = [{"smsGateway": []}]
_GATEWAY_HEADERS = [
    {
        "name": "X-Posko-Gateway",
        "in": "header",
        "required": True,
        "schema": UUID_S,
        "description": "The gateway's id, printed by `posko sms gateway add`.",
    },
    {
        "name": "X-Posko-Signature",
        "in": "header",
        "required": True,
        "schema": {"type": "string", "pattern": "^sha256=[0-9a-f]{64}$"},
        "description": "sha256=<hex HMAC-SHA256 under the gateway's secret> of the raw body "
        "(POST), or of `GET <path with query>` (GET).",
    },
]

SMS_OUTCOME: Schema = {
    "type": "object",
    "required": ["id", "outcome", "report_id", "report_type", "reply", "position"],
    "properties": {
        "id": UUID_S,
        "outcome": {
            "enum": ["accepted", "already", "cancelled", "refused", "unparsed", "unknown_sender"]
        },
        "report_id": {"type": ["string", "null"], "format": "uuid"},
        "report_type": {
            "type": ["string", "null"],
            "enum": ["report", "incident", "request", None],
        },
        "reply": {"type": "string", "description": "The answer queued for the sender."},
        "position": {"type": "integer"},
    },
}
SMS_OUTBOUND: Schema = {
    "type": "object",
    "required": ["messages"],
    "properties": {
        "messages": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "to", "text"],
                "properties": {"id": UUID_S, "to": {"type": "string"}, "text": {"type": "string"}},
            },
        }
    },
}
ACTION_SMS: Schema = {
    "type": "object",
    "required": ["number", "sites"],
    "properties": {
        "number": {"type": ["string", "null"], "description": "The posko's SMS number."},
        "sites": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["site_id", "name", "code"],
                "properties": {
                    "site_id": UUID_S,
                    "name": {"type": "string"},
                    "code": {"type": "string", "description": "The site's short code (BUN1)."},
                },
            },
        },
    },
}
SMS_INBOX: Schema = {
    "type": "object",
    "required": ["position", "messages"],
    "properties": {
        "position": {"type": "integer"},
        "messages": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "sender", "text", "sent_at", "filed"],
                "properties": {
                    "id": UUID_S,
                    "filed": {"type": "boolean"},
                    "sender": {"type": "string"},
                    "text": {"type": "string"},
                    "sent_at": {"type": "string", "format": "date-time"},
                },
            },
        },
    },
}
TRANSCRIBE_IN: Schema = {
    "description": "`type` and the body of POST .../reports, .../incidents or .../requests "
    "without `id` and `at` (the record takes the text's id and time).",
    "oneOf": [
        schema_of(bodies.TranscribedReport),
        schema_of(bodies.TranscribedIncident),
        schema_of(bodies.TranscribedRequest),
    ],
}


def _problem(*statuses: int) -> dict[str, Any]:
    return {
        str(s): {
            "description": "Problem details (RFC 9457)",
            "content": {"application/problem+json": {"schema": {"type": "object"}}},
        }
        for s in statuses
    }


def _json(schema: Schema, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": UUID_S}


SECURITY_SCHEME = {
    "type": "apiKey",
    "in": "header",
    "name": "X-Posko-Signature",
    "description": "HMAC-SHA256 under the gateway's secret, with X-Posko-Gateway naming it.",
}


def sms_paths() -> dict[str, Any]:
    return {
        "/api/sms/inbound": {
            "post": {
                "summary": "A text the SMS gateway received (signed): filed and answered",
                "security": _SIGNED,
                "parameters": _GATEWAY_HEADERS,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": schema_of(bodies.SmsIn)}},
                },
                "responses": {
                    "200": _json(SMS_OUTCOME, "What became of it (the same for a replay)"),
                    **_problem(400, 401, 413, 422),
                },
            }
        },
        "/api/sms/outbound": {
            "get": {
                "summary": "Replies waiting for this gateway (signed); each is handed out once",
                "security": _SIGNED,
                "parameters": [
                    *_GATEWAY_HEADERS,
                    {
                        "name": "ts",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "integer"},
                        "description": "Unix time of the poll; more than 5 minutes off: 401.",
                    },
                    {
                        "name": "limit",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 50},
                    },
                ],
                "responses": {
                    "200": _json(SMS_OUTBOUND, "Replies to send"),
                    **_problem(401, 422),
                },
            }
        },
        "/api/actions/{id}/sms": {
            "get": {
                "summary": "The posko's SMS number and the action's site codes",
                "parameters": [_id("id")],
                "responses": {
                    "200": _json(ACTION_SMS, "Number and codes"),
                    **_problem(401, 403, 404),
                },
            }
        },
        "/api/actions/{id}/sms/inbox": {
            "get": {
                "summary": "Texts from the action's korlaps that no keyword fitted",
                "parameters": [_id("id"), MIN_POSITION],
                "responses": {
                    "200": _json(SMS_INBOX, "The inbox"),
                    **_problem(401, 403, 404, 422),
                },
            }
        },
        "/api/actions/{id}/sms/inbox/{message_id}/report": {
            "post": {
                "summary": "File a text from the inbox as a report, incident or request by hand",
                "parameters": [_id("id"), _id("message_id")],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": TRANSCRIBE_IN}},
                },
                "responses": {
                    "201": _json(RECORDED, "Filed"),
                    "200": _json(RECORDED, "Already filed: the first answer"),
                    **_problem(400, 401, 403, 404, 409, 413, 422),
                },
            }
        },
    }
