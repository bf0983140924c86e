"""Funds linked to actions in the OpenAPI document (web/openapi.py adds these paths; the
handlers are in web/fund_links.py)."""

from __future__ import annotations

from typing import Any

from web import bodies
from web.fund_openapi import FUND, OBJECT, _json, _obj, _param, _problems, _read, _write
from web.schemas import RECORDED, UUID_S

FUND_ROW = _obj(
    ["fund_id", "linked"],
    fund_id=UUID_S,
    linked={"type": "boolean"},
    name={"type": "string"},
    balance={"type": "integer", "description": "The fund's money: its asset accounts (rupiah)"},
    reserved={"type": "integer", "description": "Reserved for approved, unpaid payouts"},
    available={"type": "integer"},
    awaiting_approval={"type": "integer"},
    awaiting_payment={"type": "integer"},
    pending={"type": "array", "items": OBJECT},
    help_payouts={"type": "array", "items": OBJECT},
    channel={"type": "string", "description": "Follow it live: action:<id>:fund:<fund id>"},
)


def fund_link_paths() -> dict[str, Any]:
    return {
        "/api/funds/{id}/links": {
            "post": _write(
                "Link the fund to an action (treasurer or officer)", bodies.FundLinkIn, [FUND]
            ),
            "get": _read("The actions the fund is linked to", [FUND]),
        },
        "/api/funds/{id}/links/{action_id}": {
            "delete": {
                "summary": "Unlink the fund from the action (200 even when not linked)",
                "parameters": [FUND, _param("action_id")],
                "responses": {
                    "200": _json(RECORDED, "Unlinked, or not linked"),
                    **_problems(401, 403, 404),
                },
            }
        },
        "/api/actions/{id}/funds": {
            "get": _read(
                "The linked funds the caller may see on the action's dashboard: balance and "
                "pending payouts, never beneficiaries",
                [_param("id")],
                _obj(
                    ["funds", "position"],
                    funds={"type": "array", "items": FUND_ROW},
                    position={"type": "integer"},
                ),
            )
        },
    }
