"""The /kas ledger a page at a time, in a real Chromium against a real `posko serve`: a filter
asks the server, the first page holds the newest matching entries, "load more" brings the rest
once each, and an entry posted meanwhile still shows up live."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from tests.e2e.process import Server
from tests.e2e.test_fund_pages import PASSWORD, person, sign_in
from tests.e2e.test_invite_page import csp_violations

PAGE = 50  # web/static/kas.js LEDGER_PAGE


def contribute(server: Server, fund: str, token: str, reference: str) -> None:
    body = {
        "id": str(uuid.uuid4()),
        "source": "member",
        "payer": "Anggota PUK",
        "channel": "cash",
        "reference": reference,
        "amount": 10_000,
        "income_account": "income:solidarity",
        "asset_account": "cash",
        "effective_date": datetime.now(UTC).date().isoformat(),
    }
    status, reply = server.request("POST", f"/api/funds/{fund}/contributions", body, token=token)
    assert status == 201, reply


def test_the_ledger_filters_on_the_server_loads_more_and_stays_live(
    server: Server, page: Page
) -> None:
    fund = str(uuid.uuid4())
    status, _ = server.request(
        "POST",
        "/api/funds",
        {"id": fund, "name": "Dana Mogok", "unit_kind": "confederation", "threshold": 10**9},
    )
    assert status == 201
    person(server, "Bendahara", "0812-3333-0001", {"name": "treasurer", "fund_id": fund})
    status, session = server.request(
        "POST", "/api/session", {"login": "081233330001", "password": PASSWORD}, token=None
    )
    assert status == 201, session
    token = session["token"]
    for n in range(PAGE + 5):
        contribute(server, fund, token, f"BUS-{n:03d}")
    for n in range(3):
        contribute(server, fund, token, f"KAOS-{n}")

    violations = csp_violations(page)
    sign_in(page, server, "081233330001")
    expect(page.locator("#connection")).to_have_text("tersambung")
    rows = page.locator("#ledger tbody tr")
    expect(rows).to_have_count(PAGE + 8)  # the channel's snapshot brings the latest ones

    page.fill("#f-q", "bus")
    page.click("#ledger-filter button")
    expect(rows).to_have_count(PAGE)  # the newest page of the matching ones
    expect(rows.first).to_contain_text("BUS-054")
    more = page.locator("#ledger-more")
    expect(more).to_be_visible()
    more.click()
    expect(rows).to_have_count(PAGE + 5)
    expect(rows.last).to_contain_text("BUS-000")
    expect(more).to_be_hidden()

    contribute(server, fund, token, "BUS-LIVE")  # matches: shows up live, on top
    contribute(server, fund, token, "KAOS-LIVE")  # does not match the filter: not shown
    expect(rows).to_have_count(PAGE + 6)
    expect(rows.first).to_contain_text("BUS-LIVE")
    assert violations == []


def test_a_treasurer_links_the_fund_to_an_action_and_unlinks_it(server: Server, page: Page) -> None:
    fund = str(uuid.uuid4())
    status, _ = server.request(
        "POST",
        "/api/funds",
        {"id": fund, "name": "Dana Mogok", "unit_kind": "confederation", "threshold": 10**9},
    )
    assert status == 201
    now = datetime.now(UTC)
    status, action = server.request(
        "POST",
        "/api/actions",
        {
            "title": "Aksi Hari Buruh",
            "kind": "rally",
            "starts_at": now.isoformat(),
            "ends_at": (now + timedelta(hours=4)).isoformat(),
        },
    )
    assert status == 201, action
    person(server, "Bendahara", "0812-3333-0002", {"name": "treasurer", "fund_id": fund})

    violations = csp_violations(page)
    sign_in(page, server, "081233330002")
    expect(page.locator("#links-empty")).to_be_visible()
    page.fill("#link-action", action["id"])
    page.click("#link-form button")
    linked = page.locator(f'#links li[data-action="{action["id"]}"]')
    expect(linked).to_contain_text("Aksi Hari Buruh")
    status, listed = server.request("GET", f"/api/actions/{action['id']}/funds")
    assert status == 200 and [f["fund_id"] for f in listed["funds"]] == [fund]
    linked.get_by_role("button", name="Putuskan").click()
    expect(linked).to_have_count(0)
    expect(page.locator("#links-empty")).to_be_visible()
    assert violations == []
