"""The annual budget's (APBO) part of the OpenAPI document (web/openapi.py adds these paths),
built with the fund's helpers; the request body is generated from web/bodies.py."""

from __future__ import annotations

from typing import Any

from web import bodies
from web.fund_openapi import FUND, OBJECT, _download, _obj, _param, _read, _write

YEAR = _param("year", {"type": "string", "pattern": "^[0-9]{4}$"})
CELL = _obj(
    ["planned", "actual", "difference", "realised_pct"],
    planned={"type": "integer"},
    actual={"type": "integer"},
    difference={"type": "integer", "description": "actual - planned"},
    realised_pct={"type": ["number", "null"], "description": "actual / planned, one decimal"},
)
TOTAL = _obj(
    ["annual", "H1", "H2", "year"], annual={"type": "integer"}, H1=CELL, H2=CELL, year=CELL
)
BUDGET_OUT = _obj(
    ["year", "rule", "revision", "frozen", "totals", "fund_id", "position"],
    year={"type": "integer"},
    rule={"type": "string", "description": "How a half year's planned figure is made"},
    revision={"type": "integer", "description": "Revisions recorded (0: no budget yet)"},
    frozen=_obj(["H1", "H2"], H1={"type": "boolean"}, H2={"type": "boolean"}),
    totals=_obj(["income", "expense"], income=TOTAL, expense=TOTAL),
    lines={"type": "object", "description": "Per account (treasurers, officers, auditors)"},
    revisions={"type": "array", "items": OBJECT},
    fund_id={"type": "string", "format": "uuid"},
    position={"type": "integer"},
)


def budget_paths() -> dict[str, Any]:
    return {
        "/api/funds/{id}/budgets/{year}": {
            "post": _write(
                "Set or revise the year's budget (APBO) per account", bodies.BudgetIn, [FUND, YEAR]
            ),
            "get": _read(
                "The year's budget against actual (members: totals only)", [FUND, YEAR], BUDGET_OUT
            ),
        },
        "/api/funds/{id}/export/budget.csv": {
            "get": _download("Budget against actual per year, half and account (CSV)", "text/csv")
        },
    }
