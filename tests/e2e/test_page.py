"""The dashboard in a real Chromium, signed in with the API key (the fallback for machines):
a site's headcount changes on screen when a report is posted over HTTP, without a reload."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.process import API_KEY, Server

NO_COUNT = "\u2013"  # the label of a site with no headcount yet (an en dash)


def test_the_page_shows_a_new_headcount_without_reload(server: Server, page: Page) -> None:
    now = datetime.now(UTC)
    status, action = server.request(
        "POST",
        "/api/actions",
        {
            "title": "Aksi di layar",
            "kind": "rally",
            "starts_at": now.isoformat(),
            "ends_at": (now + timedelta(hours=4)).isoformat(),
        },
    )
    assert status == 201
    status, site = server.request(
        "POST",
        f"/api/actions/{action['id']}/sites",
        {"name": "Surabaya - Grahadi", "lat": -7.2625, "lon": 112.7403, "target": 8000},
    )
    assert status == 201

    page.goto(server.http + "/")
    page.fill("#key", API_KEY)
    page.click("#signin button")
    expect(page.locator("#connection")).to_have_text("tersambung")
    label = page.locator(f'.site-label[data-id="{site["id"]}"] .hc')
    expect(label).to_have_text(NO_COUNT)  # no headcount reported yet

    status, _ = server.request(
        "POST",
        f"/api/actions/{action['id']}/reports",
        {
            "id": str(uuid.uuid4()),
            "site_id": site["id"],
            "kind": "headcount",
            "headcount": 5250,
            "at": now.isoformat(),
        },
    )
    assert status == 201
    expect(label).to_have_text("5.250")  # Indonesian grouping, no reload
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "live-page.png"))
