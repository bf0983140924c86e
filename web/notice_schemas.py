"""JSON schemas of the legal notices' and the evidence log's bodies, for the OpenAPI document.
The field lists come from core.legal.fields, so the document and the checks cannot drift."""

from __future__ import annotations

from core import evidence
from core.legal import fields as notice_fields
from core.notices import MEDIA_TYPES
from web.schemas import NULLABLE_STRING_S, TIME_S, UUID_S, Schema

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

NOTICE_IN: Schema = {
    "type": "object",
    "required": ["kind", "affiliate_id"],
    "properties": {
        "id": {**UUID_S, "description": "Client id; repeating it returns the first result."},
        "kind": {"enum": ["strike", "demo"]},
        "affiliate_id": {**UUID_S, "description": "The union giving notice."},
        "fields": {"anyOf": [STRIKE_FIELDS, DEMO_FIELDS]},
    },
}
NOTICE_EDIT: Schema = {
    "type": "object",
    "required": ["fields"],
    "properties": {"fields": {"anyOf": [STRIKE_FIELDS, DEMO_FIELDS]}},
}
NEGOTIATION_IN: Schema = {
    "type": "object",
    "required": ["kind", "date", "note"],
    "properties": {
        "kind": {"enum": list(notice_fields.NEGOTIATION_KINDS)},
        "date": DATE_S,
        "note": {**TEXT_S, "maxLength": notice_fields.LONG_TEXT},
        "attachment_id": {"type": ["string", "null"], "format": "uuid"},
    },
}
SENT_IN: Schema = {"type": "object", "required": ["sent_on"], "properties": {"sent_on": DATE_S}}
RECEIPT_IN: Schema = {
    "type": "object",
    "required": ["recipient", "received", "received_by", "attachment_id"],
    "properties": {
        "recipient": {"enum": [*notice_fields.RECIPIENTS, "police"]},
        "received": {
            "type": "string",
            "description": "Strike: the day (YYYY-MM-DD). Demonstration (STTP): the moment, "
            "ISO 8601 with a zone.",
        },
        "received_by": {**TEXT_S, "maxLength": 200},
        "number": NULLABLE_STRING_S,
        "attachment_id": {**UUID_S, "description": "The scan or photo of the receipt."},
    },
}
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
EVIDENCE_IN: Schema = {
    "type": "object",
    "required": ["id", "kind", "category", "occurred_at", "description"],
    "properties": {
        "id": {**UUID_S, "description": "Client id; repeating it returns the first result."},
        "affiliate_id": {"type": ["string", "null"], "format": "uuid"},
        "kind": {"enum": list(evidence.KINDS)},
        "category": {
            "type": "string",
            "description": "Retaliation: intimidation, replacement, transfer, sanction, arrest, "
            "other (from the rule set). Summons: first, second, other.",
        },
        "occurred_at": TIME_S,
        "description": {**TEXT_S, "maxLength": notice_fields.LONG_TEXT},
        "people": NULLABLE_STRING_S,
        "place": NULLABLE_STRING_S,
        "received_on": {**DATE_S, "description": "Summons: the day it was received."},
        "return_by": {**DATE_S, "description": "Summons: the return day the letter names."},
        "attachment_ids": {"type": "array", "items": UUID_S, "maxItems": evidence.MAX_ATTACHMENTS},
    },
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
