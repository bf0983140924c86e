"""The treasurer's pages in headless Chromium against a real `posko serve`: a treasurer records a
contribution and requests a disbursement, a second person (an officer) approves it, a third (a
second treasurer) pays it, and the first treasurer's open ledger page shows the payment live;
the period report adds up; a receipt prints with its amount in words. The dues arrears table
follows a declared membership and dues live. No page breaks its CSP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from core import arrears, ledger
from tests.e2e.process import Server
from tests.e2e.test_invite_page import csp_violations

PASSWORD = "kata-sandi-bendahara"


def person(server: Server, name: str, phone: str, role: dict[str, str]) -> None:
    status, created = server.request(
        "POST", "/api/people", {"name": name, "phone": phone, "password": PASSWORD}
    )
    assert status == 201, created
    status, _ = server.request("POST", f"/api/people/{created['id']}/roles", role)
    assert status == 201


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    made = [
        browser.new_context(
            viewport={"width": 1280, "height": 900}, locale="id-ID", timezone_id="Asia/Jakarta"
        )
        for _ in range(3)
    ]
    yield made
    for context in made:
        context.close()


def sign_in(page: Page, server: Server, phone: str, next_path: str = "/kas") -> None:
    page.goto(server.http + f"/masuk?next={next_path}")
    page.fill("#login", phone)
    page.fill("#password", PASSWORD)
    page.click("#signin-form button")
    expect(page).to_have_url(server.http + next_path)


def test_contribution_two_person_payout_live_ledger_report_and_receipt(
    server: Server, contexts: list[BrowserContext]
) -> None:
    fund_id = str(uuid4())
    status, _ = server.request(
        "POST",
        "/api/funds",
        {
            "id": fund_id,
            "name": "Dana Mogok KSPI",
            "unit_kind": "confederation",
            "threshold": 10_000_000,
        },
    )
    assert status == 201
    person(server, "Bendahara Satu", "0812-1111-0001", {"name": "treasurer", "fund_id": fund_id})
    person(server, "Ketua Bidang", "0812-1111-0002", {"name": "officer"})
    person(server, "Bendahara Dua", "0812-1111-0003", {"name": "treasurer", "fund_id": fund_id})
    treasurer, officer, payer = (context.new_page() for context in contexts)
    violations = [csp_violations(p) for p in (treasurer, officer, payer)]

    # The treasurer records a contribution of Rp 1.250.000 from an affiliate.
    sign_in(treasurer, server, "081211110001")
    expect(treasurer.locator("#connection")).to_have_text("tersambung")
    treasurer.fill("#c-payer", "FSPMI")
    treasurer.fill("#c-amount", "1250000")
    treasurer.select_option("#c-income", "income:strike")
    treasurer.select_option("#c-asset", "bank")
    treasurer.click("#contribution-form button")
    expect(treasurer.locator("#ledger tbody tr")).to_have_count(1)
    expect(treasurer.locator("#balances tr[data-account=bank] td").nth(2)).to_have_text(
        "Rp1.250.000"
    )

    # ... and asks for Rp 400.000 of transport money.
    treasurer.click("#request-details summary")
    treasurer.fill("#r-purpose", "Transport aksi Bekasi")
    treasurer.fill("#r-beneficiary", "Korlap Bekasi")
    treasurer.fill("#r-amount", "400000")
    treasurer.select_option("#r-expense", "expense:transport")
    treasurer.select_option("#r-from", "bank")
    treasurer.fill("#r-evidence", "Nota bus")
    treasurer.click("#request-form button")
    row = treasurer.locator("#pending tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td.rule")).to_contain_text("0 dari 1")
    expect(row.locator("button.approve")).to_have_count(0)  # a treasurer does not approve

    # A second person, an officer, approves it: the money is reserved.
    sign_in(officer, server, "081211110002")
    officer.locator("#pending tbody tr button.approve").click()
    expect(officer.locator("#close-form")).to_be_hidden()  # recording is the treasurer's
    expect(officer.locator("#pending tbody tr td.rule")).to_contain_text("1 dari 1")
    expect(row.locator("td.rule")).to_contain_text("1 dari 1")  # live on the treasurer's page
    expect(treasurer.locator("#balances tr[data-account=bank] td").nth(3)).to_have_text("Rp400.000")

    # A third person pays it; the first treasurer's ledger shows the payment without a reload.
    sign_in(payer, server, "081211110003")
    payer.locator("#pending tbody tr input.payment-ref").fill("BCA-123456")
    payer.locator("#pending tbody tr button.pay").click()
    expect(payer.locator("#pending tbody tr")).to_have_count(0)
    expect(treasurer.locator("#ledger tbody tr")).to_have_count(2)
    expect(treasurer.locator("#ledger tbody tr.fresh")).to_contain_text("payment")
    expect(treasurer.locator("#balances tr[data-account=bank] td").nth(2)).to_have_text("Rp850.000")
    expect(treasurer.locator("#pending tbody tr")).to_have_count(0)

    # The period report adds up.
    treasurer.click("#report-form button")
    expect(treasurer.locator("#report-check")).to_have_class("ok")
    fund_line = treasurer.locator("#report tbody tr").last
    expect(fund_line.locator("td").nth(2)).to_have_text("Rp1.250.000")
    expect(fund_line.locator("td").nth(3)).to_have_text("Rp400.000")
    expect(fund_line.locator("td").nth(4)).to_have_text("Rp850.000")

    # The chain verifies.
    treasurer.click("#verify-button")
    expect(treasurer.locator("#verify-result")).to_have_class("ok")

    # The receipt prints with its amount in words.
    with treasurer.context.expect_page() as opened:
        treasurer.locator("#receipts tbody tr a.print").first.click()
    receipt = opened.value
    expect(receipt.locator("#words")).to_have_text("satu juta dua ratus lima puluh ribu rupiah")
    expect(receipt.locator("#amount")).to_have_text("Rp1.250.000")
    expect(receipt.locator("#payer")).to_have_text("FSPMI")
    receipt.emulate_media(media="print")
    expect(receipt.locator("#print")).to_be_hidden()  # the print stylesheet keeps the sheet only

    assert [v for found in violations for v in found] == []


def test_the_dues_arrears_table_follows_declarations_and_dues_live(
    server: Server, contexts: list[BrowserContext]
) -> None:
    """A treasurer declares an affiliate's membership on /kas: it shows two months behind; dues
    recorded elsewhere bring it to one without a reload; the period report carries the table;
    the English page names it in English."""
    fund_id = str(uuid4())
    opened = {"id": fund_id, "name": "Dana KSPI", "unit_kind": "confederation", "threshold": 1}
    assert server.request("POST", "/api/funds", opened)[0] == 201
    rule = {
        "rate_bp": 100,
        "base": "umk",
        "rounding": "floor",
        "split": {"dpp": 4500, "puk": 5500},
        "own_level": "dpp",
    }
    assert server.request("PUT", f"/api/funds/{fund_id}/dues-rule", rule)[0] == 201
    person(server, "Bendahara", "0812-2222-0001", {"name": "treasurer", "fund_id": fund_id})
    today = ledger.today_wib(datetime.now(UTC))
    through = arrears.last_month_due(today)  # the last month over
    first = arrears.month_of(date.fromisoformat(through + "-01") - timedelta(days=1))
    page = contexts[0].new_page()
    violations = csp_violations(page)

    sign_in(page, server, "081222220001")
    expect(page.locator("#connection")).to_have_text("tersambung")
    page.click("#membership-details summary")
    page.fill("#m-affiliate", "FSPMI")
    page.fill("#m-from", first)
    page.fill("#m-members", "10")
    page.fill("#m-base", "5000000")
    page.click("#membership-form button")
    row = page.locator("#arrears tbody tr[data-affiliate=FSPMI]")
    expect(row).to_have_class("behind")
    expect(row.locator("td").nth(4)).to_have_text("Rp1.000.000")  # 2 x 1% of 10 x Rp5.000.000
    expect(row.locator("td.months-behind")).to_have_text(f"2 ({first}, {through})")

    dues = {
        "id": str(uuid4()),
        "payer": "FSPMI",
        "month": first,
        "base_amount": 50_000_000,
        "channel": "transfer",
        "asset_account": "bank",
        "effective_date": today.isoformat(),
    }
    assert server.request("POST", f"/api/funds/{fund_id}/dues", dues)[0] == 201
    expect(row.locator("td.months-behind")).to_have_text(f"1 ({through})")  # live
    expect(row.locator("td").nth(4)).to_have_text("Rp500.000")
    expect(row.locator("td").nth(7)).to_have_text(today.isoformat())

    page.click("#report-form button")
    report_row = page.locator("#report-arrears tbody tr[data-affiliate=FSPMI]")
    expect(report_row.locator("td.months-behind")).to_have_text(f"1 ({through})")

    page.goto(server.http + "/kas?lang=en")
    expect(page.locator("#arrears-section h2")).to_have_text("Dues arrears")
    expect(page.locator("#arrears tbody tr[data-affiliate=FSPMI] td").nth(4)).to_have_text(
        "Rp500.000"
    )
    assert violations == []
