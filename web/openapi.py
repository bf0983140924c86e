"""The OpenAPI 3 document served at /api/openapi.json. Request bodies are generated from their
one description (web/bodies.py); responses are described in web/schemas.py. A test checks it
lists exactly the routes the app serves, and the API tests check responses against it."""

from __future__ import annotations

from typing import Any

from web import bodies
from web.bodies import schema_of
from web.fund_openapi import fund_paths
from web.schemas import (
    ACTION_OUT,
    AFFILIATE_OUT,
    CHECKIN_OUT,
    FEED_OUT,
    INVITE_CREATED,
    INVITE_OUT,
    MAP_OUT,
    NEAREST_SITE,
    PERSON_OUT,
    PROBLEM,
    RECORDED,
    REDEEMED,
    SESSION_ROW,
    SIGNED_IN,
    SITE_CREATED,
    SITES_GEOJSON,
    TIME_S,
    UUID_S,
    WHO_AM_I,
    Schema,
    listing,
)

Operation = dict[str, Any]


def _json(schema: Schema, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _problems(*statuses: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        str(s): {
            "description": "Problem details (RFC 9457)",
            "content": {"application/problem+json": {"schema": PROBLEM}},
        }
        for s in statuses
    }
    if "429" in out:
        out["429"]["headers"] = {
            "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}
        }
    return out


def _path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": UUID_S}


ID_PARAM = _path_param("id")
MIN_POSITION = {
    "name": "min_position",
    "in": "query",
    "required": False,
    "schema": {"type": "integer", "minimum": 0},
    "description": "Wait (up to 3 s) until the views include this position.",
}
AT = {
    "name": "at",
    "in": "query",
    "required": False,
    "schema": TIME_S,
    "description": "Time travel: the view as of this moment (ISO 8601 with a zone), computed "
    "from the events recorded up to it.",
}
WRITE_PROBLEMS = (400, 401, 403, 404, 409, 413, 422)


def _body(body: type[bodies.Body]) -> dict[str, Any]:
    """A request body, its schema generated from its one description in web/bodies.py."""
    return {"required": True, "content": {"application/json": {"schema": schema_of(body)}}}


def _create(body: type[bodies.Body] | None, summary: str, *, param: str | None = "id") -> Operation:
    """A create or a state change: 201 recorded, 200 for a repeat that changed nothing."""
    op: Operation = {
        "summary": summary,
        "responses": {
            "201": _json(RECORDED, "Recorded"),
            "200": _json(RECORDED, "Already recorded (a repeat): the first answer"),
            **_problems(*WRITE_PROBLEMS),
        },
    }
    if body is not None:
        op["requestBody"] = _body(body)
    if param is not None:
        op["parameters"] = [_path_param(param)]
    return op


def _optional_body(op: Operation) -> Operation:
    return {**op, "requestBody": {**op["requestBody"], "required": False}}


def _edit(body: type[bodies.Body], summary: str, *, extra: tuple[int, ...] = ()) -> Operation:
    """An edit: 200 whether or not it changed anything."""
    return {
        "summary": summary,
        "parameters": [ID_PARAM],
        "requestBody": _body(body),
        "responses": {
            "200": _json(RECORDED, "Recorded (or nothing to change)"),
            **_problems(*WRITE_PROBLEMS, *extra),
        },
    }


def _read(schema: Schema, summary: str, *, param: str | None = "id") -> Operation:
    op: Operation = {
        "summary": summary,
        "parameters": [MIN_POSITION] if param is None else [_path_param(param), MIN_POSITION],
        "responses": {"200": _json(schema, summary), **_problems(401, 403, 404, 422)},
    }
    return op


def _as_of(op: Operation) -> Operation:
    """A read that also answers as of a past moment (?at=)."""
    return {**op, "parameters": [*op["parameters"], AT]}


def _download(
    media_type: str, summary: str, description: str, schema: Schema | None = None
) -> Operation:
    return {
        "summary": summary,
        "description": description,
        "parameters": [ID_PARAM, MIN_POSITION],
        "responses": {
            "200": {
                "description": "An attachment (Content-Disposition names the file)",
                "content": {media_type: {"schema": schema or {"type": "string"}}},
            },
            **_problems(401, 403, 404, 422),
        },
    }


def _public(op: Operation) -> Operation:
    return {**op, "security": []}


def _sessions_paths() -> dict[str, Any]:
    return {
        "/api/session": {
            "post": _public(
                {
                    "summary": "Sign in with phone or email and password",
                    "description": "Sets the HttpOnly posko_session cookie as well. Repeated "
                    "failures from one login or address are answered 429 with Retry-After.",
                    "requestBody": _body(bodies.SignIn),
                    "responses": {
                        "201": _json(SIGNED_IN, "Signed in"),
                        **_problems(400, 401, 413, 422, 429),
                    },
                }
            ),
            "get": {
                "summary": "Who am I: actor, roles, CSRF token",
                "responses": {"200": _json(WHO_AM_I, "The caller"), **_problems(401)},
            },
            "delete": {
                "summary": "Sign out: end this session and clear the cookie",
                "responses": {"204": {"description": "Signed out"}, **_problems(401, 403)},
            },
        },
        "/api/sessions/{session_id}": {
            "delete": {
                "summary": "End a session (its owner) or revoke it (an administrator)",
                "parameters": [_path_param("session_id")],
                "responses": {
                    "200": _json(RECORDED, "Ended (or already ended)"),
                    **_problems(401, 403, 404, 409),
                },
            }
        },
    }


def _people_paths() -> dict[str, Any]:
    return {
        "/api/affiliates": {
            "post": _create(bodies.Named, "Register an affiliate (federasi)", param=None),
            "get": _read(
                listing("affiliates", AFFILIATE_OUT, "Affiliates with their branches"),
                "The affiliates",
                param=None,
            ),
        },
        "/api/affiliates/{id}/branches": {
            "post": _create(bodies.Named, "Add a union or branch (SP/PUK) to an affiliate")
        },
        "/api/people": {
            "post": _create(bodies.PersonIn, "Register a person (password optional)", param=None),
            "get": _read(listing("people", PERSON_OUT, "People"), "People", param=None),
        },
        "/api/people/{id}": {
            "get": _read(PERSON_OUT, "One person (an administrator, or themself)"),
            "put": _edit(bodies.PersonDetails, "Edit a person's details"),
        },
        "/api/people/{id}/password": {
            "put": _edit(
                bodies.PasswordIn,
                "Set a password (an administrator, or themself)",
                extra=(429,),
            )
        },
        "/api/people/{id}/roles": {
            "post": _create(bodies.RoleIn, "Grant a role with its scope"),
            "delete": _edit(bodies.RoleIn, "Revoke a role (the body names it with its scope)"),
        },
        "/api/people/{id}/deactivate": {
            "post": _create(None, "Deactivate a person: their sessions stop at once")
        },
        "/api/people/{id}/reactivate": {"post": _create(None, "Reactivate a person")},
        "/api/people/{id}/sessions": {
            "get": _read(
                listing("sessions", SESSION_ROW, "Sessions, open and ended"),
                "A person's sessions (an administrator, or themself)",
            )
        },
    }


def _actions_paths() -> dict[str, Any]:
    return {
        "/api/actions": {
            "get": _read(
                listing("actions", ACTION_OUT, "Every action, or only the caller's own"),
                "Actions with their totals (national overview)",
                param=None,
            ),
            "post": _create(bodies.ActionIn, "Plan an action", param=None),
        },
        "/api/actions/{id}": {"get": _read(ACTION_OUT, "One action with its totals")},
        "/api/actions/{id}/sites": {
            "post": {
                "summary": "Add a site (lokasi) to an action, at a position or an address",
                "parameters": [ID_PARAM],
                "requestBody": _body(bodies.SiteIn),
                "responses": {
                    "201": _json(SITE_CREATED, "Recorded (by address: where it was found)"),
                    "200": _json(SITE_CREATED, "Already recorded (a repeat): the first answer"),
                    **_problems(*WRITE_PROBLEMS, 503),
                },
            }
        },
        "/api/actions/{id}/status": {
            "post": _create(
                bodies.StatusIn,
                "Move an action through planned -> live -> concluded, or cancel it",
            )
        },
        "/api/actions/{id}/reports": {
            "post": _create(
                bodies.ReportIn,
                "File a field report (check-in, headcount or site status)",
            )
        },
        "/api/actions/{id}/map": {
            "get": _as_of(
                _read(MAP_OUT, "The action's sites and incidents as GeoJSON, now or at ?at=")
            )
        },
        "/api/actions/{id}/feed": {
            "get": _as_of(
                _read(FEED_OUT, "The action's reports, incidents and requests, now or at ?at=")
            )
        },
        "/api/actions/{id}/legal": {
            "get": _as_of(
                _read(FEED_OUT, "Arrests and legal-aid requests, for the legal team (LBH)")
            )
        },
        "/api/actions/{id}/nearest-site": {
            "get": {
                "summary": "The action's site nearest to a position",
                "parameters": [
                    ID_PARAM,
                    *(
                        {
                            "name": name,
                            "in": "query",
                            "required": True,
                            "schema": {"type": "number", "minimum": -limit, "maximum": limit},
                        }
                        for name, limit in (("lat", 90), ("lon", 180))
                    ),
                ],
                "responses": {
                    "200": _json(NEAREST_SITE, "The nearest site"),
                    **_problems(401, 403, 404, 422),
                },
            }
        },
        "/api/actions/{id}/targets": {
            "post": _create(
                bodies.TargetIn,
                "Set an affiliate's mobilisation target (action or site)",
            )
        },
        "/api/actions/{id}/incidents": {
            "post": _create(bodies.IncidentIn, "Report an incident (arrest, injury, police...)")
        },
        "/api/incidents/{id}/acknowledge": {
            "post": _optional_body(
                _create(bodies.NoDetails, "Acknowledge an incident (the posko saw it)")
            )
        },
        "/api/incidents/{id}/resolve": {"post": _create(bodies.ResolveIn, "Resolve an incident")},
        "/api/incidents/{id}/reopen": {
            "post": _create(bodies.ReasonIn, "Reopen a resolved incident")
        },
        "/api/actions/{id}/requests": {
            "post": _create(bodies.HelpIn, "Request help at a site (medic, water, legal aid...)")
        },
        "/api/requests/{id}/commit": {
            "post": _create(
                bodies.CommitIn,
                "Commit to a request: who will deliver",
            )
        },
        "/api/requests/{id}/fulfil": {
            "post": _optional_body(_create(bodies.NoDetails, "Mark a committed request fulfilled"))
        },
        "/api/requests/{id}/cancel": {
            "post": _create(bodies.ReasonIn, "Cancel a request for help")
        },
        "/api/actions/{id}/export/reports.csv": {
            "get": _download(
                "text/csv",
                "Export the action's field reports as CSV",
                "Exact GPS positions (lat, lon, accuracy_m) only for callers who may read "
                "them; that read is recorded.",
            )
        },
        "/api/actions/{id}/export/incidents.csv": {
            "get": _download(
                "text/csv", "Export the action's incidents as CSV", "With their handling."
            )
        },
        "/api/actions/{id}/export/requests.csv": {
            "get": _download(
                "text/csv", "Export the action's requests for help as CSV", "With their handling."
            )
        },
        "/api/actions/{id}/sites.geojson": {
            "get": _download(
                "application/geo+json",
                "Export the action's sites as GeoJSON",
                "A FeatureCollection of the sites with their latest figures.",
                SITES_GEOJSON,
            )
        },
        "/api/actions/{id}/checkins": {
            "get": _read(
                listing("checkins", CHECKIN_OUT, "Check-ins with exact positions"),
                "People's exact check-in positions (coordinators of the action; every read "
                "is recorded)",
            )
        },
        "/api/actions/{id}/invites": {
            "post": {
                "summary": "Create an invite link for korlaps of the action",
                "parameters": [ID_PARAM],
                "requestBody": _body(bodies.InviteIn),
                "responses": {
                    "201": _json(INVITE_CREATED, "Created; the code is shown only now"),
                    **_problems(*WRITE_PROBLEMS),
                },
            },
            "get": _read(listing("invites", INVITE_OUT, "Invites with their uses"), "Invites"),
        },
        "/api/invites/{invite_id}/revoke": {
            "post": _create(None, "Revoke an invite: its sessions stop at once", param="invite_id")
        },
        "/api/invites/redeem": {
            "post": _public(
                {
                    "summary": "Open an invite link: an organiser session for its action",
                    "description": "Sets the HttpOnly posko_session cookie as well.",
                    "requestBody": _body(bodies.Redeem),
                    "responses": {
                        "201": _json(REDEEMED, "Signed in as a korlap of the action"),
                        **_problems(400, 404, 409, 413, 422),
                    },
                }
            )
        },
    }


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Posko API",
            "version": "0.1.0",
            "description": "Command post for joint actions. Authenticate with "
            "`Authorization: Bearer <key or token>`, or the posko_session cookie plus an "
            "X-CSRF-Token header on writes. Errors are problem+json in the caller's "
            "language (Bahasa Indonesia by default, English with Accept-Language: en).",
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "posko_session"},
            },
        },
        "security": [{"bearer": []}, {"cookie": []}],
        "paths": {
            "/healthz": {
                "get": {
                    "summary": "Liveness and the state of store, bus and projections",
                    "security": [],
                    "responses": {
                        "200": _json({"type": "object"}, "Healthy"),
                        "503": _json({"type": "object"}, "Degraded"),
                    },
                }
            },
            "/api/openapi.json": {
                "get": {
                    "summary": "This document",
                    "security": [],
                    "responses": {"200": _json({"type": "object"}, "OpenAPI 3 document")},
                }
            },
            "/api/config": {
                "get": {
                    "summary": "Where the realtime gateway is",
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["ws_url"],
                                "properties": {"ws_url": {"type": "string"}},
                            },
                            "Client configuration",
                        ),
                        **_problems(401),
                    },
                }
            },
            **_sessions_paths(),
            **_people_paths(),
            **_actions_paths(),
            **fund_paths(),
        },
    }
