"""The OpenAPI 3 document served at /api/openapi.json. Request bodies are generated from their
one description (web/bodies.py); responses are described in web/schemas.py. A test checks it
lists exactly the routes the app serves, and the API tests check responses against it."""

from __future__ import annotations

from typing import Any

from web import bodies
from web import notice_schemas as ns
from web.bodies import schema_of
from web.budget_openapi import budget_paths
from web.fund_links_openapi import fund_link_paths
from web.fund_openapi import fund_paths
from web.schemas import (
    ACTION_OUT,
    AFFILIATE_OUT,
    CHECKIN_OUT,
    FEED_OUT,
    IMPORT_OUT,
    INVITE_CREATED,
    INVITE_OUT,
    MAP_OUT,
    NEAREST_SITE,
    PERSON_OUT,
    PROBLEM,
    RECORDED,
    REDEEMED,
    REPORT_OUT,
    ROSTER_INVITES,
    ROSTER_OUT,
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
from web.sms_openapi import SECURITY_SCHEME, sms_paths
from web.vote_schemas import (
    CAST_OUT,
    LINK_CREATED,
    ROLL_ENTRY,
    ROLL_OUT,
    VOTE_FOR_VOTER,
    VOTE_OUT,
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
    for status in ("409", "429", "503"):  # 409 busy, 429 throttled, 503 busy: when to retry
        if status in out:
            out[status]["headers"] = {
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
WRITE_PROBLEMS = (400, 401, 403, 404, 409, 413, 415, 422)


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
    """A read that also answers as of a past moment (?at=); 429 while replays are busy."""
    return {
        **op,
        "parameters": [*op["parameters"], AT],
        "responses": {**op["responses"], **_problems(429)},
    }


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
                    "failures from one login and address are answered 429 with Retry-After; "
                    "a request from another site's page is 403 cross_site; 503 while too "
                    "many sign-ins are being checked at once.",
                    "requestBody": _body(bodies.SignIn),
                    "responses": {
                        "201": _json(SIGNED_IN, "Signed in"),
                        **_problems(400, 401, 403, 413, 415, 422, 429, 503),
                    },
                }
            ),
            "get": {
                "summary": "Who am I: actor, roles, CSRF token (actor null without credentials)",
                # Credentials optional: without any, 200 {"actor": null} (a page learns it is
                # signed out without an error); bad ones are still 401.
                "security": [{"bearer": []}, {"cookie": []}, {}],
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
        "/api/actions/{id}": {
            "get": _read(ACTION_OUT, "One action with its totals"),
            "put": _edit(
                bodies.ActionEdit,
                "Edit a planned action (title, kind, demands, times...)",
            ),
        },
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
                        **_problems(400, 403, 404, 409, 413, 415, 422, 429),
                    },
                }
            )
        },
    }


def _planning_paths() -> dict[str, Any]:
    def answer(schema: Schema, summary: str, *statuses: str) -> Operation:
        return {
            "summary": summary,
            "parameters": [ID_PARAM],
            "responses": {
                **{s: _json(schema, summary) for s in statuses},
                **_problems(*WRITE_PROBLEMS, 503),
            },
        }

    return {
        "/api/affiliates/{id}": {"put": _edit(bodies.NameIn, "Rename an affiliate (federasi)")},
        "/api/affiliates/{id}/branches/{branch_id}": {
            "put": {
                **_edit(bodies.NameIn, "Rename a branch of an affiliate"),
                "parameters": [ID_PARAM, _path_param("branch_id")],
            }
        },
        "/api/actions/{id}/sites/{site_id}": {
            "put": {
                **_edit(
                    bodies.SiteAdjust,
                    "Move, rename or retarget a site before the action is live",
                ),
                "parameters": [ID_PARAM, _path_param("site_id")],
            }
        },
        "/api/actions/{id}/sites/import/preview": {
            "post": {
                **answer(IMPORT_OUT, "Preview a CSV import: each row and its errors", "200"),
                "requestBody": _body(bodies.SitesCsv),
                "description": "Writes nothing. Addresses are looked up with the geocoder.",
            }
        },
        "/api/actions/{id}/sites/import": {
            "post": {
                **answer(IMPORT_OUT, "Import sites from a CSV file, all or none", "201", "200"),
                "requestBody": _body(bodies.SitesCsv),
                "description": "Any row with an error refuses the file (422 import_refused, "
                "params.rows). Site ids derive from the action and the name, so the same "
                "file twice adds nothing (200, every row `exists`).",
            }
        },
        "/api/actions/{id}/lobbying": {
            "post": _create(bodies.LobbyIn, "Record lobbying or a hearing (audiensi)")
        },
        "/api/actions/{id}/outcomes": {
            "post": _create(bodies.OutcomeIn, "Record an outcome and its follow-up date")
        },
        "/api/actions/{id}/roster": {
            "get": _read(ROSTER_OUT, "Korlaps per site: links, who opened them, check-ins")
        },
        "/api/actions/{id}/roster/invites": {
            "post": {
                **answer(ROSTER_INVITES, "Invite links for named korlaps, in one go", "201"),
                "requestBody": _body(bodies.RosterIn),
            }
        },
        "/api/actions/{id}/report": {
            "get": _read(REPORT_OUT, "The action report (laporan aksi): figures and outcomes")
        },
        "/api/actions/{id}/report.html": {
            "get": _download(
                "text/html",
                "The action report as a printable page",
                "The same template as report.pdf; ?lang=en for English.",
            )
        },
        "/api/actions/{id}/report.pdf": {
            "get": _download(
                "application/pdf",
                "The action report as a PDF (WeasyPrint)",
                "From the printable page's template and stylesheet; ?lang=en for English.",
            )
        },
    }


def openapi_document() -> dict[str, Any]:
    document = _document()
    for item in document["paths"].values():  # a JSON body sent as anything else is a 415
        for operation in item.values():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                operation["responses"].setdefault("415", _problems(415)["415"])
    return document


def _document() -> dict[str, Any]:
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
                "smsGateway": SECURITY_SCHEME,
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
            "/metrics": {
                "get": {
                    "summary": "Prometheus metrics of this process (keep it off the public proxy)",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "Prometheus text exposition format",
                            "content": {"text/plain": {"schema": {"type": "string"}}},
                        }
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
            **_notices_paths(),
            **sms_paths(),
            **_planning_paths(),
            **_votes_paths(),
            **fund_paths(),
            **fund_link_paths(),
            **budget_paths(),
        },
    }


def _notices_paths() -> dict[str, Any]:
    """Legal notices and the evidence log (web/notices.py)."""
    notice = _path_param("id")
    html = {
        "description": "A printable A4 page",
        "content": {"text/html": {"schema": {"type": "string"}}},
    }
    pdf = {
        "description": "The same letter as PDF (attachment)",
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
    }
    return {
        "/api/legal-rules": {
            "get": {
                "summary": "The legal rule set in force: each rule's article and status, the "
                "working-day calendar, the forbidden places",
                "responses": {"200": _json(ns.RULES_OUT, "The rule set"), **_problems(401)},
            }
        },
        "/api/actions/{id}/attachments": {
            "post": {
                "summary": "Upload a scan or photo (a receipt, minutes, a summons) as the raw body",
                "parameters": [
                    ID_PARAM,
                    {
                        "name": "filename",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string"},
                    },
                    {"name": "affiliate_id", "in": "query", "required": False, "schema": UUID_S},
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        m: {"schema": {"type": "string", "format": "binary"}}
                        for m in ns.ATTACHMENT_MEDIA
                    },
                },
                "responses": {
                    "201": _json(RECORDED, "Stored"),
                    "200": _json(RECORDED, "The same file was stored before"),
                    **_problems(*WRITE_PROBLEMS),
                },
            }
        },
        "/api/attachments/{id}": {
            "get": {
                "summary": "An uploaded scan or photo",
                "parameters": [ID_PARAM],
                "responses": {
                    "200": {
                        "description": "The file",
                        "content": {
                            m: {"schema": {"type": "string", "format": "binary"}}
                            for m in ns.ATTACHMENT_MEDIA
                        },
                    },
                    **_problems(401, 403, 404),
                },
            }
        },
        "/api/actions/{id}/notices": {
            "post": _create(
                bodies.NoticeIn,
                "Draft a strike notice (kind strike, from an action of "
                "kind strike) or a demonstration notice (kind demo, from an action with sites)",
            ),
            "get": {
                "summary": "The action's notices with their findings and clocks",
                "parameters": [ID_PARAM],
                "responses": {"200": _json(ns.NOTICES_OUT, "Notices"), **_problems(401, 403, 404)},
            },
        },
        "/api/notices/{id}": {
            "get": {
                "summary": "A notice: its fields, receipts, rule-set version, findings and clock",
                "parameters": [notice],
                "responses": {
                    "200": _json(ns.NOTICE_OUT, "The notice"),
                    **_problems(401, 403, 404),
                },
            },
            "put": _edit(bodies.NoticeEdit, "Edit a draft (a ready notice goes back to draft)"),
        },
        "/api/notices/{id}/html": {
            "get": {
                "summary": "The notice as a printable A4 letter in Bahasa Indonesia",
                "parameters": [notice],
                "responses": {"200": html, **_problems(401, 403, 404)},
            }
        },
        "/api/notices/{id}/pdf": {
            "get": {
                "summary": "The notice as a PDF",
                "parameters": [notice],
                "responses": {"200": pdf, **_problems(401, 403, 404)},
            }
        },
        "/api/notices/{id}/negotiations": {
            "post": _create(bodies.NegotiationIn, "Attach evidence that negotiations failed")
        },
        "/api/notices/{id}/ready": {
            "post": _optional_body(
                _create(
                    bodies.NoDetails,
                    "Mark ready: 409 notice_refused with params.findings while a "
                    "rule refuses it (incomplete, too close to the start...)",
                )
            )
        },
        "/api/notices/{id}/sent": {"post": _create(bodies.SentIn, "Mark sent on a day")},
        "/api/notices/{id}/receipts": {
            "post": _create(
                bodies.ReceiptIn, "Record a receipt (tanda terima or STTP) with its scan"
            )
        },
        "/api/notices/{id}/withdraw": {
            "post": _create(bodies.ReasonIn, "Withdraw a draft or ready notice")
        },
        "/api/notices/{id}/cancel": {
            "post": _create(bodies.ReasonIn, "Cancel a sent demonstration notice")
        },
        "/api/actions/{id}/evidence": {
            "post": _create(bodies.EvidenceIn, "Record retaliation or an employer summons"),
            "get": {
                "summary": "The evidence log: entries, digests, summons deadlines (legal team)",
                "parameters": [ID_PARAM],
                "responses": {"200": _json(ns.EVIDENCE_OUT, "The log"), **_problems(401, 403, 404)},
            },
        },
        "/api/actions/{id}/evidence/bundle.zip": {
            "get": {
                "summary": "The evidence bundle for the legal team, with a stand-alone verify "
                "script; X-Evidence-Head carries the last digest",
                "parameters": [ID_PARAM],
                "responses": {
                    "200": {
                        "description": "A zip",
                        "headers": {"X-Evidence-Head": {"schema": {"type": "string"}}},
                        "content": {
                            "application/zip": {"schema": {"type": "string", "format": "binary"}}
                        },
                    },
                    **_problems(401, 403, 404),
                },
            }
        },
    }


def _cast(body: type[bodies.Body], summary: str, description: str) -> Operation:
    return {
        "summary": summary,
        "description": description,
        "parameters": [ID_PARAM],
        "requestBody": _body(body),
        "responses": {
            "201": _json(CAST_OUT, "In the ballot box; the receipt code is shown only now"),
            "200": _json(CAST_OUT, "A resend with the same receipt code: already in the box"),
            **_problems(*WRITE_PROBLEMS),
        },
    }


def _votes_paths() -> dict[str, Any]:
    return {
        "/api/votes": {
            "post": {
                **_create(
                    bodies.VoteIn, "Call a strike vote of a union (its officers)", param=None
                ),
            },
            "get": _read(
                listing("votes", VOTE_OUT, "Votes the caller may read"),
                "Strike votes: turnout while open, the result once sealed",
                param=None,
            ),
        },
        "/api/votes/{id}": {
            "get": _read(VOTE_OUT, "One vote: never a running tally, counts only after close")
        },
        "/api/votes/{id}/open": {
            "post": _create(None, "Open the vote: freeze the roll from members in good standing")
        },
        "/api/votes/{id}/close": {
            "post": _create(
                None,
                "Close the vote: seal the ballot box into the log with the tally",
            )
            | {
                "description": "Allowed at the closing time, or once everyone on the roll "
                "voted. Refused with 500 ballot_box_mismatch if the ballots do not match the "
                "turnout."
            }
        },
        "/api/votes/{id}/roll": {
            "get": {
                "summary": "The frozen roll: size, hash and entry digests (no names)",
                "parameters": [ID_PARAM],
                "responses": {"200": _json(ROLL_OUT, "The roll"), **_problems(401, 403, 404)},
            }
        },
        "/api/votes/{id}/roll/me": {
            "get": {
                "summary": "Am I on the roll, and has my vote been recorded",
                "parameters": [ID_PARAM],
                "responses": {"200": _json(ROLL_ENTRY, "My entry"), **_problems(401, 403, 404)},
            }
        },
        "/api/votes/{id}/ballots": {
            "post": _cast(
                bodies.CastIn,
                "Vote (a member on the roll, signed in)",
                "Never logged. One member, one vote: a second ballot is 409 already_voted.",
            )
        },
        "/api/votes/{id}/links": {
            "post": {
                "summary": "A one-time personal voting link for one roll entry (officers)",
                "parameters": [ID_PARAM],
                "requestBody": _body(bodies.LinkIn),
                "responses": {
                    "201": _json(LINK_CREATED, "Created; the code is shown only now"),
                    **_problems(*WRITE_PROBLEMS),
                },
            }
        },
        "/api/votes/{id}/link": {
            "post": _public(
                {
                    "summary": "Open a voting link: the vote as its voter sees it",
                    "parameters": [ID_PARAM],
                    "requestBody": _body(bodies.CodeIn),
                    "responses": {
                        "200": _json(VOTE_FOR_VOTER, "The vote and the link's roll entry"),
                        **_problems(400, 404, 413, 422),
                    },
                }
            )
        },
        "/api/votes/{id}/link/ballots": {
            "post": _public(
                _cast(
                    bodies.LinkCastIn,
                    "Vote through a personal voting link",
                    "Never logged. The link's roll entry votes once; the link then only reads.",
                )
            )
        },
    }
