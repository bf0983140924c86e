"""The coordinators' dashboard in a real Chromium against a real `posko serve`: a coordinator
signs in at /masuk and watches a day of action. A report posted over HTTP changes a site's label
without a reload; an incident an organiser reports appears in the feed, is acknowledged from
the page, and a second open dashboard shows it acknowledged; the timeline shows the day as it
was before the report; a dropped connection recovers by itself; English on request; tiles only
when the config names a tile URL. No CSP violation on the way."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Route, expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.process import Server

PASSWORD = "kata-sandi-satgas-2026"
COORDINATOR = "0812-1111-0001"
ORGANISER = "0812-1111-0002"
NO_COUNT = "\u2013"  # the label of a site with no headcount yet (an en dash)
TWO_FRAMES = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"

# (name, lat, lon, target, headcount, phase, mood): a few more sites, so the map shows a day.
OTHER_SITES = [
    ("Jakarta - Gedung DPR RI", -6.2104, 106.8003, 20000, 14250, "holding", "calm"),
    ("Medan - Kantor Gubernur Sumut", 3.5836, 98.6716, 4000, 3100, "marching", "calm"),
    ("Makassar - Kantor Gubernur Sulsel", -5.1365, 119.4225, 3000, 1850, "assembling", "tense"),
    ("Batam - Kantor Wali Kota", 1.1301, 104.0529, 3000, 2400, "holding", "calm"),
]


@dataclass
class Day:
    action_id: str
    site_id: str  # Surabaya: the site the test watches
    organiser_token: str
    sites: dict[str, str]


def must(server: Server, method: str, path: str, body: Any = None, **kw: Any) -> Any:
    status, answer = server.request(method, path, body, **kw)
    assert status in (200, 201), (method, path, status, answer)
    return answer


def at(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).isoformat()


def report(server: Server, day: Day, site_id: str, **fields: Any) -> None:
    must(
        server,
        "POST",
        f"/api/actions/{day.action_id}/reports",
        {"id": str(uuid.uuid4()), "site_id": site_id, "at": at(), **fields},
    )


@pytest.fixture
def day(server: Server) -> Day:
    now = datetime.now(UTC)
    action = must(
        server,
        "POST",
        "/api/actions",
        {
            "title": "Aksi Nasional Tolak Upah Murah",
            "kind": "rally",
            "starts_at": at(now - timedelta(hours=2)),
            "ends_at": at(now + timedelta(hours=6)),
            "demands": ["Naikkan upah minimum"],
        },
    )["id"]
    site = must(
        server,
        "POST",
        f"/api/actions/{action}/sites",
        {
            "name": "Surabaya - Gedung Negara Grahadi",
            "lat": -7.2625,
            "lon": 112.7403,
            "target": 8000,
        },
    )["id"]
    sites = {"Surabaya": site}
    for name, lat, lon, target, *_ in OTHER_SITES:
        sites[name] = must(
            server,
            "POST",
            f"/api/actions/{action}/sites",
            {"name": name, "lat": lat, "lon": lon, "target": target},
        )["id"]
    must(server, "POST", f"/api/actions/{action}/status", {"status": "live"})
    affiliates = [
        must(server, "POST", "/api/affiliates", {"name": name})["id"]
        for name in ("KSPI", "KSPSI", "KSBSI")
    ]
    for affiliate, target in zip(affiliates, (18000, 12000, 8000), strict=True):
        must(
            server,
            "POST",
            f"/api/actions/{action}/targets",
            {"affiliate_id": affiliate, "target": target},
        )

    coordinator = must(
        server,
        "POST",
        "/api/people",
        {"name": "Rina Satgas", "phone": COORDINATOR, "password": PASSWORD},
    )["id"]
    must(server, "POST", f"/api/people/{coordinator}/roles", {"name": "coordinator"})
    organiser = must(
        server,
        "POST",
        "/api/people",
        {"name": "Budi Korlap", "phone": ORGANISER, "password": PASSWORD},
    )["id"]
    must(
        server, "POST", f"/api/people/{organiser}/roles", {"name": "organiser", "action_id": action}
    )
    token = must(
        server, "POST", "/api/session", {"login": ORGANISER, "password": PASSWORD}, token=None
    )["token"]

    result = Day(action, site, token, sites)
    for name, *_, headcount, phase, mood in OTHER_SITES:
        split = {
            affiliates[0]: headcount // 2,
            affiliates[1]: headcount // 4,
            affiliates[2]: headcount // 8,
        }
        report(
            server, result, sites[name], kind="headcount", headcount=headcount, by_affiliate=split
        )
        report(server, result, sites[name], kind="status", phase=phase, mood=mood)
    return result


def csp_violations(page: Page) -> list[str]:
    found: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            found.append(message.text)

    page.on("console", on_console)
    return found


@pytest.fixture
def second(browser: Browser) -> Iterator[BrowserContext]:
    """Another coordinator's browser: its own cookies, its own websocket."""
    context = browser.new_context(
        viewport={"width": 1200, "height": 800}, locale="id-ID", timezone_id="Asia/Jakarta"
    )
    yield context
    context.close()


def sign_in(page: Page, server: Server) -> None:
    page.goto(server.http + "/masuk")
    page.fill("#login", COORDINATOR)
    page.fill("#password", PASSWORD)
    page.click("#signin-form button")
    page.wait_for_url(server.http + "/**")
    expect(page.locator("#connection")).to_have_text("tersambung")


def test_a_coordinator_follows_and_handles_the_day(
    server: Server, day: Day, page: Page, second: BrowserContext
) -> None:
    page.set_viewport_size({"width": 1440, "height": 900})
    violations = csp_violations(page)
    sign_in(page, server)
    expect(page.locator("#me")).to_have_text("Masuk sebagai Rina Satgas")
    label = page.locator(f'.site-label[data-id="{day.site_id}"] .hc')
    expect(label).to_have_text(NO_COUNT)  # nothing reported from Surabaya yet
    expect(page.locator("#total-headcount")).to_have_text("21.600")

    # A headcount over HTTP changes the label on screen, no reload.
    before_report = datetime.now(UTC)
    report(server, day, day.site_id, kind="headcount", headcount=5250)
    expect(label).to_have_text("5.250")
    expect(page.locator("#total-headcount")).to_have_text("26.850")

    # The organiser reports an arrest: it shows in the feed and in what needs handling.
    incident = str(uuid.uuid4())
    must(
        server,
        "POST",
        f"/api/actions/{day.action_id}/incidents",
        {
            "id": incident,
            "site_id": day.site_id,
            "kind": "arrest",
            "severity": "high",
            "description": "Tiga buruh dibawa ke Polsek Genteng",
            "at": at(),
        },
        token=day.organiser_token,
    )
    feed_item = page.locator(f'#feed li[data-id="{incident}"]')
    expect(feed_item).to_contain_text("Tiga buruh dibawa ke Polsek Genteng")
    expect(feed_item).to_contain_text("terbuka")
    task = page.locator(f'#tasks li[data-id="{incident}"]')
    expect(task).to_contain_text("Penangkapan")
    expect(page.locator(f'.incident-pin[data-id="{incident}"]')).to_be_visible()

    # A second coordinator has the dashboard open too.
    other = second.new_page()
    sign_in(other, server)
    other_task = other.locator(f'#tasks li[data-id="{incident}"]')
    expect(other_task.locator(".chip.status")).to_have_text("terbuka")

    # Acknowledged from the first page; the second sees it over its websocket.
    task.get_by_role("button", name="Tangani").click()
    expect(other_task.locator(".chip.status")).to_have_text("ditangani")
    expect(other.locator(f'#feed li[data-id="{incident}"]')).to_contain_text("ditangani")
    expect(task.locator(".chip.status")).to_have_text("ditangani")
    expect(task.get_by_role("button", name="Tangani")).to_have_count(0)

    # A request for help is committed from the second page, fulfilled from the first.
    request = str(uuid.uuid4())
    must(
        server,
        "POST",
        f"/api/actions/{day.action_id}/requests",
        {
            "id": request,
            "site_id": day.site_id,
            "kind": "water_food",
            "quantity": 300,
            "note": "Air mineral untuk massa",
            "at": at(),
        },
        token=day.organiser_token,
    )
    other_request = other.locator(f'#tasks li[data-id="{request}"]')
    other_request.get_by_role("button", name="Sanggupi").click()
    other_request.locator("input").fill("Posko logistik KSPI")
    other_request.get_by_role("button", name="Simpan").click()
    first_request = page.locator(f'#tasks li[data-id="{request}"]')
    expect(first_request).to_contain_text("Posko logistik KSPI")
    expect(first_request.locator(".chip.status")).to_have_text("disanggupi")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"))
    first_request.get_by_role("button", name="Tandai terpenuhi").click()
    expect(other_request).to_have_count(0)  # fulfilled: no longer open anywhere
    expect(other.locator(f'#feed li[data-id="{request}"]')).to_contain_text("terpenuhi")

    # The timeline: as of just before the report, Surabaya had no headcount and no incident.
    # One moment is one request (map, feed and legal from one replay).
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "at=" in r.url else None)
    page.locator("#timeline-range").fill(str(int(before_report.timestamp() * 1000)))
    expect(page.locator("body")).to_have_class("dashboard replaying")
    expect(label).to_have_text(NO_COUNT)
    assert [url.split("?")[0].rsplit("/", 1)[-1] for url in asked] == ["past"]
    expect(page.locator("#total-headcount")).to_have_text("21.600")
    expect(page.locator(f'#feed li[data-id="{incident}"]')).to_have_count(0)
    expect(page.locator(f'.incident-pin[data-id="{incident}"]')).to_have_count(0)
    expect(page.locator("#timeline-time")).to_contain_text("WIB")
    page.wait_for_function(TWO_FRAMES)  # the basemap canvas redrawn for the banner's height
    page.screenshot(path=str(ARTIFACTS / "dashboard-replay.png"))
    # Live again: everything that happened meanwhile is back.
    page.click("#timeline-live")
    expect(label).to_have_text("5.250")
    expect(page.locator(f'#feed li[data-id="{incident}"]')).to_be_visible()
    assert violations == []


def test_the_connection_recovers_by_itself(server: Server, day: Day, page: Page) -> None:
    sign_in(page, server)
    label = page.locator(f'.site-label[data-id="{day.site_id}"] .hc')
    expect(label).to_have_text(NO_COUNT)
    page.context.set_offline(True)
    expect(page.locator("#connection")).to_have_text("luring")
    report(server, day, day.site_id, kind="headcount", headcount=4100)  # missed while offline
    page.context.set_offline(False)
    expect(page.locator("#connection")).to_have_text("tersambung")
    expect(label).to_have_text("4.100")  # caught up on resume (subscribe with since)


def test_the_dashboard_speaks_english_on_request(server: Server, day: Day, page: Page) -> None:
    sign_in(page, server)
    page.click("#language")
    expect(page.locator("#connection")).to_have_text("live")
    expect(page.locator(".panel-feed h2")).to_have_text("Live feed")
    expect(
        page.locator(f'.site-label[data-id="{day.sites["Jakarta - Gedung DPR RI"]}"] .hc')
    ).to_have_text("14,250")


PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def test_with_a_tile_url_the_map_draws_tiles_not_the_shipped_outlines(
    server: Server, day: Day, page: Page
) -> None:
    """The server names no tile URL today; when /api/config carries one, tiles replace the
    GeoJSON basemap (here a stand-in config and tile server, on this origin for the CSP)."""
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))

    def config(route: Route) -> None:
        answer = route.fetch()
        body = {**answer.json(), "tile_url": server.http + "/tiles/{z}/{x}/{y}.png"}
        route.fulfill(response=answer, json=body)

    page.route("**/api/config", config)
    page.route("**/tiles/**", lambda route: route.fulfill(content_type="image/png", body=PNG))
    sign_in(page, server)
    expect(page.locator(f'.site-label[data-id="{day.site_id}"]')).to_be_visible()
    expect(page.locator("img.leaflet-tile-loaded").first).to_be_visible()
    assert not [url for url in asked if "/static/geo/" in url]
