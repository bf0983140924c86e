"""JSON schemas of the legal notices' and the evidence log's bodies, for the OpenAPI document.
The field lists come from core.legal.fields, so the document and the checks cannot drift."""

from __future__ import annotations

from core.legal import fields as notice_fields
from core.notices import MEDIA_TYPES
from web.schemas import TIME_S, UUID_S, Schema

DATE_S: Schema = {"type": "string", "format": "date"}
TEXT_S: Schema = {"type": "string", "minLength": 1}

_SIGNATORY: Schema = {
    "type": "object",
    "description": "A union's chair and secretary, or (workers who are not members) a coordinator.",
    "properties": {k: {"type": "string"} for k in ("union", "chair", "secretary", "coordinator")},
    "additionalProperties": False,
}
_RESPONSIBLE: Schema = {
    "type": "object",
    "required": ["name"],
    "properties": {k: {"type": "string"} for k in ("name", "phone", "address")},
    "additionalProperties": False,
}
_FIELD_TYPES: dict[str, Schema] = {
    "starts_at": TIME_S,
    "ends_at": TIME_S,
    "public_service": {"type": "boolean"},
    "indoor": {"type": "boolean", "description": "A closed place (hours 06-22 instead of 06-18)."},
    "week": {"enum": [5, 6], "description": "Working days a week at the workplace."},
    "signatories": {"type": "array", "items": _SIGNATORY, "maxItems": notice_fields.MAX_PEOPLE},
    "responsible": {"type": "array", "items": _RESPONSIBLE, "maxItems": notice_fields.MAX_PEOPLE},
    "site_ids": {"type": "array", "items": UUID_S, "description": "Default: every site."},
    "participants": {"type": "integer", "minimum": 0},
    "scope": {"enum": list(notice_fields.SCOPES), "description": "Sets the police level."},
}


def _fields(names: list[str], description: str) -> Schema:
    return {
        "type": "object",
        "description": description + " A draft may leave any out; null removes one.",
        "properties": {n: _FIELD_TYPES.get(n, {"type": "string"}) for n in names},
        "additionalProperties": False,
    }


STRIKE_FIELDS = _fields(list(notice_fields.STRIKE), "Strike notice (UU 13/2003 Pasal 140).")
DEMO_FIELDS = _fields(list(notice_fields.DEMO), "Demonstration notice (UU 9/1998 Pasal 11).")

FINDING: Schema = {
    "type": "object",
    "required": ["code", "level", "rule", "cites", "status", "params", "title"],
    "properties": {
        "code": {"type": "string"},
        "level": {"enum": ["refuse", "warn", "amber", "info"]},
        "rule": {"type": "string"},
        "cites": {"type": "string", "description": "The article the rule cites."},
        "status": {"enum": ["verified", "partly", "unverified", "policy"]},
        "params": {"type": "object"},
        "title": {"type": "string", "description": "In the caller's language."},
    },
}
NOTICE_OUT: Schema = {
    "type": "object",
    "required": [
        "id",
        "kind",
        "action_id",
        "affiliate_id",
        "status",
        "fields",
        "rules",
        "findings",
    ],
    "properties": {
        "id": UUID_S,
        "kind": {"enum": ["strike", "demo"]},
        "action_id": UUID_S,
        "affiliate_id": UUID_S,
        "status": {"enum": ["draft", "ready", "sent", "withdrawn", "cancelled"]},
        "fields": {"type": "object"},
        "receipts": {"type": "object"},
        "rules": {
            "type": "object",
            "description": "The rule-set version the notice was drafted with (kept for good).",
        },
        "clock": {
            "type": ["object", "null"],
            "description": "Strike: working days, earliest lawful and safe starts, the last day "
            "for the receipts.",
        },
        "findings": {"type": "array", "items": FINDING},
    },
}
NOTICES_OUT: Schema = {
    "type": "object",
    "required": ["notices"],
    "properties": {"notices": {"type": "array", "items": NOTICE_OUT}},
}
EVIDENCE_OUT: Schema = {
    "type": "object",
    "required": ["action_id", "algorithm", "head", "count", "intact", "entries"],
    "properties": {
        "action_id": UUID_S,
        "algorithm": {"type": "string"},
        "genesis": {"type": "string"},
        "head": {"type": "string", "description": "The last entry's digest."},
        "count": {"type": "integer"},
        "intact": {"type": "boolean"},
        "summons_rule": {"type": "object"},
        "entries": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["entry", "prev", "digest"],
                "properties": {
                    "entry": {"type": "object"},
                    "prev": {"type": "string"},
                    "digest": {"type": "string"},
                    "deadline": {"type": ["object", "null"]},
                },
            },
        },
    },
}
RULES_OUT: Schema = {
    "type": "object",
    "required": ["version", "effective_from", "rules", "calendar", "places", "versions"],
    "properties": {
        "version": {"type": "string"},
        "effective_from": DATE_S,
        "rules": {"type": "object"},
        "calendar": {"type": "object"},
        "places": {"type": "array", "items": {"type": "object"}},
        "versions": {"type": "array", "items": {"type": "string"}},
    },
}
ATTACHMENT_MEDIA = list(MEDIA_TYPES)
