"""The annual budget (APBO) over HTTP against a real server, store and projection runner: a
revision is 201 then 200 on a resend and 409 under a reused id; bad lines, years and notes are
422s naming the field in both languages, writing nothing; the period report's `budget` section
and the year's budget agree with the ledger; the unit's members see totals only; the budget
CSV for the audit has each half and the year per account."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import pytest
import pytest_asyncio

from core.access import Role
from tests.integration.fund_server import contribution, fund_server, refused_writing_nothing

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def clients(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[dict[str, Any]]:
    async with fund_server(tmp_path_factory.mktemp("fund-budget-api")) as server:
        fund = await server.open_fund(threshold=1)
        people = await server.people(
            {
                "treasurer": Role("treasurer", fund_id=fund),
                "officer": Role("officer"),
                "member": Role("member"),
            }
        )
        yield {"admin": server.admin, "fund": fund, **people}


def revision(**lines: int) -> dict[str, Any]:
    return {
        "id": str(uuid4()),
        "lines": [{"account": code.replace("_", ":", 1), "amount": n} for code, n in lines.items()],
        "note": "APBO disahkan rapat pleno",
    }


async def test_a_revision_is_201_then_200_on_a_resend_and_409_under_a_reused_id(
    clients: Any,
) -> None:
    treasurer, fund = clients["treasurer"], clients["fund"]
    body = revision(income_donation=40_000_000)
    first, reply = await treasurer.call("POST", f"/api/funds/{fund}/budgets/2026", body)
    again, second = await treasurer.call("POST", f"/api/funds/{fund}/budgets/2026", body)
    assert (first, again) == (201, 200) and reply["id"] == second["id"] == body["id"]
    other = {**body, "lines": [{"account": "income:donation", "amount": 1}]}
    status, problem = await treasurer.call("POST", f"/api/funds/{fund}/budgets/2026", other)
    assert (status, problem["code"], problem["field"]) == (409, "id_reused", "id")
    _, year = await treasurer.call("GET", f"/api/funds/{fund}/budgets/2026")
    assert year["lines"]["income:donation"]["annual"] == 40_000_000
    assert [r["id"] for r in year["revisions"]].count(body["id"]) == 1


@pytest.mark.parametrize(
    ("path_year", "change", "field"),
    [
        ("2026", {"lines": [{"account": "income:dues", "amount": -5}]}, "lines[0].amount"),
        ("2026", {"lines": [{"account": "income:dues", "amount": 2.5}]}, "lines[0].amount"),
        ("2026", {"lines": [{"account": "income:dues", "amount": "5"}]}, "lines[0].amount"),
        ("2026", {"lines": [{"account": "bank", "amount": 5}]}, "lines[0].account"),
        ("2026", {"lines": [{"account": "expense:none", "amount": 5}]}, "lines[0].account"),
        ("2026", {"lines": []}, "lines"),
        ("2026", {"note": "  "}, "note"),
        ("2026", {"id": "satu"}, "id"),
        ("20x6", {}, "year"),
        ("0026", {}, "year"),
    ],
)
async def test_bad_input_is_a_422_naming_the_field_in_both_languages_writing_nothing(
    clients: Any, path_year: str, change: dict[str, Any], field: str
) -> None:
    fund = clients["fund"]
    path, body = f"/api/funds/{fund}/budgets/{path_year}", {**revision(income_dues=1_000), **change}
    await refused_writing_nothing(clients["treasurer"], fund, path, body, field)


async def test_reading_a_malformed_year_is_a_422_naming_it(clients: Any) -> None:
    status, problem = await clients["officer"].call(
        "GET", f"/api/funds/{clients['fund']}/budgets/tahun"
    )
    assert (status, problem["code"], problem["field"]) == (422, "not_a_year", "year")


async def test_the_period_report_shows_budget_against_actual_that_adds_up(clients: Any) -> None:
    treasurer, fund = clients["treasurer"], clients["fund"]
    body = revision(income_strike=24_000_001, expense_transport=6_000_000)
    assert (await treasurer.call("POST", f"/api/funds/{fund}/budgets/2026", body))[0] == 201
    _, before = await treasurer.call("GET", f"/api/funds/{fund}/periods/2026-H2/report")
    gift = contribution(income_account="income:strike", amount=3_000_000)
    assert (await treasurer.call("POST", f"/api/funds/{fund}/contributions", gift))[0] == 201
    status, report = await treasurer.call("GET", f"/api/funds/{fund}/periods/2026-H2/report")
    assert status == 200
    section = report["budget"]
    assert section["year"] == 2026 and section["rule"] == "H1 = floor(annual / 2); H2 = annual - H1"
    strike = section["lines"]["income:strike"]
    assert strike["annual"] == 24_000_001
    assert strike["period"]["planned"] == 12_000_001
    was = before["budget"]["lines"]["income:strike"]["period"]["actual"]
    assert strike["period"]["actual"] == was + 3_000_000
    assert strike["period"]["actual"] == report["income"]["income:strike"]
    assert strike["period"]["difference"] == strike["period"]["actual"] - 12_000_001
    for kind in ("income", "expense"):
        for scope in ("period", "year_to_date"):
            lines = [x[scope] for x in section["lines"].values() if x["type"] == kind]
            total = section["totals"][kind][scope]
            assert total["planned"] == sum(x["planned"] for x in lines)
            assert total["actual"] == sum(x["actual"] for x in lines)


async def test_the_units_members_see_the_budget_totals_only(clients: Any) -> None:
    treasurer, fund = clients["treasurer"], clients["fund"]
    await treasurer.call("POST", f"/api/funds/{fund}/budgets/2026", revision(income_dues=5_000))
    clients["member"].position = clients["officer"].position = treasurer.position
    status, for_member = await clients["member"].call("GET", f"/api/funds/{fund}/budgets/2026")
    _, for_officer = await clients["officer"].call("GET", f"/api/funds/{fund}/budgets/2026")
    assert status == 200
    assert for_member["totals"] == for_officer["totals"]
    assert for_member["totals"]["income"]["annual"] >= 5_000
    assert "lines" not in for_member and "revisions" not in for_member
    assert for_officer["lines"]["income:dues"]["annual"] == 5_000
    assert for_officer["revisions"][-1]["by"].startswith("person:")
    status, _ = await clients["member"].call("GET", f"/api/funds/{fund}/periods/2026-H2/report")
    assert status == 403
    status, _ = await clients["officer"].call(
        "POST", f"/api/funds/{fund}/budgets/2026", revision(income_dues=1)
    )
    assert status == 403  # officers read the budget; the treasurer sets it


async def test_the_budget_csv_has_each_half_and_the_year_per_account(clients: Any) -> None:
    treasurer, fund = clients["treasurer"], clients["fund"]
    await treasurer.call("POST", f"/api/funds/{fund}/budgets/2026", revision(expense_logistics=9))
    status, text = await treasurer.call("GET", f"/api/funds/{fund}/export/budget.csv")
    assert status == 200
    rows = [r for r in csv.DictReader(io.StringIO(text)) if r["account"] == "expense:logistics"]
    by_scope = {r["scope"]: r for r in rows if r["year"] == "2026"}
    assert set(by_scope) == {"H1", "H2", "year"}
    assert [by_scope[s]["planned"] for s in ("H1", "H2", "year")] == ["4", "5", "9"]
    _, report = await treasurer.call("GET", f"/api/funds/{fund}/periods/2026-H2/report")
    line = report["budget"]["lines"]["expense:logistics"]
    assert int(by_scope["H2"]["actual"]) == line["period"]["actual"]
    assert int(by_scope["year"]["actual"]) == line["year_to_date"]["actual"]
    assert by_scope["H2"]["frozen"] == "false"
    status, exported = await treasurer.call("GET", f"/api/funds/{fund}/export/events.json")
    revisions = [e for e in exported["events"] if e["type"] == "BudgetSet"]
    assert status == 200 and {"expense:logistics": 9} in [e["lines"] for e in revisions]
