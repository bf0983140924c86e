"""The JSON schemas of the API's answers for the OpenAPI document (web/openapi.py): what the
views and commands return; the API tests hold them to it. Request bodies: web/bodies.py."""

from __future__ import annotations

from typing import Any

from core import incident, report
from core.access import ROLE_NAMES

Schema = dict[str, Any]

UUID_S: Schema = {"type": "string", "format": "uuid"}
TIME_S: Schema = {"type": "string", "format": "date-time"}
NULLABLE_TIME_S: Schema = {"type": ["string", "null"], "format": "date-time"}
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


# -- invites and exact positions -----------------------------------------------------------------


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
    # a legal item on the public feed is only its kind and time ("kejadian hukum")
    "required": ["id", "type", "kind", "at", "site_id", "legal"],
    "properties": {
        "id": UUID_S,
        "type": {"enum": ["report", "incident", "request", "lobby", "outcome"]},
        "kind": {
            "type": "string",
            "description": "The report's, incident's or request's own kind.",
        },
        "at": {**TIME_S, "description": "When it happened (with a zone)."},
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


PAST_OUT: Schema = {
    "type": "object",
    "required": ["position", "at", "map", "feed"],
    "properties": {
        "position": {"type": "integer", "description": "The last event applied."},
        "at": {**TIME_S, "description": "The moment shown."},
        "map": {**MAP_OUT, "required": ["type", "features"]},
        "feed": {**FEED_OUT, "required": ["items"]},
        "legal": {
            **FEED_OUT,
            "required": ["items"],
            "description": "Only for those who may read legal items (coordinators).",
        },
    },
}


# -- planning (web/planning.py) ------------------------------------------------------------------

_LOBBY_OUT: Schema = {
    "type": "object",
    "properties": {
        "id": UUID_S,
        "kind": {"enum": ["lobby", "hearing"]},
        "with_whom": {"type": "string"},
        "at": TIME_S,
        "promised": {"type": "string"},
        "recorded_at": TIME_S,
    },
}
_OUTCOME_OUT: Schema = {
    "type": "object",
    "properties": {
        "id": UUID_S,
        "kind": {"type": "string"},
        "description": {"type": "string"},
        "follow_up_by": NULLABLE_TIME_S,
        "lobby_id": NULLABLE_UUID_S,
        "recorded_at": TIME_S,
        "overdue": {"type": "boolean", "description": "The follow-up date has passed."},
    },
}
ACTION_OUT["properties"].update(
    taking_part={"type": "array", "items": UUID_S, "description": "Affiliates taking part."},
    lobbying={"type": "array", "items": _LOBBY_OUT},
    outcomes={"type": "array", "items": _OUTCOME_OUT},
    overdue_follow_ups={"type": "integer", "description": "Outcomes past their follow-up date."},
    edited_at=NULLABLE_TIME_S,
)


IMPORT_OUT: Schema = {
    "type": "object",
    "required": ["rows", "new", "existing", "errors"],
    "properties": {
        "position": {"type": "integer"},
        "action_id": UUID_S,
        "new": {"type": "integer"},
        "existing": {"type": "integer", "description": "Rows imported before: nothing to add."},
        "errors": {"type": "integer"},
        "rows": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "line": {"type": "integer"},
                    "name": {"type": "string"},
                    "lat": {"type": ["number", "null"]},
                    "lon": {"type": ["number", "null"]},
                    "address": NULLABLE_STRING_S,
                    "found": NULLABLE_STRING_S,
                    "target": {"type": "integer"},
                    "korlap_name": NULLABLE_STRING_S,
                    "korlap_phone": NULLABLE_STRING_S,
                    "site_id": NULLABLE_UUID_S,
                    "status": {"enum": ["new", "exists", "error"]},
                    "errors": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "field": {"type": "string"},
                                "code": {"type": "string"},
                                "message": {"type": "string"},
                            },
                        },
                    },
                },
            },
        },
    },
}


ROSTER_INVITES: Schema = {
    "type": "object",
    "required": ["invites"],
    "properties": {
        "invites": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "code", "url", "sms", "wa_url", "qr_svg"],
                "properties": {
                    "id": UUID_S,
                    "position": {"type": "integer"},
                    "site_id": UUID_S,
                    "site_name": {"type": "string"},
                    "name": {"type": "string"},
                    "phone": NULLABLE_STRING_S,
                    "code": {"type": "string", "description": "Shown only now."},
                    "url": {"type": "string"},
                    "sms": {"type": "string"},
                    "wa_url": {"type": "string"},
                    "qr_svg": {"type": "string", "description": "data:image/svg+xml URI"},
                },
            },
        }
    },
}

ROSTER_OUT: Schema = {
    "type": "object",
    "required": ["sites"],
    "properties": {
        "position": {"type": "integer"},
        "sites": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "site_id": UUID_S,
                    "name": {"type": "string"},
                    "korlap": {"type": ["object", "null"]},
                    "invites": {"type": "array", "items": {"type": "object"}},
                },
            },
        },
    },
}

REPORT_OUT: Schema = {
    "type": "object",
    "required": ["action", "totals", "sites", "affiliates", "incidents", "requests"],
    "properties": {
        "position": {"type": "integer"},
        "action": {"type": "object"},
        "totals": {"type": "object"},
        "sites": {"type": "array", "items": {"type": "object"}},
        "affiliates": {"type": "array", "items": {"type": "object"}},
        "incidents": {"type": "array", "items": {"type": "object"}},
        "requests": {"type": "array", "items": {"type": "object"}},
        "lobbying": {"type": "array", "items": _LOBBY_OUT},
        "outcomes": {"type": "array", "items": _OUTCOME_OUT},
    },
}

SESSION_ROW["properties"]["device"] = {
    "type": "object",
    "description": "The device from the user agent (ua-parser): shown as 'Chrome di Android'.",
    "properties": {
        "browser": NULLABLE_STRING_S,
        "os": NULLABLE_STRING_S,
        "device": NULLABLE_STRING_S,
    },
}
