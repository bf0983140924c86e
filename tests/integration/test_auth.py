"""Sign-in, sessions, invites and the web's defences, on a real server over a free port built the
way `posko serve` builds it (SQLite files in a temporary directory, the projection running).

Browsers are aiohttp client sessions with their own cookie jars; the API key is the admin."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from aiohttp import ClientSession, CookieJar
from aiohttp.test_utils import TestServer
from multidict import CIMultiDictProxy

from core.access import Role
from core.audit import PositionsRead
from posko.bootstrap import Components, build, web_services
from posko.settings import Settings
from web.app import create_app
from web.client_address import client_address, parse_networks
from web.security import COOKIE
from web.services import Services
from web.throttle import FIRST_DELAY, LIMIT

KEY = "k" * 32
PASSWORD = "kata-sandi-yang-panjang"
PROBLEM_JSON = "application/problem+json"


@dataclass
class Reply:
    status: int
    body: Any
    content_type: str
    headers: CIMultiDictProxy[str]


@dataclass
class Client:
    """One browser (its own cookie jar) or API client (a bearer token)."""

    session: ClientSession
    token: str | None = None
    csrf: str | None = None
    signed_in: dict[str, Any] = field(default_factory=dict)  # the sign-in's answer

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        csrf: bool = True,
    ) -> Reply:
        sent: dict[str, str] = {}
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        if csrf and self.csrf and method != "GET":
            sent["X-CSRF-Token"] = self.csrf
        sent.update(headers or {})
        data = None if body is None else json.dumps(body).encode()
        if data is not None:
            sent["Content-Type"] = "application/json"
        async with self.session.request(method, path, data=data, headers=sent) as response:
            text = await response.text()
            parsed = json.loads(text) if text and "json" in response.content_type else text
            return Reply(response.status, parsed, response.content_type, response.headers)

    async def get(self, path: str, **kwargs: Any) -> Reply:
        return await self.call("GET", path, **kwargs)

    async def post(self, path: str, body: Any = None, **kwargs: Any) -> Reply:
        return await self.call("POST", path, body, **kwargs)


@dataclass
class Server:
    components: Components
    services: Services
    base_url: str
    clients: list[Client] = field(default_factory=list)

    def client(self, token: str | None = None) -> Client:
        jar = CookieJar(unsafe=True)  # keep cookies of 127.0.0.1, as a browser does
        client = Client(ClientSession(base_url=self.base_url, cookie_jar=jar), token)
        self.clients.append(client)
        return client

    @property
    def admin(self) -> Client:
        return self.clients[0]

    async def person(self, phone: str, *roles: Role, name: str = "Ani") -> str:
        reply = await self.admin.post(
            "/api/people", {"name": name, "phone": phone, "password": PASSWORD}
        )
        assert reply.status == 201, reply.body
        for role in roles:
            granted = await self.admin.post(f"/api/people/{reply.body['id']}/roles", role.as_dict())
            assert granted.status == 201, granted.body
        return str(reply.body["id"])

    async def signed_in(self, phone: str) -> Client:
        """A browser signed in with the cookie (and the CSRF token its page would have)."""
        browser = self.client()
        reply = await browser.post("/api/session", {"login": phone, "password": PASSWORD})
        assert reply.status == 201, reply.body
        browser.csrf = reply.body["csrf_token"]
        browser.signed_in = reply.body
        return browser

    async def action(self) -> tuple[str, str]:
        starts = datetime.now(UTC)
        action = await self.admin.post(
            "/api/actions",
            {
                "title": "Mogok Nasional",
                "kind": "strike",
                "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(hours=8)).isoformat(),
            },
        )
        site = await self.admin.post(
            f"/api/actions/{action.body['id']}/sites",
            {"name": "Kawasan MM2100", "lat": -6.29, "lon": 107.09, "target": 3000},
        )
        assert site.status == 201, site.body
        return action.body["id"], site.body["id"]

    def position(self) -> int:
        return self.components.app.recorder.max_notification_id() or 0

    def events_after(self, position: int) -> list[Any]:
        app = self.components.app
        notifications = app.recorder.select_notifications(
            start=position, limit=1000, inclusive_of_start=False
        )
        return [app.mapper.to_domain_event(n) for n in notifications]


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[Server]:
    components = build(Settings(data_dir=tmp_path, api_key=KEY), runner=True, gateway=False)
    services = web_services(components)
    # As `posko serve` runs it: no access log, so the only request log is Posko's own.
    test_server = TestServer(create_app(services))
    await test_server.start_server(access_log=None)
    assert components.runner is not None
    projecting = asyncio.create_task(components.runner.run())
    srv = Server(components, services, str(test_server.make_url("/")))
    srv.client(KEY)  # the admin, by API key
    try:
        yield srv
    finally:
        for client in srv.clients:
            await client.session.close()
        projecting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await projecting
        await test_server.close()
        # A cancelled runner may still be committing a batch in a worker thread: let it
        # finish before the store's connections close under it.
        await asyncio.get_running_loop().shutdown_default_executor()
        components.close()


def assert_problem(reply: Reply, status: int, code: str) -> None:
    assert reply.status == status, reply.body
    assert reply.content_type == PROBLEM_JSON
    assert reply.body["code"] == code


# -- sign-in -------------------------------------------------------------------------------------


async def test_sign_in_answers_a_token_and_sets_a_strict_http_only_cookie(server: Server) -> None:
    person_id = await server.person("0812-1111-2222", Role("coordinator"))
    browser = server.client()

    reply = await browser.post("/api/session", {"login": "0812 1111 2222", "password": PASSWORD})

    assert reply.status == 201
    assert set(reply.body) == {"token", "csrf_token", "expires_at", "person"}
    assert reply.body["person"] == {
        "id": person_id,
        "name": "Ani",
        "roles": [{"name": "coordinator"}],
    }
    assert len(reply.body["token"]) >= 43  # 32 random bytes
    cookie = reply.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}={reply.body['token']};")
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert "Path=/" in cookie
    assert "Secure" not in cookie  # plain HTTP here; see the TLS test


async def test_the_token_works_as_a_bearer_and_the_cookie_for_the_browser(server: Server) -> None:
    await server.person("0812-1111-2222", Role("coordinator"))
    browser = await server.signed_in("+6281211112222")
    api_client = server.client(browser.signed_in["token"])

    by_cookie = await browser.get("/api/session")
    by_bearer = await api_client.get("/api/session")

    assert by_cookie.status == by_bearer.status == 200
    assert by_cookie.body["person"]["name"] == "Ani"
    assert by_bearer.body["csrf_token"] == browser.signed_in["csrf_token"]
    assert by_bearer.body["roles"] == [{"name": "coordinator"}]


async def test_a_cookie_is_secure_and_hsts_is_sent_only_over_tls(server: Server) -> None:
    await server.person("0812-1111-2222")
    browser = server.client()
    body = {"login": "081211112222", "password": PASSWORD}

    plain = await browser.post("/api/session", body)
    behind_tls = await browser.post("/api/session", body, headers={"X-Forwarded-Proto": "https"})

    assert "Strict-Transport-Security" not in plain.headers
    assert behind_tls.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Secure" in behind_tls.headers["Set-Cookie"]


async def test_an_unknown_login_and_a_wrong_password_get_the_same_401(server: Server) -> None:
    await server.person("0812-1111-2222")
    browser = server.client()

    wrong_password = await browser.post(
        "/api/session", {"login": "081211112222", "password": "not-the-password"}
    )
    unknown_login = await browser.post(
        "/api/session", {"login": "081299998888", "password": "not-the-password"}
    )
    not_a_login = await browser.post("/api/session", {"login": "nobody", "password": "x"})

    assert_problem(wrong_password, 401, "bad_credentials")
    assert wrong_password.body == unknown_login.body == not_a_login.body
    assert "field" not in wrong_password.body  # neither says which of the two was wrong
    assert "Set-Cookie" not in wrong_password.headers


async def test_typos_behind_one_address_block_neither_others_there_nor_the_person_elsewhere(
    server: Server,
) -> None:
    await server.person("0812-1111-2222")
    await server.person("0812-3333-4444", name="Budi")
    # Behind a trusted proxy (a carrier NAT or the posko's nginx) everyone has one address.
    server.services.trusted_proxies = parse_networks("127.0.0.1")
    nat = {"X-Forwarded-For": "203.0.113.7"}
    browser = server.client()
    wrong = {"login": "081211112222", "password": "wrong-wrong-wrong"}

    storm = await asyncio.gather(
        *(browser.post("/api/session", wrong, headers=nat) for _ in range(LIMIT + 3))
    )
    right_there = await browser.post(
        "/api/session", {"login": "081211112222", "password": PASSWORD}, headers=nat
    )
    other_there = await server.client().post(
        "/api/session", {"login": "081233334444", "password": PASSWORD}, headers=nat
    )
    right_elsewhere = await server.client().post(
        "/api/session",
        {"login": "081211112222", "password": PASSWORD},
        headers={"X-Forwarded-For": "198.51.100.20"},
    )

    statuses = sorted(r.status for r in storm)
    assert statuses == [401] * LIMIT + [429] * 3  # attempts counted as they start
    refused = next(r for r in storm if r.status == 429)
    assert_problem(refused, 429, "too_many_attempts")
    assert int(refused.headers["Retry-After"]) == FIRST_DELAY
    assert refused.body["params"]["retry_after"] == FIRST_DELAY
    assert_problem(right_there, 429, "too_many_attempts")  # that pair waits
    assert (other_there.status, right_elsewhere.status) == (201, 201)


async def test_forwarded_for_is_believed_only_from_a_trusted_proxy(server: Server) -> None:
    await server.person("0812-1111-2222")
    wrong = {"login": "081211112222", "password": "wrong-wrong-wrong"}
    # Not configured: a client cannot dodge the block by naming a new address each time.
    spoofed = [
        await server.client().post(
            "/api/session", wrong, headers={"X-Forwarded-For": f"198.51.100.{n}"}
        )
        for n in range(LIMIT + 1)
    ]
    assert [r.status for r in spoofed] == [401] * LIMIT + [429]

    # Trusted: the address is the first one from the right that is not a trusted proxy.
    server.services.trusted_proxies = parse_networks("127.0.0.0/8, 10.0.0.0/8")
    forwarded = "1.2.3.4, 203.0.113.9, 10.0.0.2"
    trusted = server.services.trusted_proxies
    assert client_address("127.0.0.1", forwarded, trusted) == "203.0.113.9"
    # the peer is no proxy of ours: its header is its own word
    assert client_address("192.0.2.1", forwarded, trusted) == "192.0.2.1"


async def test_repeated_wrong_passwords_for_one_login_are_slowed(server: Server) -> None:
    await server.person("0812-1111-2222")
    browser = server.client()
    body = {"login": "081211112222", "password": "wrong-wrong-wrong"}

    replies = [await browser.post("/api/session", body) for _ in range(LIMIT + 1)]

    assert [r.status for r in replies] == [401] * LIMIT + [429]


async def test_bad_sign_in_input_is_a_422_naming_the_field(server: Server) -> None:
    browser = server.client()

    missing = await browser.post("/api/session", {"login": "081211112222"})
    wrong_type = await browser.post("/api/session", {"login": 812, "password": PASSWORD})

    assert_problem(missing, 422, "required")
    assert missing.body["field"] == "password"
    assert_problem(wrong_type, 422, "wrong_type")
    assert wrong_type.body["field"] == "login"


# -- sessions ending -----------------------------------------------------------------------------


async def test_logout_ends_the_session_and_clears_the_cookie(server: Server) -> None:
    await server.person("0812-1111-2222")
    browser = await server.signed_in("081211112222")
    laptop = await server.signed_in("081211112222")
    by_token = server.client(browser.signed_in["token"])
    before = await by_token.get("/api/session")

    reply = await browser.call("DELETE", "/api/session")

    assert before.status == 200
    assert reply.status == 204
    assert f"{COOKIE}=" in reply.headers["Set-Cookie"]
    assert "Max-Age=0" in reply.headers["Set-Cookie"]
    assert_problem(await by_token.get("/api/session"), 401, "unauthenticated")
    signed_out = await browser.get("/api/session")  # the cookie is gone: nobody, no error
    assert (signed_out.status, signed_out.body["actor"]) == (200, None)
    assert (await laptop.get("/api/session")).status == 200  # another session lives on


async def test_an_expired_session_is_refused(server: Server) -> None:
    person_id = await server.person("0812-1111-2222")
    token = "expired-" + "x" * 40
    await asyncio.to_thread(
        server.components.app.start_session,
        token=token,
        person_id=UUID(person_id),
        client="test",
        now=datetime.now(UTC) - timedelta(days=8),  # a 7-day session, started 8 days ago
        actor=f"person:{person_id}",
    )

    assert_problem(await server.client(token).get("/api/session"), 401, "unauthenticated")


async def test_a_revoked_session_is_refused_at_once(server: Server) -> None:
    person_id = await server.person("0812-1111-2222")
    browser = await server.signed_in("081211112222")
    me = await browser.get("/api/session")
    listed = await server.admin.get(
        f"/api/people/{person_id}/sessions?min_position={server.position()}"
    )
    (session,) = listed.body["sessions"]

    revoked = await server.admin.call("DELETE", f"/api/sessions/{session['id']}")

    assert me.status == 200
    assert revoked.status == 200
    assert_problem(await browser.get("/api/session"), 401, "unauthenticated")
    after = await server.admin.get(
        f"/api/people/{person_id}/sessions?min_position={revoked.body['position']}"
    )
    assert after.body["sessions"][0]["ended"] == "revoked"


async def test_a_person_lists_and_ends_their_own_sessions_but_not_others(server: Server) -> None:
    ani = await server.person("0812-1111-2222")
    budi = await server.person("0812-3333-4444", name="Budi")
    laptop = await server.signed_in("081211112222")
    phone = await server.signed_in("081211112222")
    other = await server.signed_in("081233334444")
    position = server.position()

    mine = await laptop.get(f"/api/people/{ani}/sessions?min_position={position}")
    theirs = await laptop.get(f"/api/people/{budi}/sessions")
    (budis,) = (await other.get(f"/api/people/{budi}/sessions")).body["sessions"]
    phones = next(s for s in mine.body["sessions"] if not s["current"])
    ended = await laptop.call("DELETE", f"/api/sessions/{phones['id']}")
    not_mine = await laptop.call("DELETE", f"/api/sessions/{budis['id']}")

    assert mine.status == 200
    assert sorted(s["current"] for s in mine.body["sessions"]) == [False, True]
    assert_problem(theirs, 403, "forbidden")
    assert ended.status == 200
    assert_problem(await phone.get("/api/session"), 401, "unauthenticated")
    assert_problem(not_mine, 404, "unknown_session")  # as if there were none
    assert (await other.get("/api/session")).status == 200


async def test_deactivating_a_person_ends_their_sessions_for_good(server: Server) -> None:
    person_id = await server.person("0812-1111-2222", Role("coordinator"))
    browser = await server.signed_in("081211112222")
    sign_in = {"login": "081211112222", "password": PASSWORD}

    deactivated = await server.admin.post(f"/api/people/{person_id}/deactivate")
    refused = await browser.get("/api/session")
    again = await server.client().post("/api/session", sign_in)
    reactivated = await server.admin.post(f"/api/people/{person_id}/reactivate")
    old_session = await browser.get("/api/session")
    new_sign_in = await server.client().post("/api/session", sign_in)

    assert deactivated.status == 201
    assert_problem(refused, 401, "unauthenticated")
    assert_problem(again, 401, "bad_credentials")
    assert reactivated.status == 201
    assert_problem(old_session, 401, "unauthenticated")  # ended, not merely paused
    assert new_sign_in.status == 201


# -- passwords -----------------------------------------------------------------------------------


async def test_people_change_their_own_password_with_the_current_one(server: Server) -> None:
    person_id = await server.person("0812-1111-2222")
    browser = await server.signed_in("081211112222")
    path = f"/api/people/{person_id}/password"

    weak = await browser.call("PUT", path, {"password": "short", "current_password": PASSWORD})
    without = await browser.call("PUT", path, {"password": "another-long-one"})
    wrong = await browser.call(
        "PUT", path, {"password": "another-long-one", "current_password": "nope-nope-nope"}
    )
    changed = await browser.call(
        "PUT", path, {"password": "another-long-one", "current_password": PASSWORD}
    )
    by_admin = await server.admin.call("PUT", path, {"password": "set-by-the-admin"})
    signed_in = await server.client().post(
        "/api/session", {"login": "081211112222", "password": "set-by-the-admin"}
    )

    assert_problem(weak, 422, "weak_password")
    assert_problem(without, 422, "required")
    assert without.body["field"] == "current_password"
    assert_problem(wrong, 422, "wrong_password")
    assert changed.status == 200
    assert by_admin.status == 200
    assert signed_in.status == 201


async def test_nobody_else_sets_a_persons_password(server: Server) -> None:
    ani = await server.person("0812-1111-2222", Role("coordinator"))
    await server.person("0812-3333-4444", Role("coordinator"), name="Budi")
    budi = await server.signed_in("081233334444")

    reply = await budi.call(
        "PUT",
        f"/api/people/{ani}/password",
        {"password": "taken-over-now", "current_password": PASSWORD},
    )

    assert_problem(reply, 403, "forbidden")


# -- invites -------------------------------------------------------------------------------------


async def test_an_invite_gives_a_phone_an_organiser_session_for_its_site(server: Server) -> None:
    action_id, site_id = await server.action()
    await server.person("0812-1111-2222", Role("coordinator", action_id=action_id))
    coordinator = await server.signed_in("081211112222")
    created = await coordinator.post(
        f"/api/actions/{action_id}/invites", {"label": "Korlap MM2100", "site_id": site_id}
    )
    phone = server.client()

    redeemed = await phone.post(
        "/api/invites/redeem", {"code": created.body["code"], "name": "Sri"}
    )
    phone.csrf = redeemed.body["csrf_token"]
    report = await phone.post(
        f"/api/actions/{action_id}/reports",
        {
            "id": str(uuid4()),
            "site_id": site_id,
            "kind": "headcount",
            "headcount": 800,
            "at": datetime.now(UTC).isoformat(),
        },
    )
    listed = await coordinator.get(
        f"/api/actions/{action_id}/invites?min_position={report.body['position']}"
    )

    assert created.status == 201
    assert created.body["url"] == f"/i/{created.body['code']}"
    assert re.fullmatch(r"[A-Za-z0-9_-]{12}", created.body["code"])
    assert redeemed.status == 201
    assert redeemed.body["action_id"] == action_id
    assert redeemed.body["site_id"] == site_id
    assert "HttpOnly" in redeemed.headers["Set-Cookie"]
    assert report.status == 201
    (invite,) = listed.body["invites"]
    assert invite["status"] == "active"
    assert [u["name"] for u in invite["uses"]] == ["Sri"]
    assert "code" not in invite  # shown once, at creation; only its hash is kept


async def test_a_revoked_invite_is_refused_and_its_sessions_stop(server: Server) -> None:
    action_id, _ = await server.action()
    created = await server.admin.post(f"/api/actions/{action_id}/invites", {"label": "Korlap"})
    phone = server.client()
    await phone.post("/api/invites/redeem", {"code": created.body["code"], "name": "Sri"})
    before = await phone.get(f"/api/actions/{action_id}/map?min_position={server.position()}")

    revoked = await server.admin.post(f"/api/invites/{created.body['id']}/revoke")
    again = await server.client().post(
        "/api/invites/redeem", {"code": created.body["code"], "name": "Joko"}
    )

    assert before.status == 200
    assert revoked.status == 201
    assert_problem(await phone.get(f"/api/actions/{action_id}/map"), 401, "unauthenticated")
    assert_problem(again, 404, "invite_unusable")
    assert again.body["field"] == "code"


async def test_an_expired_invite_is_refused_and_its_sessions_stop(server: Server) -> None:
    action_id, _ = await server.action()
    app = server.components.app
    past = datetime.now(UTC) - timedelta(hours=3)
    await asyncio.to_thread(
        app.create_invite,
        code="expired-code",
        action_id=UUID(action_id),
        site_id=None,
        label="Korlap",
        expires_at=past + timedelta(hours=1),
        now=past,
        actor="test",
    )
    await asyncio.to_thread(
        app.redeem_invite,
        code="expired-code",
        token="t" * 43,
        name="Sri",
        client="test",
        now=past + timedelta(minutes=10),  # used while it was valid
    )

    redeem = await server.client().post(
        "/api/invites/redeem", {"code": "expired-code", "name": "Joko"}
    )

    assert_problem(redeem, 404, "invite_unusable")
    assert_problem(await server.client("t" * 43).get("/api/session"), 401, "unauthenticated")


async def test_an_invite_lasts_a_day_by_default_and_at_most_two_weeks(server: Server) -> None:
    action_id, _ = await server.action()
    path = f"/api/actions/{action_id}/invites"
    too_long = (datetime.now(UTC) + timedelta(days=15)).isoformat()

    default = await server.admin.post(path, {"label": "Korlap"})
    refused = await server.admin.post(path, {"label": "Korlap", "expires_at": too_long})
    listed = await server.admin.get(f"{path}?min_position={default.body['position']}")

    (invite,) = listed.body["invites"]
    lasts = datetime.fromisoformat(invite["expires_at"]) - datetime.now(UTC)
    assert timedelta(hours=23) < lasts <= timedelta(hours=24)
    assert_problem(refused, 422, "out_of_range")
    assert refused.body["field"] == "expires_at"


# -- CSRF ----------------------------------------------------------------------------------------


async def test_cookie_writes_need_the_csrf_token_and_bearer_writes_do_not(server: Server) -> None:
    await server.person("0812-1111-2222", Role("coordinator"))
    browser = await server.signed_in("081211112222")
    token = browser.signed_in["token"]
    starts = datetime.now(UTC)
    body = {
        "title": "Aksi",
        "kind": "rally",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
    }
    before = server.position()

    without = await browser.post("/api/actions", body, csrf=False)
    forged = await browser.post(
        "/api/actions", body, csrf=False, headers={"X-CSRF-Token": "0" * 64}
    )
    non_ascii = await browser.post("/api/actions", body, csrf=False, headers={"X-CSRF-Token": "é"})
    after_refusals = server.position()
    with_token = await browser.post("/api/actions", body)
    by_bearer = await server.client(token).post("/api/actions", body)
    read = await browser.get("/api/actions")

    for refused in (without, forged, non_ascii):
        assert_problem(refused, 403, "csrf")
        assert refused.body["field"] == "X-CSRF-Token"
    assert after_refusals == before  # nothing written
    assert with_token.status == 201
    assert by_bearer.status == 201
    assert read.status == 200  # reads need no token


# -- security headers and logs -------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/masuk",
        "/admin",
        "/i/SomeInviteCode",
        "/static/app.js",
        "/api/openapi.json",
        "/api/actions",
        "/api/nothing",
        "/healthz",
    ],
)
async def test_every_response_carries_the_security_headers(server: Server, path: str) -> None:
    reply = await server.client().get(path)

    csp = reply.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["img-src"] == "'self' data:"
    assert directives["connect-src"] == f"'self' ws://127.0.0.1:{server.services.ws_port}"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert reply.headers["X-Frame-Options"] == "DENY"
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.headers["Referrer-Policy"] == "no-referrer"
    assert "Strict-Transport-Security" not in reply.headers


async def test_the_pages_are_served_in_both_languages(server: Server) -> None:
    for path in ("/masuk", "/login", "/admin", "/i/abc"):
        reply = await server.client().get(path)
        assert reply.status == 200, path
        assert reply.content_type == "text/html"
        assert '<html lang="id">' in reply.body


async def test_the_request_log_holds_no_password_token_or_invite_code(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await server.person("0812-1111-2222", Role("coordinator"))
    action_id, _ = await server.action()
    browser = await server.signed_in("081211112222")
    signed = browser.signed_in
    created = await browser.post(f"/api/actions/{action_id}/invites", {"label": "Korlap"})
    code = created.body["code"]
    await server.client().get(f"/i/{code}?token={signed['token']}")
    redeemed = await server.client().post("/api/invites/redeem", {"code": code, "name": "Sri"})
    await server.client().post("/api/session", {"login": "081211112222", "password": "wrong-pass"})
    await server.client(signed["token"]).get(f"/api/actions/{action_id}/map")

    logged = "\n".join(record.getMessage() for record in caplog.records)
    secrets = [
        PASSWORD,
        "wrong-pass",
        signed["token"],
        signed["csrf_token"],
        code,
        redeemed.body["token"],
        KEY,
    ]
    assert [s for s in secrets if s in logged] == []
    assert "route=/i/{code}" in logged  # the route pattern, not the path
    assert "route=/api/session status=201" in logged


# -- exact positions -----------------------------------------------------------------------------


async def test_reading_exact_positions_is_for_coordinators_and_is_recorded(server: Server) -> None:
    action_id, site_id = await server.action()
    coordinator_id = await server.person("0812-1111-2222", Role("coordinator", action_id=action_id))
    await server.person("0812-3333-4444", Role("organiser", action_id=action_id), name="Budi")
    coordinator = await server.signed_in("081211112222")
    organiser = await server.signed_in("081233334444")
    checkin = await organiser.post(
        f"/api/actions/{action_id}/reports",
        {
            "id": str(uuid4()),
            "site_id": site_id,
            "kind": "checkin",
            "lat": -6.2901,
            "lon": 107.0902,
            "accuracy_m": 12.0,
            "at": datetime.now(UTC).isoformat(),
        },
    )
    before = server.position()

    read = await coordinator.get(
        f"/api/actions/{action_id}/checkins?min_position={checkin.body['position']}"
    )
    refused = await organiser.get(f"/api/actions/{action_id}/checkins")
    site_level = await organiser.get(f"/api/actions/{action_id}/map")

    assert read.status == 200
    (position,) = read.body["checkins"]
    assert (position["lat"], position["lon"], position["accuracy_m"]) == (-6.2901, 107.0902, 12.0)
    assert position["reporter"].startswith("person:")
    assert_problem(refused, 403, "forbidden")
    assert site_level.status == 200
    assert "lat" not in json.dumps(site_level.body["features"][0]["properties"])
    (event,) = server.events_after(before)  # the one read, recorded; the refusal writes nothing
    assert isinstance(event, PositionsRead.Recorded)
    assert (str(event.action_id), event.actor, event.count) == (
        action_id,
        f"person:{coordinator_id}",
        1,
    )
