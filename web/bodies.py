"""Request bodies, each described once: a pydantic model states what a handler accepts (types,
what is required, what may be null, choices and limits taken from the core's own constants, and
the rules across fields that JSON Schema can state). `parse.body` validates with it and turns the
first error into the InvalidInput the problem middleware renders; `web/openapi.py` generates the
request schemas from the same models. Rules JSON Schema cannot state (an end after its start, a
report time not in the future, a site of this action) stay in the core and are documented 422s.

A body for a new command is one class here, e.g.

    class ContributionIn(Body):
        id: ClientId
        amount: Annotated[int, Field(ge=1)]
        note: Note | None = None

used as `body = await parse.body(request, bodies.ContributionIn)` and named in the OpenAPI
document as `schema_of(bodies.ContributionIn)`.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, JsonValue
from pydantic.config import JsonDict

from core import action, dues, fund, help_request, ledger, report, values
from web import passwords


class PasswordRule:
    """Annotated metadata: a password shorter than allowed (or blank) is refused as
    weak_password (with its minimum), not as missing."""

    def __init__(self, min_length: int) -> None:
        self.min_length = min_length


# -- field types ---------------------------------------------------------------------------------

ClientId = Annotated[
    UUID, Field(description="Client id; repeating the request returns the first result.")
]
# Text that must not be blank (the core strips it): JSON Schema's pattern says "a non-space".
Name = Annotated[str, Field(min_length=1, max_length=values.MAX_TEXT, pattern=r"\S")]
Note = Annotated[str, Field(min_length=1, max_length=500, pattern=r"\S")]
LongNote = Annotated[str, Field(min_length=1, max_length=1000, pattern=r"\S")]
Moment = Annotated[AwareDatetime, Field(description="ISO 8601 with a zone.")]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]


def _integral(value: object) -> object:
    """JSON Schema counts 12.0 as an integer; so do we (and 12.5 stays a wrong type)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


# The constraints come before the validator, so that they stay in the JSON Schema.
Count = Annotated[int, Field(ge=0, le=values.MAX_HEADCOUNT), BeforeValidator(_integral)]
Password = Annotated[
    str,
    Field(min_length=passwords.MIN_LENGTH, max_length=passwords.MAX_LENGTH, pattern=r"\S"),
    PasswordRule(passwords.MIN_LENGTH),
]


# Choices, as Literals so that mypy and pydantic both see them; a unit test holds each to the
# core's own tuple (tests/unit/test_bodies.py), so they cannot drift apart.
RoleName = Literal["admin", "coordinator", "organiser", "treasurer", "officer", "member", "auditor"]
ActionKind = Literal["rally", "strike", "march", "hearing", "other"]
ReportKind = Literal["checkin", "headcount", "status"]
Phase = Literal["assembling", "marching", "holding", "dispersed"]
Mood = Literal["calm", "tense"]
IncidentKind = Literal[
    "arrest", "injury", "police", "provocation", "violence", "weather", "logistics", "other"
]
Severity = Literal["low", "medium", "high", "critical"]
HelpKind = Literal["medic", "water_food", "legal_aid", "transport", "sound", "other"]


def given(field: str) -> JsonDict:
    """JSON Schema for "the field is there and not null" (the core treats null as absent)."""
    return {"required": [field], "properties": {field: {"not": {"type": "null"}}}}


def _lat_lon_together() -> list[JsonDict]:
    """lat without lon (or the other way round) is refused, as the core refuses it."""
    return [
        {"if": given("lat"), "then": given("lon")},
        {"if": given("lon"), "then": given("lat")},
    ]


def _schema(*, needs: tuple[str, ...] = (), **extra: JsonValue) -> JsonDict:
    """Keywords added to a model's generated JSON Schema. `needs` names fields the handler may
    do without but the document asks for, not null (without them the answer is always a 422,
    e.g. the nearest site as a suggestion); `extra` adds keywords (allOf, description...)."""
    rules = extra.pop("allOf", [])
    assert isinstance(rules, list)
    return {**extra, "allOf": [*(given(name) for name in needs), *rules]}


def _per_kind(rules: dict[str, JsonDict]) -> list[JsonDict]:
    return [{"if": {"properties": {"kind": {"const": k}}}, "then": r} for k, r in rules.items()]


def schema_of(model: type[Body]) -> JsonDict:
    """The JSON Schema of a body for the OpenAPI document (3.1: JSON Schema 2020-12)."""
    schema = model.model_json_schema(mode="validation")
    defs = schema.pop("$defs", {})
    inlined = _inlined(schema, defs)
    assert isinstance(inlined, dict)
    _drop_titles(inlined)
    return inlined


def _inlined(node: JsonValue, defs: JsonDict) -> JsonValue:
    """A nested body (an entry's legs) in place of its "#/$defs/..." reference: inside the
    OpenAPI document such a reference would resolve against the document's root."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inlined(defs[ref.removeprefix("#/$defs/")], defs)
        return {key: _inlined(value, defs) for key, value in node.items()}
    if isinstance(node, list):
        return [_inlined(value, defs) for value in node]
    return node


def _drop_titles(node: JsonValue) -> None:
    """pydantic titles every schema after its Python name; the document has summaries."""
    if isinstance(node, dict):
        if isinstance(node.get("title"), str):
            del node["title"]
        for value in node.values():
            _drop_titles(value)
    elif isinstance(node, list):
        for value in node:
            _drop_titles(value)


class Body(BaseModel):
    """A request body: JSON types only (no "12" for 12), unknown fields ignored."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class NoDetails(Body):
    """A click that needs no details: an empty object, or no body at all."""


# -- sessions ------------------------------------------------------------------------------------


class SignIn(Body):
    login: Annotated[str, Field(description="Phone number or email.")]
    password: str


class Redeem(Body):
    code: str
    name: Name


# -- the organisation and its people -------------------------------------------------------------


class Named(Body):
    id: ClientId | None = None
    name: Name


class PersonDetails(Body):
    name: Name
    phone: Annotated[str, Field(description="Indonesian or international; stored in E.164.")]
    email: str | None = None
    affiliate_id: UUID | None = None
    branch_id: UUID | None = None


class PersonIn(PersonDetails):
    id: ClientId | None = None
    password: Password | None = None


class PasswordIn(Body):
    password: Password
    current_password: str | None = Field(
        default=None, description="Required when changing one's own password."
    )


class RoleIn(Body):
    model_config = ConfigDict(
        json_schema_extra=_schema(
            description="A role with its scope. A site needs its action; an organiser needs "
            "an action; a scope must name things that exist (404, or 422 unknown_branch).",
            allOf=[
                {"if": given("site_id"), "then": given("action_id")},
                {
                    "if": {"properties": {"name": {"const": "organiser"}}},
                    "then": given("action_id"),
                },
            ],
        )
    )
    name: RoleName
    action_id: UUID | None = None
    site_id: UUID | None = None
    fund_id: UUID | None = None
    affiliate_id: UUID | None = None
    branch_id: UUID | None = None


# -- actions, sites, reports ---------------------------------------------------------------------


class ActionIn(Body):
    model_config = ConfigDict(
        json_schema_extra={"description": "ends_at before starts_at: 422 ends_before_start."}
    )
    id: ClientId | None = None
    title: Name
    kind: ActionKind
    demands: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=500, pattern=r"\S")]],
        Field(max_length=action.MAX_DEMANDS),
    ] = []
    starts_at: Moment
    ends_at: Moment


class SiteIn(Body):
    model_config = ConfigDict(
        json_schema_extra={
            "description": "At a position (lat, lon), or at an address that the configured "
            "geocoder (Nominatim) places: 422 geocoding_off when none is configured, 422 "
            "address_not_found, 503 geocoder_unavailable.",
            "oneOf": [
                {"allOf": [given("lat"), given("lon")], "not": given("address")},
                {"allOf": [given("address")], "not": {"anyOf": [given("lat"), given("lon")]}},
            ],
        }
    )
    id: ClientId | None = None
    name: Name
    target: Annotated[Count, Field(description="Target headcount.")]
    lat: Latitude | None = None
    lon: Longitude | None = None
    address: Annotated[str, Field(min_length=1, max_length=300, pattern=r"\S")] | None = None


class StatusIn(Body):
    status: Literal["live", "concluded", "cancelled"]
    reason: Note | None = None


_REPORT_KINDS: dict[str, JsonDict] = {  # what each kind needs, and what it must leave out
    "checkin": {
        "allOf": [given("lat"), given("lon")],
        "not": {"anyOf": [given(f) for f in ("headcount", "by_affiliate", "phase", "mood")]},
    },
    "headcount": {
        "allOf": [given("headcount")],
        "not": {"anyOf": [given("phase"), given("mood")]},
    },
    "status": {
        "anyOf": [given("phase"), given("mood")],
        "not": {"anyOf": [given("headcount"), given("by_affiliate")]},
    },
}


class ReportIn(Body):
    model_config = ConfigDict(
        json_schema_extra=_schema(
            needs=("site_id",),
            description="Without site_id but with lat and lon: 422 naming site_id with the "
            "nearest site in params.suggestion {site_id, name, distance_m}. A time more than "
            "10 minutes ahead: 422 in_future; a breakdown adding up to more than the "
            "headcount: 422 breakdown_exceeds_total; a site not of this action: 404.",
            allOf=[*_lat_lon_together(), *_per_kind(_REPORT_KINDS)],
        )
    )
    id: Annotated[UUID, Field(description="Made by the phone; a resend returns the first answer.")]
    site_id: UUID | None = None
    kind: ReportKind
    at: Annotated[AwareDatetime, Field(description="When the phone made the report.")]
    lat: Latitude | None = None
    lon: Longitude | None = None
    accuracy_m: Annotated[float, Field(ge=0, le=100_000)] | None = None
    headcount: Annotated[Count, Field(description="For kind headcount.")] | None = None
    by_affiliate: (
        Annotated[
            dict[UUID, Count],
            Field(
                max_length=report.MAX_AFFILIATES,
                description="For kind headcount: people per affiliate id (adding up to at "
                "most the headcount).",
            ),
        ]
        | None
    ) = None
    phase: Phase | None = None
    mood: Mood | None = None


class TargetIn(Body):
    affiliate_id: UUID
    site_id: (
        Annotated[UUID, Field(description="A site's target; without: the action's.")] | None
    ) = None
    target: Count


# -- incidents and requests for help -------------------------------------------------------------


class IncidentIn(Body):
    model_config = ConfigDict(json_schema_extra={"allOf": [*_lat_lon_together()]})
    id: ClientId
    site_id: UUID | None = None
    kind: IncidentKind
    severity: Severity
    description: LongNote
    lat: Latitude | None = None
    lon: Longitude | None = None
    at: Moment


class HelpIn(Body):
    model_config = ConfigDict(
        json_schema_extra=_schema(
            needs=("site_id",),
            description="Without site_id but with lat and lon: 422 naming site_id with the "
            "nearest site in params.suggestion.",
        )
    )
    id: ClientId
    site_id: UUID | None = None
    kind: HelpKind
    quantity: Annotated[int, Field(ge=1, le=help_request.MAX_QUANTITY), BeforeValidator(_integral)]
    note: Note | None = None
    lat: Annotated[Latitude, Field(description="Only without site_id.")] | None = None
    lon: Longitude | None = None
    at: Moment


class ResolveIn(Body):
    note: LongNote


class ReasonIn(Body):
    reason: Note


class CommitIn(Body):
    by: Annotated[Name, Field(description="Who will deliver (a team, a person).")]


# -- invites -------------------------------------------------------------------------------------


class InviteIn(Body):
    label: Name
    site_id: UUID | None = None
    expires_at: Annotated[Moment, Field(description="At most 14 days ahead.")] | None = None


# -- the solidarity fund -------------------------------------------------------------------------
# Amounts are positive whole rupiah. Dates, months, account codes, the dues split and the legs'
# balance are checked by the core (not_a_date, not_a_month, bad_account_code, split_not_whole,
# unbalanced...): their JSON Schema keywords are stated here without pydantic enforcing them, so
# those refusals keep their own codes.

UnitKind = Literal["confederation", "affiliate", "branch"]
AccountType = Literal["asset", "liability", "income", "expense"]
Side = Literal["debit", "credit"]
DuesBase = Literal["wage", "umk"]
Rounding = Literal["floor", "half_up", "ceil"]
Source = Literal["affiliate", "member", "donor", "partner_union"]
Channel = Literal["transfer", "qris", "cash", "checkoff"]
SignRole = Literal["treasurer", "chair"]

Rupiah = Annotated[
    int, Field(ge=1, le=ledger.MAX_RUPIAH, description="Rupiah"), BeforeValidator(_integral)
]
Day = Annotated[
    str, Field(description="Effective date (WIB)", json_schema_extra={"format": "date"})
]
AccountCode = Annotated[
    str, Field(description="Account code, e.g. bank", json_schema_extra={"maxLength": 60})
]
BasisPoints = Annotated[int, Field(ge=1, le=dues.FULL), BeforeValidator(_integral)]


class FundIn(Body):
    id: ClientId
    name: Name
    unit_kind: UnitKind
    unit_id: UUID | None = None
    threshold: Annotated[Rupiah, Field(description="Above this, two distinct officers approve")]
    expiry_days: (
        Annotated[int, Field(ge=1, le=fund.MAX_EXPIRY_DAYS), BeforeValidator(_integral)] | None
    ) = None


class AccountIn(Body):
    code: AccountCode
    name: Name
    type: AccountType


class DuesRuleIn(Body):
    rate_bp: Annotated[BasisPoints, Field(description="100 = 1%")]
    base: DuesBase
    rounding: Rounding
    split: Annotated[
        dict[str, BasisPoints],
        Field(description="Level -> basis points of the dues; they sum to 10000"),
    ]
    own_level: str


class ContributionIn(Body):
    id: ClientId
    source: Source
    payer: Name
    channel: Channel
    reference: Annotated[str, Field(max_length=values.MAX_TEXT)] | None = None
    amount: Rupiah
    income_account: AccountCode
    asset_account: AccountCode
    effective_date: Day


class DuesIn(Body):
    id: ClientId
    payer: Name
    month: Annotated[str, Field(json_schema_extra={"pattern": "^[0-9]{4}-[0-9]{2}$"})]
    base_amount: Rupiah
    channel: Channel
    asset_account: AccountCode
    effective_date: Day


class LegIn(Body):
    account: AccountCode
    side: Side
    amount: Rupiah


class EntryIn(Body):
    id: ClientId
    legs: Annotated[
        list[LegIn], Field(json_schema_extra={"minItems": 2, "maxItems": ledger.MAX_LEGS})
    ]
    memo: Name
    effective_date: Day


class ReverseIn(Body):
    id: ClientId
    reason: Name
    effective_date: Day


class VoidIn(Body):
    reason: Name
    reissue: bool = False


class DisbursementIn(Body):
    id: ClientId
    purpose: Name
    beneficiary: Name
    amount: Rupiah
    expense_account: AccountCode
    pay_from: AccountCode
    evidence: Annotated[str, Field(max_length=1000)]
    help_request_id: UUID | None = None


class FundReasonIn(Body):
    reason: Name


class AmountIn(Body):
    amount: Rupiah


class PayIn(Body):
    payment_ref: Name
    effective_date: Day


class CheckpointSignIn(Body):
    role: SignRole


class Checkpoint(Body):
    period: str
    chain_head: str
    merkle_root: str | None = None


class CheckpointsIn(Body):
    checkpoints: list[Checkpoint] = []
