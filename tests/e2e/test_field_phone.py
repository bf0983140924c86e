"""The korlap's phone (/lapor) in a phone-sized headless Chromium with a mocked GPS against a real
`posko serve`: join from an invite link, check in, report with no signal (the page reopens from
its service worker and loses nothing), and see every item acknowledged by the posko, each
recorded once, even when an answer was lost and the report sent again. And `posko serve` over
TLS (HTTPS and WSS) with a self-signed certificate made here."""

from __future__ import annotations

import json
import os
import re
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Request, Route, WebSocketRoute, expect
from websockets.sync.client import connect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.process import API_KEY, Server
from tests.e2e.test_invite_page import csp_violations

JABABEKA = (-6.2875, 107.1567)
PATUNG_KUDA = (-6.1753, 106.8227)
NEAR_JABABEKA = {"latitude": -6.2879, "longitude": 107.1571, "accuracy": 12}
PHONE: dict[str, Any] = {  # what conftest's `phone` fixture makes, for a context made here
    "viewport": {"width": 360, "height": 640},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
    "locale": "id-ID",
    "timezone_id": "Asia/Jakarta",
}
RECEIVED_TIMEOUT = 20_000  # ms: a retry waits a backoff of about 2 s, the feed a reconnect


def plan(server: Server) -> tuple[str, dict[str, str]]:
    """An action with two sites; the phone will stand near Jababeka."""
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
    assert status == 201, action
    sites = {}
    for name, (lat, lon) in {
        "Jakarta - Patung Kuda": PATUNG_KUDA,
        "Bekasi - Kawasan Jababeka": JABABEKA,
    }.items():
        status, site = server.request(
            "POST",
            f"/api/actions/{action['id']}/sites",
            {"name": name, "lat": lat, "lon": lon, "target": 4000},
        )
        assert status == 201, site
        sites[name] = site["id"]
    return action["id"], sites


def join(server: Server, phone: Page, action_id: str, site_id: str | None = None) -> None:
    """A coordinator's invite, opened on the phone: a name, and on to /lapor."""
    body = {"label": "Korlap"} | ({"site_id": site_id} if site_id else {})
    status, invite = server.request("POST", f"/api/actions/{action_id}/invites", body)
    assert status == 201, invite
    phone.context.grant_permissions(["geolocation"])
    phone.context.set_geolocation(NEAR_JABABEKA)
    phone.goto(server.http + invite["url"])
    phone.fill("#name", "Sri Rahayu")
    phone.locator("#join-form button").tap()
    expect(phone).to_have_url(re.compile(r"/lapor(#lokasi)?$"))
    expect(phone.locator("html")).to_have_attribute("data-ready", "1")


def items(phone: Page) -> dict[str, str]:
    """The phone's items as listed: id -> state."""
    listed: dict[str, str] = phone.locator("#outbox li").evaluate_all(
        "lis => Object.fromEntries(lis.map(li => [li.dataset.id, li.dataset.state]))"
    )
    return listed


def feed_ids(server: Server, action_id: str) -> Counter[str]:
    """How often each report, incident and request is in the action's feed."""
    status, feed = server.request("GET", f"/api/actions/{action_id}/feed")
    assert status == 200, feed
    return Counter(item["id"] for item in feed["items"])


def site_row(server: Server, action_id: str, site_id: str) -> dict[str, Any]:
    status, sites = server.request("GET", f"/api/actions/{action_id}/map")
    assert status == 200
    properties: dict[str, Any] = next(f for f in sites["features"] if f["id"] == site_id)[
        "properties"
    ]
    return properties


def test_reports_made_with_no_signal_survive_a_reload_and_reach_the_posko_once(
    server: Server, phone: Page
) -> None:
    action_id, sites = plan(server)
    jababeka = sites["Bekasi - Kawasan Jababeka"]
    violations = csp_violations(phone)
    join(server, phone, action_id)

    # Two sites and no site in the invite: choose, nearest first by GPS.
    choices = phone.locator("#sites button")
    expect(choices).to_have_count(2)
    expect(choices.first).to_contain_text("Bekasi - Kawasan Jababeka")
    expect(choices.first.locator(".distance")).to_have_text("60 m")
    choices.first.tap()
    expect(phone.locator("#site-name")).to_have_text("Bekasi - Kawasan Jababeka")

    phone.locator("#checkin").tap()
    checkin = phone.locator("#outbox li").first
    expect(checkin).to_have_attribute("data-state", "received", timeout=RECEIVED_TIMEOUT)
    expect(checkin.locator(".what")).to_have_text("Absen · GPS ± 12 m")
    checked_in = checkin.get_attribute("data-id")
    # The page opens with no signal from here on: its service worker holds the shell.
    expect(phone.locator("html")).to_have_attribute("data-offline-ready", "1")

    phone.context.set_offline(True)
    phone.locator("a[href='#massa']").tap()
    phone.fill("#headcount", "1500")
    phone.locator("#form-headcount .send").tap()
    phone.locator("a[href='#insiden']").tap()
    phone.locator("#form-incident label", has_text="Tindakan aparat").tap()
    phone.locator("#form-incident label", has_text="Berat").tap()
    phone.fill("#description", "Barikade aparat di gerbang tol, massa tertahan.")
    phone.locator("#form-incident .send").tap()
    phone.locator("a[href='#bantuan']").tap()
    phone.locator("#form-help label", has_text="Tim medis").tap()
    phone.locator("#form-help [data-step='1']").tap()
    phone.locator("#form-help .send").tap()
    expect(phone.locator("#outbox li[data-state='queued']")).to_have_count(3)
    expect(phone.locator("#net")).to_have_text("Tanpa sinyal · laporan disimpan di HP")
    made = items(phone)
    assert len(made) == 4
    assert feed_ids(server, action_id) == Counter({checked_in: 1})  # nothing else got out

    reloaded = phone.reload()  # still no signal: the page comes from the service worker
    assert reloaded is not None and reloaded.from_service_worker
    expect(phone.locator("html")).to_have_attribute("data-ready", "1")
    expect(phone.locator("#action-title")).to_have_text("Aksi Tolak Upah Murah")
    expect(phone.locator("#outbox li[data-state='queued']")).to_have_count(3)
    assert items(phone).keys() == made.keys()  # kept on the phone (IndexedDB)

    phone.context.set_offline(False)
    for item in phone.locator("#outbox li").all():
        expect(item).to_have_attribute("data-state", "received", timeout=RECEIVED_TIMEOUT)
    expect(phone.locator("#counts")).to_have_text("4 diterima")
    expect(phone.locator("#net")).to_have_text("Tersambung ke posko")

    assert feed_ids(server, action_id) == Counter(dict.fromkeys(made, 1))  # each exactly once
    site = site_row(server, action_id, jababeka)
    assert (site["reports"], site["headcount"]) == (2, 1500)  # the check-in and the headcount
    assert (site["open_incidents"], site["max_severity"], site["open_requests"]) == (1, "high", 1)
    _, feed = server.request("GET", f"/api/actions/{action_id}/feed")
    request = next(i for i in feed["items"] if i["type"] == "request")
    assert (request["kind"], request["quantity"]) == ("medic", 2)

    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "field-phone.png"))  # 360x640, as the korlap sees it
    assert violations == []


def test_a_report_whose_answer_was_lost_is_sent_again_and_counted_once(
    server: Server, phone: Page
) -> None:
    action_id, sites = plan(server)
    jababeka = sites["Bekasi - Kawasan Jababeka"]

    # The posko's acknowledgements are held back until the resend has its answer: the resend
    # must happen, and be answered as a repeat, for this test to mean anything.
    feed: dict[str, Any] = {"open": False, "route": None}

    def gateway(ws: WebSocketRoute) -> None:
        feed["route"] = ws
        if feed["open"]:
            ws.connect_to_server()

    phone.route_web_socket(re.compile(rf"^ws://127\.0\.0\.1:{server.ws_port}/"), gateway)

    # The first send reaches the server and is stored, but the phone sees a timeout.
    lost: list[int] = []
    answers: list[int] = []

    def reports(route: Route, request: Request) -> None:
        if request.method == "POST" and not lost:
            lost.append(route.fetch().status)
            route.abort("timedout")
        else:
            route.continue_()

    phone.route("**/api/actions/*/reports", reports)
    phone.on(
        "response",
        lambda r: answers.append(r.status) if r.url.endswith("/reports") else None,
    )
    join(server, phone, action_id, site_id=jababeka)  # an invite for one site: no choosing
    expect(phone.locator("#site-name")).to_have_text("Bekasi - Kawasan Jababeka")
    expect(phone.locator("#site-change")).to_be_hidden()

    phone.locator("a[href='#status']").tap()
    phone.locator("#form-status label", has_text="Long march").tap()
    phone.locator("#form-status label", has_text="Tegang").tap()
    phone.locator("#form-status .send").tap()
    phone.locator("a[href='#massa']").tap()
    phone.fill("#headcount", "2500")
    phone.locator("#form-headcount .send").tap()

    # The status was stored but its answer lost; sent again after a backoff, the server answers
    # 200 (already recorded) and the headcount 201.
    for item in phone.locator("#outbox li").all():
        expect(item).to_have_attribute("data-state", "sent", timeout=RECEIVED_TIMEOUT)
    assert lost == [201]
    assert sorted(answers) == [200, 201]
    made = items(phone)
    assert feed_ids(server, action_id) == Counter(dict.fromkeys(made, 1))
    site = site_row(server, action_id, jababeka)
    assert (site["reports"], site["headcount"]) == (2, 2500)
    assert (site["phase"], site["mood"]) == ("marching", "tense")

    # The feed comes through: both are received by the posko.
    feed["open"] = True
    assert feed["route"] is not None
    feed["route"].close()
    for item in phone.locator("#outbox li").all():
        expect(item).to_have_attribute("data-state", "received", timeout=RECEIVED_TIMEOUT)
    assert feed_ids(server, action_id) == Counter(dict.fromkeys(made, 1))


def test_a_rejected_report_is_marked_failed_with_the_servers_reason_and_not_retried(
    server: Server, phone: Page
) -> None:
    action_id, sites = plan(server)
    join(server, phone, action_id, site_id=sites["Bekasi - Kawasan Jababeka"])
    sent: list[str] = []
    phone.on("request", lambda r: sent.append(r.url) if r.url.endswith("/reports") else None)
    # An action cancelled meanwhile takes no more reports: a 409 that no retry can fix.
    status, _ = server.request(
        "POST", f"/api/actions/{action_id}/status", {"status": "cancelled", "reason": "Hujan badai"}
    )
    assert status == 201

    phone.locator("a[href='#massa']").tap()
    phone.fill("#headcount", "300")
    phone.locator("#form-headcount .send").tap()

    item = phone.locator("#outbox li").first
    expect(item).to_have_attribute("data-state", "failed")
    expect(item.locator(".state")).to_have_text("gagal")
    status, problem = server.request(
        "POST",
        f"/api/actions/{action_id}/reports",
        {
            "id": item.get_attribute("data-id"),
            "site_id": sites["Bekasi - Kawasan Jababeka"],
            "kind": "headcount",
            "headcount": 300,
            "at": datetime.now(UTC).isoformat(),
        },
    )
    assert status == 409
    expect(item.locator(".why")).to_have_text(problem["title"])
    phone.wait_for_timeout(6_000)  # more than a backoff and a tick: nothing is sent again
    assert len(sent) == 1


def test_a_headcount_per_federation_from_an_admin_reporting_for_an_action(
    server: Server, phone: Page
) -> None:
    """The breakdown needs affiliates' names, which an admin's session may read (a korlap's
    invite may not yet); ?action= picks the action for a session that is not an invite's."""
    action_id, sites = plan(server)
    affiliates = {}
    for name in ("KSPI", "KSPSI"):
        status, created = server.request("POST", "/api/affiliates", {"name": name})
        assert status == 201, created
        affiliates[name] = created["id"]
        status, _ = server.request(
            "POST",
            f"/api/actions/{action_id}/targets",
            {"affiliate_id": created["id"], "target": 2000},
        )
        assert status == 201
    status, admin = server.request(
        "POST", "/api/people", {"name": "Admin", "phone": "0812-1000-2000", "password": "x" * 12}
    )
    assert status == 201, admin
    status, _ = server.request("POST", f"/api/people/{admin['id']}/roles", {"name": "admin"})
    assert status == 201
    signed_in = phone.context.request.post(
        server.http + "/api/session", data={"login": "081210002000", "password": "x" * 12}
    )
    assert signed_in.status == 201
    phone.context.grant_permissions(["geolocation"])
    phone.context.set_geolocation(NEAR_JABABEKA)

    phone.goto(f"{server.http}/lapor?action={action_id}&lang=en")
    expect(phone.locator("html")).to_have_attribute("data-ready", "1")
    phone.locator("#sites button").first.tap()
    phone.locator("a[href='#massa']").tap()
    phone.fill("#headcount", "3000")
    phone.locator("#by-affiliate summary").tap()
    phone.get_by_label("KSPI", exact=True).fill("1200")
    phone.get_by_label("KSPSI", exact=True).fill("900")
    phone.locator("#form-headcount .send").tap()

    item = phone.locator("#outbox li").first
    expect(item).to_have_attribute("data-state", "received", timeout=RECEIVED_TIMEOUT)
    expect(item.locator(".what")).to_have_text("Headcount 3,000")
    site = site_row(server, action_id, sites["Bekasi - Kawasan Jababeka"])
    assert site["headcount"] == 3000
    assert site["by_affiliate"] == {affiliates["KSPI"]: 1200, affiliates["KSPSI"]: 900}


# -- TLS -----------------------------------------------------------------------------------------


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as the README's openssl command makes them."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@dataclass
class TlsServer(Server):
    """`posko serve` over HTTPS, trusting the certificate it was given."""

    cafile: Path | None = None
    last_headers: dict[str, str] = field(default_factory=dict)  # of the last answer

    @property
    def http(self) -> str:
        return f"https://127.0.0.1:{self.http_port}"

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cafile))

    def request(
        self, method: str, path: str, body: Any = None, *, token: str | None = API_KEY
    ) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.http + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=10, context=self.client_context()) as answer:
                self.last_headers = dict(answer.headers)
                return answer.status, json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")


def tls_server(data_dir: Path) -> TlsServer:
    cert, key = self_signed(data_dir)
    server = TlsServer(data_dir, cafile=cert)
    server.extra_env = {
        "POSKO_TLS_CERT": str(cert),
        "POSKO_TLS_KEY": str(key),
    }
    return server


def test_posko_serves_https_and_wss_from_the_certificate_in_its_settings(tmp_path: Path) -> None:
    server = tls_server(tmp_path)
    server.start()
    try:
        status, health = server.request("GET", "/healthz")
        assert (status, health["status"]) == (200, "ok")
        assert server.last_headers["Strict-Transport-Security"] == "max-age=31536000"
        with pytest.raises(OSError):  # plain HTTP on the TLS port gets no answer
            urllib.request.urlopen(f"http://127.0.0.1:{server.http_port}/healthz", timeout=5)

        url = f"wss://127.0.0.1:{server.ws_port}/"
        headers = {"Authorization": f"Bearer {API_KEY}"}
        with connect(url, ssl=server.client_context(), additional_headers=headers) as ws:
            assert json.loads(ws.recv(timeout=5)) == {"type": "ready"}
            ws.send(json.dumps({"type": "subscribe", "channel": "actions", "since": None}))
            snapshot = json.loads(ws.recv(timeout=5))
            assert (snapshot["type"], snapshot["channel"]) == ("snapshot", "actions")
    finally:
        assert server.stop() == 0


@pytest.mark.parametrize(
    ("tls_env", "named"),
    [
        ({"POSKO_TLS_CERT": "/nonexistent/cert.pem", "POSKO_TLS_KEY": "KEY"}, "POSKO_TLS_CERT"),
        ({"POSKO_TLS_CERT": "CERT"}, "POSKO_TLS_KEY"),
        ({"POSKO_TLS_CERT": "CERT", "POSKO_TLS_KEY": "CERT"}, "POSKO_TLS_KEY"),
    ],
    ids=["missing-file", "cert-without-key", "cert-as-its-own-key"],
)
def test_a_bad_tls_setting_stops_start_up_naming_it(
    tmp_path: Path, tls_env: dict[str, str], named: str
) -> None:
    cert, key = self_signed(tmp_path)
    paths = {"CERT": str(cert), "KEY": str(key)}
    env = {**os.environ, "POSKO_DATA_DIR": str(tmp_path), "POSKO_API_KEY": API_KEY}
    env |= {name: paths.get(value, value) for name, value in tls_env.items()}
    done = subprocess.run(
        [sys.executable, "-m", "posko", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode != 0
    assert named in done.stderr
    assert "Traceback" not in done.stderr


def test_the_field_page_over_https_reports_and_hears_the_posko_over_wss(
    tmp_path: Path, browser: Browser
) -> None:
    server = tls_server(tmp_path)
    server.start()
    # A phone that clicked through the warning for a self-signed certificate: it may use the
    # page, but Chromium will not install its service worker (the README says: trust it).
    context = browser.new_context(ignore_https_errors=True, **PHONE)
    try:
        action_id, sites = plan(server)
        phone = context.new_page()
        violations = csp_violations(phone)
        join(server, phone, action_id, site_id=sites["Bekasi - Kawasan Jababeka"])
        assert phone.url.startswith("https://")
        expect(phone.locator("#net")).to_have_text("Tersambung ke posko")  # the feed, over wss
        phone.locator("#checkin").tap()
        item = phone.locator("#outbox li").first
        expect(item).to_have_attribute("data-state", "received", timeout=RECEIVED_TIMEOUT)
        assert feed_ids(server, action_id) == Counter({item.get_attribute("data-id"): 1})
        assert violations == []
    finally:
        context.close()
        assert server.stop() == 0
