"""A coordinator plans a day of action in Chromium against a real `posko serve`, from nothing:
the plan, one site by a click on the map and two from a CSV file (after a preview), targets for
two affiliates, the korlaps' links, going live; a korlap opens a link on a phone and checks in;
the roster shows it; the action is concluded and its report shows the figures. No page logs a
console error or breaks its Content-Security-Policy."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

from playwright.sync_api import ConsoleMessage, Error, Page, expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.process import Server
from tests.e2e.test_invite_page import PASSWORD, person

CSV = (
    "nama,lat,lon,target,korlap,telepon\n"
    "Bekasi - Jababeka,-6.2875,107.1567,300,Sri Rahayu,0812-1111-2222\n"
    "Karawang - KIIC,-6.3621,107.2920,200,Budi Santoso,\n"
)


def console_errors(page: Page) -> list[str]:
    """Errors the page logs or throws, from now on."""
    found: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            found.append(message.text)

    def on_error(error: Error) -> None:
        found.append(str(error))

    page.on("console", on_console)
    page.on("pageerror", on_error)
    return found


def test_a_coordinator_plans_an_action_a_korlap_checks_in_and_the_report_shows_it(
    server: Server, page: Page, phone: Page
) -> None:
    fspmi = server.request("POST", "/api/affiliates", {"name": "FSPMI"})[1]["id"]
    kspsi = server.request("POST", "/api/affiliates", {"name": "KSPSI"})[1]["id"]
    person(server, "0812-3000-4000", {"name": "coordinator"})  # national

    page.goto(server.http + "/rencana")
    expect(page).to_have_url(re.compile(r"/masuk\?next="))
    page.fill("#login", "0812-3000-4000")
    page.fill("#password", PASSWORD)
    page.click("#signin-form button")
    expect(page).to_have_url(server.http + "/rencana")
    errors = console_errors(page)  # signed in (signed out, GET /api/session is a logged 401)
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-ready", "1")

    # The plan
    page.click("#new-action")
    page.fill("#f-title", "Aksi Tolak Upah Murah")
    page.fill("#f-demands", "Naikkan UMK 10%\nCabut PP 51")
    page.fill("#f-starts", "2026-05-01T08:00")
    page.fill("#f-ends", "2026-05-01T17:00")
    page.check(f"#f-affiliates input[value='{fspmi}']")
    page.check(f"#f-affiliates input[value='{kspsi}']")
    page.click("#save-plan")
    expect(page.locator("#status-chip")).to_have_text("direncanakan")
    action_id = re.search(r"action=([0-9a-f-]{36})", page.url).group(1)  # type: ignore[union-attr]
    expect(page.locator("#list-upcoming li")).to_contain_text("Aksi Tolak Upah Murah")
    expect(page.locator("#calendar .cal-action")).to_have_count(0)  # May 2026, not this month

    # One site by a click on the map
    page.locator("#plan-map").click(position={"x": 300, "y": 200})
    expect(page.locator("#s-lat")).not_to_have_value("")
    page.fill("#s-name", "Jakarta - Patung Kuda")
    page.fill("#s-target", "500")
    page.click("#s-add")
    expect(page.locator("#sites tbody tr")).to_have_count(1)

    # Two from a CSV file, after a preview
    page.click("#csv-box summary")
    page.fill("#csv-text", CSV)
    page.click("#csv-preview")
    expect(page.locator("#csv-rows tbody tr")).to_have_count(2)
    expect(page.locator("#csv-summary")).to_have_text("2 baru, 0 sudah ada, 0 salah")
    expect(page.locator("#sites tbody tr")).to_have_count(1)  # a preview writes nothing
    page.click("#csv-import")
    expect(page.locator("#sites tbody tr")).to_have_count(3)
    expect(page.locator("#notice")).to_have_text("2 lokasi diimpor.")

    # Targets for the two affiliates: FSPMI for the whole action, KSPSI per site
    page.locator(f"#targets input[data-affiliate='{fspmi}'][data-site='*']").fill("600")
    per_site = f"#targets input[data-affiliate='{kspsi}']:not([data-site='*'])"
    for cell in page.locator(per_site).all():
        cell.fill("100")
    page.click("#save-targets")
    expect(page.locator("#notice")).to_have_text("Tersimpan.")
    status, overview = server.request("GET", f"/api/actions/{action_id}")
    assert status == 200
    assert {k: v["target"] for k, v in overview["affiliates"].items()} == {fspmi: 600, kspsi: 300}
    assert overview["target"] == 1000

    # The korlaps' links: two named by the CSV, one typed in
    roster = page.locator("#roster tbody tr")
    expect(roster).to_have_count(3)
    expect(roster.filter(has_text="Bekasi - Jababeka").locator(".korlap-name")).to_have_value(
        "Sri Rahayu"
    )
    roster.filter(has_text="Patung Kuda").locator(".korlap-name").fill("Joko")
    page.click("#make-links")
    cards = page.locator("#link-sheet .link-card")
    expect(cards).to_have_count(3)
    sri = cards.filter(has_text="Sri Rahayu")
    expect(sri.locator("a.wa")).to_have_attribute(
        "href", re.compile(r"^https://wa\.me/6281211112222\?text=Halo%20Sri%20Rahayu")
    )
    expect(sri.locator("img.qr")).to_have_attribute("src", re.compile("^data:image/svg"))
    link = sri.locator("a.invite-url").get_attribute("href")
    assert link is not None and re.search(r"/i/[A-Za-z0-9_-]{12}$", link)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "planning-page.png"), full_page=True)

    # Go live
    page.click("#go-live")
    expect(page.locator("#status-chip")).to_have_text("berlangsung")
    expect(page.locator("#read-only")).to_be_visible()

    # The korlap opens the link on a phone and checks in
    phone.context.grant_permissions(["geolocation"])
    phone.context.set_geolocation({"latitude": -6.2876, "longitude": 107.1568, "accuracy": 10})
    phone.goto(link)
    phone.fill("#name", "Sri Rahayu")
    phone.locator("#join-form button").tap()
    expect(phone).to_have_url(re.compile(r"/lapor(#lokasi)?$"))
    phone_errors = console_errors(phone)  # joined: the invite page's signed-out 401 is behind
    phone.reload()
    expect(phone.locator("#site-name")).to_have_text("Bekasi - Jababeka")
    phone.locator("#checkin").tap()
    expect(phone.locator("#outbox li").first).to_have_attribute(
        "data-state", "received", timeout=20_000
    )

    # The roster shows it (the page looks again by itself while the action is live)
    bekasi = roster.filter(has_text="Bekasi - Jababeka")
    expect(bekasi.locator(".opened .chip")).to_contain_text("Sri Rahayu", timeout=20_000)
    expect(bekasi.locator(".checked .chip")).to_contain_text("Sri Rahayu", timeout=20_000)
    expect(roster.filter(has_text="Karawang").locator(".checked")).to_have_text("belum")

    # Headcounts from the field, then the action is concluded
    sites = {
        f["properties"]["name"]: f["id"]
        for f in server.request("GET", f"/api/actions/{action_id}/map")[1]["features"]
    }
    for name, count, by in (
        ("Bekasi - Jababeka", 350, {fspmi: 250, kspsi: 100}),
        ("Karawang - KIIC", 150, {fspmi: 100, kspsi: 50}),
    ):
        status, _ = server.request(
            "POST", f"/api/actions/{action_id}/reports", _headcount(sites[name], count, by)
        )
        assert status == 201
    page.click("#conclude")
    expect(page.locator("#status-chip")).to_have_text("selesai")

    # The report shows the figures, on a printable page and in a PDF from the same template
    page.click("#report-link")
    expect(page).to_have_url(re.compile(rf"/api/actions/{action_id}/report\.html"))
    expect(page.locator("#r-title")).to_have_text("Aksi Tolak Upah Murah")
    bekasi_row = page.locator("#r-sites tbody tr", has_text="Bekasi - Jababeka")
    expect(bekasi_row.locator("td")).to_have_text(
        ["Bekasi - Jababeka", "300", "350", "350", "1", "1"]
    )
    expect(page.locator("#r-affiliates tbody tr", has_text="FSPMI").locator("td")).to_have_text(
        ["FSPMI", "600", "350", "350"]
    )
    expect(page.locator("#r-affiliates tbody tr", has_text="KSPSI").locator("td")).to_have_text(
        ["KSPSI", "300", "150", "150"]
    )
    expect(page.locator("#r-totals")).to_contain_text("1.000")
    expect(page.locator("#r-when")).to_contain_text("1 Mei 2026 08.00 WIB")
    page.screenshot(path=str(ARTIFACTS / "action-report.png"), full_page=True)
    with page.expect_download() as download:
        page.click("#pdf-link")
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert download.value.suggested_filename == f"laporan-aksi-{action_id}.pdf"

    assert errors == []
    assert phone_errors == []


def _headcount(site_id: str, count: int, by: dict[str, int]) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "site_id": site_id,
        "kind": "headcount",
        "headcount": count,
        "by_affiliate": by,
        "at": datetime.now(UTC).isoformat(),
    }


def test_an_admin_runs_the_organisation_in_words_people_use(server: Server, page: Page) -> None:
    person(server, "0812-5100-6100", {"name": "admin"})
    member = server.request(
        "POST", "/api/people", {"name": "Budi Anggota", "phone": "0812-5200-6200"}
    )[1]["id"]
    assert server.request("POST", f"/api/people/{member}/roles", {"name": "member"})[0] == 201
    page.goto(server.http + "/masuk?next=/admin")
    page.fill("#login", "0812-5100-6100")
    page.fill("#password", PASSWORD)
    page.click("#signin-form button")
    expect(page).to_have_url(server.http + "/admin")
    errors = console_errors(page)
    page.reload()

    expect(page.locator("#organisation-section")).to_be_visible()
    page.fill("#affiliate-name", "FSPMI")
    page.click("#affiliate-form button")
    affiliate = page.locator("#affiliates li.affiliate")
    expect(affiliate).to_have_count(1)
    drawn = int(page.locator("#affiliates").get_attribute("data-drawn") or "0")
    affiliate.locator("form.inline").first.locator("input").fill("FSP Metal Indonesia")
    affiliate.locator("form.inline").first.locator("button").click()
    expect(page.locator("#affiliates")).to_have_attribute("data-drawn", str(drawn + 1))
    expect(affiliate.locator("form.inline").first.locator("input")).to_have_value(
        "FSP Metal Indonesia"
    )
    affiliate.locator(".branches input").last.fill("PUK Bekasi")
    affiliate.locator(".branches button").last.click()
    expect(affiliate.locator(".branches li")).to_have_count(2)  # the branch and the add form
    status, listed = server.request("GET", "/api/affiliates")
    assert status == 200
    assert [(a["name"], [b["name"] for b in a["branches"]]) for a in listed["affiliates"]] == [
        ("FSP Metal Indonesia", ["PUK Bekasi"])
    ]

    rows = page.locator("#people tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Budi Anggota")).to_contain_text("Anggota")
    expect(rows.filter(has_text="Koordinator")).to_contain_text("Admin · nasional")
    page.select_option("#people-role", "member")
    expect(rows).to_have_count(1)
    expect(page.locator("#people-count")).to_have_text("1 dari 2 orang")
    page.select_option("#people-role", "")
    page.fill("#people-search", "0812 5200")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Budi Anggota")
    expect(page.locator("#sessions tbody tr").first.locator("td").first).to_have_text(
        re.compile(r"^(Chrome|HeadlessChrome|Chromium) di Linux$")
    )
    page.screenshot(path=str(ARTIFACTS / "admin-organisation.png"), full_page=True)
    assert errors == []
