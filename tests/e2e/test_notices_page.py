"""An officer's strike notice in a real Chromium against a real `posko serve`: the officer drafts
the notice for a strike action, sees it refused because the start is too close (counted in
working days), fixes the date, marks it ready and sent, records both receipts with a photo;
the coordinators' dashboard then shows the notice as sent and received, the countdown, and the
warning that the action's own start is earlier than the earliest lawful day."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

from playwright.sync_api import ConsoleMessage, Page, Response, expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.process import Server

PASSWORD = "kata-sandi-serikat-2026"
OFFICER = "0812-2222-0001"
COORDINATOR = "0812-2222-0002"
WIB = timezone(timedelta(hours=7))
PHOTO = b"\xff\xd8\xff\xe0 foto tanda terima"


def must(server: Server, method: str, path: str, body: Any = None) -> Any:
    status, answer = server.request(method, path, body)
    assert status in (200, 201), (method, path, status, answer)
    return answer


def person(server: Server, name: str, phone: str, role: dict[str, str]) -> None:
    who = must(server, "POST", "/api/people", {"name": name, "phone": phone, "password": PASSWORD})
    must(server, "POST", f"/api/people/{who['id']}/roles", role)


def sign_in(page: Page, server: Server, phone: str, next_path: str) -> None:
    page.goto(f"{server.http}/masuk?next={next_path}")
    page.fill("#login", phone)
    page.fill("#password", PASSWORD)
    page.click("#signin-form button")
    page.wait_for_url(lambda url: "/masuk" not in url)


def console_errors(page: Page) -> list[str]:
    found: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # An answered 4xx (the refusal's 409) is logged by Chromium as "Failed to load
        # resource"; the responses are checked below instead.
        if message.type == "error" and "Failed to load resource" not in message.text:
            found.append(message.text)

    def on_response(response: Response) -> None:
        expected = response.status == 409 and response.url.endswith("/ready")
        if response.status >= 400 and not expected and not response.url.endswith("favicon.ico"):
            found.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("response", on_response)
    page.on("pageerror", lambda error: found.append(str(error)))
    return found


def test_an_officer_gives_strike_notice_and_the_dashboard_counts_down(
    server: Server, page: Page
) -> None:
    today = datetime.now(WIB).date()
    starts = datetime.combine(today + timedelta(days=3), datetime.min.time(), WIB) + timedelta(
        hours=8
    )
    action = must(
        server,
        "POST",
        "/api/actions",
        {
            "title": "Mogok PT Contoh",
            "kind": "strike",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=8)).isoformat(),
            "demands": ["Bayar upah sesuai UMK"],
        },
    )["id"]
    union = must(server, "POST", "/api/affiliates", {"name": "PUK SP Contoh"})["id"]
    person(server, "Budi Pengurus", OFFICER, {"name": "officer", "affiliate_id": union})
    person(server, "Rina Satgas", COORDINATOR, {"name": "coordinator"})

    errors = console_errors(page)
    sign_in(page, server, OFFICER, f"/surat?action={action}")

    # Draft: the times come from the action (three days away), the rest the officer types.
    page.click("button[value=strike]")
    expect(page.locator("#notice-status")).to_have_text("draf")
    page.fill("#f-employer_name", "PT Contoh Manufaktur")
    page.fill("#f-employer_address", "Jl. Industri 1, Cikarang")
    page.fill("#f-disnaker_name", "Dinas Tenaga Kerja Kabupaten Bekasi")
    page.fill("#f-place", "Halaman parkir, tanpa menghalangi pekerja lain")
    page.fill("#f-sig-union", "PUK SP Contoh")
    page.fill("#f-sig-chair", "Budi")
    page.fill("#f-sig-secretary", "Siti")
    page.fill("#f-city", "Bekasi")
    page.click("#fields button[type=submit]")
    expect(page.locator("#saved")).to_be_visible()

    # Refused: three calendar days are far fewer than seven full working days.
    page.click("#mark-ready")
    refusal = page.locator('#refusals li[data-code="too_close"]')
    expect(refusal).to_be_visible()
    expect(refusal).to_contain_text("Pasal 140")
    expect(page.locator("#notice-error")).to_contain_text("belum dapat ditandai siap")
    expect(page.locator("#notice-status")).to_have_text("draf")

    # Fixed: five weeks away.
    later = (today + timedelta(days=35)).isoformat()
    page.fill("#f-starts_at", f"{later}T08:00")
    page.fill("#f-ends_at", f"{later}T16:00")
    page.click("#fields button[type=submit]")
    expect(page.locator('#findings li[data-code="too_close"]')).to_have_count(0)
    page.click("#mark-ready")
    expect(page.locator("#notice-status")).to_have_text("siap")

    page.fill("#sent-on", today.isoformat())
    page.click("#mark-sent")
    expect(page.locator("#notice-status")).to_have_text("terkirim")

    for recipient, who in (("employer", "HRD PT Contoh"), ("disnaker", "Loket Disnaker")):
        page.select_option("#recipient", recipient)
        page.fill("#received", today.isoformat())
        page.fill("#received-by", who)
        page.set_input_files(
            "#scan", files=[{"name": "tanda-terima.jpg", "mimeType": "image/jpeg", "buffer": PHOTO}]
        )
        page.click("#record-receipt")
        expect(page.locator(f'#receipts tr[data-recipient="{recipient}"]')).to_contain_text(who)
    expect(page.locator("#countdown")).to_contain_text("Mogok dimulai")
    assert errors == []
    page.screenshot(path=str(ARTIFACTS / "notices-page.png"), full_page=True)

    # The printable letter is styled by its own stylesheet (the CSP refuses inline styles).
    page.goto(server.http + (page.locator("#print-link").get_attribute("href") or ""))
    kop = page.locator("header.kop")
    expect(kop).to_contain_text("SATGAS AKSI GABUNGAN")
    assert kop.evaluate("e => getComputedStyle(e).borderBottomStyle") == "double"
    assert errors == []

    # The coordinators' dashboard: state, both receipts, the countdown, the moved start.
    coordinator = page.context.browser.new_context(  # type: ignore[union-attr]
        viewport={"width": 1440, "height": 900}, locale="id-ID", timezone_id="Asia/Jakarta"
    )
    try:
        board = coordinator.new_page()
        board_errors = console_errors(board)
        sign_in(board, server, COORDINATOR, "/")
        board.goto(f"{server.http}/#{action}")
        notice = board.locator("#dash-notices li.notice")
        expect(notice).to_have_count(1)
        expect(notice.locator("a")).to_have_text("Surat pemberitahuan mogok kerja · terkirim")
        expect(notice.locator(".receipts")).to_contain_text("HRD PT Contoh")
        expect(notice.locator(".receipts")).to_contain_text("Loket Disnaker")
        countdown = notice.locator(".countdown")
        expect(countdown).to_contain_text("Mogok dimulai")
        expect(countdown).to_contain_text(re.compile(r"sisa 3[45] hari \d\d:\d\d:\d\d"))
        first = countdown.text_content()
        expect(countdown).not_to_have_text(first or "")  # it ticks
        board.screenshot(path=str(ARTIFACTS / "notices-dashboard.png"))
        warning = notice.locator('li[data-code="action_start_before_deadline"]')
        expect(warning).to_be_visible()
        assert board_errors == []
    finally:
        coordinator.close()
