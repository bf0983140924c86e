"""Request bodies, each described once: a pydantic model states what a handler accepts (types,
what is required, what may be null, choices and limits taken from the core's own constants, and
the rules across fields that JSON Schema can state). `parse.body` validates with it and turns the
first error into the InvalidInput the problem middleware renders; `web/openapi.py` generates the
request schemas from the same models. Rules JSON Schema cannot state (an end after its start, a
report time not in the future, a site of this action) stay in the core and are documented 422s.

A body for a new command is one class here, e.g.

    class ContributionIn(Body):
        id: ClientId
        amount: Annotated[int, Field(ge=1), BeforeValidator(_integral)]  # whole rupiah
        note: Note | None = None

read in the handler as `body = await parse.body(request, bodies.ContributionIn)` (typed fields,
or a 422 naming the first bad field with a stable code), and documented in web/openapi.py as
`_create(bodies.ContributionIn, "Record a contribution")` (or `_body(bodies.ContributionIn)`).
Choices are Literals held to the core's tuples in tests/unit/test_bodies.py; put constraints
before a BeforeValidator so that they reach the JSON Schema; a rule JSON Schema cannot state is
a documented 422 listed for its operation in schemathesis.toml.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, JsonValue
from pydantic.config import JsonDict

from core import (
    action,
    arrears,
    budget,
    dues,
    evidence,
    fund,
    help_request,
    ledger,
    report,
    sessions,
    sms,
    values,
    vote,
)
from core.legal import fields as notice_fields
from core.votes import CROCKFORD, RECEIPT_LENGTH
from web import passwords


class PasswordRule:
    """Annotated metadata: a password shorter than allowed (or blank) is refused as
    weak_password (with its minimum), not as missing."""

    def __init__(self, min_length: int) -> None:
        self.min_length = min_length


class ReceiptRule:
    """Annotated metadata: a receipt code of the wrong length or letters is refused as
    not_a_receipt (with its length), not as missing or too long."""

    def __init__(self, length: int) -> None:
        self.length = length


# -- field types ---------------------------------------------------------------------------------

ClientId = Annotated[
    UUID, Field(description="Client id; repeating the request returns the first result.")
]
# Text that must not be blank (the core strips it): JSON Schema's pattern says "a non-space".
Name = Annotated[str, Field(min_length=1, max_length=values.MAX_TEXT, pattern=values.TEXT_PATTERN)]
Note = Annotated[str, Field(min_length=1, max_length=500, pattern=values.TEXT_PATTERN)]
LongNote = Annotated[str, Field(min_length=1, max_length=1000, pattern=values.TEXT_PATTERN)]
Moment = Annotated[AwareDatetime, Field(description="ISO 8601 with a zone.")]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]


def _integral(value: object) -> object:
    """JSON Schema counts 12.0 as an integer; so do we (and 12.5 stays a wrong type)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


Radius = Annotated[
    int,
    Field(ge=0, le=action.MAX_CHECKIN_RADIUS_M, description="Metres; farther check-ins flagged."),
    BeforeValidator(_integral),
]


# The constraints come before the validator, so that they stay in the JSON Schema.
Count = Annotated[int, Field(ge=0, le=values.MAX_HEADCOUNT), BeforeValidator(_integral)]
Quantity = Annotated[int, Field(ge=1, le=help_request.MAX_QUANTITY), BeforeValidator(_integral)]
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
    _drop_titles(schema)
    inlined = _inline(schema, schema.pop("$defs", {}))
    assert isinstance(inlined, dict)
    return inlined


def _inline(node: JsonValue, defs: JsonDict) -> JsonValue:
    """A nested body's schema in place of its "#/$defs/..." reference: embedded in the OpenAPI
    document, such a reference would point into the document, not into this schema."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            rest = {k: v for k, v in node.items() if k != "$ref"}
            inner = _inline(defs[ref.removeprefix("#/$defs/")], defs)
            assert isinstance(inner, dict)
            return {**inner, **rest}
        return {k: _inline(v, defs) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
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
        list[Annotated[str, Field(min_length=1, max_length=500, pattern=values.TEXT_PATTERN)]],
        Field(max_length=action.MAX_DEMANDS),
    ] = []
    starts_at: Moment
    ends_at: Moment
    checkin_radius_m: Radius = action.DEFAULT_CHECKIN_RADIUS_M
    affiliates: Annotated[
        list[UUID], Field(max_length=action.MAX_AFFILIATES, description="Taking part.")
    ] = []


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
    address: (
        Annotated[str, Field(min_length=1, max_length=300, pattern=values.TEXT_PATTERN)] | None
    ) = None


class StatusIn(Body):
    model_config = ConfigDict(
        json_schema_extra={  # a cancellation says why
            "if": {"properties": {"status": {"const": "cancelled"}}, "required": ["status"]},
            "then": {"required": ["reason"], "properties": {"reason": {"type": "string"}}},
        }
    )
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
    quantity: Quantity
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
    max_uses: Annotated[
        int,
        Field(
            ge=1,
            le=sessions.MAX_USES,
            description="How many phones may open it; then it is refused (409).",
        ),
        BeforeValidator(_integral),
    ] = sessions.DEFAULT_MAX_USES
    phones: (
        Annotated[
            list[str],
            Field(
                max_length=sessions.MAX_INVITE_PHONES,
                description="Numbers that may report by SMS for this invite while it lasts.",
            ),
        ]
        | None
    ) = None


# -- SMS -----------------------------------------------------------------------------------------


class SmsIn(Body):
    """A text the gateway received. Read from the bytes whose signature was checked."""

    message_id: Annotated[
        str,
        Field(
            min_length=1,
            max_length=sms.MAX_MESSAGE_ID,
            description="The gateway's own id of the text: a replay of it records nothing.",
        ),
    ]
    sender: Annotated[
        str,
        Field(
            alias="from",
            max_length=sms.MAX_SENDER,
            description="The sender's number, e.g. +6281234567890.",
        ),
    ]
    text: Annotated[str, Field(max_length=sms.MAX_SMS_TEXT)]
    sent_at: Annotated[
        Moment, Field(description="When the gateway received it; older than 2 hours is refused.")
    ]


class Transcription(Body):
    """What a coordinator files a text from the SMS inbox as; the rest of the body is the
    matching Transcribed* below: the body of POST .../reports, .../incidents or .../requests
    without `id` and `at` (the record takes the text's id and time)."""

    type: Literal["report", "incident", "request"]


class TranscribedReport(Body):
    model_config = ConfigDict(
        json_schema_extra={"allOf": [*_lat_lon_together(), *_per_kind(_REPORT_KINDS)]}
    )
    type: Literal["report"]
    site_id: UUID
    kind: ReportKind
    lat: Latitude | None = None
    lon: Longitude | None = None
    headcount: Annotated[Count, Field(description="For kind headcount.")] | None = None
    phase: Phase | None = None
    mood: Mood | None = None


class TranscribedIncident(Body):
    type: Literal["incident"]
    site_id: UUID | None = None
    kind: IncidentKind
    severity: Severity
    description: LongNote


class TranscribedRequest(Body):
    type: Literal["request"]
    site_id: UUID
    kind: HelpKind
    quantity: Quantity
    note: Note | None = None


Transcribed = TranscribedReport | TranscribedIncident | TranscribedRequest


# -- legal notices and the evidence log (web/notices.py) -------------------------------------

# Choices held to the core's own tuples by tests/unit/test_notice_bodies.py.
NoticeKind = Literal["strike", "demo"]
NegotiationKind = Literal["request", "minutes", "deadlock", "refusal", "other"]
Recipient = Literal["employer", "disnaker", "police"]
EvidenceKind = Literal["retaliation", "summons"]
Day = Annotated[
    str, Field(description="A calendar day, YYYY-MM-DD.", json_schema_extra={"format": "date"})
]
LongText = Annotated[
    str, Field(min_length=1, max_length=notice_fields.LONG_TEXT, pattern=values.TEXT_PATTERN)
]
NoticeFields = Annotated[
    dict[str, Any],
    Field(
        description="The notice's fields (strike: UU 13/2003 Pasal 140; demonstration: UU 9/1998 "
        "Pasal 11), checked one by one by the core (core/legal/fields.py): a draft may leave any "
        "out, null removes one, an unknown one is a 422 naming it. GET /api/legal-rules lists "
        "what each kind requires."
    ),
]


def _notice_fields_schema(schema: JsonDict) -> None:
    """The fields' shapes per kind, for the document (the core checks them one by one)."""
    from web.notice_schemas import DEMO_FIELDS, STRIKE_FIELDS

    properties = schema["properties"]
    assert isinstance(properties, dict)
    fields = properties["fields"]
    assert isinstance(fields, dict)
    fields["anyOf"] = [STRIKE_FIELDS, DEMO_FIELDS]


class NoticeIn(Body):
    model_config = ConfigDict(json_schema_extra=_notice_fields_schema)
    id: ClientId | None = None
    kind: NoticeKind
    affiliate_id: Annotated[UUID, Field(description="The union giving notice.")]
    fields: NoticeFields = Field(default_factory=dict)


class NoticeEdit(Body):
    model_config = ConfigDict(json_schema_extra=_notice_fields_schema)
    fields: NoticeFields


class NegotiationIn(Body):
    kind: NegotiationKind
    date: Day
    note: LongText
    attachment_id: UUID | None = None


class SentIn(Body):
    sent_on: Day


class ReceiptIn(Body):
    recipient: Recipient
    received: Annotated[
        str,
        Field(
            description="Strike: the day (YYYY-MM-DD); demonstration (STTP): ISO 8601 with a zone."
        ),
    ]
    received_by: Name
    number: Name | None = None
    attachment_id: Annotated[UUID, Field(description="The scan or photo of the receipt.")]


class EvidenceIn(Body):
    id: ClientId
    affiliate_id: UUID | None = None
    kind: EvidenceKind
    category: Annotated[
        str,
        Field(
            description="Retaliation: intimidation, replacement, transfer, sanction, arrest, other "
            "(from the rule set). Summons: first, second, other."
        ),
    ]
    occurred_at: Moment
    description: LongText
    people: Annotated[str, Field(max_length=1000)] | None = None
    place: Name | None = None
    received_on: Day | None = None
    return_by: Day | None = None
    attachment_ids: Annotated[list[UUID], Field(max_length=evidence.MAX_ATTACHMENTS)] = []


# -- planning (web/planning.py) and the organisation's names (web/organisation.py) ---------------

LobbyKind = Literal["lobby", "hearing"]
OutcomeKind = Literal[
    "hearing_granted",
    "regulation_withdrawn",
    "demand_met",
    "follow_up_promised",
    "refused",
    "other",
]


class ActionEdit(Body):
    model_config = ConfigDict(
        json_schema_extra={
            "description": "While planned (409 not_planned after); fields left out stay as "
            "they are; each edit is one event. ends_at before starts_at: 422."
        }
    )
    title: Name | None = None
    kind: ActionKind | None = None
    demands: (
        Annotated[
            list[Annotated[str, Field(min_length=1, max_length=500, pattern=values.TEXT_PATTERN)]],
            Field(max_length=action.MAX_DEMANDS),
        ]
        | None
    ) = None
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    checkin_radius_m: Radius | None = None
    affiliates: Annotated[list[UUID], Field(max_length=action.MAX_AFFILIATES)] | None = None


class SiteAdjust(Body):
    name: Name
    lat: Latitude
    lon: Longitude
    target: Count


class SitesCsv(Body):
    csv: Annotated[
        str,
        Field(
            description="The file's text: a header naming the columns (name/nama, lat, lon or "
            "address/alamat, target, korlap, phone/telepon), comma or semicolon separated; at "
            "most 500 rows."
        ),
    ]


class LobbyIn(Body):
    id: ClientId | None = None
    kind: Annotated[LobbyKind, Field(description="lobi, or audiensi (a hearing)")]
    with_whom: Name
    at: Moment
    promised: Annotated[str, Field(max_length=1000)] | None = None


class OutcomeIn(Body):
    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                {
                    "if": {"properties": {"kind": {"const": "follow_up_promised"}}},
                    "then": given("follow_up_by"),
                }
            ]
        }
    )
    id: ClientId | None = None
    kind: OutcomeKind
    description: LongNote
    follow_up_by: Moment | None = None
    lobby_id: UUID | None = None


class KorlapIn(Body):
    site_id: UUID
    name: Name
    phone: Annotated[str, Field(description="Indonesian or international.")] | None = None


class RosterIn(Body):
    korlaps: Annotated[list[KorlapIn], Field(min_length=1, max_length=200)]


class NameIn(Body):
    name: Name


# -- strike votes --------------------------------------------------------------------------------

# The core's own tuple (core/vote_rules.py), held to it by tests/unit/test_vote_bodies.py.
ShareRule = Literal["more_than", "at_least"]
Share = Annotated[int, Field(ge=0, le=1000), BeforeValidator(_integral)]
Choice = Annotated[
    int,
    Field(ge=0, le=vote.MAX_OPTIONS - 1, description="The option's index."),
    BeforeValidator(_integral),
]
Receipt = Annotated[
    str,
    Field(
        pattern=f"^[{CROCKFORD}]{{{RECEIPT_LENGTH}}}$",
        description="Optional: a receipt code the phone made, so a resend gets the same answer.",
    ),
    ReceiptRule(RECEIPT_LENGTH),
]
LinkCode = Annotated[
    str, Field(min_length=1, max_length=100, description="The code of a personal voting link.")
]


class _FractionIn(Body):
    model_config = ConfigDict(
        json_schema_extra={"description": "num/den as the AD/ART states it; num > den: 422."}
    )
    num: Share
    den: Annotated[int, Field(ge=1, le=1000), BeforeValidator(_integral)]
    rule: ShareRule = "at_least"


class QuorumIn(_FractionIn):
    of: Annotated[Literal["roll"], Field(description="A quorum is a share of the roll.")] = "roll"


class ThresholdIn(_FractionIn):
    of: Annotated[
        Literal["votes", "roll"],
        Field(description="Share of the ballots cast (default) or of the roll."),
    ] = "votes"


class VoteIn(Body):
    model_config = ConfigDict(
        json_schema_extra={
            "description": "closes_at not after opens_at: 422 ends_before_start; closes_at "
            "past: 422 in_the_past; the same option twice (once trimmed): 422 duplicate."
        }
    )
    id: Annotated[UUID, Field(description="Made by the client; a resend returns the first answer.")]
    question: Annotated[str, Field(min_length=1, max_length=500, pattern=values.TEXT_PATTERN)]
    options: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=100, pattern=values.TEXT_PATTERN)]],
        Field(min_length=2, max_length=vote.MAX_OPTIONS, json_schema_extra={"uniqueItems": True}),
    ]
    affiliate_id: Annotated[UUID, Field(description="The union whose members vote.")]
    branch_id: Annotated[UUID, Field(description="Only this branch's members vote.")] | None = None
    opens_at: Moment
    closes_at: Moment
    quorum: QuorumIn
    threshold: ThresholdIn
    k: (
        Annotated[
            int,
            Field(
                ge=0,
                le=1000,
                description="Counts per option are published only when at least k voted "
                f"(default {vote.DEFAULT_K}).",
            ),
            BeforeValidator(_integral),
        ]
        | None
    ) = None
    weights: (
        Annotated[
            dict[
                UUID,
                Annotated[int, Field(ge=1, le=vote.MAX_WEIGHT), BeforeValidator(_integral)],
            ],
            Field(
                min_length=1,
                max_length=vote.MAX_ROLL,
                description="A delegates' vote: person id -> number of votes. The roll is then "
                "these delegates (those still active).",
            ),
        ]
        | None
    ) = None


class CastIn(Body):
    choice: Choice
    receipt: Receipt | None = None


class LinkCastIn(CastIn):
    code: LinkCode


class LinkIn(Body):
    person_id: UUID


class CodeIn(Body):
    code: LinkCode


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
EffectiveDay = Annotated[
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
    effective_date: EffectiveDay


class DuesIn(Body):
    id: ClientId
    payer: Name
    month: Annotated[str, Field(json_schema_extra={"pattern": "^[0-9]{4}-[0-9]{2}$"})]
    base_amount: Rupiah
    channel: Channel
    asset_account: AccountCode
    effective_date: EffectiveDay


class MembershipIn(Body):
    affiliate: Annotated[Name, Field(description="The affiliate, named as its dues name the payer")]
    effective_from: Annotated[
        str,
        Field(
            description="First month it counts for",
            json_schema_extra={"pattern": "^[0-9]{4}-[0-9]{2}$"},
        ),
    ]
    members: Annotated[
        int,
        Field(ge=0, le=arrears.MAX_MEMBERS, description="Dues-paying members (0: none any more)"),
        BeforeValidator(_integral),
    ]
    base_amount: Annotated[Rupiah, Field(description="The rule's base per member (UMK or wage)")]


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
    effective_date: EffectiveDay


class ReverseIn(Body):
    id: ClientId
    reason: Name
    effective_date: EffectiveDay


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


class FundLinkIn(Body):
    action_id: UUID


class FundReasonIn(Body):
    reason: Name


class AmountIn(Body):
    amount: Rupiah


class PayIn(Body):
    payment_ref: Name
    effective_date: EffectiveDay


class CheckpointSignIn(Body):
    role: SignRole


class BudgetLineIn(Body):
    account: Annotated[AccountCode, Field(description="An income or expense account")]
    amount: Annotated[
        int,
        Field(ge=0, le=ledger.MAX_RUPIAH, description="Planned rupiah for the year"),
        BeforeValidator(_integral),
    ]


class BudgetIn(Body):
    id: ClientId
    lines: Annotated[
        list[BudgetLineIn],
        Field(
            description="Planned amounts; each supersedes its account's figure",
            json_schema_extra={"minItems": 1, "maxItems": budget.MAX_LINES},
        ),
    ]
    note: Note | None = None


class Checkpoint(Body):
    period: str
    chain_head: str
    merkle_root: str | None = None


class CheckpointsIn(Body):
    checkpoints: list[Checkpoint] = []
