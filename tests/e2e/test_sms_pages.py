"""The SMS road on the pages, in headless Chromium against a real `posko serve`: a korlap with no
data sends a queued headcount by SMS from /lapor (the `sms:` link carries the keyword form and
the item's #ref), the text arrives through the signed webhook, and the later upload of the same
item counts once; on the dashboard the report is marked SMS and a text no keyword fits is filed
by hand from the inbox."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.process import API_KEY, Server
from tests.e2e.test_field_phone import RECEIVED_TIMEOUT, feed_ids, join, plan, site_row

SMS_NUMBER = "+6281100001111"
KORLAP = "+6281299990002"


@pytest.fixture
def sms_server(tmp_path: Path) -> Iterator[tuple[Server, str, str]]:
    done = subprocess.run(
        [sys.executable, "-m", "posko", "sms", "gateway", "add", "--name", "HP posko"],
        env={"POSKO_DATA_DIR": str(tmp_path), "POSKO_API_KEY": API_KEY, "PATH": "/usr/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = dict(line.split(" ", 1) for line in done.stdout.strip().splitlines())
    server = Server(tmp_path, extra_env={"POSKO_SMS_NUMBER": SMS_NUMBER})
    server.start()
    yield server, lines["id"], lines["secret"]
    server.stop()


def relay(server: Server, gateway: str, secret: str, sender: str, text: str) -> dict[str, Any]:
    """What the gateway phone does with a text it receives: sign it and post it."""
    body = json.dumps(
        {
            "message_id": str(uuid.uuid4()),
            "from": sender,
            "text": text,
            "sent_at": datetime.now(UTC).isoformat(),
        }
    ).encode()
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()

    request = urllib.request.Request(server.http + "/api/sms/inbound", data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    request.add_header("X-Posko-Gateway", gateway)
    request.add_header("X-Posko-Signature", "sha256=" + digest)
    with urllib.request.urlopen(request, timeout=10) as response:
        answer: dict[str, Any] = json.loads(response.read())
    return answer


def test_a_queued_headcount_goes_by_sms_and_its_upload_counts_once(
    sms_server: tuple[Server, str, str], phone: Page
) -> None:
    server, gateway, secret = sms_server
    action_id, sites = plan(server)
    jababeka = sites["Bekasi - Kawasan Jababeka"]
    status, invite = server.request(
        "POST",
        f"/api/actions/{action_id}/invites",
        {"label": "Korlap SMS", "site_id": jababeka, "phones": [KORLAP]},
    )
    assert status == 201, invite
    phone.clock.install()  # the page's clock, so two minutes can pass in a moment
    join(server, phone, action_id, jababeka)

    phone.context.set_offline(True)
    phone.locator("a[href='#massa']").tap()
    phone.fill("#headcount", "1500")
    phone.locator("#form-headcount .send").tap()
    item = phone.locator("#outbox li").first
    expect(item).to_have_attribute("data-state", "queued")
    expect(item.locator(".send-sms")).to_have_count(0)  # not before it has waited

    phone.clock.fast_forward("02:10")
    link = item.locator(".send-sms")
    expect(link).to_have_text("Kirim lewat SMS")
    href = link.get_attribute("href")
    assert href is not None
    url = urlsplit(href)
    assert (url.scheme, url.path) == ("sms", SMS_NUMBER)
    text = unquote(url.query.removeprefix("body="))
    match = re.fullmatch(r"JUMLAH 1500 BEK2 #([0-9a-z]{10})", text)
    assert match, text
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "field-phone-sms.png"))
    link.evaluate("a => a.addEventListener('click', (e) => e.preventDefault())")  # no SMS app
    link.click()
    expect(item.locator(".by-sms")).to_have_text("SMS disiapkan")

    answer = relay(server, gateway, secret, KORLAP, text)  # the text reaches the posko
    assert answer["outcome"] == "accepted", answer
    assert answer["report_id"] == item.get_attribute("data-id")

    phone.context.set_offline(False)  # data is back: the phone uploads the same item
    expect(item).to_have_attribute("data-state", "received", timeout=RECEIVED_TIMEOUT)
    assert feed_ids(server, action_id) == {answer["report_id"]: 1}
    assert site_row(server, action_id, jababeka)["reports"] == 1
    _, feed = server.request("GET", f"/api/actions/{action_id}/feed")
    assert feed["items"][0]["via"] == "sms"


def test_the_dashboard_marks_sms_reports_and_files_an_unread_text(
    sms_server: tuple[Server, str, str], page: Page
) -> None:
    server, gateway, secret = sms_server
    action_id, sites = plan(server)
    status, person = server.request("POST", "/api/people", {"name": "Sri", "phone": KORLAP})
    assert status == 201
    role = {"name": "organiser", "action_id": action_id}
    assert server.request("POST", f"/api/people/{person['id']}/roles", role)[0] == 201
    filed = relay(server, gateway, secret, KORLAP, "JUMLAH 700 JAK1")
    assert filed["outcome"] == "accepted", filed
    unread = relay(server, gateway, secret, KORLAP, "tolong 3 orang pingsan di gerbang")
    assert unread["outcome"] == "unparsed"

    page.goto(server.http + "/")
    page.fill("#key", API_KEY)
    page.locator("#signin button[type=submit]").click()
    page.goto(server.http + f"/#{action_id}")
    row = page.locator(f'#feed li[data-id="{filed["report_id"]}"]')
    expect(row.locator(".chip.sms")).to_have_text("SMS")
    expect(page.locator("#sms-number")).to_have_text(SMS_NUMBER)
    expect(page.locator("#sms-codes li")).to_have_count(2)
    message = page.locator(f'#sms-inbox li[data-id="{unread["id"]}"]')
    expect(message.locator(".sms-text")).to_have_text("tolong 3 orang pingsan di gerbang")
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#sms").screenshot(path=str(ARTIFACTS / "dashboard-sms.png"))

    form = message.locator("form")
    form.locator("select[name=type]").select_option("request")
    form.locator("select[name=site]").select_option(sites["Bekasi - Kawasan Jababeka"])
    form.locator("select[name=kind]").select_option("medic")
    form.locator("input[name=count]").fill("3")
    form.locator("button[type=submit]").click()
    expect(page.locator("#sms-inbox li")).to_have_count(0)
    expect(page.locator("#sms-inbox-empty")).to_be_visible()
    _, feed = server.request("GET", f"/api/actions/{action_id}/feed")
    request = next(i for i in feed["items"] if i["type"] == "request")
    assert (request["kind"], request["quantity"], request["via"]) == ("medic", 3, "sms")
    assert request["reporter"] == "api-key"  # who filed it by hand
