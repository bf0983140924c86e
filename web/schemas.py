"""The JSON schemas of the API's bodies, in and out, for the OpenAPI document (web/openapi.py).
They describe what the handlers accept and the views return; the API tests hold them to it."""

from __future__ import annotations

from typing import Any

from core.access import ROLE_NAMES

Schema = dict[str, Any]

UUID_S: Schema = {"type": "string", "format": "uuid"}
TIME_S: Schema = {"type": "string", "format": "date-time"}
NULLABLE_TIME_S: Schema = {"type": ["string", "null"], "format": "date-time"}

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
        "position": {"type": "integer"},
    },
}

SITE_IN: Schema = {
    "type": "object",
    "required": ["name", "lat", "lon", "target"],
    "properties": {
        "id": UUID_S,
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "lon": {"type": "number", "minimum": -180, "maximum": 180},
        "target": {"type": "integer", "minimum": 0, "description": "Target headcount."},
    },
}

REPORT_IN: Schema = {
    "type": "object",
    "required": ["id", "site_id", "kind", "at"],
    "properties": {
        "id": {**UUID_S, "description": "Made by the phone; a resend returns the first answer."},
        "site_id": UUID_S,
        "kind": {"enum": ["checkin", "headcount"]},
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "lon": {"type": "number", "minimum": -180, "maximum": 180},
        "accuracy_m": {"type": "number", "minimum": 0},
        "headcount": {"type": "integer", "minimum": 0, "description": "For kind headcount."},
        "at": {**TIME_S, "description": "When the phone made the report (with a zone)."},
    },
}

FEATURE: Schema = {
    "type": "object",
    "required": ["type", "id", "geometry", "properties"],
    "properties": {
        "type": {"const": "Feature"},
        "id": UUID_S,
        "geometry": {
            "type": "object",
            "properties": {
                "type": {"const": "Point"},
                "coordinates": {"type": "array", "items": {"type": "number"}},
            },
        },
        "properties": {
            "type": "object",
            "required": ["name", "target", "headcount", "last_report_at"],
            "properties": {
                "name": {"type": "string"},
                "target": {"type": "integer"},
                "headcount": {"type": ["integer", "null"]},
                "headcount_at": NULLABLE_TIME_S,
                "last_report_at": NULLABLE_TIME_S,
                "last_checkin_at": NULLABLE_TIME_S,
                "reports": {"type": "integer"},
                "reporters": {"type": "integer"},
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
        "features": {"type": "array", "items": FEATURE},
    },
}


NAME_S: Schema = {"type": "string", "maxLength": 200}
NULLABLE_UUID_S: Schema = {"type": ["string", "null"], "format": "uuid"}
NULLABLE_STRING_S: Schema = {"type": ["string", "null"]}


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
        "actor": {"type": "string", "description": "api-key, person:<id> or invite:<id>"},
        "roles": {"type": "array", "items": ROLE},
        "csrf_token": {"type": "string"},
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
        "uses": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "session_id", "at"],
                "properties": {"name": {"type": "string"}, "session_id": UUID_S, "at": TIME_S},
            },
        },
        "status": {"enum": ["active", "revoked", "expired"]},
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
