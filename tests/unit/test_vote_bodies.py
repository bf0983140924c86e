"""The strike-vote request bodies (web/bodies.py): their choices and limits are the core's own,
a nested rule names its inner field with its limits, a receipt is refused as a receipt, and no
refusal carries the value that was sent (a ballot's choice or a link's code must not travel
into a problem, a log line or an exception's text)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any, get_args
from uuid import uuid4

import pytest
from jsonschema_rs import Draft202012Validator

from core import vote, vote_rules
from core.errors import InvalidInput
from core.votes import RECEIPT_LENGTH, new_receipt_code
from web import bodies
from web.parse import validated


def test_the_share_rules_are_the_cores_own() -> None:
    assert get_args(bodies.ShareRule) == vote_rules.RULES
    assert set(get_args(bodies.ThresholdIn.model_fields["of"].annotation)) == set(vote_rules.BASES)


DELEGATE = str(uuid4())


def vote_body(**over: Any) -> dict[str, Any]:
    opens = datetime.now(UTC)
    body = {
        "id": str(uuid4()),
        "question": "Mogok?",
        "options": ["Setuju", "Tidak setuju"],
        "affiliate_id": str(uuid4()),
        "opens_at": opens.isoformat(),
        "closes_at": (opens + timedelta(hours=1)).isoformat(),
        "quorum": {"num": 1, "den": 2},
        "threshold": {"num": 1, "den": 2, "rule": "more_than"},
    }
    return body | over


def refused(model: type[bodies.Body], body: Any) -> tuple[str, str | None, dict[str, Any]]:
    with pytest.raises(InvalidInput) as info:
        validated(json.dumps(body).encode(), model)
    assert info.value.__cause__ is None and info.value.__suppress_context__
    return info.value.code, info.value.field, info.value.params


@pytest.mark.parametrize(
    ("over", "expected"),
    [
        ({"options": "Setuju"}, ("wrong_type", "options", {"expected": "array"})),
        ({"options": ["Setuju"]}, ("too_few", "options", {"min": 2})),
        ({"options": [str(n) for n in range(11)]}, ("too_many", "options", {"max": 10})),
        ({"options": ["Setuju", " "]}, ("required", "options[1]", {})),
        ({"quorum": 0.5}, ("wrong_type", "quorum", {"expected": "object"})),
        ({"quorum": {"num": 1}}, ("required", "quorum.den", {})),
        ({"quorum": {"num": 1, "den": 0}}, ("out_of_range", "quorum.den", {"min": 1, "max": 1000})),
        (
            {"quorum": {"num": 1, "den": 2, "of": "votes"}},
            ("not_one_of", "quorum.of", {"allowed": ["roll"]}),
        ),
        (
            {"threshold": {"num": 1, "den": 2, "rule": "most"}},
            ("not_one_of", "threshold.rule", {"allowed": ["more_than", "at_least"]}),
        ),
        ({"k": "sepuluh"}, ("wrong_type", "k", {"expected": "integer"})),
        ({"weights": {"bukan-uuid": 3}}, ("not_uuid", "weights", {})),
        (
            {"weights": {DELEGATE: 0}},
            ("out_of_range", f"weights.{DELEGATE}", {"min": 1, "max": vote.MAX_WEIGHT}),
        ),
        ({"weights": {}}, ("too_few", "weights", {"min": 1})),
        ({"opens_at": "besok"}, ("not_datetime", "opens_at", {})),
    ],
)
def test_a_bad_call_names_its_field(over: dict[str, Any], expected: tuple[Any, ...]) -> None:
    code, field, params = refused(bodies.VoteIn, vote_body(**over))
    assert (code, field) == expected[:2]
    assert {k: params[k] for k in expected[2]} == expected[2]


def test_a_call_reads_into_typed_fields_with_the_cores_defaults() -> None:
    body = validated(json.dumps(vote_body(k=3.0)).encode(), bodies.VoteIn)
    assert body.quorum.model_dump() == {"num": 1, "den": 2, "rule": "at_least", "of": "roll"}
    assert body.threshold.model_dump() == {"num": 1, "den": 2, "rule": "more_than", "of": "votes"}
    assert body.k == 3 and body.weights is None
    for share, threshold in ((body.quorum, False), (body.threshold, True)):
        data = share.model_dump()
        assert vote_rules.Fraction.parse("x", data, threshold=threshold).as_dict() == data


SECRET_CODE = "kode-rahasia-" + "x" * 20


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"choice": "2"}, "wrong_type", "choice"),
        ({"choice": 2.5}, "wrong_type", "choice"),
        ({"choice": True}, "wrong_type", "choice"),
        ({"choice": 77}, "out_of_range", "choice"),
        ({"choice": -3}, "out_of_range", "choice"),
        ({"choice": 1, "receipt": "7k3m9q2xab"}, "not_a_receipt", "receipt"),
        ({"choice": 1, "receipt": "ILOU000000"}, "not_a_receipt", "receipt"),
        ({"choice": 1, "receipt": "7K3M9Q2XABC"}, "not_a_receipt", "receipt"),
        ({"choice": 1, "receipt": 7}, "wrong_type", "receipt"),
        ({"choice": 1, "code": ""}, "required", "code"),
        ({"choice": 1, "code": SECRET_CODE * 4}, "too_long", "code"),
        ({"code": SECRET_CODE}, "required", "choice"),
    ],
)
def test_a_bad_ballot_is_refused_without_echoing_what_was_sent(
    body: dict[str, Any], code: str, field: str, caplog: pytest.LogCaptureFixture
) -> None:
    body = {"code": SECRET_CODE} | body if "code" not in body else body
    caplog.set_level(logging.DEBUG)
    with pytest.raises(InvalidInput) as info:
        validated(json.dumps(body).encode(), bodies.LinkCastIn)
    error = info.value
    assert (error.code, error.field) == (code, field)
    if code == "not_a_receipt":
        assert error.params == {"length": RECEIPT_LENGTH}
    said = json.dumps(error.params) + str(error) + repr(error.args) + caplog.text
    for sent in body.values():
        if not isinstance(sent, bool) and sent not in (1, 0, ""):
            assert str(sent) not in said, sent
    assert caplog.records == []


def test_a_ballot_reads_its_choice_and_receipt() -> None:
    receipt = new_receipt_code()
    body = validated(json.dumps({"choice": 1, "receipt": receipt}).encode(), bodies.CastIn)
    assert (body.choice, body.receipt) == (1, receipt)
    assert validated(b'{"choice": 0}', bodies.CastIn).receipt is None


def test_the_vote_schemas_say_what_the_models_take() -> None:
    schema = bodies.schema_of(bodies.VoteIn)
    assert "$defs" not in json.dumps(schema)  # nested bodies inlined: no refs into the document
    call = Draft202012Validator(schema, validate_formats=True)
    assert call.is_valid(vote_body())
    assert not call.is_valid(vote_body(options=["A", "A"]))  # uniqueItems
    assert not call.is_valid(vote_body(quorum={"num": 1, "den": 2, "of": "votes"}))
    assert not call.is_valid(vote_body(weights={"bukan-uuid": 1}))
    cast = Draft202012Validator(bodies.schema_of(bodies.CastIn))
    assert cast.is_valid({"choice": 0, "receipt": new_receipt_code()})
    assert not cast.is_valid({"choice": 0, "receipt": "7k3m9q2xab"})
