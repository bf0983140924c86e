"""Request bodies described once (web/bodies.py): their choices are the core's own, their errors
become the stable codes problem+json carries, and their JSON Schema states the rules across
fields that JSON Schema can state."""

from __future__ import annotations

import json
from typing import Any, get_args
from uuid import uuid4

import pytest
from jsonschema_rs import Draft202012Validator

from core import action, dues, fund, fund_commands, help_request, incident, ledger, report
from core.access import ROLE_NAMES
from core.errors import InvalidInput
from web import bodies, passwords
from web.parse import validated

AT = "2026-05-01T09:00:00+07:00"


@pytest.mark.parametrize(
    ("literal", "core_tuple"),
    [
        (bodies.RoleName, ROLE_NAMES),
        (bodies.ActionKind, action.KINDS),
        (bodies.ReportKind, report.KINDS),
        (bodies.Phase, report.PHASES),
        (bodies.Mood, report.MOODS),
        (bodies.IncidentKind, incident.KINDS),
        (bodies.Severity, incident.SEVERITIES),
        (bodies.HelpKind, help_request.KINDS),
        (bodies.LobbyKind, action.LOBBY_KINDS),
        (bodies.OutcomeKind, action.OUTCOME_KINDS),
        (bodies.UnitKind, fund.UNIT_KINDS),
        (bodies.AccountType, ledger.ACCOUNT_TYPES),
        (bodies.Side, ledger.SIDES),
        (bodies.DuesBase, dues.BASES),
        (bodies.Rounding, dues.ROUNDINGS),
        (bodies.Source, fund_commands.SOURCES),
        (bodies.Channel, fund_commands.CHANNELS),
    ],
)
def test_the_bodies_choices_are_the_cores_own(literal: Any, core_tuple: tuple[str, ...]) -> None:
    assert get_args(literal) == core_tuple


def report_body(**fields: Any) -> dict[str, Any]:
    return {"id": str(uuid4()), "site_id": str(uuid4()), "kind": "headcount", "at": AT, **fields}


def refused(model: type[bodies.Body], body: Any) -> tuple[str, str | None, dict[str, Any]]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    with pytest.raises(InvalidInput) as info:
        validated(raw, model)
    return info.value.code, info.value.field, info.value.params


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        (b"{", "malformed_json", "body"),
        (b"[1, 2]", "not_an_object", "body"),
        ({"kind": "headcount", "at": AT}, "required", "id"),
        (report_body(id=None), "required", "id"),
        (report_body(id="not-a-uuid"), "not_uuid", "id"),
        (report_body(kind=7), "wrong_type", "kind"),
        (report_body(kind="rumour"), "not_one_of", "kind"),
        (report_body(at="yesterday"), "not_datetime", "at"),
        (report_body(at="2026-05-01T09:00:00"), "needs_timezone", "at"),
        (report_body(headcount="12"), "wrong_type", "headcount"),
        (report_body(headcount=True), "wrong_type", "headcount"),
        (report_body(headcount=-1), "out_of_range", "headcount"),
        (report_body(lat=91.5, lon=0), "out_of_range", "lat"),
        (report_body(lat=1e400, lon=0), "out_of_range", "lat"),
        (report_body(by_affiliate={"x": 1}), "not_uuid", "by_affiliate"),
        (report_body(by_affiliate=[1]), "wrong_type", "by_affiliate"),
    ],
)
def test_a_bad_body_names_its_first_bad_field_with_a_stable_code(
    body: Any, code: str, field: str
) -> None:
    assert refused(bodies.ReportIn, body)[:2] == (code, field)


def test_ranges_lengths_and_choices_carry_their_limits() -> None:
    assert refused(bodies.ReportIn, report_body(lat=-95.0, lon=0))[2] == {"min": -90, "max": 90}
    too_long = {"title": "x" * 201, "kind": "rally", "starts_at": AT, "ends_at": AT}
    assert refused(bodies.ActionIn, too_long) == ("too_long", "title", {"max": 200})
    many = {"title": "Aksi", "kind": "rally", "starts_at": AT, "ends_at": AT, "demands": ["a"] * 21}
    assert refused(bodies.ActionIn, many) == ("too_many", "demands", {"max": action.MAX_DEMANDS})
    blank = {"title": "Aksi", "kind": "rally", "starts_at": AT, "ends_at": AT, "demands": [" "]}
    assert refused(bodies.ActionIn, blank)[:2] == ("required", "demands[0]")
    code, field, params = refused(bodies.StatusIn, {"status": "paused"})
    assert (code, field, params["allowed"]) == (
        "not_one_of",
        "status",
        ["live", "concluded", "cancelled"],
    )


@pytest.mark.parametrize("password", ["short", " " * 12])
def test_a_short_or_blank_password_is_weak_not_missing(password: str) -> None:
    assert refused(bodies.PasswordIn, {"password": password}) == (
        "weak_password",
        "password",
        {"min": passwords.MIN_LENGTH},
    )


def test_an_integral_number_is_an_integer_as_json_schema_counts_it() -> None:
    assert (
        validated(json.dumps(report_body(headcount=12.0)).encode(), bodies.ReportIn).headcount == 12
    )
    assert refused(bodies.ReportIn, report_body(headcount=12.5))[:2] == ("wrong_type", "headcount")


def test_a_body_parses_into_typed_fields_and_ignores_unknown_ones() -> None:
    body = validated(
        json.dumps(report_body(headcount=12, lat=-6, lon=106.8, extra="ignored")).encode(),
        bodies.ReportIn,
    )
    assert (body.headcount, body.lat, body.kind) == (12, -6.0, "headcount")
    assert body.at.utcoffset() is not None


def schema_says(model: type[bodies.Body], body: dict[str, Any]) -> bool:
    return Draft202012Validator(bodies.schema_of(model)).is_valid(body)


@pytest.mark.parametrize(
    ("body", "valid"),
    [
        (report_body(headcount=10), True),
        (report_body(headcount=10, lat=-6.2, lon=106.8), True),
        (report_body(headcount=10, lat=-6.2), False),  # lat without lon
        (report_body(headcount=10, lat=-6.2, lon=None), False),  # null is absent to the core
        (report_body(), False),  # a headcount report without its headcount
        (report_body(headcount=10, phase="marching"), False),  # not for this kind
        (report_body(headcount=10, phase=None), True),
        (report_body(kind="checkin", lat=-6.2, lon=106.8), True),
        (report_body(kind="checkin"), False),
        (report_body(kind="status", mood="calm"), True),
        (report_body(kind="status"), False),
        (report_body(kind="status", mood="calm", headcount=3), False),
        (report_body(headcount=10, site_id=None), False),  # the document asks for the site
    ],
)
def test_the_report_schema_states_the_rules_across_fields(
    body: dict[str, Any], valid: bool
) -> None:
    assert schema_says(bodies.ReportIn, body) is valid


def test_the_schemas_are_the_models_own_and_untitled() -> None:
    schema = bodies.schema_of(bodies.PersonIn)
    assert schema["required"] == ["name", "phone"]
    assert schema["properties"]["email"]["anyOf"] == [{"type": "string"}, {"type": "null"}]
    assert schema["properties"]["password"]["anyOf"][0]["minLength"] == passwords.MIN_LENGTH
    assert "title" not in json.dumps(bodies.schema_of(bodies.ReportIn)).replace('"title":', "")
    site = bodies.schema_of(bodies.SiteIn)
    assert schema_says(bodies.SiteIn, {"name": "HI", "target": 1, "lat": 1, "lon": 2})
    assert schema_says(bodies.SiteIn, {"name": "HI", "target": 1, "address": "Jl. Thamrin"})
    assert not schema_says(bodies.SiteIn, {"name": "HI", "target": 1, "address": "x", "lat": 1})
    assert not schema_says(bodies.SiteIn, {"name": "HI", "target": 1})
    assert "oneOf" in site


def every_schema_key(node: Any) -> set[str]:
    if isinstance(node, dict):
        keys = set(node) - {"properties"}  # property names are not keywords
        inner = node.get("properties", {}).values() if "properties" in node else []
        for value in [*inner, *(v for k, v in node.items() if k != "properties")]:
            keys |= every_schema_key(value)
        return keys
    if isinstance(node, list):
        return set().union(*(every_schema_key(v) for v in node)) if node else set()
    return set()


def test_every_limit_reaches_the_json_schema_as_a_keyword_it_knows() -> None:
    """pydantic writes a constraint it cannot place as a raw "ge"/"le", which JSON Schema
    ignores: schemathesis then sends -26311 as a valid target."""
    models = [
        m for m in vars(bodies).values() if isinstance(m, type) and issubclass(m, bodies.Body)
    ]
    keys = set().union(*(every_schema_key(bodies.schema_of(m)) for m in models))
    assert not keys & {"ge", "le", "gt", "lt", "min_length", "max_length"}
    assert {"minimum", "maximum", "maxLength"} <= keys


# -- the solidarity fund -------------------------------------------------------------------------


def entry_body(*legs: dict[str, Any]) -> dict[str, Any]:
    return {"id": str(uuid4()), "legs": list(legs), "memo": "Iuran", "effective_date": "2026-05-01"}


def leg(**fields: Any) -> dict[str, Any]:
    return {"account": "bank", "side": "debit", "amount": 50_000, **fields}


@pytest.mark.parametrize(
    ("body", "code", "field", "params"),
    [
        ({"amount": 0}, "out_of_range", "amount", {"min": 1, "max": ledger.MAX_RUPIAH}),
        ({"amount": 10**16}, "out_of_range", "amount", {"min": 1, "max": ledger.MAX_RUPIAH}),
        ({"amount": 12.5}, "wrong_type", "amount", {"expected": "integer"}),
        ({"amount": "50000"}, "wrong_type", "amount", {"expected": "integer"}),
        ({"amount": True}, "wrong_type", "amount", {"expected": "integer"}),
        ({}, "required", "amount", {}),
    ],
)
def test_an_amount_is_a_positive_whole_number_of_rupiah(
    body: dict[str, Any], code: str, field: str, params: dict[str, Any]
) -> None:
    assert refused(bodies.AmountIn, body) == (code, field, params)


def test_an_integral_amount_counts_as_whole_rupiah() -> None:
    assert validated(b'{"amount": 50000.0}', bodies.AmountIn).amount == 50_000


def test_a_bad_leg_is_named_by_its_place_with_the_cores_choices() -> None:
    code, field, params = refused(bodies.EntryIn, entry_body(leg(), leg(side="sideways")))
    assert (code, field, params["allowed"]) == ("not_one_of", "legs[1].side", list(ledger.SIDES))
    assert refused(bodies.EntryIn, entry_body(leg(amount=-5), leg()))[:2] == (
        "out_of_range",
        "legs[0].amount",
    )


def test_a_fund_body_parses_into_typed_fields() -> None:
    body = validated(
        json.dumps(entry_body(leg(), leg(side="credit", account="iuran"))).encode(),
        bodies.EntryIn,
    )
    assert [(x.account, x.side, x.amount) for x in body.legs] == [
        ("bank", "debit", 50_000),
        ("iuran", "credit", 50_000),
    ]
    opened = validated(
        json.dumps(
            {"id": str(uuid4()), "name": "Kas", "unit_kind": "branch", "threshold": 1_000_000}
        ).encode(),
        bodies.FundIn,
    )
    assert (opened.unit_id, opened.expiry_days) == (None, None)
    assert refused(bodies.FundIn, {"name": "Kas"})[:2] == ("required", "id")
    assert refused(bodies.VoidIn, {"reason": "salah", "reissue": "yes"})[:2] == (
        "wrong_type",
        "reissue",
    )


def test_the_fund_schemas_state_what_the_core_checks() -> None:
    entry = bodies.schema_of(bodies.EntryIn)
    assert entry["properties"]["legs"]["minItems"] == 2
    assert entry["properties"]["legs"]["maxItems"] == ledger.MAX_LEGS
    assert "$ref" not in json.dumps(entry)  # inlined: the document's root has no $defs
    assert entry["properties"]["legs"]["items"]["properties"]["side"]["enum"] == ["debit", "credit"]
    contribution = bodies.schema_of(bodies.ContributionIn)
    assert contribution["properties"]["effective_date"]["format"] == "date"
    assert contribution["properties"]["amount"]["minimum"] == 1
    assert not schema_says(bodies.EntryIn, entry_body(leg()))  # one leg is not an entry
    assert schema_says(bodies.EntryIn, entry_body(leg(), leg(side="credit")))
    assert not schema_says(bodies.AmountIn, {"amount": 0})
