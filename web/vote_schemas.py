"""The JSON schemas of the strike-vote API's answers (web/votes.py), for the OpenAPI document.
Its request bodies are described in web/bodies.py."""

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


CAST_OUT: Schema = {
    "type": "object",
    "required": ["receipt", "turnout"],
    "properties": {
        "receipt": {"type": "string", "description": "Shown now only; Posko keeps its hash."},
        "turnout": {"type": "integer"},
    },
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
