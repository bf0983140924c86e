"""The annual budget on the treasurer's page in headless Chromium against a real `posko serve`:
the treasurer sets budget lines for the year, records a contribution, and sees budget against
actual in the year's table and in the period report, adding up; a contribution recorded
elsewhere shows up in the open report without a reload. No page breaks its CSP."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from playwright.sync_api import Page, expect

from core import ledger
from tests.e2e.process import Server
from tests.e2e.test_fund_pages import person, sign_in
from tests.e2e.test_invite_page import csp_violations


def test_the_treasurer_sets_a_budget_and_the_period_report_shows_it_against_actual(
    server: Server, page: Page
) -> None:
    fund_id = str(uuid4())
    fund = {"id": fund_id, "name": "Dana Mogok KSPI", "unit_kind": "confederation", "threshold": 1}
    assert server.request("POST", "/api/funds", fund)[0] == 201
    person(server, "Bendahara Satu", "0812-2222-0001", {"name": "treasurer", "fund_id": fund_id})
    violations = csp_violations(page)
    sign_in(page, server, "081222220001")
    expect(page.locator("#connection")).to_have_text("tersambung")

    # The treasurer plans Rp2.000.000 of strike money and Rp600.000 of transport this year.
    strike = page.locator("#budget tr[data-account='income:strike']")
    strike.locator("input.planned").fill("2000000")
    page.locator("#budget tr[data-account='expense:transport'] input.planned").fill("600000")
    page.fill("#budget-note", "Disahkan rapat pleno")
    page.click("#budget-save")
    expect(page.locator("#budget-revisions li")).to_have_count(1)
    expect(page.locator("#budget-revisions li")).to_contain_text("Disahkan rapat pleno")
    expect(page.locator("#budget tr[data-total=income] td").nth(1)).to_have_text("Rp2.000.000")

    # A contribution of Rp1.250.000: the year's table follows it live.
    page.fill("#c-payer", "FSPMI")
    page.fill("#c-amount", "1250000")
    page.select_option("#c-income", "income:strike")
    page.select_option("#c-asset", "bank")
    page.click("#contribution-form button")
    expect(strike.locator("td").nth(2)).to_have_text("Rp1.250.000")
    expect(strike.locator("td").nth(4)).to_have_text("62,5%")

    # The period report: this half plans half the year; the lines add up to the totals.
    page.click("#report-form button")
    expect(page.locator("#budget-check")).to_have_class("ok")
    line = page.locator("#budget-report tr[data-account='income:strike'] td")
    expect(line.nth(1)).to_have_text("Rp1.000.000")  # planned for the period
    expect(line.nth(2)).to_have_text("Rp1.250.000")  # actual
    expect(line.nth(3)).to_have_text("Rp250.000")  # difference
    expect(line.nth(4)).to_have_text("125,0%")
    expect(line.nth(5)).to_have_text("Rp2.000.000")  # the year's figure
    total = page.locator("#budget-report tr[data-total=expense] td")
    expect(total.nth(1)).to_have_text("Rp300.000")
    expect(page.locator("#budget-rule")).to_contain_text("dibulatkan ke bawah")

    # Recorded elsewhere (the API): the open report follows without a click.
    today = ledger.today_wib(datetime.now(UTC)).isoformat()
    status, _ = server.request(
        "POST",
        f"/api/funds/{fund_id}/contributions",
        {
            "id": str(uuid4()),
            "source": "donor",
            "payer": "Donatur",
            "channel": "cash",
            "amount": 100_000,
            "income_account": "income:strike",
            "asset_account": "cash",
            "effective_date": today,
        },
    )
    assert status == 201
    expect(line.nth(2)).to_have_text("Rp1.350.000")
    expect(page.locator("#budget-report tr[data-total=income] td").nth(2)).to_have_text(
        "Rp1.350.000"
    )
    expect(page.locator("#budget-check")).to_have_class("ok")

    assert violations == []
