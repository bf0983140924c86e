"""`posko serve` as a real process, a real websocket client, reports over HTTP: changes arrive
in order, resends change nothing, a reconnect with `since` ends in the fresh-snapshot state,
and after kill -9 every acknowledged report is still there."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from tests.e2e.process import API_KEY, Server

NOW = datetime.now(UTC)


def plan_action_with_sites(server: Server, sites: int = 3) -> tuple[str, list[str]]:
    status, action = server.request(
        "POST",
        "/api/actions",
        {
            "title": "Aksi e2e",
            "kind": "rally",
            "starts_at": NOW.isoformat(),
            "ends_at": (NOW + timedelta(hours=8)).isoformat(),
            "demands": ["Upah layak"],
        },
    )
    assert status == 201, action
    site_ids = []
    for i in range(sites):
        status, site = server.request(
            "POST",
            f"/api/actions/{action['id']}/sites",
            {"name": f"Lokasi {i}", "lat": -6.2 - i / 10, "lon": 106.8, "target": 1000},
        )
        assert status == 201, site
        site_ids.append(site["id"])
    # Read-your-writes: a subscriber's snapshot comes from the views, which follow the log.
    status, _ = server.request(
        "GET", f"/api/actions/{action['id']}?min_position={site['position']}"
    )
    assert status == 200
    return action["id"], site_ids


def headcount(site_id: str, count: int, minutes: int = 0) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "site_id": site_id,
        "kind": "headcount",
        "headcount": count,
        "at": (NOW - timedelta(hours=1) + timedelta(minutes=minutes)).isoformat(),
    }


async def subscribe(server: Server, channel: str, since: int | None = None) -> ClientConnection:
    ws = await connect(server.ws)
    await ws.send(json.dumps({"type": "auth", "token": API_KEY}))
    assert json.loads(await ws.recv())["type"] == "ready"
    await ws.send(json.dumps({"type": "subscribe", "channel": channel, "since": since}))
    return ws


async def next_message(ws: ClientConnection, *types: str) -> dict[str, Any]:
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if message["type"] in types:
            return message
        assert message["type"] != "error", message


def upsert(features: dict[str, Any], data: dict[str, Any]) -> None:
    for feature in data["features"]:
        features[feature["id"]] = feature


async def test_reports_arrive_as_changes_and_resends_change_nothing(server: Server) -> None:
    action_id, sites = await asyncio.to_thread(plan_action_with_sites, server)
    channel = f"action:{action_id}:map"
    ws = await subscribe(server, channel)
    snapshot = await next_message(ws, "snapshot")
    assert {f["id"] for f in snapshot["data"]["features"]} == set(sites)

    positions = [snapshot["position"]]
    for n in range(5):
        report = headcount(sites[n % 3], 100 * (n + 1), minutes=n)
        status, body = await asyncio.to_thread(
            server.request, "POST", f"/api/actions/{action_id}/reports", report
        )
        assert status == 201, body
        change = await next_message(ws, "change")
        assert change["position"] > positions[-1]
        assert change["position"] == body["position"]
        [feature] = change["data"]["features"]
        assert feature["properties"]["headcount"] == 100 * (n + 1)
        positions.append(change["position"])

        # The same report again (a phone that timed out and resent): same answer, no event.
        again = await asyncio.to_thread(
            server.request, "POST", f"/api/actions/{action_id}/reports", report
        )
        assert again == (200, body)

    # The next change on the channel is the next new report, not an echo of a resend.
    marker = headcount(sites[0], 7, minutes=10)
    status, body = await asyncio.to_thread(
        server.request, "POST", f"/api/actions/{action_id}/reports", marker
    )
    change = await next_message(ws, "change")
    assert change["position"] == body["position"]
    status, action = await asyncio.to_thread(server.request, "GET", f"/api/actions/{action_id}")
    assert action["reports"] == 6
    await ws.close()


async def test_reconnecting_with_since_ends_in_the_fresh_snapshot_state(server: Server) -> None:
    action_id, sites = await asyncio.to_thread(plan_action_with_sites, server)
    channel = f"action:{action_id}:map"
    ws = await subscribe(server, channel)
    snapshot = await next_message(ws, "snapshot")
    features = {f["id"]: f for f in snapshot["data"]["features"]}
    position = snapshot["position"]
    await ws.close()

    # While the client is away, the street goes on.
    for n in range(12):
        status, body = await asyncio.to_thread(
            server.request,
            "POST",
            f"/api/actions/{action_id}/reports",
            headcount(sites[n % 3], 50 * n, minutes=n),
        )
        assert status == 201
    last = body["position"]

    resumed = await subscribe(server, channel, since=position)
    await read_until(resumed, features, position, last)
    await resumed.close()

    fresh_features: dict[str, Any] = {}
    fresh = await subscribe(server, channel)
    await read_until(fresh, fresh_features, None, last)
    await fresh.close()
    assert features == fresh_features


async def read_until(
    ws: ClientConnection, features: dict[str, Any], since: int | None, last: int
) -> None:
    """Apply snapshot/changes to `features` until the client has everything up to `last`,
    checking positions only ever increase (no duplicate, no going back)."""
    position = since
    while position is None or position < last:
        message = await next_message(ws, "change", "snapshot", "subscribed")
        if position is not None:
            assert message["position"] >= position
            assert message["type"] == "subscribed" or message["position"] > position
        position = message["position"]
        if message["type"] == "snapshot":
            features.clear()
        if message["type"] != "subscribed":
            upsert(features, message["data"])


def test_every_acknowledged_report_survives_kill_9(server: Server) -> None:
    action_id, sites = plan_action_with_sites(server)

    def post(n: int) -> tuple[int, Any]:
        return server.request(
            "POST", f"/api/actions/{action_id}/reports", headcount(sites[n % 3], n, minutes=n % 50)
        )

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(post, range(200)))
    assert [status for status, _ in answers] == [201] * 200
    last = max(body["position"] for _, body in answers)
    server.kill()  # no chance to flush anything
    server.start()
    # The views catch up from the log after the restart; wait for the last acknowledged write.
    status, action = server.request("GET", f"/api/actions/{action_id}?min_position={last}")
    assert status == 200
    assert action["position"] >= last
    assert action["reports"] == 200


def _projector_pid(server: Server) -> int | None:
    """The pid of serve's projector process (`posko project --child`), if one runs."""
    assert server.process is not None
    for task in Path(f"/proc/{server.process.pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            command = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
            if b"project" in command and b"--child" in command:
                return int(child)
    return None


def test_the_projector_runs_apart_and_comes_back_when_it_dies(server: Server) -> None:
    """serve projects in a child process: the reports' changes still reach a subscriber, and a
    projector killed -9 is started again and carries on where the views are."""
    action_id, sites = plan_action_with_sites(server, sites=1)
    first = _projector_pid(server)
    assert first is not None

    async def report_and_watch(count: int) -> dict[str, Any]:
        ws = await subscribe(server, f"action:{action_id}:map")
        try:
            await next_message(ws, "snapshot")
            report = headcount(sites[0], count, minutes=count)
            status, _ = await asyncio.to_thread(
                server.request, "POST", f"/api/actions/{action_id}/reports", report
            )
            assert status == 201
            while True:
                [feature] = (await next_message(ws, "change"))["data"]["features"]
                if feature["properties"]["headcount"] == count:
                    return dict(feature["properties"])
        finally:
            await ws.close()

    assert asyncio.run(report_and_watch(41))["headcount"] == 41
    os.kill(first, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while _projector_pid(server) in (None, first):
        assert time.monotonic() < deadline, "the projector was not started again"
        time.sleep(0.1)
    assert asyncio.run(report_and_watch(42))["headcount"] == 42
    status, health = server.request("GET", "/healthz")
    assert status == 200
    assert health["projections"]["running"] is True
