"""Every channel kind against every kind of caller, on a real gateway authenticating real
session tokens against a real event store: allowed (a snapshot), refused (error `forbidden`,
the connection stays open), or, without credentials, refused as `unauthenticated`."""

from __future__ import annotations

import asyncio
import json
import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from websockets.asyncio.client import connect

from core.access import Authenticator, Role
from core.application import Posko
from posko.persistence import eventsourcing_env
from projections import feed, live_map, overview
from projections import fund as fund_view
from projections.people import ACCESS
from projections.port import Port
from projections.runner import ProjectionRunner
from projections.store import SQLiteViewStore
from realtime.bus import MemoryBus
from realtime.gateway import Gateway

pytestmark = pytest.mark.asyncio(loop_scope="module")

API_KEY = secrets.token_urlsafe(24)
DEADLINE = 10.0
CALLERS = (
    "admin",
    "api_key",
    "national",
    "coord_a",
    "coord_b",
    "korlap_a",
    "member",
    "treasurer",
    "officer",
    "auditor",
    "unit_member",
    "other_treasurer",
)


@dataclass
class World:
    url: str
    tokens: dict[str, str]
    action_a: uuid.UUID
    fund: uuid.UUID


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    data = Path(tmp_path_factory.mktemp("channels"))
    app = Posko(env=eventsourcing_env("", data))
    now = datetime.now(UTC)
    actions = []
    for title in ("Aksi A", "Aksi B"):
        action_id = uuid.uuid4()
        app.plan_action(
            id=action_id,
            title=title,
            kind="rally",
            demands=[],
            starts_at=now,
            ends_at=now + timedelta(hours=5),
            actor="test",
        )
        actions.append(action_id)
    site = uuid.uuid4()
    app.add_site(
        action_id=actions[0], site_id=site, name="Lokasi", lat=-6.2, lon=106.8, target=10, actor="t"
    )
    affiliate, fund, other_fund = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    app.register_affiliate(id=affiliate, name="FSPMI", actor="test")
    for fund_id in (fund, other_fund):
        app.open_fund(
            id=fund_id,
            name="Dana",
            unit_kind="affiliate",
            unit_id=affiliate,
            threshold=1_000_000,
            actor="test",
        )
    roles = {
        "admin": Role("admin"),
        "national": Role("coordinator"),
        "coord_a": Role("coordinator", action_id=str(actions[0])),
        "coord_b": Role("coordinator", action_id=str(actions[1])),
        "member": Role("member"),
        "treasurer": Role("treasurer", fund_id=str(fund)),
        "officer": Role("officer", affiliate_id=str(affiliate)),
        "auditor": Role("auditor", fund_id=str(fund)),
        "unit_member": Role("member", affiliate_id=str(affiliate)),
        "other_treasurer": Role("treasurer", fund_id=str(other_fund)),
    }
    tokens = {"api_key": API_KEY}
    for n, (name, role) in enumerate(roles.items()):
        person = uuid.uuid4()
        app.register_person(id=person, name=name, phone=f"08120000{n:04d}", actor="test")
        app.grant_role(person_id=person, role=role, actor="test")
        tokens[name] = secrets.token_urlsafe(24)
        app.start_session(token=tokens[name], person_id=person, client="t", now=now, actor="t")
    code = secrets.token_urlsafe(9)
    app.create_invite(
        code=code,
        action_id=actions[0],
        site_id=site,
        label="korlap",
        expires_at=now + timedelta(hours=2),
        now=now,
        actor="test",
    )
    tokens["korlap_a"] = secrets.token_urlsafe(24)
    app.redeem_invite(code=code, token=tokens["korlap_a"], name="Korlap", client="t", now=now)

    store = SQLiteViewStore(data / "views.db")
    bus = MemoryBus()
    await bus.start()
    authenticator = Authenticator(
        API_KEY, sessions=lambda token: app.principal_for_token(token, datetime.now(UTC))
    )
    port = Port(app, store, authenticator)
    ProjectionRunner(app, port).catch_up()  # a fund's channel is checked against its view
    gateway = Gateway(port, bus, port.principal)
    async with gateway.running("127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        yield World(f"ws://127.0.0.1:{port}/", tokens, actions[0], fund)
    await bus.close()
    store.close()
    app.close()


def channels_of(action_id: uuid.UUID, fund_id: uuid.UUID) -> dict[str, tuple[str, frozenset[str]]]:
    """Channel kind -> (a channel of that kind, who may subscribe to it)."""
    coordinate = frozenset({"admin", "api_key", "national", "coord_a"})
    return {
        "actions": (overview.CHANNEL, frozenset({"admin", "api_key", "national"})),
        "action_map": (live_map.channel(action_id), coordinate | {"korlap_a"}),
        "action_feed": (feed.channel(action_id), coordinate | {"korlap_a"}),
        "action_legal": (feed.legal_channel(action_id), coordinate),
        "access": (ACCESS, frozenset()),  # the gateways' own: nobody, admins included
        # The fund's treasurers, its unit's officers and its auditors; not the unit's members
        # (they read totals over the API), nor another fund's treasurer.
        "fund": (
            fund_view.channel(fund_id),
            frozenset({"admin", "api_key", "treasurer", "officer", "auditor"}),
        ),
    }


KINDS = ("actions", "action_map", "action_feed", "action_legal", "access", "fund")


async def answer(url: str, token: str | None, channel: str) -> dict[str, Any]:
    async with connect(url) as ws:
        await ws.send(json.dumps({"type": "auth", "token": token}))
        first = json.loads(await asyncio.wait_for(ws.recv(), DEADLINE))
        if first["type"] != "ready":
            return dict(first)
        await ws.send(json.dumps({"type": "subscribe", "channel": channel, "since": None}))
        reply: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), DEADLINE))
        if reply["type"] == "error":  # refused, but the connection stays open and usable
            await ws.send(json.dumps({"type": "subscribe", "channel": "nope", "since": None}))
            follow_up = json.loads(await asyncio.wait_for(ws.recv(), DEADLINE))
            assert follow_up["code"] == "unknown_channel"
        return reply


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("caller", CALLERS)
async def test_each_channel_kind_admits_exactly_whom_it_should(
    world: World, caller: str, kind: str
) -> None:
    channel, allowed = channels_of(world.action_a, world.fund)[kind]
    reply = await answer(world.url, world.tokens[caller], channel)
    if caller in allowed:
        assert reply["type"] == "snapshot", reply
        assert reply["channel"] == channel
    else:
        assert (reply["type"], reply["code"]) == ("error", "forbidden"), reply


@pytest.mark.parametrize("kind", KINDS)
async def test_nobody_without_credentials_reaches_any_channel(world: World, kind: str) -> None:
    channel, _ = channels_of(world.action_a, world.fund)[kind]
    reply = await answer(world.url, None, channel)
    assert (reply["type"], reply["code"]) == ("error", "unauthenticated")
