"""The field meets the fund, in a real Chromium against a real `posko serve`: a treasurer links
the solidarity fund to an action; the action's coordinator (no role in the fund) sees the
fund's balance on the dashboard, and it changes without a reload when the treasurer records a
contribution and when a payout for the action's request for help is approved and paid; the
request for help shows its payout and its state. No beneficiary reaches the page."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.process import Server
from tests.e2e.test_dashboard import csp_violations, must

PASSWORD = "kata-sandi-satgas-2026"
COORDINATOR, TREASURER, OFFICER = "0812-2222-0001", "0812-2222-0002", "0812-2222-0003"


def signed_in(server: Server, name: str, phone: str, role: dict[str, str]) -> str:
    body = {"name": name, "phone": phone, "password": PASSWORD}
    person = must(server, "POST", "/api/people", body)
    must(server, "POST", f"/api/people/{person['id']}/roles", role)
    login = {"login": phone, "password": PASSWORD}
    return str(must(server, "POST", "/api/session", login, token=None)["token"])


def contribute(server: Server, fund: str, token: str, amount: int) -> None:
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "source": "affiliate",
        "payer": "FSPMI",
        "channel": "transfer",
        "amount": amount,
        "income_account": "income:solidarity",
        "asset_account": "bank",
        "effective_date": datetime.now(UTC).date().isoformat(),
    }
    must(server, "POST", f"/api/funds/{fund}/contributions", body, token=token)


def test_the_dashboard_follows_the_linked_fund_and_the_payout_for_a_request(
    server: Server, page: Page
) -> None:
    now = datetime.now(UTC)
    action = must(
        server,
        "POST",
        "/api/actions",
        {
            "title": "Aksi Tolak Upah Murah",
            "kind": "rally",
            "starts_at": (now - timedelta(hours=1)).isoformat(),
            "ends_at": (now + timedelta(hours=6)).isoformat(),
        },
    )["id"]
    site = must(
        server,
        "POST",
        f"/api/actions/{action}/sites",
        {"name": "Bekasi - Kantor Bupati", "lat": -6.2349, "lon": 106.9896, "target": 500},
    )["id"]
    fund = str(uuid.uuid4())
    must(
        server,
        "POST",
        "/api/funds",
        {"id": fund, "name": "Dana Mogok KSPI", "unit_kind": "confederation", "threshold": 10**9},
    )
    signed_in(server, "Rina Satgas", COORDINATOR, {"name": "coordinator", "action_id": action})
    treasurer = signed_in(
        server, "Sari Bendahara", TREASURER, {"name": "treasurer", "fund_id": fund}
    )
    officer = signed_in(server, "Ketua Bidang", OFFICER, {"name": "officer"})
    contribute(server, fund, treasurer, 1_000_000)
    must(server, "POST", f"/api/funds/{fund}/links", {"action_id": action}, token=treasurer)
    help_id = str(uuid.uuid4())
    must(
        server,
        "POST",
        f"/api/actions/{action}/requests",
        {
            "id": help_id,
            "site_id": site,
            "kind": "transport",
            "quantity": 2,
            "note": "Dua bus untuk massa",
            "at": now.isoformat(),
        },
    )
    must(server, "POST", f"/api/requests/{help_id}/commit", {"by": "Posko logistik"})

    violations = csp_violations(page)
    page.goto(server.http + "/masuk")
    page.fill("#login", COORDINATOR)
    page.fill("#password", PASSWORD)
    page.click("#signin-form button")
    page.wait_for_url(server.http + "/**")
    expect(page.locator("#connection")).to_have_text("tersambung")
    card = page.locator(f'#funds li.fund[data-fund="{fund}"]')
    expect(card).to_contain_text("Dana Mogok KSPI")
    expect(card.locator(".fund-balance")).to_have_text("Rp1.000.000")

    # A contribution recorded by the treasurer shows on the dashboard without a reload.
    contribute(server, fund, treasurer, 250_000)
    expect(card.locator(".fund-balance")).to_have_text("Rp1.250.000")

    # The treasurer asks to pay for the request's buses: pending, then approved and reserved.
    payout = str(uuid.uuid4())
    must(
        server,
        "POST",
        f"/api/funds/{fund}/disbursements",
        {
            "id": payout,
            "purpose": "Sewa dua bus",
            "beneficiary": "PO Bus Sejahtera",
            "amount": 400_000,
            "expense_account": "expense:transport",
            "pay_from": "bank",
            "evidence": "Nota sewa",
            "help_request_id": help_id,
        },
        token=treasurer,
    )
    expect(card.locator(".fund-awaiting_approval")).to_have_text("Rp400.000")
    task = page.locator(f'#tasks li[data-id="{help_id}"]')
    expect(task.locator(".chip.payout")).to_have_text("Dana: Rp400.000 diajukan")
    must(server, "POST", f"/api/funds/{fund}/disbursements/{payout}/approve", {}, token=officer)
    expect(card.locator(".fund-reserved")).to_have_text("Rp400.000")
    expect(card.locator(".fund-available")).to_have_text("Rp850.000")
    expect(card.locator(".fund-awaiting_payment")).to_have_text("Rp400.000")
    expect(task.locator(".chip.payout")).to_have_text("Dana: Rp400.000 disetujui")

    # Paid by a third person (the administrator): the balance drops, the request shows it paid.
    must(
        server,
        "POST",
        f"/api/funds/{fund}/disbursements/{payout}/pay",
        {"payment_ref": "BCA-778899", "effective_date": datetime.now(UTC).date().isoformat()},
    )
    expect(card.locator(".fund-balance")).to_have_text("Rp850.000")
    expect(card.locator(".fund-reserved")).to_have_text("Rp0")
    expect(card.locator(".fund-pending li")).to_have_count(0)
    expect(task.locator(".chip.payout")).to_have_text("Dana: Rp400.000 dibayar")
    expect(page.locator(f'#feed li[data-id="{help_id}"] .chip.payout')).to_have_text(
        "Dana: Rp400.000 dibayar"
    )
    assert "PO Bus Sejahtera" not in page.content()
    assert violations == []
