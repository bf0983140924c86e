"""The JSON schemas of the API's bodies, in and out, for the OpenAPI document (web/openapi.py).
They describe what the handlers accept and the views return; the API tests hold them to it."""

from __future__ import annotations

from typing import Any

from core import help_request, incident, report
from core.access import ROLE_NAMES

Schema = dict[str, Any]

UUID_S: Schema = {"type": "string", "format": "uuid"}
TIME_S: Schema = {"type": "string", "format": "date-time"}
NULLABLE_TIME_S: Schema = {"type": ["string", "null"], "format": "date-time"}
NAME_S: Schema = {"type": "string", "maxLength": 200}
NULLABLE_UUID_S: Schema = {"type": ["string", "null"], "format": "uuid"}
NULLABLE_STRING_S: Schema = {"type": ["string", "null"]}

RECORDED: Schema = {
    "type": "object",
    "required": ["id", "position"],
    "properties": {
        "id": UUID_S,
        "position": {
            "type": "integer",
            "description": "Event log position; pass as ?min_position= to read your write.",
        },
    },
}

PROBLEM: Schema = {
    "type": "object",
    "required": ["type", "code", "status", "title"],
    "properties": {
        "type": {"type": "string"},
        "code": {"type": "string"},
        "status": {"type": "integer"},
        "title": {"type": "string", "description": "In the caller's language (Accept-Language)."},
        "field": {"type": "string", "description": "The offending field, for bad input."},
        "params": {"type": "object"},
    },
}

ACTION_IN: Schema = {
    "type": "object",
    "required": ["title", "kind", "starts_at", "ends_at"],
    "properties": {
        "id": {**UUID_S, "description": "Client id; repeating it returns the first result."},
        "title": {"type": "string", "minLength": 1, "maxLength": 200},
        "kind": {"enum": ["rally", "strike", "march", "hearing", "other"]},
        "starts_at": TIME_S,
        "ends_at": TIME_S,
        "demands": {"type": "array", "items": {"type": "string"}, "maxItems": 20},
        "checkin_radius_m": {
            "type": "integer",
            "minimum": 0,
            "maximum": 50000,
            "description": "A check-in farther than this from its site is flagged (default 500).",
        },
    },
}

ACTION_OUT: Schema = {
    "type": "object",
    "required": ["id", "title", "kind", "status", "starts_at", "ends_at", "sites", "target"],
    "properties": {
        "id": UUID_S,
        "title": {"type": "string"},
        "kind": {"type": "string"},
        "demands": {"type": "array", "items": {"type": "string"}},
        "status": {"enum": ["planned", "live", "concluded", "cancelled"]},
        "starts_at": TIME_S,
        "ends_at": TIME_S,
        "planned_at": TIME_S,
        "started_at": NULLABLE_TIME_S,
        "concluded_at": NULLABLE_TIME_S,
        "cancelled_at": NULLABLE_TIME_S,
        "cancel_reason": {"type": ["string", "null"]},
        "sites": {"type": "integer"},
        "target": {"type": "integer"},
        "headcount": {"type": "integer", "description": "Sum of the sites' latest headcounts."},
        "reports": {"type": "integer"},
        "last_report_at": NULLABLE_TIME_S,
        "checkin_radius_m": {
            "type": "integer",
            "description": "A check-in farther than this from its site is flagged.",
        },
        "open_incidents": {"type": "integer"},
        "open_requests": {"type": "integer"},
        "affiliates": {
            "type": "object",
            "description": "Mobilisation per affiliate id: its target and the people counted.",
            "additionalProperties": {
                "type": "object",
                "required": ["target", "headcount"],
                "properties": {"target": {"type": "integer"}, "headcount": {"type": "integer"}},
            },
        },
        "position": {"type": "integer"},
    },
}

_SITE_FIELDS: Schema = {
    "id": {**UUID_S, "description": "Client id; repeating it returns the first result."},
    "name": {"type": "string", "minLength": 1, "maxLength": 200},
    "target": {"type": "integer", "minimum": 0, "description": "Target headcount."},
}

SITE_IN: Schema = {
    "description": "At a position (lat, lon), or at an address that the configured geocoder "
    "(Nominatim) places: 422 geocoding_off when none is configured, 422 address_not_found, "
    "503 geocoder_unavailable.",
    "anyOf": [
        {
            "type": "object",
            "required": ["name", "lat", "lon", "target"],
            "properties": {
                **_SITE_FIELDS,
                "lat": {"type": "number", "minimum": -90, "maximum": 90},
                "lon": {"type": "number", "minimum": -180, "maximum": 180},
            },
        },
        {
            "type": "object",
            "required": ["name", "address", "target"],
            "properties": {
                **_SITE_FIELDS,
                "address": {"type": "string", "minLength": 1, "maxLength": 300},
            },
        },
    ],
}

SITE_CREATED: Schema = {
    "type": "object",
    "required": ["id", "position"],
    "properties": {
        **RECORDED["properties"],
        "lat": {"type": "number", "description": "Where the address was found (by address)."},
        "lon": {"type": "number"},
        "found": {"type": "string", "description": "What the geocoder found for the address."},
    },
}

REPORT_IN: Schema = {
    "type": "object",
    "required": ["id", "site_id", "kind", "at"],
    "properties": {
        "id": {**UUID_S, "description": "Made by the phone; a resend returns the first answer."},
        "site_id": UUID_S,
        "kind": {"enum": list(report.KINDS)},
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "lon": {"type": "number", "minimum": -180, "maximum": 180},
        "accuracy_m": {"type": "number", "minimum": 0},
        "headcount": {"type": "integer", "minimum": 0, "description": "For kind headcount."},
        "by_affiliate": {
            "type": "object",
            "description": "For kind headcount: people per affiliate id (adding up to at most "
            "the headcount).",
            "propertyNames": {"format": "uuid"},
            "additionalProperties": {"type": "integer", "minimum": 0},
            "maxProperties": report.MAX_AFFILIATES,
        },
        "phase": {"enum": list(report.PHASES), "description": "For kind status."},
        "mood": {"enum": list(report.MOODS), "description": "For kind status."},
        "at": {**TIME_S, "description": "When the phone made the report (with a zone)."},
    },
    "description": "Without site_id but with lat and lon: 422 naming site_id with the nearest "
    "site in params.suggestion {site_id, name, distance_m}.",
}

POINT: Schema = {
    "type": "object",
    "required": ["type", "coordinates"],
    "properties": {
        "type": {"const": "Point"},
        "coordinates": {"type": "array", "items": {"type": "number"}, "description": "[lon, lat]"},
    },
}

NULLABLE_INT_S: Schema = {"type": ["integer", "null"]}
SEVERITY_S: Schema = {"enum": list(incident.SEVERITIES)}

SITE_FEATURE: Schema = {
    "type": "object",
    "required": ["type", "id", "geometry", "properties"],
    "properties": {
        "type": {"const": "Feature"},
        "id": UUID_S,
        "geometry": POINT,
        "properties": {
            "type": "object",
            "required": ["kind", "name", "target", "headcount", "last_report_at"],
            "properties": {
                "kind": {"const": "site"},
                "name": {"type": "string"},
                "target": {"type": "integer"},
                "headcount": NULLABLE_INT_S,
                "headcount_at": NULLABLE_TIME_S,
                "by_affiliate": {"type": "object", "additionalProperties": {"type": "integer"}},
                "phase": {"enum": [*report.PHASES, None]},
                "mood": {"enum": [*report.MOODS, None]},
                "status_at": NULLABLE_TIME_S,
                "last_report_at": NULLABLE_TIME_S,
                "last_checkin_at": NULLABLE_TIME_S,
                "reports": {"type": "integer"},
                "reporters": {"type": "integer"},
                "far_checkins": {
                    "type": "integer",
                    "description": "Check-ins farther from the site than the action's radius.",
                },
                "open_incidents": {"type": "integer"},
                "max_severity": {"enum": [*incident.SEVERITIES, None]},
                "open_requests": {"type": "integer"},
            },
        },
    },
}

INCIDENT_FEATURE: Schema = {
    "type": "object",
    "required": ["type", "id", "geometry", "properties"],
    "properties": {
        "type": {"const": "Feature"},
        "id": UUID_S,
        "geometry": {
            "oneOf": [POINT, {"type": "null"}],
            "description": "Where it was reported, else at its site; null with neither.",
        },
        "properties": {
            "type": "object",
            "required": ["kind", "incident_kind", "severity", "status", "site_id", "at"],
            "properties": {
                "kind": {"const": "incident"},
                "incident_kind": {"enum": list(incident.KINDS)},
                "severity": SEVERITY_S,
                "description": {"type": "string"},
                "site_id": NULLABLE_UUID_S,
                "status": {"enum": ["open", "acknowledged", "resolved"]},
                "at": TIME_S,
            },
        },
    },
}

MAP_OUT: Schema = {
    "type": "object",
    "required": ["type", "position", "features"],
    "properties": {
        "type": {"const": "FeatureCollection"},
        "position": {"type": "integer"},
        "at": {**TIME_S, "description": "With ?at=: the moment shown."},
        "features": {"type": "array", "items": {"oneOf": [SITE_FEATURE, INCIDENT_FEATURE]}},
    },
}

SITES_GEOJSON: Schema = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"const": "FeatureCollection"},
        "features": {"type": "array", "items": SITE_FEATURE},
    },
}


def listing(key: str, item: Schema, description: str) -> Schema:
    """A view read: {"position", key: [item, ...]}."""
    return {
        "type": "object",
        "required": ["position", key],
        "properties": {
            "position": {"type": "integer"},
            key: {"type": "array", "items": item, "description": description},
        },
    }


# -- sign-in and sessions ------------------------------------------------------------------------

ROLE: Schema = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"enum": list(ROLE_NAMES)},
        "action_id": {**UUID_S, "description": "Coordinator or organiser of this action."},
        "site_id": {**UUID_S, "description": "Organiser of this site of the action."},
        "fund_id": {**UUID_S, "description": "Treasurer of this fund."},
        "affiliate_id": {**UUID_S, "description": "Officer or member of this affiliate."},
        "branch_id": {**UUID_S, "description": "... of this branch of the affiliate."},
    },
}

PERSON_BRIEF: Schema = {
    "type": "object",
    "required": ["id", "name", "roles"],
    "properties": {
        "id": UUID_S,
        "name": {"type": "string"},
        "roles": {"type": "array", "items": ROLE},
    },
}

SIGN_IN: Schema = {
    "type": "object",
    "required": ["login", "password"],
    "properties": {
        "login": {"type": "string", "description": "Phone number (08..., +62...) or email."},
        "password": {"type": "string"},
    },
}

SIGNED_IN: Schema = {
    "type": "object",
    "required": ["token", "csrf_token", "expires_at", "person"],
    "properties": {
        "token": {"type": "string", "description": "Bearer token; also set as a cookie."},
        "csrf_token": {
            "type": "string",
            "description": "Send as X-CSRF-Token on writes authenticated by the cookie.",
        },
        "expires_at": TIME_S,
        "person": PERSON_BRIEF,
    },
}

WHO_AM_I: Schema = {
    "type": "object",
    "required": ["actor", "roles", "csrf_token", "expires_at", "person"],
    "properties": {
        "actor": {
            "type": ["string", "null"],
            "description": "api-key, person:<id> or invite:<id>/<n>; null: nobody signed in "
            "(asked without credentials)",
        },
        "roles": {"type": "array", "items": ROLE},
        "csrf_token": {"type": ["string", "null"]},
        "expires_at": NULLABLE_TIME_S,
        "person": {"oneOf": [PERSON_BRIEF, {"type": "null"}]},
    },
}

SESSION_ROW: Schema = {
    "type": "object",
    "required": ["id", "client", "started_at", "expires_at", "ended", "current"],
    "properties": {
        "id": UUID_S,
        "client": {"type": "string", "description": "The browser that signed in."},
        "started_at": TIME_S,
        "expires_at": TIME_S,
        "ended": {
            "type": ["string", "null"],
            "description": "null while open; logout, revoked or deactivated once ended.",
        },
        "current": {"type": "boolean", "description": "The session making this request."},
    },
}

# -- the organisation and its people -------------------------------------------------------------

NAMED_IN: Schema = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "id": {**UUID_S, "description": "Client id; repeating it returns the first result."},
        "name": NAME_S,
    },
}

AFFILIATE_OUT: Schema = {
    "type": "object",
    "required": ["id", "name", "branches"],
    "properties": {
        "id": UUID_S,
        "name": {"type": "string"},
        "branches": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "name"],
                "properties": {"id": UUID_S, "name": {"type": "string"}},
            },
        },
    },
}

PERSON_DETAILS: dict[str, Schema] = {
    "name": NAME_S,
    "phone": {"type": "string", "description": "Stored in E.164: 0812-3456-7890 -> +6281234567890"},
    "email": {"type": "string", "format": "email"},
    "affiliate_id": UUID_S,
    "branch_id": {**UUID_S, "description": "A branch of the affiliate."},
}

PERSON_IN: Schema = {
    "type": "object",
    "required": ["name", "phone"],
    "properties": {
        "id": {**UUID_S, "description": "Client id; repeating it returns the first result."},
        **PERSON_DETAILS,
        "password": {"type": "string", "minLength": 10, "maxLength": 256},
    },
}

PERSON_EDIT: Schema = {
    "type": "object",
    "required": ["name", "phone"],
    "description": "The whole record: a field left out is cleared.",
    "properties": PERSON_DETAILS,
}

PERSON_OUT: Schema = {
    "type": "object",
    "required": ["id", "name", "phone", "email", "roles", "active"],
    "properties": {
        "id": UUID_S,
        "name": {"type": "string"},
        "phone": {"type": "string"},
        "email": NULLABLE_STRING_S,
        "affiliate_id": NULLABLE_UUID_S,
        "branch_id": NULLABLE_UUID_S,
        "roles": {"type": "array", "items": ROLE},
        "active": {"type": "boolean"},
        "registered_at": TIME_S,
        "registered_by": {"type": "string"},
        "position": {"type": "integer"},
    },
}

PASSWORD_IN: Schema = {
    "type": "object",
    "required": ["password"],
    "properties": {
        "password": {"type": "string", "minLength": 10, "maxLength": 256},
        "current_password": {
            "type": "string",
            "description": "Required when people change their own password.",
        },
    },
}

# -- invites and exact positions -----------------------------------------------------------------

INVITE_IN: Schema = {
    "type": "object",
    "required": ["label"],
    "properties": {
        "label": {**NAME_S, "description": "Whom it is for, e.g. 'Korlap Bekasi'."},
        "site_id": {**UUID_S, "description": "Scope the korlap to one site."},
        "expires_at": {**TIME_S, "description": "Default now + 24 h; at most 14 days ahead."},
        "max_uses": {
            "type": "integer",
            "minimum": 1,
            "maximum": 1000,
            "description": "How many phones may open it (default 5); then it is refused.",
        },
    },
}

INVITE_CREATED: Schema = {
    "type": "object",
    "required": ["id", "position", "code", "url"],
    "properties": {
        "id": UUID_S,
        "position": {"type": "integer"},
        "code": {"type": "string", "description": "Shown only now; Posko keeps its hash."},
        "url": {"type": "string", "description": "The short link to share: /i/<code>."},
    },
}

INVITE_OUT: Schema = {
    "type": "object",
    "required": ["id", "action_id", "site_id", "label", "expires_at", "revoked", "uses", "status"],
    "properties": {
        "id": UUID_S,
        "action_id": UUID_S,
        "site_id": NULLABLE_UUID_S,
        "label": {"type": "string"},
        "expires_at": TIME_S,
        "created_at": TIME_S,
        "created_by": {"type": "string"},
        "revoked": {"type": "boolean"},
        "max_uses": {"type": "integer"},
        "uses": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "session_id", "at"],
                "properties": {
                    "name": {"type": "string"},
                    "actor": {"type": "string", "description": "invite:<id>/<n>: this use"},
                    "session_id": UUID_S,
                    "at": TIME_S,
                },
            },
        },
        "status": {"enum": ["active", "used_up", "revoked", "expired"]},
    },
}

REDEEM_IN: Schema = {
    "type": "object",
    "required": ["code", "name"],
    "properties": {
        "code": {"type": "string", "description": "From the link /i/<code>."},
        "name": {**NAME_S, "description": "The korlap's name, recorded with the use."},
    },
}

REDEEMED: Schema = {
    "type": "object",
    "required": ["token", "csrf_token", "expires_at", "action_id", "site_id"],
    "properties": {
        "token": {"type": "string"},
        "csrf_token": {"type": "string"},
        "expires_at": TIME_S,
        "action_id": UUID_S,
        "site_id": NULLABLE_UUID_S,
    },
}

CHECKIN_OUT: Schema = {
    "type": "object",
    "required": ["id", "site_id", "reporter", "lat", "lon", "at"],
    "properties": {
        "id": UUID_S,
        "site_id": UUID_S,
        "reporter": {"type": "string", "description": "person:<id> or invite:<id>"},
        "lat": {"type": "number"},
        "lon": {"type": "number"},
        "accuracy_m": {"type": ["number", "null"]},
        "at": TIME_S,
    },
}

# -- the street: incidents, requests for help, targets, the feed ---------------------------------

CLIENT_ID_S: Schema = {
    **UUID_S,
    "description": "Made by the phone; a resend returns the first answer.",
}
REPORTED_AT_S: Schema = {**TIME_S, "description": "When it happened (with a zone)."}

INCIDENT_IN: Schema = {
    "type": "object",
    "required": ["id", "kind", "severity", "description", "at"],
    "properties": {
        "id": CLIENT_ID_S,
        "site_id": UUID_S,
        "kind": {"enum": list(incident.KINDS)},
        "severity": SEVERITY_S,
        "description": {"type": "string", "minLength": 1, "maxLength": 1000},
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "lon": {"type": "number", "minimum": -180, "maximum": 180},
        "at": REPORTED_AT_S,
    },
}

HELP_IN: Schema = {
    "type": "object",
    "required": ["id", "site_id", "kind", "quantity", "at"],
    "properties": {
        "id": CLIENT_ID_S,
        "site_id": UUID_S,
        "kind": {"enum": list(help_request.KINDS)},
        "quantity": {"type": "integer", "minimum": 1, "maximum": help_request.MAX_QUANTITY},
        "note": {"type": "string", "maxLength": 500},
        "lat": {
            "type": "number",
            "minimum": -90,
            "maximum": 90,
            "description": "Only without site_id: to be told the nearest site (a 422).",
        },
        "lon": {"type": "number", "minimum": -180, "maximum": 180},
        "at": REPORTED_AT_S,
    },
}

NO_DETAILS: Schema = {"type": "object", "description": "Nothing to say: {} (or no body)."}


def text_in(name: str, description: str, max_length: int = 1000) -> Schema:
    return {
        "type": "object",
        "required": [name],
        "properties": {
            name: {
                "type": "string",
                "minLength": 1,
                "maxLength": max_length,
                "description": description,
            }
        },
    }


TARGET_IN: Schema = {
    "type": "object",
    "required": ["affiliate_id", "target"],
    "properties": {
        "affiliate_id": UUID_S,
        "site_id": {**UUID_S, "description": "Left out: the affiliate's target for the action."},
        "target": {"type": "integer", "minimum": 0, "description": "People to bring."},
    },
}

NEAREST_SITE: Schema = {
    "type": "object",
    "required": ["site_id", "name", "distance_m"],
    "properties": {
        "site_id": UUID_S,
        "name": {"type": "string"},
        "distance_m": {"type": "number", "description": "Geodesic distance in metres."},
    },
}

FEED_ITEM: Schema = {
    "type": "object",
    "required": ["id", "type", "kind", "at", "site_id", "reporter", "recorded_at", "legal"],
    "properties": {
        "id": UUID_S,
        "type": {"enum": ["report", "incident", "request"]},
        "kind": {
            "type": "string",
            "description": "The report's, incident's or request's own kind.",
        },
        "at": REPORTED_AT_S,
        "site_id": NULLABLE_UUID_S,
        "reporter": {"type": "string", "description": "person:<id>, invite:<id>, api-key..."},
        "recorded_at": TIME_S,
        "legal": {"type": "boolean", "description": "An arrest or legal-aid request (LBH)."},
        "distance_m": {"type": "integer", "description": "A check-in's distance from its site."},
        "far": {"type": "boolean", "description": "A check-in beyond the action's radius."},
        "headcount": NULLABLE_INT_S,
        "by_affiliate": {"type": ["object", "null"], "additionalProperties": {"type": "integer"}},
        "phase": {"enum": [*report.PHASES, None]},
        "mood": {"enum": [*report.MOODS, None]},
        "severity": SEVERITY_S,
        "description": {"type": "string"},
        "quantity": {"type": "integer"},
        "note": {"type": "string"},
        "status": {
            "enum": ["open", "acknowledged", "resolved", "committed", "fulfilled", "cancelled"]
        },
        "acknowledged_by": {"type": "string"},
        "acknowledged_at": TIME_S,
        "resolved_by": {"type": "string"},
        "resolved_at": TIME_S,
        "resolution": {"type": "string"},
        "reopened_because": {"type": "string"},
        "reopened_at": TIME_S,
        "committed_by": {"type": "string", "description": "Who will deliver."},
        "committed_at": TIME_S,
        "fulfilled_by": {"type": "string"},
        "fulfilled_at": TIME_S,
        "cancel_reason": {"type": "string"},
        "cancelled_at": TIME_S,
        "updated_at": TIME_S,
    },
}

FEED_OUT: Schema = {
    "type": "object",
    "required": ["position", "items"],
    "properties": {
        "position": {"type": "integer"},
        "at": {**TIME_S, "description": "With ?at=: the moment shown."},
        "items": {
            "type": "array",
            "items": FEED_ITEM,
            "description": "The latest 200 items, oldest first.",
        },
    },
}
