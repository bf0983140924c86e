"""What a newcomer sees in Chromium's console: nothing. An anonymous visit and a signed-in visit
of the dashboard, the admin page and the phone page log no errors (no failed request, no
script error), and the browser's own request for /favicon.ico is answered."""

from __future__ import annotations

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.e2e.process import API_KEY, Server
from tests.e2e.test_invite_page import PASSWORD, person

PAGES = ("/", "/admin", "/lapor")


def _errors(page: Page) -> list[str]:
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"{message.text} @ {message.location.get('url')}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
    page.on(
        "response",
        lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    return errors


@pytest.mark.parametrize("path", PAGES)
def test_an_anonymous_visit_logs_no_console_errors(server: Server, page: Page, path: str) -> None:
    errors = _errors(page)

    page.goto(server.http + path)
    page.wait_for_load_state("networkidle")

    assert errors == []


def test_a_signed_in_visit_of_every_page_logs_no_console_errors(server: Server, page: Page) -> None:
    person(server, "0812-5000-6000", {"name": "admin"})
    errors = _errors(page)
    page.goto(server.http + "/masuk?next=/admin")
    page.fill("#login", "0812-5000-6000")
    page.fill("#password", PASSWORD)
    page.click("#signin-form button")
    expect(page).to_have_url(server.http + "/admin")

    for path in PAGES:
        page.goto(server.http + path)
        page.wait_for_load_state("networkidle")

    assert errors == []


def test_the_favicon_is_served(server: Server, page: Page) -> None:
    response = page.request.get(server.http + "/favicon.ico")
    assert response.status == 200
    assert response.body()[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_the_api_key_typed_into_the_dashboard_opens_admin_too(server: Server, page: Page) -> None:
    errors = _errors(page)
    page.goto(server.http + "/")
    page.fill("#key", API_KEY)
    page.click("#signin button")
    expect(page.locator("#connection")).to_have_text("tersambung")

    page.goto(server.http + "/admin")

    expect(page).to_have_url(server.http + "/admin")  # not sent to /masuk
    expect(page.locator("#me")).to_contain_text("api-key")
    expect(page.locator("#people")).to_be_visible()
    assert errors == []
