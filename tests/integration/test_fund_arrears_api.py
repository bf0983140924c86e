"""Dues arrears per affiliate over HTTP against a real server, SQLite store and projection runner:
declarations recorded once and refused (naming the field, in both languages, writing nothing)
when malformed or in a closed period; arrears from the dues the ledger records, reversals
included; members see totals only; the CSV export; the period report's section, frozen at
close."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import pytest
import pytest_asyncio

from core.access import Role
from tests.integration.fund_server import (
    Client,
    FundServer,
    fund_server,
    refused_writing_nothing,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

UMK = 5_000_000
RULE = {
    "rate_bp": 100,
    "base": "umk",
    "rounding": "floor",
    "split": {"dpp": 4500, "puk": 5500},
    "own_level": "dpp",
}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def clients(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[dict[str, Any]]:
    async with fund_server(tmp_path_factory.mktemp("fund-arrears-api")) as server:
        fund = await server.open_fund(threshold=5_000_000)
        treasurer = await server.sign_in("treasurer", Role("treasurer", fund_id=fund))
        yield {"server": server, "admin": server.admin, "fund": fund, "treasurer": treasurer}


def declaration(**overrides: Any) -> dict[str, Any]:
    return {
        "affiliate": "FSPMI",
        "effective_from": "2026-07",
        "members": 10,
        "base_amount": UMK,
        **overrides,
    }


async def dues(treasurer: Client, fund: str, payer: str, month: str, day: str) -> str:
    body = {
        "id": str(uuid4()),
        "payer": payer,
        "month": month,
        "base_amount": 10 * UMK,  # ten members on the UMK: 500 000
        "channel": "transfer",
        "asset_account": "bank",
        "effective_date": day,
    }
    status, reply = await treasurer.call("POST", f"/api/funds/{fund}/dues", body)
    assert status == 201, reply
    return str(reply["id"])


async def test_a_declaration_is_recorded_once_and_another_for_its_month_replaces_it(
    clients: dict[str, Any],
) -> None:
    treasurer, fund = clients["treasurer"], clients["fund"]
    assert (await treasurer.call("PUT", f"/api/funds/{fund}/dues-rule", RULE))[0] in (200, 201)
    path = f"/api/funds/{fund}/memberships"
    body = declaration(affiliate="SPN")
    first, reply = await treasurer.call("POST", path, body)
    again, second = await treasurer.call("POST", path, body)
    assert (first, again) == (201, 200) and second["id"] == reply["id"]
    _, before = await treasurer.call("GET", f"/api/funds/{fund}")
    assert (await treasurer.call("POST", path, {**body, "members": 12}))[0] == 201
    _, after = await treasurer.call("GET", f"/api/funds/{fund}")
    assert after["version"] == before["version"] + 1
    _, answer = await treasurer.call("GET", f"/api/funds/{fund}/arrears?as_of=2026-08-01")
    (spn,) = [a for a in answer["affiliates"] if a["affiliate"] == "SPN"]
    assert (spn["members"], spn["due"]) == (12, 600_000)
    assert spn["declarations"] == [
        {"from": "2026-07", "members": 10, "base_amount": UMK},
        {"from": "2026-07", "members": 12, "base_amount": UMK},
    ]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("members", -1),
        ("members", 1.5),
        ("members", "10"),
        ("members", True),
        ("base_amount", 0),
        ("base_amount", 2.5),
        ("effective_from", "2026-13"),
        ("effective_from", "Juli"),
        ("affiliate", "   "),
    ],
)
async def test_a_bad_declaration_is_a_422_naming_the_field_in_both_languages_writing_nothing(
    clients: dict[str, Any], field: str, value: Any
) -> None:
    fund = clients["fund"]
    path, body = f"/api/funds/{fund}/memberships", declaration(**{field: value})
    await refused_writing_nothing(clients["treasurer"], fund, path, body, field)


async def test_arrears_from_the_dues_recorded_with_reversals_totals_for_members_and_csv(
    clients: dict[str, Any],
) -> None:
    treasurer, fund = clients["treasurer"], clients["fund"]
    assert (await treasurer.call("PUT", f"/api/funds/{fund}/dues-rule", RULE))[0] in (200, 201)
    for name in ("FSPMI", "KSPSI Tangerang"):
        status, _ = await treasurer.call(
            "POST", f"/api/funds/{fund}/memberships", declaration(affiliate=name)
        )
        assert status == 201
    for month in ("2026-07", "2026-08", "2026-09", "2026-10"):
        await dues(treasurer, fund, "FSPMI", month, f"{month}-25")
    await dues(treasurer, fund, "kspsi  tangerang", "2026-07", "2026-08-05")  # name as typed
    wrong = await dues(treasurer, fund, "KSPSI Tangerang", "2026-08", "2026-09-05")
    reversal = {"id": str(uuid4()), "reason": "Salah catat", "effective_date": "2026-09-06"}
    status, _ = await treasurer.call("POST", f"/api/funds/{fund}/entries/{wrong}/reverse", reversal)
    assert status == 201

    status, answer = await treasurer.call("GET", f"/api/funds/{fund}/arrears?as_of=2026-11-01")
    assert status == 200 and answer["through"] == "2026-10"
    lines = {a["affiliate"]: a for a in answer["affiliates"]}
    order = [a["affiliate"] for a in answer["affiliates"]]
    assert order == ["SPN", "KSPSI Tangerang", "FSPMI"]  # most in arrears first
    kspsi, fspmi = lines["KSPSI Tangerang"], lines["FSPMI"]
    assert (fspmi["due"], fspmi["paid"], fspmi["arrears"], fspmi["behind"]) == (
        2_000_000,
        2_000_000,
        0,
        [],
    )
    assert kspsi["behind"] == ["2026-08", "2026-09", "2026-10"]  # August's dues were reversed
    assert (kspsi["arrears"], kspsi["months_behind"], kspsi["last_payment"]) == (
        1_500_000,
        3,
        "2026-08-05",
    )
    _, earlier = await treasurer.call("GET", f"/api/funds/{fund}/arrears?as_of=2026-09-05")
    assert {a["affiliate"]: a for a in earlier["affiliates"]}["KSPSI Tangerang"]["arrears"] == 0

    server: FundServer = clients["server"]
    member = await server.sign_in("Anggota", Role("member"))
    status, seen = await member.call("GET", f"/api/funds/{fund}/arrears?as_of=2026-11-01")
    assert status == 200
    by_member = {a["affiliate"]: a for a in seen["affiliates"]}
    assert by_member["KSPSI Tangerang"] == {
        "affiliate": "KSPSI Tangerang",
        "declared": True,
        "due": 2_000_000,
        "paid": 500_000,
        "arrears": 1_500_000,
        "credit": 0,
        "months_behind": 3,
    }
    status, problem = await treasurer.call("GET", f"/api/funds/{fund}/arrears?as_of=besok")
    assert (status, problem["field"]) == (422, "as_of")

    status, text = await treasurer.call(
        "GET", f"/api/funds/{fund}/export/arrears.csv?as_of=2026-11-01"
    )
    rows = {row["affiliate"]: row for row in csv.DictReader(io.StringIO(text))}
    assert status == 200
    assert rows["KSPSI Tangerang"]["behind"] == "2026-08 2026-09 2026-10"
    assert (rows["FSPMI"]["arrears"], rows["FSPMI"]["as_of"]) == ("0", "2026-11-01")


async def test_the_period_report_carries_arrears_frozen_when_the_period_closes(
    clients: dict[str, Any],
) -> None:
    """A fund whose rule is set only after the period closed: the rule reaches back (it is the
    fund's first), so today's arithmetic for June would differ; the closed report does not."""
    admin = clients["admin"]
    opened = {"id": str(uuid4()), "name": "Dana", "unit_kind": "confederation", "threshold": 1}
    status, fund_reply = await admin.call("POST", "/api/funds", opened)
    assert status == 201
    fund = fund_reply["id"]
    path = f"/api/funds/{fund}/memberships"
    spsi = declaration(affiliate="SPSI", effective_from="2026-05")
    assert (await admin.call("POST", path, spsi))[0] == 201
    report_path = f"/api/funds/{fund}/periods/2026-H1/report"
    _, open_report = await admin.call("GET", report_path)
    assert open_report["arrears"]["frozen"] is False
    assert open_report["arrears"]["through"] == "2026-06"
    assert (await admin.call("POST", f"/api/funds/{fund}/periods/2026-H1/close"))[0] == 201
    _, closed = await admin.call("GET", report_path)
    assert closed["arrears"]["frozen"] is True and closed["arrears"]["rule"] is False
    assert closed["arrears"]["affiliates"][0]["due"] == 0  # no rule yet: nothing was due

    assert (await admin.call("PUT", f"/api/funds/{fund}/dues-rule", RULE))[0] == 201
    await dues(admin, fund, "SPSI", "2026-05", "2026-07-02")
    assert (await admin.call("POST", path, declaration(affiliate="SPSI", members=99)))[0] == 201
    _, later = await admin.call("GET", report_path)
    assert later["arrears"] == closed["arrears"]
    _, live = await admin.call("GET", f"/api/funds/{fund}/arrears?as_of=2026-06-30")
    assert live["affiliates"][0]["behind"] == ["2026-05", "2026-06"]  # the rule reaches back
    status, problem = await admin.call("POST", path, {**spsi, "members": 1})
    assert (status, problem["code"], problem["field"]) == (409, "period_closed", "effective_from")
    _, now = await admin.call("GET", f"/api/funds/{fund}/arrears?as_of=2026-07-31")
    (line,) = now["affiliates"]
    assert line["behind"] == ["2026-06", "2026-07"]  # May paid; July at 99 members
    assert line["arrears"] == 500_000 + 99 * 50_000
