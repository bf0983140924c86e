"""Strike votes over real HTTP: bad input is a 4xx naming the field and writes nothing, a resend
of a ballot with its receipt code hears the first answer, a voting link votes once, and the
problems come in Bahasa Indonesia or English."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
import pytest_asyncio
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from posko.bootstrap import build, web_services
from posko.settings import Settings
from web.app import create_app

pytestmark = pytest.mark.asyncio(loop_scope="module")

KEY = "v" * 32
PASSWORD = "kata-sandi-yang-panjang"


@dataclass
class World:
    session: ClientSession
    union: str
    members: list[tuple[str, str]]  # (person id, session token)

    async def call(
        self, method: str, path: str, body: Any = None, token: str | None = KEY, **headers: str
    ) -> tuple[int, Any]:
        if token:
            headers["Authorization"] = f"Bearer {token}"
        headers.setdefault("Content-Type", "application/json")
        async with self.session.request(
            method, path, data=None if body is None else json.dumps(body), headers=headers
        ) as response:
            text = await response.text()
            return response.status, json.loads(text) if text else None


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    data_dir = Path(tmp_path_factory.mktemp("vote-api"))
    components = build(Settings(data_dir=data_dir, api_key=KEY), runner=True, gateway=False)
    server = TestServer(create_app(web_services(components)))
    await server.start_server(access_log=None)
    assert components.runner is not None
    projecting = asyncio.create_task(components.runner.run())
    session = ClientSession(base_url=str(server.make_url("/")))
    w = World(session, "", [])
    try:
        _, union = await w.call("POST", "/api/affiliates", {"name": "SPN"})
        w.union = union["id"]
        for n in range(3):
            phone = f"0819{uuid4().int % 10**8:08d}"
            _, person = await w.call(
                "POST", "/api/people", {"name": f"A{n}", "phone": phone, "password": PASSWORD}
            )
            await w.call(
                "POST",
                f"/api/people/{person['id']}/roles",
                {"name": "member", "affiliate_id": w.union},
            )
            _, signed = await w.call(
                "POST", "/api/session", {"login": phone, "password": PASSWORD}, token=None
            )
            w.members.append((person["id"], signed["token"]))
        yield w
    finally:
        await session.close()
        projecting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await projecting
        await server.close()
        await asyncio.get_running_loop().shutdown_default_executor()
        components.close()


def vote_body(union: str, **over: Any) -> dict[str, Any]:
    opens = datetime.now(UTC) - timedelta(minutes=1)
    body = {
        "id": str(uuid4()),
        "question": "Mogok?",
        "options": ["Setuju", "Tidak setuju"],
        "affiliate_id": union,
        "opens_at": opens.isoformat(),
        "closes_at": (opens + timedelta(hours=1)).isoformat(),
        "quorum": {"num": 1, "den": 2},
        "threshold": {"num": 1, "den": 2, "rule": "more_than"},
    }
    body.update(over)
    return body


async def open_vote(w: World, **over: Any) -> str:
    status, reply = await w.call("POST", "/api/votes", vote_body(w.union, **over))
    assert status == 201, reply
    status, reply = await w.call("POST", f"/api/votes/{reply['id']}/open")
    assert status == 201, reply
    return str(reply["id"])


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"options": "Setuju"}, "options"),
        ({"options": ["Setuju"]}, "options"),
        ({"quorum": 0.5}, "quorum"),
        ({"threshold": {"num": 2, "den": 1}}, "threshold.num"),
        ({"opens_at": "besok"}, "opens_at"),
        ({"closes_at": "2020-01-01T00:00:00+07:00"}, "closes_at"),
        ({"weights": {"bukan-uuid": 3}}, "weights"),
        ({"k": "sepuluh"}, "k"),
    ],
)
async def test_a_bad_call_names_the_field_and_writes_nothing(
    world: World, over: dict[str, Any], field: str
) -> None:
    body = vote_body(world.union, **over)
    status, reply = await world.call("POST", "/api/votes", body)
    assert status == 422, reply
    assert reply["field"] == field
    status, _ = await world.call("GET", f"/api/votes/{body['id']}?min_position=0")
    assert status == 404


async def test_problems_speak_english_on_request(world: World) -> None:
    vote = await open_vote(world)
    _, token = world.members[0]
    await world.call("POST", f"/api/votes/{vote}/ballots", {"choice": 0}, token=token)
    status, reply = await world.call(
        "POST",
        f"/api/votes/{vote}/ballots",
        {"choice": 1},
        token=token,
        **{"Accept-Language": "en"},
    )
    assert (status, reply["code"]) == (409, "already_voted")
    assert reply["title"] == "You have already voted. One member, one vote."
    status, reply = await world.call(
        "POST", f"/api/votes/{vote}/ballots", {"choice": 1}, token=token
    )
    assert reply["title"].startswith("Anda sudah memilih")


async def test_a_resend_with_the_same_receipt_hears_the_first_answer(world: World) -> None:
    vote = await open_vote(world)
    _, token = world.members[1]
    body = {"choice": 1, "receipt": "7K3M9Q2XAB"}
    first = await world.call("POST", f"/api/votes/{vote}/ballots", body, token=token)
    again = await world.call("POST", f"/api/votes/{vote}/ballots", body, token=token)
    assert first[0] == 201 and again[0] == 200
    assert first[1]["receipt"] == again[1]["receipt"] == "7K3M9Q2XAB"
    status, reply = await world.call(
        "POST", f"/api/votes/{vote}/ballots", {"choice": 0, "receipt": "ABC"}, token=token
    )
    assert (status, reply["field"]) == (422, "receipt")
    status, reply = await world.call(
        "POST", f"/api/votes/{vote}/ballots", {"choice": 7}, token=world.members[2][1]
    )
    assert (status, reply["field"]) == (422, "choice")  # and nothing recorded:
    status, me = await world.call("GET", f"/api/votes/{vote}/roll/me", token=world.members[2][1])
    assert me["on_roll"] and not me["voted"]


async def test_a_voting_link_votes_once_and_then_only_reads(world: World) -> None:
    vote = await open_vote(world)
    person, _ = world.members[2]
    status, link = await world.call("POST", f"/api/votes/{vote}/links", {"person_id": person})
    assert status == 201 and link["url"] == f"/pilih#{vote}.{link['code']}"
    status, seen = await world.call(
        "POST", f"/api/votes/{vote}/link", {"code": link["code"]}, token=None
    )
    assert status == 200 and seen["me"]["on_roll"] and not seen["me"]["voted"]
    assert seen["result"] is None
    path = f"/api/votes/{vote}/link/ballots"
    status, cast = await world.call("POST", path, {"code": link["code"], "choice": 0}, token=None)
    assert status == 201 and len(cast["receipt"]) == 10
    status, again = await world.call("POST", path, {"code": link["code"], "choice": 1}, token=None)
    assert (status, again["code"]) == (409, "already_voted")
    status, seen = await world.call(
        "POST", f"/api/votes/{vote}/link", {"code": link["code"]}, token=None
    )
    assert status == 200 and seen["me"]["voted"]
    status, wrong = await world.call("POST", path, {"code": "salah", "choice": 0}, token=None)
    assert (status, wrong["code"]) == (404, "unknown_voting_link")


async def test_a_refused_ballot_leaves_no_trace_in_the_logs(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """Bad ballots are refused by their body's model before any command runs; like good ones,
    they are not logged, and nothing logged carries the choice, the receipt or the code."""
    vote = await open_vote(world)
    _, token = world.members[0]
    _, link = await world.call(
        "POST", f"/api/votes/{vote}/links", {"person_id": world.members[1][0]}
    )
    caplog.set_level(logging.DEBUG)
    caplog.clear()
    sent = [
        (f"/api/votes/{vote}/ballots", {"choice": 987654}, token),
        (f"/api/votes/{vote}/ballots", {"choice": "sembilan-delapan"}, token),
        (f"/api/votes/{vote}/ballots", {"choice": 1, "receipt": "qqqq-zzzz-wwww"}, token),
        (f"/api/votes/{vote}/link/ballots", {"code": link["code"], "choice": 987654}, None),
        (f"/api/votes/{vote}/link/ballots", {"code": link["code"] * 4, "choice": 1}, None),
        (f"/api/votes/{vote}/link", {"code": 31337}, None),
    ]
    for path, body, as_whom in sent:
        status, reply = await world.call("POST", path, body, token=as_whom)
        assert status == 422, reply
        assert not {str(v) for v in body.values()} & {
            str(p) for p in reply.get("params", {}).values()
        }
    logged = caplog.text
    for secret in ("987654", "sembilan", "qqqq", link["code"], "31337", "/ballots", "/link"):
        assert secret not in logged
    for _, tok in world.members[:2]:
        _, me = await world.call("GET", f"/api/votes/{vote}/roll/me", token=tok)
        assert not me["voted"]
