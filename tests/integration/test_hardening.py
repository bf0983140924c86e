"""What a forwarded invite link, an insider or a crowded network must not get (issue 8): invite
use limits and who each use is, throttling that never locks out the right password, the
checks on where a request comes from, and sessions that end when they should. On a real server
over a free port, as in test_auth."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed

from core.access import Role
from core.sessions import DEFAULT_MAX_USES, session_id
from posko.bootstrap import build
from posko.settings import Settings
from projections.port import SLOW_WORKERS
from realtime.gateway import (
    MAX_CONNECTIONS_PER_PRINCIPAL,
    SUBSCRIBES_PER_SECOND,
    Gateway,
)
from tests.integration.test_auth import (  # noqa: F401
    KEY,
    PASSWORD,
    Client,
    Reply,
    Server,
    assert_problem,
    server,
)
from web.security import csrf_token
from web.services import SLOW_QUEUE
from web.sessions import new_token
from web.shared_throttle import LocalAddressAttempts
from web.throttle import LIMIT, AddressThrottle

DEADLINE = 30.0


def _report(site_id: str) -> dict[str, Any]:
    return {
        "id": str(uuid4()),
        "site_id": site_id,
        "kind": "headcount",
        "headcount": 10,
        "at": datetime.now(UTC).isoformat(),
    }


async def _redeem(server: Server, code: str, name: str) -> tuple[Client, Reply]:  # noqa: F811
    phone = server.client()
    reply = await phone.post("/api/invites/redeem", {"code": code, "name": name})
    if reply.status == 201:
        phone.csrf = reply.body["csrf_token"]
    return phone, reply


# -- invites -------------------------------------------------------------------------------------


async def test_an_invite_is_refused_past_its_use_limit(server: Server) -> None:  # noqa: F811
    action_id, _ = await server.action()
    path = f"/api/actions/{action_id}/invites"
    created = await server.admin.post(path, {"label": "Korlap", "max_uses": 2})
    default = await server.admin.post(path, {"label": "Korlap"})

    replies = [(await _redeem(server, created.body["code"], n))[1] for n in ("Sri", "Joko", "Ani")]
    listed = await server.admin.get(f"{path}?min_position={server.position()}")

    assert [r.status for r in replies[:2]] == [201, 201]
    assert_problem(replies[2], 409, "invite_used_up")
    assert replies[2].body["field"] == "code"
    invites = {i["id"]: i for i in listed.body["invites"]}
    assert invites[created.body["id"]]["max_uses"] == 2
    assert invites[created.body["id"]]["status"] == "used_up"
    assert len(invites[created.body["id"]]["uses"]) == 2
    assert invites[default.body["id"]]["max_uses"] == DEFAULT_MAX_USES <= 10


async def test_a_use_limit_out_of_range_is_a_422(server: Server) -> None:  # noqa: F811
    action_id, _ = await server.action()
    path = f"/api/actions/{action_id}/invites"
    for bad in (0, 1001, "5"):
        reply = await server.admin.post(path, {"label": "K", "max_uses": bad})
        assert reply.status == 422, reply.body
        assert reply.body["field"] == "max_uses"


async def test_many_phones_opening_one_link_at_once_never_exceed_its_limit(
    server: Server,  # noqa: F811
) -> None:
    # Twelve phones behind one carrier address: let the address through, test the limit.
    server.services.redemptions = LocalAddressAttempts(AddressThrottle(limit=100))
    action_id, _ = await server.action()
    created = await server.admin.post(
        f"/api/actions/{action_id}/invites", {"label": "Korlap", "max_uses": 5}
    )
    results = await asyncio.gather(
        *(_redeem(server, created.body["code"], f"K{n}") for n in range(12))
    )
    statuses = sorted(reply.status for _, reply in results)
    assert statuses == [201] * 5 + [409] * 7, [r.body for _, r in results]


async def test_each_use_of_an_invite_is_its_own_actor_and_cannot_end_anothers_session(
    server: Server,  # noqa: F811
) -> None:
    action_id, site_id = await server.action()
    created = await server.admin.post(
        f"/api/actions/{action_id}/invites", {"label": "Korlap", "site_id": site_id}
    )
    invite = created.body["id"]
    sri, _ = await _redeem(server, created.body["code"], "Sri")
    joko, _ = await _redeem(server, created.body["code"], "Joko")

    sri_who = (await sri.get("/api/session")).body["actor"]
    joko_who = (await joko.get("/api/session")).body["actor"]
    before = server.position()
    report = await sri.post(f"/api/actions/{action_id}/reports", _report(site_id))
    listed = await server.admin.get(
        f"/api/actions/{action_id}/invites?min_position={report.body['position']}"
    )
    (row,) = listed.body["invites"]
    joko_session = row["uses"][1]["session_id"]
    ended_by_sri = await sri.call("DELETE", f"/api/sessions/{joko_session}")

    assert (sri_who, joko_who) == (f"invite:{invite}/1", f"invite:{invite}/2")
    (filed,) = [e for e in server.events_after(before) if type(e).__name__ == "Filed"]
    assert filed.actor == f"invite:{invite}/1"
    assert_problem(ended_by_sri, 404, "unknown_session")
    assert (await joko.get("/api/session")).status == 200
    # Revoking the invite still ends every use's session at once.
    await server.admin.post(f"/api/invites/{invite}/revoke")
    assert (await sri.get("/api/session")).status == 401
    assert (await joko.get("/api/session")).status == 401


async def test_redeeming_is_throttled_per_address(server: Server) -> None:  # noqa: F811
    action_id, _ = await server.action()
    created = await server.admin.post(f"/api/actions/{action_id}/invites", {"label": "K"})
    guesses = [(await _redeem(server, f"tebakan{n:05d}", "X"))[1] for n in range(LIMIT + 1)]

    _, right = await _redeem(server, created.body["code"], "Sri")

    assert [g.status for g in guesses[:LIMIT]] == [404] * LIMIT
    assert_problem(guesses[LIMIT], 429, "too_many_attempts")
    assert int(guesses[LIMIT].headers["Retry-After"]) > 0
    assert_problem(right, 429, "too_many_attempts")  # the address waits, whatever it sends


# -- password hashing in its own pool ------------------------------------------------------------


async def test_the_api_answers_while_every_password_worker_is_busy(server: Server) -> None:  # noqa: F811
    await server.person("0812-1111-2222")
    svc = server.services
    release = threading.Event()
    # Every slow worker busy (a slow geocoder, long replays): sign-ins wait, the API does not.
    blockers = [asyncio.ensure_future(svc.port.slow(release.wait)) for _ in range(SLOW_WORKERS)]
    try:
        signing_in = asyncio.ensure_future(
            server.client().post("/api/session", {"login": "081211112222", "password": PASSWORD})
        )
        listed = await asyncio.wait_for(server.admin.get("/api/actions"), DEADLINE)

        assert listed.status == 200  # the API's own pool is free
        assert not signing_in.done()  # the sign-in waits for a password worker
        queue = [
            asyncio.ensure_future(
                server.client().post(
                    "/api/session", {"login": f"08120000{n:04d}", "password": "x" * 12}
                )
            )
            for n in range(SLOW_QUEUE + 3)
        ]
        refused = await asyncio.wait_for(
            next(asyncio.as_completed(queue)), DEADLINE
        )  # the first to answer is one past the bound
        assert_problem(refused, 503, "sign_in_busy")
        assert refused.headers["Retry-After"] == "1"
    finally:
        release.set()
    assert (await asyncio.wait_for(signing_in, DEADLINE)).status == 201
    await asyncio.gather(*queue)
    await asyncio.gather(*blockers)


# -- where a request comes from ------------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
async def test_a_json_endpoint_refuses_a_body_that_is_not_json_with_415(
    server: Server,  # noqa: F811
    content_type: str | None,
) -> None:
    # What a cross-site form can send without a preflight: text/plain or a form encoding.
    await server.person("0812-1111-2222")
    body = json.dumps({"login": "081211112222", "password": PASSWORD}).encode()
    headers = {} if content_type is None else {"Content-Type": content_type}
    before = server.position()

    async with server.client().session.post("/api/session", data=body, headers=headers) as reply:
        problem = await reply.json(content_type=None)
        assert (reply.status, problem["code"]) == (415, "unsupported_media_type")
        assert problem["field"] == "Content-Type"
    async with server.admin.session.post(
        "/api/actions", data=b"{}", headers={**headers, "Authorization": "Bearer " + KEY}
    ) as reply:
        assert reply.status == 415
    assert server.position() == before


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "null"},
    ],
)
async def test_sign_in_and_redeem_refuse_a_cross_site_request(
    server: Server,  # noqa: F811
    headers: dict[str, str],
) -> None:
    await server.person("0812-1111-2222")
    action_id, _ = await server.action()
    created = await server.admin.post(f"/api/actions/{action_id}/invites", {"label": "K"})
    browser = server.client()

    signed_in = await browser.post(
        "/api/session", {"login": "081211112222", "password": PASSWORD}, headers=headers
    )
    redeemed = await browser.post(
        "/api/invites/redeem", {"code": created.body["code"], "name": "Sri"}, headers=headers
    )

    assert_problem(signed_in, 403, "cross_site")
    assert_problem(redeemed, 403, "cross_site")
    assert "Set-Cookie" not in signed_in.headers and "Set-Cookie" not in redeemed.headers


async def test_sign_in_from_the_posko_own_pages_is_accepted(server: Server) -> None:  # noqa: F811
    await server.person("0812-1111-2222")
    own = server.base_url.rstrip("/")
    for headers in (
        {"Origin": own, "Sec-Fetch-Site": "same-origin"},
        {"Sec-Fetch-Site": "none"},  # typed in or a bookmark
        {},  # API clients send neither
    ):
        reply = await server.client().post(
            "/api/session", {"login": "081211112222", "password": PASSWORD}, headers=headers
        )
        assert reply.status == 201, (headers, reply.body)


# -- the gateway's origin check, on by default ---------------------------------------------------


async def _cookie_handshake(url: str, token: str, origin: str) -> dict[str, Any]:
    headers = {"Cookie": f"posko_session={token}", "Origin": origin}
    async with ws_connect(url, additional_headers=headers) as ws:
        return dict(json.loads(await asyncio.wait_for(ws.recv(), DEADLINE)))


@pytest.mark.parametrize(
    ("public_url", "allowed", "refused"),
    [
        # Nothing configured: the page must come from the HTTP server on the host dialled.
        ("", "http://127.0.0.1:{http}", ["https://evil.example", "http://127.0.0.1:9"]),
        ("https://posko.example.org", "https://posko.example.org", ["http://127.0.0.1:{http}"]),
    ],
)
async def test_the_gateway_takes_the_cookie_only_from_posko_pages_by_default(
    tmp_path: Path, public_url: str, allowed: str, refused: list[str]
) -> None:
    settings = Settings(data_dir=tmp_path, api_key=KEY, http_port=18080, public_url=public_url)
    components = build(settings, runner=False, gateway=True)
    token = new_token()
    person = uuid4()
    app = components.app
    app.register_person(id=person, name="Ani", phone="081211112222", actor="test")
    app.grant_role(person_id=person, role=Role("admin"), actor="test")
    app.start_session(token=token, person_id=person, client="t", now=datetime.now(UTC), actor="t")
    assert components.gateway is not None
    try:
        async with components.gateway.running("127.0.0.1", 0) as running:
            url = f"ws://127.0.0.1:{running.sockets[0].getsockname()[1]}/"
            ok = await _cookie_handshake(url, token, allowed.format(http=18080))
            assert ok == {"type": "ready"}, ok
            for origin in refused:
                no = await _cookie_handshake(url, token, origin.format(http=18080))
                assert (no["type"], no["message"]) == ("error", "origin not allowed"), origin
    finally:
        components.close()


def test_any_origin_is_allowed_only_when_configured_so() -> None:
    assert Settings.from_env({"POSKO_ALLOWED_ORIGINS": "*"}).allowed_origins == "*"
    assert Settings.from_env({}).allowed_origins == ""


# -- sessions ------------------------------------------------------------------------------------


async def test_changing_ones_password_ends_ones_other_sessions(server: Server) -> None:  # noqa: F811
    person_id = await server.person("0812-1111-2222")
    laptop = await server.signed_in("081211112222")
    phone = await server.signed_in("081211112222")

    changed = await laptop.call(
        "PUT",
        f"/api/people/{person_id}/password",
        {"password": "kata-sandi-baru-sekali", "current_password": PASSWORD},
    )
    listed = await laptop.get(
        f"/api/people/{person_id}/sessions?min_position={changed.body['position']}"
    )

    assert changed.status == 200, changed.body
    assert (await laptop.get("/api/session")).status == 200  # the one that changed it
    assert_problem(await phone.get("/api/session"), 401, "unauthenticated")
    ended = {s["id"]: s["ended"] for s in listed.body["sessions"]}
    assert sorted(map(str, ended.values())) == ["None", "password_changed"]


async def test_an_admin_setting_someones_password_ends_all_their_sessions(
    server: Server,  # noqa: F811
) -> None:
    person_id = await server.person("0812-1111-2222")
    phone = await server.signed_in("081211112222")

    changed = await server.admin.call(
        "PUT", f"/api/people/{person_id}/password", {"password": "kata-sandi-baru-sekali"}
    )

    assert changed.status == 200
    assert_problem(await phone.get("/api/session"), 401, "unauthenticated")


async def test_an_admin_needs_the_current_password_to_change_their_own(
    server: Server,  # noqa: F811
) -> None:
    person_id = await server.person("0812-1111-2222", Role("admin"))
    admin = await server.signed_in("081211112222")
    path = f"/api/people/{person_id}/password"

    without = await admin.call("PUT", path, {"password": "kata-sandi-baru-sekali"})
    wrong = await admin.call(
        "PUT", path, {"password": "kata-sandi-baru-sekali", "current_password": "salah-salah-1"}
    )
    right = await admin.call(
        "PUT", path, {"password": "kata-sandi-baru-sekali", "current_password": PASSWORD}
    )

    assert_problem(without, 422, "required")
    assert without.body["field"] == "current_password"
    assert_problem(wrong, 422, "wrong_password")
    assert right.status == 200


async def test_a_session_unused_for_longer_than_the_idle_limit_is_refused(
    server: Server,  # noqa: F811
) -> None:
    await server.person("0812-1111-2222")
    browser = await server.signed_in("081211112222")
    app = server.components.app
    assert app.session_idle == timedelta(hours=12)  # the default
    token = browser.signed_in["token"]
    now = datetime.now(UTC)

    used = await asyncio.to_thread(app.principal_for_token, token, now + timedelta(hours=11))
    later = await asyncio.to_thread(app.principal_for_token, token, now + timedelta(hours=22))
    idle = await asyncio.to_thread(app.principal_for_token, token, now + timedelta(hours=35))

    assert used is not None  # and that use counts as activity ...
    assert later is not None  # ... so 11 h after it the session still works
    assert idle is None  # 13 h without a use: ended
    assert Settings.from_env({"POSKO_SESSION_IDLE_HOURS": "2"}).session_idle_hours == 2


async def test_the_gateway_rechecks_its_connections_even_with_the_projection_stalled(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path, api_key=KEY)
    components = build(settings, runner=False, gateway=False)  # no projection at all
    app = components.app
    person = uuid4()
    app.register_person(id=person, name="Ani", phone="081211112222", actor="test")
    app.grant_role(person_id=person, role=Role("admin"), actor="test")
    token = new_token()
    session = app.start_session(
        token=token, person_id=person, client="t", now=datetime.now(UTC), actor="t"
    )
    gateway = Gateway(components.port, components.bus, components.port.principal, recheck=0.05)
    await components.bus.start()
    try:
        async with gateway.running("127.0.0.1", 0) as running:
            url = f"ws://127.0.0.1:{running.sockets[0].getsockname()[1]}/"
            async with ws_connect(url) as ws:
                await ws.send(json.dumps({"type": "auth", "token": token}))
                assert json.loads(await ws.recv()) == {"type": "ready"}
                await asyncio.to_thread(
                    app.end_session, session_id=session.id, actor="test", reason="revoked"
                )
                notice = json.loads(await asyncio.wait_for(ws.recv(), DEADLINE))
                assert (notice["type"], notice["code"]) == ("error", "unauthenticated")
                await asyncio.wait_for(ws.wait_closed(), DEADLINE)
                assert ws.close_code == 1008
    finally:
        await components.bus.close()
        components.close()


# -- cheap requests, expensive work --------------------------------------------------------------


async def test_a_replay_while_the_replay_slots_are_busy_is_told_to_come_back(
    server: Server,  # noqa: F811
) -> None:
    action_id, _ = await server.action()
    # the action must be in the views first (else 404), whatever the machine's load
    head = server.services.port.app.recorder.max_notification_id()
    assert (await server.admin.get(f"/api/actions/{action_id}?min_position={head}")).status == 200
    slots = server.services.replays
    taken = 0
    while not slots.locked():  # every slot busy with someone's long replay
        await slots.acquire()
        taken += 1
    try:
        reply = await server.admin.get(f"/api/actions/{action_id}/map?at=2026-05-01T10:00:00Z")
    finally:
        for _ in range(taken):
            slots.release()
    again = await server.admin.get(f"/api/actions/{action_id}/map?at=2026-05-01T10:00:00Z")

    assert_problem(reply, 429, "replays_busy")
    assert int(reply.headers["Retry-After"]) >= 1
    assert again.status == 200


async def _gateway_with_session(tmp_path: Path) -> tuple[Any, str]:
    components = build(Settings(data_dir=tmp_path, api_key=KEY), runner=False, gateway=False)
    app = components.app
    person = uuid4()
    app.register_person(id=person, name="Ani", phone="081211112222", actor="test")
    app.grant_role(person_id=person, role=Role("admin"), actor="test")
    token = new_token()
    app.start_session(token=token, person_id=person, client="t", now=datetime.now(UTC), actor="t")
    return components, token


async def test_one_principal_may_hold_only_so_many_connections(tmp_path: Path) -> None:
    components, token = await _gateway_with_session(tmp_path)
    gateway = Gateway(components.port, components.bus, components.port.principal)
    await components.bus.start()
    try:
        async with gateway.running("127.0.0.1", 0) as running, contextlib.AsyncExitStack() as held:
            url = f"ws://127.0.0.1:{running.sockets[0].getsockname()[1]}/"
            for _ in range(MAX_CONNECTIONS_PER_PRINCIPAL):
                ws = await held.enter_async_context(ws_connect(url))
                await ws.send(json.dumps({"type": "auth", "token": token}))
                assert json.loads(await asyncio.wait_for(ws.recv(), DEADLINE))["type"] == "ready"
            async with ws_connect(url) as extra:
                await extra.send(json.dumps({"type": "auth", "token": token}))
                refused = json.loads(await asyncio.wait_for(extra.recv(), DEADLINE))
                assert (refused["type"], refused["code"]) == ("error", "too_many")
                await asyncio.wait_for(extra.wait_closed(), DEADLINE)
                assert extra.close_code == 1008
            # The API key is the server's own (benchmarks, scripts): not capped.
            async with ws_connect(url) as server_key:
                await server_key.send(json.dumps({"type": "auth", "token": KEY}))
                assert json.loads(await server_key.recv()) == {"type": "ready"}
    finally:
        await components.bus.close()
        components.close()


async def test_a_connection_flooding_subscriptions_is_told_and_closed(tmp_path: Path) -> None:
    components, token = await _gateway_with_session(tmp_path)
    gateway = Gateway(components.port, components.bus, components.port.principal)
    await components.bus.start()
    try:
        async with gateway.running("127.0.0.1", 0) as running:
            url = f"ws://127.0.0.1:{running.sockets[0].getsockname()[1]}/"
            async with ws_connect(url) as ws:
                await ws.send(json.dumps({"type": "auth", "token": token}))
                assert json.loads(await ws.recv()) == {"type": "ready"}
                for n in range(SUBSCRIBES_PER_SECOND * 3):  # each answered at once, no reads
                    channel = f"nope-{n}"
                    with contextlib.suppress(ConnectionClosed):
                        await ws.send(json.dumps({"type": "subscribe", "channel": channel}))
                codes = []
                with contextlib.suppress(ConnectionClosed):
                    while True:
                        message = json.loads(await asyncio.wait_for(ws.recv(), DEADLINE))
                        codes.append(message.get("code"))
                assert codes[-1] == "too_many", codes
                assert ws.close_code == 1008
    finally:
        await components.bus.close()
        components.close()


# -- information leaks ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("description", "Aman\u202e gnal"),  # right-to-left override: reads otherwise on screen
        ("description", "Aman\u2066x\u2069"),
        ("description", "Aman\x00"),
        ("description", "Aman\x1b[31m"),
    ],
)
async def test_text_with_control_or_bidi_override_characters_is_refused(
    server: Server,  # noqa: F811
    field: str,
    bad: str,
) -> None:
    action_id, site_id = await server.action()
    body = {
        "id": str(uuid4()),
        "site_id": site_id,
        "kind": "injury",
        "severity": "low",
        "description": "Aman",
        "at": datetime.now(UTC).isoformat(),
    }
    before = server.position()

    refused = await server.admin.post(f"/api/actions/{action_id}/incidents", {**body, field: bad})
    request = await server.admin.post(
        f"/api/actions/{action_id}/requests",
        {**body, "kind": "medic", "quantity": 1, "note": bad},
    )

    assert_problem(refused, 422, "bad_characters")
    assert refused.body["field"] == field
    assert_problem(request, 422, "bad_characters")
    assert request.body["field"] == "note"
    assert server.position() == before
    fine = await server.admin.post(
        f"/api/actions/{action_id}/incidents", {**body, "description": "Dua baris\nbiasa\tsaja"}
    )
    assert fine.status == 201


async def test_healthz_tells_only_admins_the_details(server: Server) -> None:  # noqa: F811
    anonymous = await server.client().get("/healthz")
    admin = await server.admin.get("/healthz")

    assert (anonymous.status, anonymous.body) == (200, {"status": "ok"})
    assert admin.status == 200
    assert admin.body["status"] == "ok" and len(admin.body) > 1


async def test_someone_elses_id_is_a_409_whatever_the_content(server: Server) -> None:  # noqa: F811
    action_id, site_id = await server.action()
    await server.person("0812-1111-2222", Role("coordinator", action_id=action_id))
    coordinator = await server.signed_in("081211112222")
    body = {
        "id": str(uuid4()),
        "site_id": site_id,
        "kind": "provocation",
        "severity": "high",
        "description": "Orang berbaju hitam",
        "at": datetime.now(UTC).isoformat(),
    }
    path = f"/api/actions/{action_id}/incidents"
    first = await server.admin.post(path, body)

    # Guessing the content of someone else's item must not be confirmed by a 200.
    same = await coordinator.post(path, body)
    other = await coordinator.post(path, {**body, "severity": "low"})
    mine_again = await server.admin.post(path, body)

    assert first.status == 201
    assert_problem(same, 409, "id_reused")
    assert_problem(other, 409, "id_reused")
    assert mine_again.status == 200


# -- found when tried as a new user would --------------------------------------------------------


async def test_the_check_in_radius_is_set_when_planning(server: Server) -> None:  # noqa: F811
    starts = datetime.now(UTC)
    body = {
        "title": "Aksi di kawasan industri",
        "kind": "rally",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=4)).isoformat(),
    }
    planned = await server.admin.post("/api/actions", {**body, "checkin_radius_m": 2000})
    default = await server.admin.post("/api/actions", body)
    too_far = await server.admin.post("/api/actions", {**body, "checkin_radius_m": 10**6})

    assert planned.status == 201, planned.body
    row = await server.admin.get(
        f"/api/actions/{planned.body['id']}?min_position={default.body['position']}"
    )
    other = await server.admin.get(f"/api/actions/{default.body['id']}")
    assert (row.body["checkin_radius_m"], other.body["checkin_radius_m"]) == (2000, 500)
    assert too_far.status == 422
    assert too_far.body["field"] == "checkin_radius_m"


async def test_a_csrf_token_is_not_derived_from_the_api_key(server: Server) -> None:  # noqa: F811
    await server.person("0812-1111-2222")
    browser = await server.signed_in("081211112222")
    session = str(session_id(browser.signed_in["token"]))

    assert browser.csrf == csrf_token(server.services.csrf_key, session)
    assert browser.csrf != csrf_token(KEY, session)  # the key is a credential; keep it apart
    assert server.services.csrf_key != KEY
