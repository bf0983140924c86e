"""The SMS bodies described once (web/bodies.py): the gateway's text, a text filed by hand from
the inbox, and an invite's numbers. Their errors are the stable codes naming the field as it is
on the wire ("from", not the Python name), and their schemas are the models' own."""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

import pytest
from jsonschema_rs import Draft202012Validator

from core.errors import InvalidInput
from core.sessions import MAX_INVITE_PHONES
from core.sms import MAX_SENDER, MAX_SMS_TEXT
from web import bodies
from web.parse import validated
from web.sms_openapi import TRANSCRIBE_IN

AT = "2026-05-01T09:00:00+07:00"


def text(**fields: Any) -> dict[str, Any]:
    body = {"message_id": "m1", "from": "+6281200000001", "text": "HADIR BUN1", "sent_at": AT}
    return {**body, **fields}


def refused(model: type[bodies.Body], body: Any) -> tuple[str, str | None, dict[str, Any]]:
    with pytest.raises(InvalidInput) as info:
        validated(json.dumps(body).encode(), model)
    return info.value.code, info.value.field, info.value.params


def test_a_text_reads_its_sender_from_the_field_named_from() -> None:
    body = validated(json.dumps(text()).encode(), bodies.SmsIn)
    assert (body.message_id, body.sender, body.text) == ("m1", "+6281200000001", "HADIR BUN1")
    assert body.sent_at.utcoffset() is not None
    schema = bodies.schema_of(bodies.SmsIn)
    assert schema["required"] == ["message_id", "from", "text", "sent_at"]
    assert schema["properties"]["from"]["maxLength"] == MAX_SENDER


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({k: v for k, v in text().items() if k != "from"}, "required", "from"),
        (text(message_id=""), "required", "message_id"),
        (text(message_id=7), "wrong_type", "message_id"),
        (text(**{"from": "9" * (MAX_SENDER + 1)}), "too_long", "from"),
        (text(text="x" * (MAX_SMS_TEXT + 1)), "too_long", "text"),
        (text(sent_at="2026-05-01T09:00:00"), "needs_timezone", "sent_at"),
    ],
)
def test_a_bad_text_names_its_field(body: dict[str, Any], code: str, field: str) -> None:
    assert refused(bodies.SmsIn, body)[:2] == (code, field)


@pytest.mark.parametrize(
    ("model", "body", "code", "field"),
    [
        (bodies.Transcription, {"type": "note"}, "not_one_of", "type"),
        (bodies.Transcription, {}, "required", "type"),
        (bodies.TranscribedReport, {"type": "report", "kind": "headcount"}, "required", "site_id"),
        (
            bodies.TranscribedIncident,
            {"type": "incident", "kind": "arrest", "severity": "dire", "description": "x"},
            "not_one_of",
            "severity",
        ),
        (
            bodies.TranscribedRequest,
            {"type": "request", "site_id": str(uuid4()), "kind": "medic", "quantity": 0},
            "out_of_range",
            "quantity",
        ),
    ],
)
def test_a_bad_transcription_names_its_field(
    model: type[bodies.Body], body: dict[str, Any], code: str, field: str
) -> None:
    assert refused(model, body)[:2] == (code, field)


@pytest.mark.parametrize(
    ("body", "valid"),
    [
        ({"type": "report", "site_id": str(uuid4()), "kind": "headcount", "headcount": 5}, True),
        ({"type": "report", "site_id": str(uuid4()), "kind": "headcount"}, False),
        ({"type": "incident", "kind": "police", "severity": "low", "description": "x"}, True),
        ({"type": "request", "site_id": str(uuid4()), "kind": "medic", "quantity": 2}, True),
        ({"type": "request", "kind": "medic", "quantity": 2}, False),
        ({"type": "note", "kind": "medic"}, False),
    ],
)
def test_the_transcription_schema_is_one_of_the_three_records(
    body: dict[str, Any], valid: bool
) -> None:
    assert Draft202012Validator(TRANSCRIBE_IN).is_valid(body) is valid


def test_an_invite_names_at_most_its_limit_of_numbers() -> None:
    invite = {"label": "Korlap HI"}
    assert validated(json.dumps(invite).encode(), bodies.InviteIn).phones is None
    many = {**invite, "phones": ["+62812"] * (MAX_INVITE_PHONES + 1)}
    assert refused(bodies.InviteIn, many) == (
        "too_many",
        "phones",
        {"max": MAX_INVITE_PHONES},
    )
    assert refused(bodies.InviteIn, {**invite, "phones": [812]})[:2] == ("wrong_type", "phones[0]")
