"""The notices' HTTP API on a real server (SQLite files, no runner needed: notices are read
from their aggregates): bad input is a 4xx naming the field in id and en with nothing written,
a refusal is a 409 listing the findings, the PDF and the evidence bundle download."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from core.notices import MAX_ATTACHMENT
from posko.bootstrap import build, web_services
from posko.settings import Settings
from web.app import create_app

KEY = "n" * 32
AUTH = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[ClientSession]:
    components = build(
        Settings(data_dir=tmp_path, api_key=KEY, letterhead_name="Serikat Contoh"),
        runner=False,
        gateway=False,
    )
    server = TestServer(create_app(web_services(components)))
    await server.start_server(access_log=None)
    session = ClientSession(base_url=str(server.make_url("/")), headers=AUTH)
    try:
        yield session
    finally:
        await session.close()
        await server.close()
        components.close()


async def call(
    client: ClientSession, method: str, path: str, body: Any = None, **headers: str
) -> tuple[int, Any, str]:
    data = None if body is None else json.dumps(body)
    sent = {"Content-Type": "application/json", **headers}
    async with client.request(method, path, data=data, headers=sent) as response:
        raw = await response.read()
        if "json" in response.content_type:
            return response.status, json.loads(raw), response.content_type
        return response.status, raw, response.content_type


async def strike_action(client: ClientSession, days: int) -> str:
    starts = datetime.now(UTC) + timedelta(days=days)
    status, body, _ = await call(
        client,
        "POST",
        "/api/actions",
        {
            "title": "Mogok",
            "kind": "strike",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=8)).isoformat(),
        },
    )
    assert status == 201, body
    return str(body["id"])


async def test_bad_input_is_a_422_naming_the_field_and_writes_nothing(
    client: ClientSession,
) -> None:
    action = await strike_action(client, 30)
    affiliate = "6f1c1a52-3f3c-4f86-9d55-0e0b7f0f7c11"
    for fields, field in (
        ({"starts_at": "besok"}, "starts_at"),
        ({"signatories": [{"union": "X", "bos": "Y"}]}, "signatories[0].bos"),
        ({"week": 7}, "week"),
        ({"colour": "red"}, "colour"),
    ):
        body = {"kind": "strike", "affiliate_id": affiliate, "fields": fields}
        status, problem, ctype = await call(client, "POST", f"/api/actions/{action}/notices", body)
        assert (status, ctype, problem["field"]) == (422, "application/problem+json", field)
    status, problem, _ = await call(
        client,
        "POST",
        f"/api/actions/{action}/notices",
        {"kind": "strike", "affiliate_id": affiliate, "fields": {"week": 7}},
        **{"Accept-Language": "en"},
    )
    assert problem["title"] == "Field week must be one of: 5, 6."
    status, problem, _ = await call(
        client, "POST", f"/api/actions/{action}/notices", {"kind": "strike", "fields": {}}
    )
    assert (status, problem["field"]) == (422, "affiliate_id")
    status, listing, _ = await call(client, "GET", f"/api/actions/{action}/notices")
    assert (status, listing) == (200, {"notices": []})


async def test_a_refusal_lists_its_findings_and_the_pdf_downloads(client: ClientSession) -> None:
    action = await strike_action(client, 3)  # far too close for 7 working days
    body = {
        "kind": "strike",
        "affiliate_id": "6f1c1a52-3f3c-4f86-9d55-0e0b7f0f7c11",
        "fields": {"employer_name": "PT Contoh", "disnaker_name": "Disnaker Kota Bekasi"},
    }
    status, created, _ = await call(client, "POST", f"/api/actions/{action}/notices", body)
    assert status == 201, created
    notice = created["id"]
    status, problem, _ = await call(client, "POST", f"/api/notices/{notice}/ready", {})
    assert (status, problem["code"]) == (409, "notice_refused")
    refused = {f["code"] for f in problem["params"]["findings"]}
    assert refused == {"missing_content", "too_close"}
    status, report, _ = await call(
        client, "GET", f"/api/notices/{notice}", **{"Accept-Language": "en"}
    )
    assert status == 200 and report["status"] == "draft"
    assert report["rules"]["version"] == "2026.1"
    [too_close] = [f for f in report["findings"] if f["code"] == "too_close"]
    assert too_close["title"].startswith("Too close: the strike may start")
    assert "UU 13/2003 Pasal 140 ayat (1)" in too_close["title"]
    status, html, ctype = await call(client, "GET", f"/api/notices/{notice}/html")
    assert (status, ctype) == (200, "text/html")
    assert b"SERIKAT CONTOH" in html and b"Pemberitahuan Mogok Kerja" in html
    status, pdf, ctype = await call(client, "GET", f"/api/notices/{notice}/pdf")
    assert (status, ctype) == (200, "application/pdf") and pdf.startswith(b"%PDF-")


async def test_uploads_are_checked_and_evidence_bundles_carry_the_head(
    client: ClientSession,
) -> None:
    action = await strike_action(client, 30)
    url = f"/api/actions/{action}/attachments?filename=tt.jpg"
    async with client.post(url, data=b"x", headers={"Content-Type": "text/plain"}) as response:
        assert (response.status, (await response.json())["field"]) == (422, "media_type")
    too_big = b"\xff" * (MAX_ATTACHMENT + 1)
    async with client.post(url, data=too_big, headers={"Content-Type": "image/jpeg"}) as response:
        assert (response.status, (await response.json())["code"]) == (422, "too_large")
    photo = b"\xff\xd8" + os.urandom(900_000)  # larger than the app's JSON body limit
    async with client.post(url, data=photo, headers={"Content-Type": "image/jpeg"}) as response:
        assert response.status == 201
        scan = (await response.json())["id"]
    entry = {
        "id": "0b7c8a2e-9d44-4f7e-a3c1-5d2f6e8b9a01",
        "kind": "summons",
        "category": "first",
        "occurred_at": "2026-07-21T09:00:00+07:00",
        "received_on": "2026-07-21",
        "description": "Surat panggilan kerja pertama",
        "attachment_ids": [scan],
    }
    bad = {**entry, "attachment_ids": [scan, 7]}
    status, body, _ = await call(client, "POST", f"/api/actions/{action}/evidence", bad)
    assert (status, body["field"]) == (422, "attachment_ids[1]")
    status, body, _ = await call(client, "POST", f"/api/actions/{action}/evidence", entry)
    assert status == 201, body
    status, body, _ = await call(client, "POST", f"/api/actions/{action}/evidence", entry)
    assert status == 200  # a resend
    status, log, _ = await call(client, "GET", f"/api/actions/{action}/evidence")
    assert (log["count"], log["intact"]) == (1, True)
    assert log["entries"][0]["deadline"]["answer_by"] == "2026-07-28"
    async with client.get(f"/api/actions/{action}/evidence/bundle.zip") as response:
        assert response.status == 200
        assert response.headers["X-Evidence-Head"] == log["head"]
        assert (await response.read()).startswith(b"PK")
    async with client.get(f"/api/attachments/{scan}") as response:
        assert (response.status, await response.read()) == (200, photo)
