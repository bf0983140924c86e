"""The JSON schemas of the strike-vote API (web/votes.py), for the OpenAPI document."""

from __future__ import annotations

from web.schemas import NULLABLE_UUID_S, TIME_S, UUID_S, Schema

FRACTION_S: Schema = {
    "type": "object",
    "required": ["num", "den"],
    "properties": {
        "num": {"type": "integer", "minimum": 0, "maximum": 1000},
        "den": {"type": "integer", "minimum": 1, "maximum": 1000},
        "rule": {"enum": ["at_least", "more_than"], "default": "at_least"},
        "of": {
            "enum": ["votes", "roll"],
            "description": "Thresholds: share of the ballots cast (default) or of the roll. "
            "Quorums are always a share of the roll.",
        },
    },
}

VOTE_IN: Schema = {
    "type": "object",
    "required": [
        "id",
        "question",
        "options",
        "affiliate_id",
        "opens_at",
        "closes_at",
        "quorum",
        "threshold",
    ],
    "properties": {
        "id": {**UUID_S, "description": "Made by the client; a resend returns the first answer."},
        "question": {"type": "string", "maxLength": 500},
        "options": {
            "type": "array",
            "items": {"type": "string", "maxLength": 100},
            "minItems": 2,
            "maxItems": 10,
        },
        "affiliate_id": {**UUID_S, "description": "The union whose members vote."},
        "branch_id": {**NULLABLE_UUID_S, "description": "Only this branch's members vote."},
        "opens_at": TIME_S,
        "closes_at": TIME_S,
        "quorum": FRACTION_S,
        "threshold": FRACTION_S,
        "k": {
            "type": "integer",
            "minimum": 0,
            "maximum": 1000,
            "description": "Counts per option are published only when at least k voted "
            "(default 10).",
        },
        "weights": {
            "type": "object",
            "additionalProperties": {"type": "integer", "minimum": 1, "maximum": 1000},
            "description": "A delegates' vote: person id -> number of votes. The roll is then "
            "these delegates (those still active).",
        },
    },
}

RESULT_S: Schema = {
    "type": ["object", "null"],
    "description": "After close only.",
    "properties": {
        "quorum_met": {"type": "boolean"},
        "carried": {"type": "boolean"},
        "option": {"type": ["integer", "null"]},
        "tally": {
            "type": ["array", "null"],
            "items": {"type": "integer"},
            "description": "Votes per option; null when fewer than k voted.",
        },
        "votes": {"type": ["integer", "null"]},
        "roll_weight": {"type": "integer"},
    },
}

VOTE_OUT: Schema = {
    "type": "object",
    "required": ["id", "question", "options", "affiliate_id", "status", "roll_size", "turnout"],
    "properties": {
        "position": {"type": "integer"},
        "id": UUID_S,
        "question": {"type": "string"},
        "options": {"type": "array", "items": {"type": "string"}},
        "affiliate_id": UUID_S,
        "branch_id": NULLABLE_UUID_S,
        "opens_at": TIME_S,
        "closes_at": TIME_S,
        "quorum": FRACTION_S,
        "threshold": FRACTION_S,
        "k": {"type": "integer"},
        "weighted": {"type": "boolean"},
        "status": {"enum": ["called", "open", "sealed"]},
        "roll_size": {"type": "integer"},
        "roll_hash": {"type": ["string", "null"]},
        "turnout": {"type": "integer", "description": "How many voted; never what."},
        "result": RESULT_S,
        "receipts": {
            "type": "array",
            "items": {"type": "string"},
            "description": "After close: SHA-256 of every receipt code, sorted.",
        },
    },
}

ROLL_ENTRY: Schema = {
    "type": "object",
    "required": ["on_roll", "voted", "roll_size"],
    "properties": {
        "on_roll": {"type": "boolean"},
        "entry": {"type": ["string", "null"], "description": "Your digest in the roll."},
        "weight": {"type": ["integer", "null"]},
        "voted": {"type": "boolean"},
        "roll_hash": {"type": ["string", "null"]},
        "roll_size": {"type": "integer"},
    },
}

VOTE_FOR_VOTER: Schema = {
    **VOTE_OUT,
    "required": [*VOTE_OUT["required"], "me"],
    "properties": {**VOTE_OUT["properties"], "me": ROLL_ENTRY},
}

ROLL_OUT: Schema = {
    "type": "object",
    "required": ["roll_size", "roll_hash", "entries"],
    "properties": {
        "roll_size": {"type": "integer"},
        "roll_hash": {"type": ["string", "null"]},
        "entries": {
            "type": "array",
            "items": {"type": "string"},
            "description": "'<entry digest>:<weight>', sorted; SHA-256 of them joined by "
            "newlines is roll_hash.",
        },
    },
}

RECEIPT_S: Schema = {
    "type": "string",
    "pattern": "^[0-9A-HJKMNP-TV-Z]{10}$",
    "description": "Optional: a receipt code the phone made, so a resend gets the same answer.",
}

CAST_IN: Schema = {
    "type": "object",
    "required": ["choice"],
    "properties": {"choice": {"type": "integer", "minimum": 0}, "receipt": RECEIPT_S},
}

LINK_CAST_IN: Schema = {
    "type": "object",
    "required": ["code", "choice"],
    "properties": {
        "code": {"type": "string"},
        "choice": {"type": "integer", "minimum": 0},
        "receipt": RECEIPT_S,
    },
}

CAST_OUT: Schema = {
    "type": "object",
    "required": ["receipt", "turnout"],
    "properties": {
        "receipt": {"type": "string", "description": "Shown now only; Posko keeps its hash."},
        "turnout": {"type": "integer"},
    },
}

LINK_IN: Schema = {"type": "object", "required": ["person_id"], "properties": {"person_id": UUID_S}}
CODE_IN: Schema = {
    "type": "object",
    "required": ["code"],
    "properties": {"code": {"type": "string"}},
}

LINK_CREATED: Schema = {
    "type": "object",
    "required": ["id", "position", "code", "url"],
    "properties": {
        "id": UUID_S,
        "position": {"type": "integer"},
        "code": {"type": "string", "description": "Shown only now; Posko keeps its hash."},
        "url": {"type": "string", "description": "/pilih#<vote id>.<code>, to send by SMS/WA."},
    },
}
