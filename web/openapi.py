"""The OpenAPI 3 document served at /api/openapi.json. A test checks it lists exactly the
routes the app serves, and the API tests check responses against these schemas."""

from __future__ import annotations

from typing import Any

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
        "title": {"type": "string", "maxLength": 200},
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
        "name": {"type": "string", "maxLength": 200},
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


def _json(schema: Schema, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _problems(*statuses: int) -> dict[str, Any]:
    return {
        str(s): {
            "description": "Problem details (RFC 9457)",
            "content": {"application/problem+json": {"schema": PROBLEM}},
        }
        for s in statuses
    }


ID_PARAM = {"name": "id", "in": "path", "required": True, "schema": UUID_S}
MIN_POSITION = {
    "name": "min_position",
    "in": "query",
    "required": False,
    "schema": {"type": "integer", "minimum": 0},
    "description": "Wait (up to 3 s) until the views include this position.",
}


def _create(schema: Schema, summary: str, *, with_id: bool) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary,
        "requestBody": {"required": True, "content": {"application/json": {"schema": schema}}},
        "responses": {
            "201": _json(RECORDED, "Recorded"),
            "200": _json(RECORDED, "Already recorded with this id: the first answer"),
            **_problems(400, 401, 403, 404, 409, 413, 422),
        },
    }
    if with_id:
        op["parameters"] = [ID_PARAM]
    return op


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Posko API",
            "version": "0.1.0",
            "description": "Command post for joint actions. Authenticate with "
            "`Authorization: Bearer <key or token>`. Errors are problem+json in the caller's "
            "language (Bahasa Indonesia by default, English with Accept-Language: en).",
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
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
            "/api/actions": {
                "get": {
                    "summary": "All actions with their totals (national overview)",
                    "parameters": [MIN_POSITION],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["position", "actions"],
                                "properties": {
                                    "position": {"type": "integer"},
                                    "actions": {"type": "array", "items": ACTION_OUT},
                                },
                            },
                            "Overview",
                        ),
                        **_problems(401, 403, 422),
                    },
                },
                "post": _create(ACTION_IN, "Plan an action", with_id=False),
            },
            "/api/actions/{id}": {
                "get": {
                    "summary": "One action with its totals",
                    "parameters": [ID_PARAM, MIN_POSITION],
                    "responses": {"200": _json(ACTION_OUT, "Action"), **_problems(401, 403, 404)},
                }
            },
            "/api/actions/{id}/sites": {
                "post": _create(SITE_IN, "Add a site (lokasi) to an action", with_id=True)
            },
            "/api/actions/{id}/status": {
                "post": _create(
                    {
                        "type": "object",
                        "required": ["status"],
                        "properties": {
                            "status": {"enum": ["live", "concluded", "cancelled"]},
                            "reason": {"type": "string", "description": "Why, when cancelling."},
                        },
                    },
                    "Move an action through planned -> live -> concluded, or cancel it",
                    with_id=True,
                )
            },
            "/api/actions/{id}/reports": {
                "post": _create(
                    REPORT_IN, "File a field report (check-in or headcount)", with_id=True
                )
            },
            "/api/actions/{id}/map": {
                "get": {
                    "summary": "The action's sites as GeoJSON with latest headcounts",
                    "parameters": [ID_PARAM, MIN_POSITION],
                    "responses": {"200": _json(MAP_OUT, "Live map"), **_problems(401, 403, 404)},
                }
            },
        },
    }
