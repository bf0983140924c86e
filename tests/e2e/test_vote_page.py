"""A strike vote in real Chromium: a member votes on a 360x640 phone from a personal link in two
taps and gets a receipt code; the coordinator's dashboard shows the vote of the action's union
with turnout changing live, then the result; after close the member finds the code in the
published list."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from playwright.sync_api import Page, expect

from core.vote_rules import receipt_hash
from tests.e2e.process import Server

PASSWORD = "kata-sandi-yang-panjang"
COORDINATOR = "081299990001"


def must(server: Server, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
    status, reply = server.request(method, path, body, **({"token": token} if token else {}))
    assert 200 <= status < 300, (status, reply)
    return reply


def test_a_member_votes_on_a_phone_and_the_dashboard_follows(
    server: Server, phone: Page, page: Page
) -> None:
    union = must(server, "POST", "/api/affiliates", {"name": "SPN PT Maju Jaya"})["id"]
    starts = datetime.now(UTC)
    action = must(
        server,
        "POST",
        "/api/actions",
        {
            "title": "Mogok PT Maju Jaya",
            "kind": "strike",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(days=1)).isoformat(),
        },
    )["id"]
    must(server, "POST", f"/api/actions/{action}/targets", {"affiliate_id": union, "target": 300})
    coordinator = must(
        server,
        "POST",
        "/api/people",
        {"name": "Rina Satgas", "phone": COORDINATOR, "password": PASSWORD},
    )["id"]
    must(server, "POST", f"/api/people/{coordinator}/roles", {"name": "coordinator"})
    members = []
    for n in range(3):
        person = must(
            server,
            "POST",
            "/api/people",
            {"name": f"Anggota {n}", "phone": f"0813555000{n:02d}", "password": PASSWORD},
        )["id"]
        must(
            server, "POST", f"/api/people/{person}/roles", {"name": "member", "affiliate_id": union}
        )
        members.append(person)
    vote = must(
        server,
        "POST",
        "/api/votes",
        {
            "id": str(uuid.uuid4()),
            "question": "Apakah kita mogok kerja mulai 1 Mei?",
            "options": ["Setuju mogok", "Tidak setuju"],
            "affiliate_id": union,
            "opens_at": (starts - timedelta(minutes=1)).isoformat(),
            "closes_at": (starts + timedelta(hours=2)).isoformat(),
            "quorum": {"num": 1, "den": 2},
            "threshold": {"num": 1, "den": 2, "rule": "more_than"},
            "k": 1,
        },
    )["id"]
    must(server, "POST", f"/api/votes/{vote}/open")
    link = must(server, "POST", f"/api/votes/{vote}/links", {"person_id": members[0]})

    # The coordinator's dashboard: the action's union's vote, with turnout.
    page.goto(server.http + "/masuk")
    page.fill("#login", COORDINATOR)
    page.fill("#password", PASSWORD)
    page.click("#signin-form button")
    page.wait_for_url(server.http + "/**")
    expect(page.locator("#connection")).to_have_text("tersambung")
    entry = page.locator(f'#votes li[data-id="{vote}"]')
    expect(entry).to_contain_text("Apakah kita mogok kerja mulai 1 Mei?")
    expect(entry.locator(".vote-turnout")).to_have_text("Partisipasi 0 / 3")

    # The member's phone: open the link, two taps, a receipt.
    phone.goto(server.http + link["url"])
    expect(phone.locator("#question")).to_have_text("Apakah kita mogok kerja mulai 1 Mei?")
    expect(phone.locator(".secrecy summary")).to_be_visible()
    expect(phone.locator("#on-roll")).to_contain_text("Anda ada di daftar pemilih (3 orang")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scroll
    phone.get_by_role("radio", name="Setuju mogok").tap()  # tap 1
    phone.locator("#send").tap()  # tap 2
    receipt = phone.locator("#receipt")
    expect(receipt).to_have_text(re.compile(r"^[0-9A-HJKMNP-TV-Z]{10}$"))
    code = receipt.inner_text()
    expect(phone.locator("#options")).to_be_empty()  # nothing of the choice stays on screen

    # Turnout moves on the dashboard without a reload; still no result.
    expect(entry.locator(".vote-turnout")).to_have_text("Partisipasi 1 / 3")
    expect(entry.locator(".vote-outcome")).to_have_text("sedang berlangsung")

    # A second member signs in on the same phone and votes from the vote's address.
    phone.goto(server.http + f"/pilih?vote={vote}")
    phone.wait_for_url("**/masuk?next=**")
    phone.fill("#login", "081355500001")
    phone.fill("#password", PASSWORD)
    phone.click("#signin-form button")
    phone.wait_for_url(f"**/pilih?vote={vote}")
    expect(phone.locator("#receipt-box")).to_be_hidden()  # not the first member's code
    phone.get_by_role("radio", name="Setuju mogok").tap()
    phone.locator("#send").tap()
    expect(phone.locator("#receipt")).to_have_text(re.compile(r"^[0-9A-HJKMNP-TV-Z]{10}$"))
    assert phone.locator("#receipt").inner_text() != code
    expect(entry.locator(".vote-turnout")).to_have_text("Partisipasi 2 / 3")

    # The last one votes; the officer closes; the dashboard shows the result.
    for person, choice in ((members[2], 1),):
        token = must(
            server,
            "POST",
            "/api/session",
            {"login": f"0813555000{members.index(person):02d}", "password": PASSWORD},
        )["token"]
        must(server, "POST", f"/api/votes/{vote}/ballots", {"choice": choice}, token=token)
    expect(entry.locator(".vote-turnout")).to_have_text("Partisipasi 3 / 3")
    must(server, "POST", f"/api/votes/{vote}/close")
    expect(entry.locator(".vote-outcome")).to_have_text("diputuskan: Setuju mogok")
    expect(entry.locator(".vote-tally")).to_have_text("Setuju mogok 2 · Tidak setuju 1")

    # Back on the phone, later, through the link again: the code is in the published list.
    phone.goto(server.http + link["url"])
    expect(phone.locator("#outcome")).to_have_text("Diputuskan: Setuju mogok")
    expect(phone.locator("#found")).to_contain_text(f"Kode {code} ada di daftar")
    expect(phone.locator("#receipts li.mine")).to_have_count(1)
    expect(phone.locator("#receipts li")).to_have_count(3)
    # The page's own SHA-256 (for plain-http phones without crypto.subtle) agrees with Posko's.
    plain = phone.evaluate(
        "c => import('/static/sha256.js').then(m => m.sha256Plain('posko-receipt:' + c))", code
    )
    assert plain == receipt_hash(code)
    phone.fill("#check-code", "ZZZZZZZZZZ")
    phone.click("#check button")
    expect(phone.locator("#not-found")).to_have_text("Kode ZZZZZZZZZZ tidak ada di daftar.")
