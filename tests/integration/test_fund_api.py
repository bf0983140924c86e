"""The fund over HTTP against a real server, store and projection runner: idempotent creates,
bad input refused in both languages writing nothing, the two-person rule as problem+json,
balances as of a date and as known at a date, the period report, receipts with the amount in
words, verification and the exports."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
import pytest_asyncio
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from core.access import Role
from posko.bootstrap import build, web_services
from posko.settings import Settings
from web.app import create_app

pytestmark = pytest.mark.asyncio(loop_scope="module")
KEY = "k" * 32
PASSWORD = "kata-sandi-yang-panjang"


class Client:
    def __init__(self, session: ClientSession, token: str) -> None:
        self.session, self.token = session, token
        self.position = 0

    async def call(
        self, method: str, path: str, body: Any = None, lang: str = "id"
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {self.token}", "Accept-Language": lang}
        if method == "GET" and self.position:
            path += ("&" if "?" in path else "?") + f"min_position={self.position}"
        async with self.session.request(method, path, json=body, headers=headers) as response:
            text = await response.text()
            reply = json.loads(text) if "json" in response.content_type else text
            if isinstance(reply, dict) and "position" in reply and method != "GET":
                self.position = max(self.position, reply["position"])
            return response.status, reply


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def clients(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[dict[str, Any]]:
    data_dir = Path(tmp_path_factory.mktemp("fund-api"))
    components = build(Settings(data_dir=data_dir, api_key=KEY), runner=True, gateway=False)
    server = TestServer(create_app(web_services(components)))
    await server.start_server(access_log=None)
    assert components.runner is not None
    projecting = asyncio.create_task(components.runner.run())
    session = ClientSession(base_url=str(server.make_url("/")))
    admin = Client(session, KEY)
    out: dict[str, Any] = {"admin": admin}
    try:
        status, fund = await admin.call(
            "POST",
            "/api/funds",
            {
                "id": str(uuid4()),
                "name": "Dana Mogok",
                "unit_kind": "confederation",
                "threshold": 5_000_000,
            },
        )
        assert status == 201, fund
        out["fund"] = fund["id"]
        for name, role in (
            ("treasurer", Role("treasurer", fund_id=fund["id"])),
            ("officer", Role("officer")),
        ):
            phone = f"0857{uuid4().int % 10**8:08d}"
            _, person = await admin.call(
                "POST", "/api/people", {"name": name, "phone": phone, "password": PASSWORD}
            )
            await admin.call("POST", f"/api/people/{person['id']}/roles", role.as_dict())
            _, signed = await admin.call(
                "POST", "/api/session", {"login": phone, "password": PASSWORD}
            )
            out[name] = Client(session, signed["token"])
        yield out
    finally:
        await session.close()
        projecting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await projecting
        await server.close()
        await asyncio.get_running_loop().shutdown_default_executor()
        components.close()


def contribution(**overrides: Any) -> dict[str, Any]:
    return {
        "id": str(uuid4()),
        "source": "affiliate",
        "payer": "FSPMI",
        "channel": "transfer",
        "reference": "TRX-7",
        "amount": 1_000_000,
        "income_account": "income:strike",
        "asset_account": "bank",
        "effective_date": "2026-11-02",
        **overrides,
    }


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
    treasurer, fund = clients["treasurer"], clients["fund"]
    _, before = await treasurer.call("GET", f"/api/funds/{fund}")
    body = contribution(**{field: value})
    status, problem = await treasurer.call("POST", f"/api/funds/{fund}/contributions", body)
    _, english = await treasurer.call("POST", f"/api/funds/{fund}/contributions", body, lang="en")
    assert status == 422 and problem["field"] == field and english["field"] == field
    assert problem["title"] != english["title"]
    _, after = await treasurer.call("GET", f"/api/funds/{fund}")
    assert after["version"] == before["version"]


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
