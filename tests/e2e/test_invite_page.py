"""The invite flow on a phone-sized headless Chromium against a real `posko serve`: a coordinator
creates an invite over the API, the phone opens /i/<code>, gives a name, lands on the field page
(/lapor) with the action and site, and its cookie session files a report from the page. And
the sign-in and admin pages on a laptop. No page may break its Content-Security-Policy."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from playwright.sync_api import ConsoleMessage, Page, expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.process import Server

PASSWORD = "kata-sandi-koordinator"


def plan(server: Server) -> tuple[str, str]:
    now = datetime.now(UTC)
    status, action = server.request(
        "POST",
        "/api/actions",
        {
            "title": "Aksi Tolak Upah Murah",
            "kind": "rally",
            "starts_at": now.isoformat(),
            "ends_at": (now + timedelta(hours=6)).isoformat(),
        },
    )
    assert status == 201
    status, site = server.request(
        "POST",
        f"/api/actions/{action['id']}/sites",
        {"name": "Bekasi - Kawasan Jababeka", "lat": -6.2875, "lon": 107.1567, "target": 4000},
    )
    assert status == 201
    return action["id"], site["id"]


def person(server: Server, phone: str, role: dict[str, str]) -> str:
    status, created = server.request(
        "POST", "/api/people", {"name": "Koordinator", "phone": phone, "password": PASSWORD}
    )
    assert status == 201, created
    status, _ = server.request("POST", f"/api/people/{created['id']}/roles", role)
    assert status == 201
    return str(created["id"])


def csp_violations(page: Page) -> list[str]:
    """The page's Content-Security-Policy violations (Chromium reports them on the console),
    collected from now on."""
    found: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            found.append(message.text)

    page.on("console", on_console)
    return found


def test_a_korlap_joins_from_an_invite_link_on_a_phone(server: Server, phone: Page) -> None:
    action_id, site_id = plan(server)
    person(server, "0812-7000-8000", {"name": "coordinator", "action_id": action_id})
    status, signed_in = server.request(
        "POST", "/api/session", {"login": "081270008000", "password": PASSWORD}, token=None
    )
    assert status == 201
    status, invite = server.request(
        "POST",
        f"/api/actions/{action_id}/invites",
        {"label": "Korlap Jababeka", "site_id": site_id},
        token=signed_in["token"],
    )
    assert status == 201
    violations = csp_violations(phone)

    phone.goto(server.http + invite["url"])
    expect(phone.locator("#join-form")).to_be_visible()
    phone.fill("#name", "Sri Rahayu")
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "invite-page.png"), full_page=True)
    phone.locator("#join-form button").tap()

    expect(phone).to_have_url(server.http + "/lapor")  # on to reporting from the field
    expect(phone.locator("#action-title")).to_have_text("Aksi Tolak Upah Murah")
    expect(phone.locator("#site-name")).to_have_text("Bekasi - Kawasan Jababeka")
    phone.go_back()  # the code left the history: back is where the link came from
    assert invite["code"] not in phone.url
    phone.go_forward()

    filed: dict[str, Any] = phone.evaluate(
        """async ([actionId, siteId, reportId]) => {
            const me = await (await fetch("/api/session")).json();
            const response = await fetch(`/api/actions/${actionId}/reports`, {
                method: "POST",
                headers: {"Content-Type": "application/json", "X-CSRF-Token": me.csrf_token},
                body: JSON.stringify({id: reportId, site_id: siteId, kind: "headcount",
                                      headcount: 1500, at: new Date().toISOString()}),
            });
            return {status: response.status, actor: me.actor, roles: me.roles};
        }""",
        [action_id, site_id, str(uuid.uuid4())],
    )
    assert filed["status"] == 201
    assert filed["actor"].startswith("invite:")
    assert filed["roles"] == [{"name": "organiser", "action_id": action_id, "site_id": site_id}]

    phone.reload()  # the session outlives a reload
    expect(phone.locator("#action-title")).to_have_text("Aksi Tolak Upah Murah")
    expect(phone.locator("#site-name")).to_have_text("Bekasi - Kawasan Jababeka")
    assert violations == []


def test_a_revoked_invite_link_says_so_in_the_korlaps_language(server: Server, phone: Page) -> None:
    action_id, _ = plan(server)
    status, invite = server.request(
        "POST", f"/api/actions/{action_id}/invites", {"label": "Korlap"}
    )
    assert status == 201
    status, _ = server.request("POST", f"/api/invites/{invite['id']}/revoke")
    assert status == 201
    violations = csp_violations(phone)

    phone.goto(server.http + invite["url"] + "?lang=en")
    phone.fill("#name", "Joko")
    phone.locator("#join-form button").tap()

    expect(phone.locator("#error")).to_contain_text("no longer works")
    expect(phone.locator("#joined")).to_be_hidden()
    assert violations == []


def test_an_admin_signs_in_and_manages_invites_on_the_admin_page(
    server: Server, page: Page
) -> None:
    action_id, _ = plan(server)
    person(server, "0812-5000-6000", {"name": "admin"})
    violations = csp_violations(page)

    page.goto(server.http + "/admin")
    expect(page).to_have_url(server.http + "/masuk?next=%2Fadmin")
    page.fill("#login", "0812-5000-6000")
    page.fill("#password", "wrong-password!")
    page.click("#signin-form button")
    expect(page.locator("#error")).to_have_text("Nomor telepon/email atau kata sandi salah.")
    page.fill("#password", PASSWORD)
    page.click("#signin-form button")

    expect(page).to_have_url(server.http + "/admin")
    expect(page.locator("#me")).to_contain_text("Koordinator")
    expect(page.locator("#people tbody tr")).to_have_count(1)
    expect(page.locator("#sessions tbody tr")).to_have_count(1)
    page.fill("#invite-label", "Korlap Jababeka")
    page.click("#invite-form button")
    link = page.locator("#new-invite-url")
    expect(link).to_have_value(re.compile(rf"^{server.http}/i/[A-Za-z0-9_-]{{12}}$"))
    row = page.locator("#invites tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(1)).to_have_text("aktif")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "admin-page.png"), full_page=True)
    row.locator("button").click()
    expect(row.locator("td").nth(1)).to_have_text("dicabut")
    status, listed = server.request("GET", f"/api/actions/{action_id}/invites")
    assert status == 200
    assert [i["status"] for i in listed["invites"]] == ["revoked"]

    page.click("#sign-out")
    expect(page).to_have_url(server.http + "/masuk")
    assert violations == []


def test_a_signed_in_coordinator_watches_the_live_page_without_the_key(
    server: Server, page: Page
) -> None:
    action_id, _ = plan(server)
    person(server, "0812-9000-1000", {"name": "coordinator", "action_id": action_id})
    violations = csp_violations(page)

    page.goto(server.http + "/masuk?next=/")
    page.fill("#login", "+62 812 9000 1000")
    page.fill("#password", PASSWORD)
    page.click("#signin-form button")

    expect(page).to_have_url(server.http + "/")
    expect(page.locator("#connection")).to_have_text("tersambung")  # the cookie on the socket
    expect(page.locator("#me")).to_have_text("Masuk sebagai Koordinator")
    expect(page.locator("#signin")).to_be_hidden()
    expect(page.locator("#actions tbody tr")).to_have_count(1)  # their action only
    assert violations == []
