"""The fund over HTTP against a real server, store and projection runner: idempotent creates,
bad input refused in both languages writing nothing, the two-person rule as problem+json,
balances as of a date and as known at a date, the period report, receipts with the amount in
words, verification and the exports."""

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
    async with fund_server(tmp_path_factory.mktemp("fund-api")) as server:
        fund = await server.open_fund(threshold=5_000_000)
        people = await server.people(
            {"treasurer": Role("treasurer", fund_id=fund), "officer": Role("officer")}
        )
        yield {"admin": server.admin, "fund": fund, **people}


async def test_a_resent_contribution_is_201_then_200_and_recorded_once(clients: Any) -> None:
    treasurer, fund = clients["treasurer"], clients["fund"]
    body = contribution()
    first, reply = await treasurer.call("POST", f"/api/funds/{fund}/contributions", body)
    again, second = await treasurer.call("POST", f"/api/funds/{fund}/contributions", body)
    assert (first, again) == (201, 200) and reply["id"] == second["id"]
    _, ledger = await treasurer.call("GET", f"/api/funds/{fund}/ledger?kind=contribution")
    assert [e["entry_id"] for e in ledger["entries"]].count(body["id"]) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", 1.5),
        ("amount", 0),
        ("amount", "1000"),
        ("effective_date", "2-11-2026"),
        ("asset_account", "kas-pribadi"),
        ("channel", "pos"),
    ],
)
async def test_bad_input_is_a_422_naming_the_field_in_both_languages_writing_nothing(
    clients: Any, field: str, value: Any
) -> None:
    fund = clients["fund"]
    path, body = f"/api/funds/{fund}/contributions", contribution(**{field: value})
    await refused_writing_nothing(clients["treasurer"], fund, path, body, field)


async def test_the_two_person_rule_over_http(clients: Any) -> None:
    treasurer, officer, fund = clients["treasurer"], clients["officer"], clients["fund"]
    await treasurer.call("POST", f"/api/funds/{fund}/contributions", contribution())
    d = {
        "id": str(uuid4()),
        "purpose": "Upah mogok",
        "beneficiary": "Anggota PUK",
        "amount": 200_000,
        "expense_account": "expense:strike_pay",
        "pay_from": "bank",
        "evidence": "Daftar hadir",
    }
    status, _ = await officer.call("POST", f"/api/funds/{fund}/disbursements", d)
    assert status == 201
    path = f"/api/funds/{fund}/disbursements/{d['id']}"
    status, problem = await officer.call("POST", f"{path}/approve")
    assert (status, problem["code"]) == (403, "requester_cannot_approve")
    status, _ = await clients["admin"].call("POST", f"{path}/approve")
    assert status == 201
    assert (await clients["admin"].call("POST", f"{path}/approve"))[0] == 200  # double click
    pay = {"payment_ref": "BCA-77", "effective_date": "2026-11-03"}
    status, problem = await clients["admin"].call("POST", f"{path}/pay", pay)
    assert (status, problem["code"]) == (403, "payer_not_requester_or_approver")
    assert (await treasurer.call("POST", f"{path}/pay", pay))[0] == 201
    assert (await treasurer.call("POST", f"{path}/pay", pay))[0] == 200
    status, problem = await treasurer.call("POST", f"{path}/pay", {**pay, "payment_ref": "X"})
    assert (status, problem["code"]) == (409, "already_paid")


async def test_balances_as_of_a_date_and_as_known_at_a_date(clients: Any) -> None:
    treasurer, fund = clients["treasurer"], clients["fund"]
    await treasurer.call(
        "POST",
        f"/api/funds/{fund}/contributions",
        contribution(amount=777, asset_account="cash", effective_date="2026-01-05"),
    )
    _, early = await treasurer.call("GET", f"/api/funds/{fund}/balances?as_of=2026-01-04")
    _, later = await treasurer.call("GET", f"/api/funds/{fund}/balances?as_of=2026-01-05")
    _, before_it_was_known = await treasurer.call(
        "GET", f"/api/funds/{fund}/balances?as_of=2026-01-05&known_at=2026-01-05"
    )
    assert early["accounts"]["cash"]["balance"] == 0
    assert later["accounts"]["cash"]["balance"] == 777
    assert before_it_was_known["accounts"]["cash"]["balance"] == 0  # recorded months later
    status, problem = await treasurer.call("GET", f"/api/funds/{fund}/balances?as_of=kemarin")
    assert (status, problem["field"]) == (422, "as_of")


async def test_the_period_report_rolls_forward_and_receipts_print_in_words(clients: Any) -> None:
    treasurer, fund = clients["treasurer"], clients["fund"]
    await treasurer.call("POST", f"/api/funds/{fund}/contributions", contribution())
    status, report = await treasurer.call("GET", f"/api/funds/{fund}/periods/2026-H2/report")
    assert status == 200
    line = report["fund"]
    assert line["opening"] + line["inflows"] - line["outflows"] == line["closing"]
    for account in report["accounts"].values():
        assert account["opening"] + account["inflows"] - account["outflows"] == account["closing"]
    issued = report["receipts_issued"]
    assert issued["count"] >= 1 and issued["amount"] >= 1_000_000
    number = issued["last"]
    status, receipt = await treasurer.call("GET", f"/api/funds/{fund}/receipts/{number}")
    assert status == 200 and receipt["amount_words"] == "satu juta rupiah"


async def test_verify_and_the_exports(clients: Any) -> None:
    treasurer, fund = clients["treasurer"], clients["fund"]
    await treasurer.call("POST", f"/api/funds/{fund}/contributions", contribution())
    status, result = await treasurer.call("GET", f"/api/funds/{fund}/verify")
    assert status == 200 and result["ok"] and result["first_mismatch"] is None
    status, text = await treasurer.call("GET", f"/api/funds/{fund}/export/entries.csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert status == 200 and rows
    by_entry: dict[str, int] = {}
    for row in rows:
        by_entry[row["entry_id"]] = (
            by_entry.get(row["entry_id"], 0) + int(row["debit"] or 0) - int(row["credit"] or 0)
        )
    assert set(by_entry.values()) == {0}  # every entry's legs balance
    status, exported = await treasurer.call("GET", f"/api/funds/{fund}/export/events.json")
    assert status == 200 and exported["events"][0]["prev_hash"] == exported["genesis"]
    assert exported["events"][-1]["hash"] == result["chain_head"]
