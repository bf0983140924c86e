"""Access on the websocket, end to end: a real Posko application on SQLite, the real projection
runner publishing to the bus, the real gateway authenticating session tokens against the event
store, and real websocket clients. Ending a session, deactivating a person, revoking a role or
an invite, or a session expiring closes exactly the connections it concerns."""

from __future__ import annotations

import asyncio
import json
import secrets
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from core.access import Authenticator, Role
from core.application import Posko
from core.sessions import SESSION_TTL, invite_id, session_id
from posko.persistence import eventsourcing_env
from projections import live_map
from projections.people import ACCESS
from projections.port import Port
from projections.runner import ProjectionRunner
from projections.store import SQLiteViewStore
from realtime.bus import MemoryBus
from realtime.gateway import Gateway

DEADLINE = 10.0
API_KEY = secrets.token_urlsafe(24)
PAGE = "https://posko.example"
ENDED = {"type": "error", "code": "unauthenticated", "message": "session ended"}
T0 = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)

R = TypeVar("R")


class Client:
    """A websocket client speaking the protocol, every wait bounded by DEADLINE."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    async def recv(self) -> dict[str, Any]:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(self.ws.recv(), DEADLINE))
        return message

    async def subscribe(self, channel: str) -> dict[str, Any]:
        await self.ws.send(json.dumps({"type": "subscribe", "channel": channel}))
        return await self.recv()

    async def closed(self) -> int:
        """Read until the server closes the connection; its close code."""
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await self.recv()
        assert closed.value.rcvd is not None
        return closed.value.rcvd.code

    async def is_closed_as_ended(self) -> None:
        """The access-ended error, then close 1008, before any other frame."""
        assert await self.recv() == ENDED
        assert await self.closed() == 1008

    async def sees(self, channel: str, site_id: uuid.UUID) -> None:
        """Wait for the change that adds `site_id` to the map: the connection is still served."""
        while True:
            message = await self.recv()
            if message["type"] == "change" and message["channel"] == channel:
                ids = {feature["id"] for feature in message["data"]["features"]}
                if str(site_id) in ids:
                    return


@dataclass
class System:
    """The running system: the application, its gateway's URL, two actions A and B, and the
    clients opened (closed after the test)."""

    app: Posko
    url: str
    stack: AsyncExitStack
    action_a: uuid.UUID
    action_b: uuid.UUID

    async def call(self, command: Callable[..., R], /, **kwargs: Any) -> R:
        """A command off the event loop, as the web layer runs it: the gateway shares the loop."""
        return await asyncio.to_thread(command, **kwargs)

    @property
    def map_a(self) -> str:
        return live_map.channel(self.action_a)

    @property
    def map_b(self) -> str:
        return live_map.channel(self.action_b)

    async def person(self, *roles: Role) -> uuid.UUID:
        person_id = uuid.uuid4()
        await self.call(
            self.app.register_person,
            id=person_id,
            name="Sari",
            phone=f"0812{secrets.randbelow(10**8):08d}",
            actor="api-key",
        )
        for role in roles:
            await self.call(self.app.grant_role, person_id=person_id, role=role, actor="api-key")
        return person_id

    async def session(self, person_id: uuid.UUID, *, now: datetime | None = None) -> str:
        """A new session of `person_id`; its token."""
        token = secrets.token_urlsafe(32)
        await self.call(
            self.app.start_session,
            token=token,
            person_id=person_id,
            client="pytest",
            now=now or datetime.now(UTC),
            actor=f"person:{person_id}",
        )
        return token

    async def coordinator(self) -> tuple[uuid.UUID, str]:
        """A coordinator of action A in a session: the person and the token."""
        person_id = await self.person(Role("coordinator", action_id=str(self.action_a)))
        return person_id, await self.session(person_id)

    async def connect(self, token: str, how: str = "message", origin: str | None = None) -> Client:
        """A client signed in with `token` by an auth message, the bearer header or the cookie;
        the first reply to signing in is left for the caller when it may be a refusal."""
        headers = {"Origin": origin} if origin is not None else {}
        if how == "header":
            headers["Authorization"] = f"Bearer {token}"
        elif how == "cookie":
            headers["Cookie"] = f"posko_session={token}"
        ws = await self.stack.enter_async_context(
            connect(self.url, open_timeout=DEADLINE, additional_headers=headers)
        )
        client = Client(ws)
        if how == "message":
            await ws.send(json.dumps({"type": "auth", "token": token}))
        return client

    async def ready(self, token: str, how: str = "message", origin: str | None = None) -> Client:
        """A signed-in client subscribed to action A's map."""
        client = await self.connect(token, how, origin)
        assert await client.recv() == {"type": "ready"}
        assert (await client.subscribe(self.map_a))["type"] == "snapshot"
        return client

    async def new_site(self) -> uuid.UUID:
        """A change on action A's map, for the clients still served to see."""
        site_id = uuid.uuid4()
        await self.call(
            self.app.add_site,
            action_id=self.action_a,
            site_id=site_id,
            name="Depan DPR",
            lat=-6.21,
            lon=106.8,
            target=500,
            actor="api-key",
        )
        return site_id


@pytest.fixture
async def posko(tmp_path: Path) -> AsyncIterator[System]:
    app = Posko(env=eventsourcing_env("", tmp_path))
    store = SQLiteViewStore(tmp_path / "views.db")
    bus = MemoryBus()
    await bus.start()
    authenticator = Authenticator(
        API_KEY, sessions=lambda token: app.principal_for_token(token, datetime.now(UTC))
    )
    port = Port(app, store, authenticator)
    runner = asyncio.create_task(ProjectionRunner(app, port, bus).run())
    gateway = Gateway(port, bus, port.principal, allowed_origins={PAGE}, expiry_sweep=0.05)
    try:
        async with AsyncExitStack() as stack, gateway.running("127.0.0.1", 0) as server:
            url = f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}"
            system = System(app, url, stack, uuid.uuid4(), uuid.uuid4())
            for action_id in (system.action_a, system.action_b):
                await system.call(
                    app.plan_action,
                    id=action_id,
                    title="Aksi upah layak",
                    kind="rally",
                    demands=["Upah layak"],
                    starts_at=T0,
                    ends_at=T0 + timedelta(hours=8),
                    actor="api-key",
                )
            yield system
    finally:
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
        await bus.close()
        store.close()
        app.close()


async def test_ending_a_session_closes_it_however_it_signed_in_and_no_other(
    posko: System,
) -> None:
    person_id, token = await posko.coordinator()
    same_person = await posko.ready(await posko.session(person_id))  # another session
    _, bystander_token = await posko.coordinator()
    bystander = await posko.ready(bystander_token, "cookie", origin=PAGE)
    ending = [
        await posko.ready(token, "message"),
        await posko.ready(token, "header"),
        await posko.ready(token, "cookie", origin=PAGE),
    ]

    await posko.call(posko.app.end_session, session_id=session_id(token), actor="api-key")
    for client in ending:
        await client.is_closed_as_ended()
    site = await posko.new_site()
    await same_person.sees(posko.map_a, site)
    await bystander.sees(posko.map_a, site)
    # Signing in again with the ended session is refused, not served.
    again = await posko.connect(token)
    assert (await again.recv())["code"] == "unauthenticated"
    assert await again.closed() == 1008


async def test_deactivating_a_person_closes_every_session_of_theirs(posko: System) -> None:
    person_id, token = await posko.coordinator()
    phone = await posko.ready(token)
    laptop = await posko.ready(await posko.session(person_id), "header")
    _, bystander_token = await posko.coordinator()
    bystander = await posko.ready(bystander_token)

    await posko.call(posko.app.deactivate_person, person_id=person_id, actor="api-key")
    await phone.is_closed_as_ended()
    await laptop.is_closed_as_ended()
    await bystander.sees(posko.map_a, await posko.new_site())


async def test_revoking_a_role_closes_the_connection_to_sign_in_with_the_roles_left(
    posko: System,
) -> None:
    coordinates = Role("coordinator", action_id=str(posko.action_a))
    organises_b = Role("organiser", action_id=str(posko.action_b))
    person_id = await posko.person(coordinates, organises_b)
    token = await posko.session(person_id)
    client = await posko.ready(token)

    await posko.call(posko.app.revoke_role, person_id=person_id, role=coordinates, actor="api-key")
    await client.is_closed_as_ended()
    client = await posko.connect(token)
    assert await client.recv() == {"type": "ready"}
    assert (await client.subscribe(posko.map_a))["code"] == "forbidden"
    assert (await client.subscribe(posko.map_b))["type"] == "snapshot"


async def test_revoking_an_invite_closes_the_korlaps_who_came_through_it(posko: System) -> None:
    now = datetime.now(UTC)
    code = secrets.token_urlsafe(16)
    await posko.call(
        posko.app.create_invite,
        code=code,
        action_id=posko.action_a,
        site_id=None,
        label="Korlap Bekasi",
        expires_at=now + timedelta(hours=6),
        now=now,
        actor="api-key",
    )
    korlaps = []
    for name in ["Budi", "Wati"]:
        token = secrets.token_urlsafe(32)
        await posko.call(
            posko.app.redeem_invite, code=code, token=token, name=name, client="pytest", now=now
        )
        korlaps.append(await posko.ready(token, "cookie", origin=PAGE))
    _, bystander_token = await posko.coordinator()
    bystander = await posko.ready(bystander_token)

    await posko.call(posko.app.revoke_invite, invite_id=invite_id(code), actor="api-key")
    for korlap in korlaps:
        await korlap.is_closed_as_ended()
    await bystander.sees(posko.map_a, await posko.new_site())


async def test_a_session_is_closed_when_it_expires(posko: System) -> None:
    person_id = await posko.person(Role("coordinator", action_id=str(posko.action_a)))
    # Started a whole session lifetime ago, less a moment: it expires right after signing in.
    started = datetime.now(UTC) - SESSION_TTL + timedelta(seconds=1.5)
    expiring = await posko.ready(await posko.session(person_id, now=started))
    _, bystander_token = await posko.coordinator()
    bystander = await posko.ready(bystander_token)

    await expiring.is_closed_as_ended()
    await bystander.sees(posko.map_a, await posko.new_site())


@pytest.mark.parametrize(
    "origin", ["https://evil.example", None], ids=["foreign-page", "no-origin"]
)
async def test_the_session_cookie_is_refused_from_pages_not_ours(
    posko: System, origin: str | None
) -> None:
    _, token = await posko.coordinator()
    client = await posko.connect(token, "cookie", origin=origin)
    assert await client.recv() == {
        "type": "error",
        "code": "unauthenticated",
        "message": "origin not allowed",
    }
    assert await client.closed() == 1008
    # The same token as a bearer token is no cookie a page could have used unknowingly.
    client = await posko.connect(token, "header", origin=origin)
    assert await client.recv() == {"type": "ready"}


async def test_each_principal_reads_only_its_actions_and_nobody_the_access_channel(
    posko: System,
) -> None:
    organiser = await posko.person(Role("organiser", action_id=str(posko.action_a)))
    korlap = await posko.ready(await posko.session(organiser))  # action A's map: allowed
    for channel in [posko.map_b, "actions", ACCESS]:
        reply = await korlap.subscribe(channel)
        assert (reply["type"], reply["code"], reply["channel"]) == ("error", "forbidden", channel)

    _, coordinator = await posko.coordinator()
    api_key = await posko.connect(API_KEY, "header")
    assert await api_key.recv() == {"type": "ready"}
    assert (await api_key.subscribe(posko.map_b))["type"] == "snapshot"
    for client in [await posko.ready(coordinator), api_key]:
        reply = await client.subscribe(ACCESS)
        assert (reply["type"], reply["code"]) == ("error", "forbidden")
