"""The solidarity fund's part of the OpenAPI document (web/openapi.py adds these paths). Request
bodies are generated from their one description in web/bodies.py (its fund section)."""

from __future__ import annotations

from typing import Any

from core.fund import ENTRY_KINDS
from projections.fund_ledger import DEFAULT_LIMIT, MAX_LIMIT
from web import bodies
from web.bodies import schema_of
from web.schemas import PROBLEM, RECORDED, UUID_S, Schema

OBJECT: Schema = {"type": "object"}
DAY: Schema = {"type": "string", "format": "date", "description": "Effective date (WIB)"}
WRITE = (400, 401, 403, 404, 409, 413, 422)


def _obj(required: list[str], **properties: Schema) -> Schema:
    return {"type": "object", "required": required, "properties": properties}


VERIFY_OUT = _obj(
    ["ok", "events", "entries", "chain_head", "checkpoints", "first_mismatch"],
    ok={"type": "boolean"},
    events={"type": "integer"},
    entries={"type": "integer"},
    chain_head={"type": "string"},
    checkpoints={"type": "array", "items": OBJECT},
    given={"type": "array", "items": OBJECT},
    first_mismatch={"type": ["object", "null"]},
)


ARREARS_LINE = _obj(
    ["affiliate", "declared", "due", "paid", "arrears", "credit", "months_behind"],
    affiliate={"type": "string"},
    declared={"type": "boolean", "description": "False: dues paid under a name never declared"},
    due={"type": "integer"},
    paid={"type": "integer"},
    arrears={"type": "integer"},
    credit={"type": "integer", "description": "Paid ahead"},
    months_behind={"type": "integer"},
    behind={"type": "array", "items": {"type": "string"}, "description": "Oldest first"},
    last_payment={"type": ["string", "null"], "format": "date"},
    members={"type": ["integer", "null"]},
    base_amount={"type": ["integer", "null"]},
    declarations={"type": "array", "items": OBJECT},
)
ARREARS_OUT = _obj(
    ["as_of", "through", "rule", "totals", "affiliates"],
    as_of={"type": "string", "format": "date"},
    through={"type": "string", "description": "The last month counted (the last one over)"},
    rule={"type": "boolean", "description": "Whether the fund has a dues rule"},
    totals=OBJECT,
    affiliates={"type": "array", "items": ARREARS_LINE},
    position={"type": "integer"},
)


def _param(name: str, schema: Schema | None = None) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema or UUID_S}


def _query(name: str, schema: Schema, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


MIN_POSITION = _query(
    "min_position", {"type": "integer", "minimum": 0}, "Wait (up to 3 s) for this position."
)
FUND = _param("id")
NUMBER = _param("number", {"type": "string", "pattern": "^[0-9]{4}-[0-9]{6}$"})
PERIOD = _param("period", {"type": "string", "pattern": "^[0-9]{4}-H[12]$"})
DISBURSEMENT = _param("disbursement_id")


def _problems(*statuses: int) -> dict[str, Any]:
    return {
        str(s): {
            "description": "Problem details (RFC 9457)",
            "content": {"application/problem+json": {"schema": PROBLEM}},
        }
        for s in statuses
    }


def _json(schema: Schema, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _write(
    summary: str,
    body: type[bodies.Body] | None,
    params: list[dict[str, Any]],
    *,
    optional: bool = False,
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary,
        "parameters": params,
        "responses": {
            "201": _json(RECORDED, "Recorded"),
            "200": _json(RECORDED, "Already recorded (a repeat or a double click): nothing new"),
            **_problems(*WRITE),
        },
    }
    if body is not None:  # a click without details (NoDetails) may leave its body out
        op["requestBody"] = {
            "required": not optional,
            "content": {"application/json": {"schema": schema_of(body)}},
        }
    return op


def _read(summary: str, params: list[dict[str, Any]], schema: Schema = OBJECT) -> dict[str, Any]:
    return {
        "summary": summary,
        "parameters": [*params, MIN_POSITION],
        "responses": {"200": _json(schema, summary), **_problems(401, 403, 404, 422)},
    }


def _download(
    summary: str, media_type: str, schema: Schema | None = None, *, views: bool = True
) -> dict[str, Any]:
    """An attachment; `views`: read from the views (so ?min_position= applies)."""
    return {
        "summary": summary,
        "parameters": [FUND, MIN_POSITION] if views else [FUND],
        "responses": {
            "200": {
                "description": "An attachment (Content-Disposition names the file)",
                "content": {media_type: {"schema": schema or {"type": "string"}}},
            },
            **_problems(401, 403, 404, 422),
        },
    }


LEDGER_PAGE = _obj(
    ["entries", "limit", "order", "next_cursor", "next", "position"],
    entries={"type": "array", "items": OBJECT},
    limit={"type": "integer"},
    order={"type": "string", "enum": ["asc", "desc"]},
    next_cursor={"type": ["string", "null"], "description": "Pass as ?cursor= for the next page"},
    next={"type": ["string", "null"], "description": "The next page's URL; null: no more"},
    position={"type": "integer"},
)


def ledger_params() -> list[dict[str, Any]]:
    text = {"type": "string", "minLength": 1, "maxLength": 100}
    return [
        _query("account", {"type": "string"}, "Only entries touching this account"),
        _query("kind", {"type": "string", "enum": list(ENTRY_KINDS)}, "Only this kind"),
        _query("from", DAY, "Effective on or after"),
        _query("to", DAY, "Effective on or before"),
        _query("q", text, "Text in the memo, reference, payment reference or payer"),
        _query(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
            f"Entries per page (at most {MAX_LIMIT})",
        ),
        _query("order", {"type": "string", "enum": ["asc", "desc"]}, "asc: oldest first"),
        _query(
            "cursor",
            {"type": "string", "pattern": "^[0-9]{1,12}$"},
            "The previous page's next_cursor",
        ),
    ]


def fund_paths() -> dict[str, Any]:
    d = "/api/funds/{id}/disbursements/{disbursement_id}"
    as_of = _query("as_of", DAY, "Balance from the entries effective by this date")
    known_at = _query("known_at", DAY, "As the books said on this (recording) date")
    as_of_arrears = _query("as_of", DAY, "Months over by this date; paid by this date")
    return {
        "/api/funds": {
            "post": _write("Open a fund for a unit (administrators)", bodies.FundIn, []),
            "get": _read("The funds the caller may see", []),
        },
        "/api/funds/{id}": {"get": _read("A fund's summary: balances, totals, periods", [FUND])},
        "/api/funds/{id}/accounts": {"post": _write("Open an account", bodies.AccountIn, [FUND])},
        "/api/funds/{id}/dues-rule": {
            "put": _write("Set the dues rule", bodies.DuesRuleIn, [FUND])
        },
        "/api/funds/{id}/memberships": {
            "post": _write(
                "Declare an affiliate's dues-paying membership from a month on",
                bodies.MembershipIn,
                [FUND],
            )
        },
        "/api/funds/{id}/arrears": {
            "get": _read(
                "Dues arrears per affiliate (members: totals only)",
                [FUND, as_of_arrears],
                ARREARS_OUT,
            )
        },
        "/api/funds/{id}/contributions": {
            "post": _write(
                "Record a contribution and issue its receipt", bodies.ContributionIn, [FUND]
            )
        },
        "/api/funds/{id}/dues": {
            "post": _write(
                "Record dues, split between levels, with a receipt", bodies.DuesIn, [FUND]
            )
        },
        "/api/funds/{id}/entries": {"post": _write("Post a journal entry", bodies.EntryIn, [FUND])},
        "/api/funds/{id}/entries/{entry_id}/reverse": {
            "post": _write("Reverse an entry", bodies.ReverseIn, [FUND, _param("entry_id")])
        },
        "/api/funds/{id}/ledger": {
            "get": _read(
                "Entries with their legs, a page at a time (web/fund_ledger.py)",
                [FUND, *ledger_params()],
                LEDGER_PAGE,
            )
        },
        "/api/funds/{id}/balances": {
            "get": _read("Balances, now or as of a date", [FUND, as_of, known_at])
        },
        "/api/funds/{id}/receipts": {"get": _read("Receipts issued and voided", [FUND])},
        "/api/funds/{id}/receipts/{number}": {"get": _read("One receipt", [FUND, NUMBER])},
        "/api/funds/{id}/receipts/{number}/void": {
            "post": _write("Void a receipt, optionally reissuing it", bodies.VoidIn, [FUND, NUMBER])
        },
        "/api/funds/{id}/disbursements": {
            "post": _write("Request a disbursement", bodies.DisbursementIn, [FUND]),
            "get": _read("Disbursements (members: without beneficiaries)", [FUND]),
        },
        f"{d}/approve": {
            "post": _write(
                "Approve (not the requester)", bodies.NoDetails, [FUND, DISBURSEMENT], optional=True
            )
        },
        f"{d}/reject": {"post": _write("Reject", bodies.FundReasonIn, [FUND, DISBURSEMENT])},
        f"{d}/amount": {
            "post": _write(
                "Change the amount (cancels approvals)", bodies.AmountIn, [FUND, DISBURSEMENT]
            )
        },
        f"{d}/pay": {
            "post": _write(
                "Pay (neither requester nor approver)", bodies.PayIn, [FUND, DISBURSEMENT]
            )
        },
        f"{d}/expire": {
            "post": _write(
                "Expire it, releasing its reservation",
                bodies.NoDetails,
                [FUND, DISBURSEMENT],
                optional=True,
            )
        },
        "/api/funds/{id}/periods/{period}/close": {
            "post": _write(
                "Close a period: freeze it, record its checkpoint",
                bodies.NoDetails,
                [FUND, PERIOD],
                optional=True,
            )
        },
        "/api/funds/{id}/periods/{period}/sign": {
            "post": _write(
                "Sign off a checkpoint as treasurer or chair",
                bodies.CheckpointSignIn,
                [FUND, PERIOD],
            )
        },
        "/api/funds/{id}/periods/{period}/report": {
            "get": _read("The period report (roll-forward per account)", [FUND, PERIOD])
        },
        "/api/funds/{id}/verify": {
            "get": {
                "summary": "Verify the fund's chain and checkpoints from the store",
                "parameters": [FUND],
                "responses": {
                    "200": _json(VERIFY_OUT, "The verification"),
                    **_problems(401, 403, 404),
                },
            },
            "post": {
                "summary": "Verify against checkpoints kept outside Posko",
                "parameters": [FUND],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": schema_of(bodies.CheckpointsIn)}},
                },
                "responses": {
                    "200": _json(VERIFY_OUT, "The verification"),
                    **_problems(400, 401, 403, 404, 422),
                },
            },
        },
        "/api/funds/{id}/export/entries.csv": {
            "get": _download("Entries with their legs (CSV)", "text/csv")
        },
        "/api/funds/{id}/export/arrears.csv": {
            "get": {
                **_download("Dues arrears per affiliate (CSV)", "text/csv"),
                "parameters": [FUND, as_of_arrears, MIN_POSITION],
            }
        },
        "/api/funds/{id}/export/events.json": {
            "get": _download(
                "The fund's events with hashes (JSON)",
                "application/json",
                _obj(
                    ["fund_id", "genesis", "events"],
                    fund_id=UUID_S,
                    genesis={"type": "string"},
                    events={"type": "array", "items": OBJECT},
                ),
                views=False,
            )
        },
    }
