"""The websocket gateway end to end: real websocket clients against a real gateway on a free
port, over a real SQLite view store and a real bus, with batches written the way the projection
runner writes them (commit to the store, then publish)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis.asyncio as redis
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from core.access import Principal, Role
from projections import channels
from projections.changes import Batch, Change
from projections.people import ACCESS
from projections.port import ViewPort
from projections.rows import Doc
from projections.store import SQLiteViewStore
from realtime.access import AccessIndex
from realtime.bus import Bus, BusUnavailable, MemoryBus, RedisBus
from realtime.gateway import MAX_SUBSCRIPTIONS, Gateway

DEADLINE = 10.0
ADMIN = Principal("api-key", roles=(Role("admin"),))
MEMBER = Principal("person:member-1", session_id="member-session")
ACTION = uuid.UUID("0b7c8a2e-9d44-4f7e-a3c1-5d2f6e8b9a01")
MAP = f"action:{ACTION}:map"
OTHER_MAP = f"action:{uuid.UUID('5f0e1d2c-3b4a-4968-8776-a5b4c3d2e1f0')}:map"
# People in sessions and a korlap through an invite, all allowed to read MAP.
PHONE = Principal("person:p1", roles=(Role("admin"),), session_id="s1")
LAPTOP = Principal("person:p1", roles=(Role("admin"),), session_id="s2")
OTHER = Principal("person:p2", roles=(Role("coordinator", action_id=str(ACTION)),), session_id="s3")
KORLAP = Principal("invite:i1", roles=(Role("organiser", action_id=str(ACTION)),), session_id="s4")
TOKENS = {
    "admin-token": ADMIN,
    "member-token": MEMBER,
    "phone-token": PHONE,
    "laptop-token": LAPTOP,
    "other-token": OTHER,
    "korlap-token": KORLAP,
}
PAGE = "https://posko.example"
ENDED = {"type": "error", "code": "unauthenticated", "message": "session ended"}


def authenticate(token: str) -> Principal | None:
    return TOKENS.get(token)


def offloaded(
    port: ViewPort, lookup: Callable[[str], Principal | None]
) -> Callable[[str], Awaitable[Principal | None]]:
    """A blocking token lookup run in the port's pool, as the port's own `principal` runs."""

    async def authenticate(token: str) -> Principal | None:
        return await port.pools.run("main", lookup, token)

    return authenticate


def feature(site: str, headcount: int, padding: int = 0) -> Doc:
    return {
        "type": "Feature",
        "id": site,
        "geometry": {"type": "Point", "coordinates": [112.7, -7.4]},
        "properties": {"headcount": headcount, "note": "x" * padding},
    }


def action_row(action_id: str, headcount: int) -> Doc:
    return {"id": action_id, "starts_at": "2026-05-01T01:00:00+00:00", "headcount": headcount}


class Views:
    """Writes batches as the projection runner does: rows + outbox + position, then publish.

    Positions step by 3: notification ids increase but need not be contiguous.
    """

    def __init__(self, store: SQLiteViewStore, bus: Bus) -> None:
        self.store = store
        self.bus = bus
        self.position = store.position()
        self.written: dict[str, list[int]] = {}

    async def write(self, changes: dict[str, list[Doc]], *, publish: bool = True) -> int:
        self.position += 3
        position = self.position
        rows = {(name, str(doc["id"])): doc for name, docs in changes.items() for doc in docs}
        batch = Batch(
            position,
            tuple(
                Change(name, position, channels.change_data(_ref(name), docs))
                for name, docs in changes.items()
            ),
        )
        self.store.commit(position, rows, batch)
        for name in changes:
            self.written.setdefault(name, []).append(position)
        if publish:
            await self.bus.publish(batch)
        return position

    async def site(self, site: str, headcount: int, *, publish: bool = True) -> int:
        return await self.write({MAP: [feature(site, headcount)]}, publish=publish)


def _ref(name: str) -> channels.ChannelRef:
    ref = channels.parse(name)
    assert ref is not None, name
    return ref


class Client:
    """A websocket client speaking the protocol, every wait bounded by DEADLINE."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.features: dict[str, Doc] = {}

    async def send(self, **message: Any) -> None:
        await self.ws.send(json.dumps(message))

    async def recv(self) -> dict[str, Any]:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(self.ws.recv(), DEADLINE))
        if message.get("channel") == MAP:
            if message["type"] == "snapshot":
                self.features = {f["id"]: f for f in message["data"]["features"]}
            elif message["type"] == "change":
                self.features.update({f["id"]: f for f in message["data"]["features"]})
        return message

    async def subscribe(self, channel: str, since: int | None = None) -> dict[str, Any]:
        """Subscribe and return the first reply (a snapshot, a change, subscribed or error)."""
        await self.send(type="subscribe", channel=channel, since=since)
        return await self.recv()

    async def until(self, position: int) -> list[dict[str, Any]]:
        """Every message up to and including the first one at `position` or beyond."""
        messages: list[dict[str, Any]] = []
        while not messages or messages[-1].get("position", -1) < position:
            messages.append(await self.recv())
        return messages

    async def closed(self) -> int | None:
        """Read until the server closes the connection; its close code."""
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await self.recv()
        assert closed.value.rcvd is not None
        return closed.value.rcvd.code


Connect = Callable[..., Awaitable[Client]]
StartGateway = Callable[..., AbstractAsyncContextManager[tuple[Gateway, str]]]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteViewStore]:
    store = SQLiteViewStore(tmp_path / "views.db")
    yield store
    store.close()


@pytest.fixture
async def bus() -> AsyncIterator[MemoryBus]:
    bus = MemoryBus()
    await bus.start()
    yield bus
    await bus.close()


@pytest.fixture
def views(store: SQLiteViewStore, bus: MemoryBus) -> Views:
    return Views(store, bus)


@pytest.fixture
def start_gateway(store: SQLiteViewStore, bus: MemoryBus) -> StartGateway:
    @asynccontextmanager
    async def start(
        *,
        on_bus: Bus | None = None,
        auth: Callable[[str], Principal | None] = authenticate,
        **options: Any,
    ) -> AsyncIterator[tuple[Gateway, str]]:
        gateway = Gateway(port := ViewPort(store), on_bus or bus, offloaded(port, auth), **options)
        async with gateway.running("127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            yield gateway, f"ws://127.0.0.1:{port}"

    return start


@pytest.fixture
async def gateway(start_gateway: StartGateway) -> AsyncIterator[tuple[Gateway, str]]:
    async with start_gateway() as running:
        yield running


@pytest.fixture
async def open_client() -> AsyncIterator[Connect]:
    """Opens clients (authenticated as admin unless told otherwise), closed after the test."""
    async with AsyncExitStack() as stack:

        async def open_(url: str, token: str | None = "admin-token", **options: Any) -> Client:
            ws = await stack.enter_async_context(connect(url, open_timeout=DEADLINE, **options))
            client = Client(ws)
            if token is not None:
                await client.send(type="auth", token=token)
                assert await client.recv() == {"type": "ready"}
            return client

        yield open_


async def wait_until(condition: Callable[[], bool]) -> None:
    """Wait for a condition the gateway exposes no event for, within the deadline."""
    async with asyncio.timeout(DEADLINE):
        while True:
            if condition():
                return
            await asyncio.sleep(0.01)


def positions(messages: list[dict[str, Any]], kind: str = "change") -> list[int]:
    return [m["position"] for m in messages if m["type"] == kind]


async def fresh_features(url: str, open_client: Connect) -> dict[str, Doc]:
    client = await open_client(url)
    snapshot = await client.subscribe(MAP)
    assert snapshot["type"] == "snapshot"
    await client.ws.close()
    return client.features


# -- authentication ------------------------------------------------------------------------------


async def test_a_client_that_does_not_authenticate_first_is_refused(
    gateway: tuple[Gateway, str], open_client: Connect
) -> None:
    _, url = gateway
    client = await open_client(url, token=None)
    await client.send(type="subscribe", channel=MAP, since=None)
    error = await client.recv()
    assert error["type"] == "error" and error["code"] == "unauthenticated"
    assert await client.closed() == 1008


async def test_an_anonymous_auth_is_refused(
    gateway: tuple[Gateway, str], open_client: Connect
) -> None:
    _, url = gateway
    client = await open_client(url, token=None)
    await client.send(type="auth", token=None)
    assert (await client.recv())["code"] == "unauthenticated"
    assert await client.closed() == 1008


async def test_a_bad_token_is_refused_in_a_message_or_in_the_header(
    gateway: tuple[Gateway, str], open_client: Connect
) -> None:
    _, url = gateway
    client = await open_client(url, token=None)
    await client.send(type="auth", token="stolen")
    assert (await client.recv())["code"] == "unauthenticated"
    assert await client.closed() == 1008

    client = await open_client(
        url, token=None, additional_headers={"Authorization": "Bearer stolen"}
    )
    assert (await client.recv())["code"] == "unauthenticated"
    assert await client.closed() == 1008


async def test_a_good_token_in_the_handshake_header_needs_no_auth_message(
    gateway: tuple[Gateway, str], open_client: Connect
) -> None:
    _, url = gateway
    client = await open_client(
        url, token=None, additional_headers={"Authorization": "Bearer admin-token"}
    )
    assert await client.recv() == {"type": "ready"}
    assert (await client.subscribe("actions"))["type"] == "snapshot"


@pytest.mark.parametrize(
    ("allowed", "origin"),
    [({PAGE}, PAGE), ({"HTTPS://Posko.example/"}, PAGE), (None, "https://anywhere.example")],
    ids=["allowed", "configured-loosely", "any-origin"],
)
async def test_the_session_cookie_signs_in_from_an_allowed_page(
    start_gateway: StartGateway, open_client: Connect, allowed: set[str] | None, origin: str
) -> None:
    async with start_gateway(allowed_origins=allowed) as (_, url):
        client = await open_client(
            url,
            token=None,
            additional_headers={
                "Cookie": "theme=dark; posko_session=phone-token",
                "Origin": origin,
            },
        )
        assert await client.recv() == {"type": "ready"}
        assert (await client.subscribe(MAP))["type"] == "snapshot"


@pytest.mark.parametrize(
    "origin",
    ["https://evil.example", "http://posko.example", None],
    ids=["foreign", "http", "none"],
)
async def test_the_session_cookie_from_another_page_is_refused(
    start_gateway: StartGateway, open_client: Connect, origin: str | None
) -> None:
    """A page elsewhere can open a socket to us and the browser adds our cookie: the Origin
    is all that tells it from ours (cross-site websocket hijacking)."""
    headers = {"Cookie": "posko_session=phone-token"}
    if origin is not None:
        headers["Origin"] = origin
    async with start_gateway(allowed_origins={PAGE}) as (_, url):
        client = await open_client(url, token=None, additional_headers=headers)
        assert await client.recv() == {
            "type": "error",
            "code": "unauthenticated",
            "message": "origin not allowed",
        }
        assert await client.closed() == 1008


async def test_a_bearer_token_or_auth_message_is_honoured_from_any_origin(
    start_gateway: StartGateway, open_client: Connect
) -> None:
    async with start_gateway(allowed_origins={PAGE}) as (_, url):
        foreign = {"Origin": "https://elsewhere.example"}
        bearer = {"Authorization": "Bearer phone-token", "Cookie": "posko_session=x", **foreign}
        client = await open_client(url, token=None, additional_headers=bearer)
        assert await client.recv() == {"type": "ready"}
        # The auth message (which open_client sends) takes no notice of the origin either.
        client = await open_client(url, token="phone-token", additional_headers=foreign)
        assert (await client.subscribe(MAP))["type"] == "snapshot"


async def test_a_slow_token_lookup_does_not_hold_up_other_connections(
    start_gateway: StartGateway, open_client: Connect
) -> None:
    looking_up, release = threading.Event(), threading.Event()

    def slow(token: str) -> Principal | None:
        if token == "slow-token":
            looking_up.set()
            release.wait(DEADLINE)
        return TOKENS.get(token, ADMIN)

    async with start_gateway(auth=slow) as (_, url):
        waiting = await open_client(url, token=None)
        await waiting.send(type="auth", token="slow-token")
        assert await asyncio.to_thread(looking_up.wait, DEADLINE)
        other = await open_client(url)  # authenticates while the lookup above still blocks
        assert (await other.subscribe(MAP))["type"] == "snapshot"
        release.set()
        assert await waiting.recv() == {"type": "ready"}


async def test_a_failing_token_lookup_asks_the_client_to_try_again_later(
    start_gateway: StartGateway, open_client: Connect
) -> None:
    def broken(token: str) -> Principal | None:
        raise OSError("the event store is unreachable")

    async with start_gateway(auth=broken) as (_, url):
        client = await open_client(url, token=None)
        await client.send(type="auth", token="phone-token")
        assert await client.closed() == 1013


async def test_a_client_silent_past_the_auth_timeout_is_refused(
    start_gateway: StartGateway, open_client: Connect
) -> None:
    async with start_gateway(auth_timeout=0.2) as (_, url):
        client = await open_client(url, token=None)
        error = await client.recv()
        assert error["type"] == "error" and error["code"] == "unauthenticated"
        assert await client.closed() == 1008


async def test_malformed_frames_get_bad_request_and_the_connection_stays_open(
    gateway: tuple[Gateway, str], open_client: Connect
) -> None:
    _, url = gateway
    client = await open_client(url)
    await client.ws.send("{not json")
    assert (await client.recv())["code"] == "bad_request"
    await client.send(type="subscribe", channel=MAP, since=-5)
    assert (await client.recv())["code"] == "bad_request"
    assert (await client.subscribe(MAP))["type"] == "snapshot"


# -- authorisation -------------------------------------------------------------------------------


async def test_an_unknown_channel_is_an_error_and_the_connection_stays_open(
    gateway: tuple[Gateway, str], open_client: Connect
) -> None:
    _, url = gateway
    client = await open_client(url)
    for name in ["nope", f"action:{ACTION}:chat", f"action:{str(ACTION).upper()}:map"]:
        error = await client.subscribe(name)
        assert error == {
            "type": "error",
            "code": "unknown_channel",
            "message": error["message"],
            "channel": name,
        }
    assert (await client.subscribe(MAP))["type"] == "snapshot"


async def test_a_non_admin_is_forbidden_every_channel_and_stays_connected(
    gateway: tuple[Gateway, str], open_client: Connect
) -> None:
    gw, url = gateway
    client = await open_client(url, token="member-token")
    for name in [MAP, "actions"]:
        error = await client.subscribe(name)
        assert (error["type"], error["code"], error["channel"]) == ("error", "forbidden", name)
    assert gw.stats().subscriptions == 0
    await client.send(type="subscribe", channel="nope", since=None)
    assert (await client.recv())["code"] == "unknown_channel"


async def test_the_access_channel_is_refused_to_everyone_even_the_api_key(
    gateway: tuple[Gateway, str], open_client: Connect
) -> None:
    _, url = gateway
    for token in ["admin-token", "phone-token", "member-token"]:
        client = await open_client(url, token=token)
        error = await client.subscribe(ACCESS)
        assert (error["type"], error["code"], error["channel"]) == ("error", "forbidden", ACCESS)


# -- access ending -------------------------------------------------------------------------------


def ended(kind: str, id: str) -> Doc:
    """A `system:access` row as the people projection writes it."""
    return {"kind": kind, "id": id}


async def test_an_ended_session_person_or_invite_closes_exactly_its_connections(
    gateway: tuple[Gateway, str], open_client: Connect, views: Views
) -> None:
    gw, url = gateway
    tokens = ["admin-token", "phone-token", "laptop-token", "other-token", "korlap-token"]
    clients = {token: await open_client(url, token=token) for token in tokens}
    for client in clients.values():
        assert (await client.subscribe(MAP))["type"] == "snapshot"

    async def end(kind: str, id: str, *, closes: str) -> None:
        # A map change rides in the same batch, after the end: the ended client sees none of it.
        position = await views.write({ACCESS: [ended(kind, id)], MAP: [feature("s1", 1)]})
        gone = clients.pop(closes)
        assert await gone.recv() == ENDED
        assert await gone.closed() == 1008
        for client in clients.values():  # everyone else is still served
            assert positions(await client.until(position)) == [position]

    await end("session", "s1", closes="phone-token")  # p1's other session goes on
    await end("person", "p1", closes="laptop-token")
    await end("invite", "i1", closes="korlap-token")
    await wait_until(lambda: gw.stats().connections == 2)
    assert set(clients) == {"admin-token", "other-token"}


async def test_an_access_end_during_the_token_lookup_still_refuses_the_connection(
    start_gateway: StartGateway, open_client: Connect, views: Views
) -> None:
    """The lookup may read the session just before it ends, and the end reach the gateway
    before the lookup returns: the connection is refused, not left open."""
    looking_up, release = threading.Event(), threading.Event()

    def slow(token: str) -> Principal | None:
        looking_up.set()
        release.wait(DEADLINE)
        return TOKENS.get(token)

    async with start_gateway(auth=slow) as (gw, url):
        client = await open_client(url, token=None)
        await client.send(type="auth", token="phone-token")
        assert await asyncio.to_thread(looking_up.wait, DEADLINE)
        position = await views.write({ACCESS: [ended("session", "s1")]})
        await wait_until(lambda: gw.stats().position == position)
        release.set()
        assert await client.recv() == ENDED
        assert await client.closed() == 1008


async def test_a_connection_is_closed_when_its_principal_expires(
    start_gateway: StartGateway, open_client: Connect, views: Views
) -> None:
    def expiring(token: str) -> Principal | None:
        if token != "brief-token":
            return TOKENS.get(token)
        soon = datetime.now(UTC) + timedelta(seconds=1)
        return Principal("person:p9", roles=(Role("admin"),), session_id="s9", expires_at=soon)

    async with start_gateway(auth=expiring, expiry_sweep=0.05) as (gw, url):
        brief = await open_client(url, token="brief-token")
        lasting = await open_client(url, token="other-token")
        for client in [brief, lasting]:
            assert (await client.subscribe(MAP))["type"] == "snapshot"
        assert await brief.recv() == ENDED
        assert await brief.closed() == 1008
        position = await views.site("s1", 1)
        assert positions(await lasting.until(position)) == [position]
        await wait_until(lambda: gw.stats().connections == 1)


def test_the_access_index_hands_out_the_connections_an_end_concerns() -> None:
    index: AccessIndex[str] = AccessIndex()
    for conn, principal in [("phone", PHONE), ("laptop", LAPTOP), ("korlap", KORLAP)]:
        index.add(conn, principal)
    index.add("api", ADMIN)
    index.begin_lookup("authenticating")
    assert index.ended({"ended": [ended("session", "s1")]}) == {"phone"}
    assert index.ended({"ended": [ended("person", "p1"), ended("session", "s2")]}) == {
        "phone",
        "laptop",
    }
    assert index.ended({"ended": [ended("invite", "i1"), ended("api", "key")]}) == {"korlap"}
    assert index.end_lookup("authenticating") == {
        "session:s1",
        "person:p1",
        "session:s2",
        "invite:i1",
    }
    index.remove("phone")
    assert index.ended({"ended": [ended("session", "s1")]}) == set()


def test_the_access_index_tells_each_expiry_once_and_forgets_closed_connections() -> None:
    index: AccessIndex[int] = AccessIndex()
    t0 = datetime(2026, 5, 1, tzinfo=UTC)

    def add(conn: int, seconds: float) -> None:
        expires_at = t0 + timedelta(seconds=seconds)
        index.add(conn, Principal(f"person:{conn}", session_id=str(conn), expires_at=expires_at))

    for conn in range(10):
        add(conn, seconds=10 - conn)
    index.remove(3)  # expires at +7, but was closed before
    assert index.expired((t0 + timedelta(seconds=7)).timestamp()) == [9, 8, 7, 6, 5, 4]
    assert index.expired((t0 + timedelta(seconds=7)).timestamp()) == []
    # Days-long sessions closing and reconnecting: their heap entries are dropped, not kept.
    for conn in range(100, 10_100):
        add(conn, seconds=86_400)
        index.remove(conn)
    index.expired(t0.timestamp())
    assert len(index._expiries) < 100


# -- snapshot, changes, resume -------------------------------------------------------------------


async def test_snapshot_then_every_change_in_increasing_positions(
    gateway: tuple[Gateway, str], open_client: Connect, views: Views, store: SQLiteViewStore
) -> None:
    _, url = gateway
    await views.site("s1", 10)
    await views.site("s2", 20)
    client = await open_client(url)
    snapshot = await client.subscribe(MAP)
    assert snapshot["type"] == "snapshot" and snapshot["channel"] == MAP
    assert snapshot["position"] == store.position()
    assert snapshot["data"]["type"] == "FeatureCollection"
    assert set(client.features) == {"s1", "s2"}

    written = [
        await views.site("s1", 11),
        await views.write({"actions": [action_row("a1", 5)]}),  # another channel: not sent
        await views.site("s3", 30),
        await views.write({MAP: [feature("s2", 21)], "actions": [action_row("a1", 6)]}),
    ]
    messages = await client.until(written[-1])
    assert all(m["type"] == "change" and m["channel"] == MAP for m in messages)
    assert positions(messages) == [written[0], written[2], written[3]]
    assert client.features == await fresh_features(url, open_client)


async def test_a_change_the_snapshot_holds_is_not_sent_again_when_the_bus_brings_it_late(
    gateway: tuple[Gateway, str], open_client: Connect, views: Views, bus: MemoryBus
) -> None:
    gw, url = gateway
    late = await views.site("s1", 1, publish=False)  # committed; the runner has yet to publish
    client = await open_client(url)
    snapshot = await client.subscribe(MAP)
    assert snapshot["position"] == late and gw.stats().position < late
    [batch] = views.store.batches_after(late - 3, 10) or []
    await bus.publish(batch)
    after = await views.site("s2", 2)
    assert positions(await client.until(after)) == [after]


async def test_subscribing_again_starts_over_and_unsubscribing_stops_changes(
    gateway: tuple[Gateway, str], open_client: Connect, views: Views
) -> None:
    gw, url = gateway
    await views.site("s1", 1)
    client = await open_client(url)
    assert (await client.subscribe(MAP))["type"] == "snapshot"
    assert (await client.subscribe(MAP))["type"] == "snapshot"
    assert gw.stats().subscriptions == 1
    assert (await client.subscribe("actions"))["type"] == "snapshot"
    await client.send(type="unsubscribe", channel=MAP)
    await wait_until(lambda: gw.stats().subscriptions == 1)
    await views.site("s1", 2)
    fence = await views.write({"actions": [action_row("a1", 1)]})
    messages = await client.until(fence)
    assert [(m["channel"], m["position"]) for m in messages] == [("actions", fence)]


async def test_a_client_that_reconnects_with_since_gets_exactly_what_it_missed(
    gateway: tuple[Gateway, str], open_client: Connect, views: Views
) -> None:
    _, url = gateway
    await views.site("s1", 10)
    client = await open_client(url)
    await client.subscribe(MAP)
    seen = await views.site("s2", 20)
    await client.until(seen)
    before = dict(client.features)
    await client.ws.close()

    missed = [
        await views.site("s1", 12),
        await views.write({"actions": [action_row("a1", 3)]}),
        await views.site("s3", 30),
        await views.site("s2", 25),
    ]
    client = await open_client(url)
    client.features = before
    first = await client.subscribe(MAP, since=seen)
    messages = [first, *await client.until(missed[-1]), await client.recv()]
    assert positions(messages) == [missed[0], missed[2], missed[3]]
    assert messages[-1] == {"type": "subscribed", "channel": MAP, "position": missed[-1]}
    assert client.features == await fresh_features(url, open_client)

    live = await views.site("s4", 40)
    assert positions(await client.until(live)) == [live]


async def test_resume_after_a_gateway_restart_comes_from_the_store_outbox(
    start_gateway: StartGateway, open_client: Connect, views: Views
) -> None:
    await views.site("s1", 10)
    async with start_gateway() as (_, url):
        client = await open_client(url)
        snapshot = await client.subscribe(MAP)
        before = dict(client.features)
        await client.ws.close()

    missed = [await views.site("s2", 20), await views.site("s1", 11)]
    restarted_bus = MemoryBus()  # a new process: the new gateway's ring is empty
    await restarted_bus.start()
    views.bus = restarted_bus
    async with start_gateway(on_bus=restarted_bus) as (gw, url):
        assert gw.stats().position == missed[-1]
        client = await open_client(url)
        client.features = before
        messages = [await client.subscribe(MAP, since=snapshot["position"])]
        messages += [await client.recv() for _ in range(2)]
        assert [m["type"] for m in messages] == ["change", "change", "subscribed"]
        assert positions(messages) == missed
        assert client.features == await fresh_features(url, open_client)
        live = await views.site("s3", 30)
        assert positions(await client.until(live)) == [live]


async def test_since_older_than_the_outbox_keeps_gets_a_fresh_snapshot(
    tmp_path: Path, bus: MemoryBus, open_client: Connect
) -> None:
    store = SQLiteViewStore(tmp_path / "pruned.db", outbox_keep=5)
    try:
        views = Views(store, bus)
        first = await views.site("s1", 0)
        for headcount in range(1, 501):  # the store prunes its outbox every 500 commits
            await views.site(f"s{headcount % 7}", headcount, publish=False)
        assert store.batches_after(first, 10) is None
        gateway = Gateway(port := ViewPort(store), bus, offloaded(port, authenticate))
        async with gateway.running("127.0.0.1", 0) as server:
            url = f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}"
            client = await open_client(url)
            snapshot = await client.subscribe(MAP, since=first)
            assert snapshot["type"] == "snapshot"
            assert snapshot["position"] == views.position
            assert len(snapshot["data"]["features"]) == 7
    finally:
        store.close()


async def test_since_beyond_any_position_gets_a_fresh_snapshot(
    gateway: tuple[Gateway, str], open_client: Connect, views: Views
) -> None:
    _, url = gateway
    await views.site("s1", 1)
    client = await open_client(url)
    snapshot = await client.subscribe(MAP, since=views.position + 1_000)
    assert (snapshot["type"], snapshot["position"]) == ("snapshot", views.position)


@pytest.mark.parametrize("resume", [False, True], ids=["snapshot", "since"])
async def test_changes_committed_while_subscribing_are_neither_lost_nor_duplicated(
    gateway: tuple[Gateway, str], open_client: Connect, views: Views, resume: bool
) -> None:
    _, url = gateway
    for site in ["s0", "s1", "s2"]:
        await views.site(site, 0)
    for attempt in range(40):

        async def produce(attempt: int = attempt) -> None:
            for _ in range(attempt % 5):  # start at a different moment each time
                await asyncio.sleep(0)
            for i in range(8):
                await views.site(f"s{i % 3}", attempt * 100 + i)
                if i % 3 == 0:
                    await views.write({"actions": [action_row("a1", i)]})
                await asyncio.sleep(0)

        since = views.written[MAP][-3] if resume else None
        client = await open_client(url)
        producer = asyncio.create_task(produce())
        first = await client.subscribe(MAP, since=since)
        await producer
        fence = await views.site("fence", attempt)
        messages = [first, *await client.until(fence)]

        got = positions(messages)
        assert got == sorted(set(got)), "changes out of order or duplicated"
        if since is not None:
            has = since
            subscribed = [m for m in messages if m["type"] == "subscribed"]
            assert len(subscribed) == 1
        else:
            assert first["type"] == "snapshot"
            has = first["position"]
            assert client.features == await fresh_features(url, open_client)
        assert got == [p for p in views.written[MAP] if p > has], "a change was lost"
        await client.ws.close()


# -- slow clients, bus outage, shutdown ----------------------------------------------------------


async def test_a_client_that_stops_reading_is_dropped_and_the_others_get_everything(
    start_gateway: StartGateway, open_client: Connect, views: Views
) -> None:
    async with start_gateway(max_write_buffer=1024) as (gw, url):
        fast = await open_client(url, max_size=None)
        # max_queue=1: the slow client's library stops reading the socket after one frame.
        slow = await open_client(url, max_size=None, max_queue=1)
        assert (await fast.subscribe(MAP))["type"] == "snapshot"
        assert (await slow.subscribe(MAP))["type"] == "snapshot"

        sent: list[int] = []
        received: list[int] = []
        async with asyncio.timeout(DEADLINE * 3):
            while gw.stats().slow_drops == 0:
                sent.append(await views.write({MAP: [feature("big", len(sent), 256 * 1024)]}))
                # The fast client keeps up: it reads each change before the next is written.
                received += positions(await fast.until(sent[-1]))
        assert received == sent
        after = await views.site("s1", 1)
        assert positions(await fast.until(after)) == [after]
        # Reading again, the slow client finds what was buffered for it (no gap), then 1013.
        behind: list[int] = []
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                behind += positions([await slow.recv()])
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1013
        assert behind == sent[: len(behind)]
        await wait_until(lambda: gw.stats().connections == 1)
        assert gw.stats().slow_drops == 1


async def test_with_redis_down_changes_still_arrive_by_polling_the_store(
    store: SQLiteViewStore, start_gateway: StartGateway, open_client: Connect
) -> None:
    down = RedisBus("redis://127.0.0.1:1", stream="posko:test:down")
    await down.start()
    views = Views(store, down)
    try:
        await views.site("s1", 1, publish=False)
        async with start_gateway(on_bus=down, poll_interval=0.05, bus_retry=0.2) as (gw, url):
            await wait_until(lambda: gw.stats().degraded)
            client = await open_client(url)
            snapshot = await client.subscribe(MAP)
            assert snapshot["type"] == "snapshot"
            written = []
            for headcount in range(2, 8):
                with pytest.raises(BusUnavailable):  # what the runner meets, and survives
                    await views.site(f"s{headcount % 3}", headcount)
                written.append(views.position)
            messages = await client.until(written[-1])
            assert positions(messages) == written
            assert client.features == await fresh_features(url, open_client)
            # A resume is served the same way while degraded.
            again = await open_client(url)
            first = await again.subscribe(MAP, since=written[1])
            assert positions([first, *await again.until(written[-1])]) == written[2:]
            assert gw.stats().degraded
    finally:
        await down.close()


class Proxy:
    """A TCP relay in front of Redis that the test can take down and bring back."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in list(self.writers):
            writer.transport.abort()
        await self.server.wait_closed()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self.writers |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except OSError:
                pass
            finally:
                dst.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self.writers -= {writer, up_writer}


async def test_on_redis_changes_flow_through_an_outage_without_gap_or_duplicate(
    redis_url: str, store: SQLiteViewStore, start_gateway: StartGateway, open_client: Connect
) -> None:
    url = urlsplit(redis_url)
    proxy = Proxy(url.port or 6379)
    await proxy.start()
    stream = f"posko:test:{secrets.token_hex(6)}"
    bus = RedisBus(f"redis://127.0.0.1:{proxy.port}{url.path}", stream=stream)
    await bus.start()
    views = Views(store, bus)
    written: list[int] = []

    async def write(headcount: int) -> None:
        # The runner logs a failed publish and goes on: the store has the batch.
        with contextlib.suppress(BusUnavailable):
            await views.site(f"s{headcount % 3}", headcount)
        written.append(views.position)

    try:
        async with start_gateway(on_bus=bus, poll_interval=0.05, bus_retry=0.2) as (gw, ws_url):
            client = await open_client(ws_url)
            assert (await client.subscribe(MAP))["type"] == "snapshot"
            for headcount in range(3):
                await write(headcount)
            messages = await client.until(written[-1])
            assert not gw.stats().degraded

            await proxy.stop()
            await wait_until(lambda: gw.stats().degraded)
            for headcount in range(3, 6):
                await write(headcount)
            messages += await client.until(written[-1])

            await proxy.start()
            await wait_until(lambda: not gw.stats().degraded)
            for headcount in range(6, 9):
                await write(headcount)
            messages += await client.until(written[-1])
            fence = await views.site("fence", 0)
            messages += await client.until(fence)
            assert positions(messages) == [*written, fence]
            assert client.features == await fresh_features(ws_url, open_client)
    finally:
        await bus.close()
        await proxy.stop()
        admin = redis.Redis.from_url(redis_url)
        await admin.delete(stream)
        await admin.aclose()


async def test_when_the_feed_lost_history_every_client_is_sent_to_resync(
    tmp_path: Path, redis_url: str, open_client: Connect
) -> None:
    store = SQLiteViewStore(tmp_path / "pruned.db", outbox_keep=5)
    stream = f"posko:test:{secrets.token_hex(6)}"
    bus = RedisBus(redis_url, stream=stream)
    await bus.start()
    admin = redis.Redis.from_url(redis_url)
    try:
        views = Views(store, bus)
        await views.site("s1", 0)
        gateway = Gateway(port := ViewPort(store), bus, offloaded(port, authenticate))
        async with gateway.running("127.0.0.1", 0) as server:
            url = f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}"
            client = await open_client(url)
            snapshot = await client.subscribe(MAP)
            idle = await open_client(url)  # it may have missed the end of its access
            # Redis restarts empty while 500 batches are committed and never published, and
            # the outbox is pruned meanwhile: nobody can replay what the subscriber missed.
            await admin.delete(stream)
            for headcount in range(1, 501):
                await views.site(f"s{headcount % 7}", headcount, publish=False)
            await views.site("s1", 1_000)
            assert await client.closed() == 1012
            assert await idle.closed() == 1012
            client = await open_client(url)
            again = await client.subscribe(MAP, since=snapshot["position"])
            assert (again["type"], again["position"]) == ("snapshot", views.position)
            live = await views.site("s2", 2_000)
            assert positions(await client.until(live)) == [live]
    finally:
        await bus.close()
        await admin.delete(stream)
        await admin.aclose()
        store.close()


async def test_a_connection_holds_a_bounded_number_of_subscriptions(
    start_gateway: StartGateway, open_client: Connect
) -> None:
    # Quicker than the subscribe rate allows: that bound is tested in test_hardening.
    async with start_gateway(subscribes_per_second=MAX_SUBSCRIPTIONS * 2) as (_, url):
        client = await open_client(url)
        names = [f"action:{uuid.uuid4()}:map" for _ in range(MAX_SUBSCRIPTIONS + 1)]
        replies = [await client.subscribe(name) for name in names]
        assert [r["type"] for r in replies[:-1]] == ["snapshot"] * MAX_SUBSCRIPTIONS
        assert (replies[-1]["type"], replies[-1]["code"]) == ("error", "bad_request")
        assert (await client.subscribe(names[0]))["type"] == "snapshot"  # again: still allowed


async def test_shutdown_closes_every_client_with_going_away(
    start_gateway: StartGateway, open_client: Connect, views: Views
) -> None:
    await views.site("s1", 1)
    async with start_gateway() as (_, url):
        subscribed = await open_client(url)
        await subscribed.subscribe(MAP)
        idle = await open_client(url)
    assert await subscribed.closed() == 1001
    assert await idle.closed() == 1001


async def test_healthz_answers_plain_http_with_stats(
    gateway: tuple[Gateway, str], open_client: Connect
) -> None:
    gw, url = gateway
    client = await open_client(url)
    await client.subscribe(MAP)
    host, port = url.removeprefix("ws://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n")
    response = await asyncio.wait_for(reader.read(), DEADLINE)
    writer.close()
    await writer.wait_closed()
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert b"content-type: application/json" in head.lower()
    assert json.loads(body) == {
        "connections": 1,
        "subscriptions": 1,
        "position": gw.stats().position,
        "degraded": False,
        "slow_drops": 0,
    }


# -- keepalive -----------------------------------------------------------------------------------


async def test_a_connection_that_stops_answering_pings_is_closed_and_live_ones_stay(
    start_gateway: StartGateway, open_client: Connect
) -> None:
    """One task pings every connection (not one task per connection): a peer gone without a
    word (its pongs never come) is closed, and one that answers stays through many rounds."""
    async with start_gateway(ping_interval=0.1, ping_timeout=0.3) as (gw, url):
        alive = await open_client(url)
        gone = await open_client(url)
        await wait_until(lambda: gw.stats().connections == 2)
        gone.ws.transport.pause_reading()  # it reads nothing more, so it answers no ping
        await wait_until(lambda: gw.stats().connections == 1)
        await asyncio.sleep(1.0)  # ten more rounds
        assert gw.stats().connections == 1
        await alive.send(type="subscribe", channel=MAP, since=None)
        assert (await alive.recv())["type"] == "snapshot"


async def test_an_authenticated_connection_keeps_no_handshake_headers(
    gateway: tuple[Gateway, str], open_client: Connect
) -> None:
    """websockets keeps the handshake's request and response for the connection's life; their
    headers (~2.9 KiB a connection) are read once, so the gateway empties them after auth."""
    gw, url = gateway
    client = await open_client(url)
    assert (await client.subscribe(MAP))["type"] == "snapshot"
    [ws] = gw._clients
    assert ws.request is not None and ws.response is not None
    assert list(ws.request.headers.raw_items()) == []
    assert list(ws.response.headers.raw_items()) == []
