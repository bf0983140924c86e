"""Every channel kind against every kind of caller, on a real gateway authenticating real
session tokens against a real event store: allowed (a snapshot), refused (error `forbidden`,
the connection stays open), or, without credentials, refused as `unauthenticated`. And what
an allowed snapshot or change carries: no point a phone sent on any channel, and legal text
only on the legal channel."""

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
from projections import feed, fund_link, live_map, overview, votes
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
    "member_u",
)


# A phone's exact points and the legal team's words (the HTTP table has the same).
EXACT = (-6.1987654, 106.8234567)
EXACT_MARKS = ("1987654", "8234567")
LEGAL_MARKS = ("RAHASIA-PENANGKAPAN", "RAHASIA-CATATAN", "RAHASIA-BANTUAN")
READ_LEGAL = frozenset({"admin", "api_key", "national", "coord_a"})


@dataclass
class World:
    url: str
    tokens: dict[str, str]
    action_a: uuid.UUID
    vote: uuid.UUID
    app: Posko
    runner: ProjectionRunner
    bus: MemoryBus
    site: uuid.UUID
    fund: uuid.UUID
    other_fund: uuid.UUID  # not linked to action A


def secrets_at(app: Posko, action_id: uuid.UUID, site: uuid.UUID, actor: str) -> uuid.UUID:
    """A check-in and an injury where the phone was, an arrest with its text and resolution,
    a legal-aid request with a note; returns the arrest's id."""
    now = datetime.now(UTC)
    lat, lon = EXACT
    app.file_report(
        id=uuid.uuid4(), action_id=action_id, site_id=site, kind="checkin", at=now,
        lat=lat, lon=lon, accuracy_m=5.0, actor=actor,
    )  # fmt: skip
    for kind, text in (("injury", "luka"), ("arrest", "RAHASIA-PENANGKAPAN Budi")):
        arrest = uuid.uuid4()
        app.report_incident(
            id=arrest, action_id=action_id, site_id=site, kind=kind, severity="high",
            description=text, lat=lat, lon=lon, at=now, actor=actor,
        )  # fmt: skip
    app.resolve_incident(incident_id=arrest, note="RAHASIA-CATATAN", actor="test")
    app.request_help(
        id=uuid.uuid4(), action_id=action_id, site_id=site, kind="legal_aid", quantity=1,
        note="RAHASIA-BANTUAN", at=now, actor=actor,
    )  # fmt: skip
    return arrest


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
    union = uuid.uuid4()
    app.register_affiliate(id=union, name="SPN", actor="t")
    vote = uuid.uuid4()
    app.call_vote(
        id=vote,
        question="Mogok?",
        options=["Setuju", "Tidak setuju"],
        affiliate_id=union,
        branch_id=None,
        opens_at=now,
        closes_at=now + timedelta(hours=1),
        quorum={"num": 1, "den": 2},
        threshold={"num": 1, "den": 2},
        actor="t",
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
        "member_u": Role("member", affiliate_id=str(union)),
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
    secrets_at(app, actions[0], site, "invite:korlap")
    app.link_fund(fund_id=fund, action_id=actions[0], actor="test")

    store = SQLiteViewStore(data / "views.db")
    bus = MemoryBus()
    await bus.start()
    authenticator = Authenticator(
        API_KEY, sessions=lambda token: app.principal_for_token(token, datetime.now(UTC))
    )
    port = Port(app, store, authenticator)
    # The vote's and the fund's channels are scoped by what the gateway reads from the views.
    runner = ProjectionRunner(app, port, bus)
    runner.catch_up()
    gateway = Gateway(port, bus, port.principal)
    async with gateway.running("127.0.0.1", 0) as server:
        number = server.sockets[0].getsockname()[1]
        yield World(
            f"ws://127.0.0.1:{number}/",
            tokens,
            actions[0],
            vote,
            app,
            runner,
            bus,
            site,
            fund,
            other_fund,
        )
    await bus.close()
    port.close()
    store.close()
    app.close()


def channels_of(
    action_id: uuid.UUID, vote_id: uuid.UUID, fund_id: uuid.UUID, other_fund: uuid.UUID
) -> dict[str, tuple[str, frozenset[str]]]:
    """Channel kind -> (a channel of that kind, who may subscribe to it)."""
    coordinate = frozenset({"admin", "api_key", "national", "coord_a"})
    return {
        "actions": (overview.CHANNEL, frozenset({"admin", "api_key", "national"})),
        "action_map": (live_map.channel(action_id), coordinate | {"korlap_a"}),
        "action_feed": (feed.channel(action_id), coordinate | {"korlap_a"}),
        "action_legal": (feed.legal_channel(action_id), coordinate),
        "access": (ACCESS, frozenset()),  # the gateways' own: nobody, admins included
        # a union's vote: its members and officers, every coordinator (the dashboard)
        "vote": (
            votes.channel(vote_id),
            frozenset({"admin", "api_key", "national", "coord_a", "coord_b", "member_u"}),
        ),
        # The fund's treasurers, its unit's officers and its auditors; not the unit's members
        # (they read totals over the API), nor another fund's treasurer.
        "fund": (
            fund_view.channel(fund_id),
            frozenset({"admin", "api_key", "treasurer", "officer", "auditor"}),
        ),
        # The fund linked to action A, as A's dashboard shows it: readers of A who coordinate
        # it (the link shares the fund with them) or read the fund's totals anyway; not the
        # korlap, nor the fund's own people who do not read the action.
        "action_fund": (fund_link.channel(action_id, fund_id), coordinate),
        # A fund not linked to A: only those who read both A and the fund's totals.
        "action_fund_unlinked": (
            fund_link.channel(action_id, other_fund),
            frozenset({"admin", "api_key"}),
        ),
    }


KINDS = (
    "actions",
    "action_map",
    "action_feed",
    "action_legal",
    "access",
    "vote",
    "fund",
    "action_fund",
    "action_fund_unlinked",
)


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
    channel, allowed = channels_of(world.action_a, world.vote, world.fund, world.other_fund)[kind]
    reply = await answer(world.url, world.tokens[caller], channel)
    if caller in allowed:
        assert reply["type"] == "snapshot", reply
        assert reply["channel"] == channel
    else:
        assert (reply["type"], reply["code"]) == ("error", "forbidden"), reply


@pytest.mark.parametrize("kind", KINDS)
async def test_nobody_without_credentials_reaches_any_channel(world: World, kind: str) -> None:
    channel, _ = channels_of(world.action_a, world.vote, world.fund, world.other_fund)[kind]
    reply = await answer(world.url, None, channel)
    assert (reply["type"], reply["code"]) == ("error", "unauthenticated")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("caller", CALLERS)
async def test_no_channel_carries_a_phones_point_nor_legal_text_to_those_without_it(
    world: World, caller: str, kind: str
) -> None:
    channel, allowed = channels_of(world.action_a, world.vote, world.fund, world.other_fund)[kind]
    if caller not in allowed:
        return  # refused: the test above
    text = json.dumps(await answer(world.url, world.tokens[caller], channel))

    assert [m for m in EXACT_MARKS if m in text] == [], text  # exact points: never on a channel
    if caller not in READ_LEGAL or kind != "action_legal":
        assert [m for m in LEGAL_MARKS if m in text] == [], text
    else:
        assert [m for m in LEGAL_MARKS if m not in text] == [], text


async def test_live_changes_keep_the_phones_point_and_legal_text_off_public_channels(
    world: World,
) -> None:
    names = [live_map.channel(world.action_a), feed.channel(world.action_a)]
    async with connect(world.url) as ws:
        await ws.send(json.dumps({"type": "auth", "token": world.tokens["korlap_a"]}))
        assert json.loads(await asyncio.wait_for(ws.recv(), DEADLINE))["type"] == "ready"
        for name in names:
            await ws.send(json.dumps({"type": "subscribe", "channel": name, "since": None}))
            assert json.loads(await asyncio.wait_for(ws.recv(), DEADLINE))["type"] == "snapshot"
        arrest = secrets_at(world.app, world.action_a, world.site, "invite:korlap")
        for batch in await asyncio.to_thread(_apply_new, world.runner):
            await world.bus.publish(batch)
        seen: dict[str, str] = {}
        while set(seen) != set(names):  # until both channels showed the new arrest
            message = json.loads(await asyncio.wait_for(ws.recv(), DEADLINE))
            assert message["type"] == "change", message
            text = json.dumps(message)
            assert [m for m in (*EXACT_MARKS, *LEGAL_MARKS) if m in text] == [], text
            if str(arrest) in text:
                seen[message["channel"]] = text


def _apply_new(runner: ProjectionRunner) -> list[Any]:
    position = runner.store.position()
    notifications = runner.app.recorder.select_notifications(
        start=position, limit=1000, inclusive_of_start=False
    )
    return [runner.apply(notifications)]


async def test_the_actions_fund_channel_changes_live_with_a_contribution(world: World) -> None:
    name = fund_link.channel(world.action_a, world.fund)
    async with connect(world.url) as ws:
        await ws.send(json.dumps({"type": "auth", "token": world.tokens["coord_a"]}))
        assert json.loads(await asyncio.wait_for(ws.recv(), DEADLINE))["type"] == "ready"
        await ws.send(json.dumps({"type": "subscribe", "channel": name, "since": None}))
        snapshot = json.loads(await asyncio.wait_for(ws.recv(), DEADLINE))
        assert snapshot["type"] == "snapshot", snapshot
        before = snapshot["data"]["fund"]["balance"]
        world.app.record_contribution(
            id=uuid.uuid4(), fund_id=world.fund, source="donor", payer="Donatur",
            channel="cash", reference=None, amount=12_345, income_account="income:donation",
            asset_account="cash", effective_date=datetime.now(UTC).date(), actor="test",
        )  # fmt: skip
        for batch in await asyncio.to_thread(_apply_new, world.runner):
            await world.bus.publish(batch)
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), DEADLINE))
            if message["type"] == "change" and message["channel"] == name:
                break
        assert message["data"]["fund"]["balance"] == before + 12_345
