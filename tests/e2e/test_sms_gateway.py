"""Reports by SMS end to end, every part a real process: `posko sms gateway add` prints the
secret, `posko serve` runs, a fake SMS gateway process relays a korlap's text to the signed
webhook; the headcount arrives on the map channel of the real websocket gateway, and the reply
is collected by the fake gateway's signed poll, once."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.process import API_KEY, Server, free_port
from tests.e2e.test_serve import next_message, plan_action_with_sites, subscribe

KORLAP = "+6281299990001"
DEADLINE = 15.0


def posko_env(data_dir: Path) -> dict[str, str]:
    return {**os.environ, "POSKO_DATA_DIR": str(data_dir), "POSKO_API_KEY": API_KEY}


def add_gateway(data_dir: Path) -> tuple[str, str]:
    """`posko sms gateway add`: its id and its secret, printed once."""
    done = subprocess.run(
        [sys.executable, "-m", "posko", "sms", "gateway", "add", "--name", "HP posko"],
        env=posko_env(data_dir),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = dict(line.split(" ", 1) for line in done.stdout.strip().splitlines())
    return lines["id"], lines["secret"]


def http(method: str, url: str, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


@pytest.fixture
def posko_with_gateway(tmp_path: Path) -> Iterator[tuple[Server, subprocess.Popen[bytes], str]]:
    gateway_id, secret = add_gateway(tmp_path)
    server = Server(tmp_path)
    server.start()
    port = free_port()
    log = open(tmp_path / "fake_gateway.log", "ab")  # noqa: SIM115 - closed with the process
    fake = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.e2e.fake_sms_gateway",
            "--posko",
            server.http,
            "--port",
            str(port),
            "--gateway-id",
            gateway_id,
            "--secret",
            secret,
        ],
        stdout=log,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + DEADLINE
    while True:  # the fake gateway is up when it answers
        try:
            http("GET", url + "/sent")
            break
        except OSError:
            assert fake.poll() is None, (tmp_path / "fake_gateway.log").read_text()
            assert time.monotonic() < deadline, "the fake SMS gateway did not start"
            time.sleep(0.1)
    try:
        yield server, fake, url
    finally:
        fake.terminate()
        fake.wait(10)
        log.close()
        server.stop()


async def test_a_text_becomes_a_headcount_on_the_map_and_its_reply_is_collected_once(
    posko_with_gateway: tuple[Server, subprocess.Popen[bytes], str],
) -> None:
    server, _, fake = posko_with_gateway
    action_id, sites = await asyncio.to_thread(plan_action_with_sites, server, 2)
    status, person = await asyncio.to_thread(
        server.request, "POST", "/api/people", {"name": "Sri", "phone": KORLAP}
    )
    assert status == 201, person
    role = {"name": "organiser", "action_id": action_id}
    status, _ = await asyncio.to_thread(
        server.request, "POST", f"/api/people/{person['id']}/roles", role
    )
    assert status == 201
    status, codes = await asyncio.to_thread(server.request, "GET", f"/api/actions/{action_id}/sms")
    code = next(s["code"] for s in codes["sites"] if s["site_id"] == sites[1])
    assert code == "LOK2"

    ws = await subscribe(server, f"action:{action_id}:map")
    await next_message(ws, "snapshot")
    status, relayed = await asyncio.to_thread(
        http, "POST", fake + "/receive", {"from": "0812-9999-0001", "text": f"jumlah 1.500 {code}"}
    )
    assert relayed["status"] == 200, relayed
    assert relayed["body"]["outcome"] == "accepted"

    change = await next_message(ws, "change")
    [feature] = change["data"]["features"]
    assert feature["id"] == sites[1]
    assert feature["properties"]["headcount"] == 1500
    await ws.close()

    deadline = time.monotonic() + DEADLINE
    sent: list[dict[str, Any]] = []
    while not sent:
        assert time.monotonic() < deadline, "no reply was collected"
        await asyncio.sleep(0.1)
        sent = (await asyncio.to_thread(http, "GET", fake + "/sent"))[1]["sent"]
    assert [(m["to"], m["text"]) for m in sent] == [(KORLAP, relayed["body"]["reply"])]
    assert "1500" in sent[0]["text"] and "Lokasi 1" in sent[0]["text"]

    # Polls go on; the same reply never leaves twice.
    marker_sent = await _relay_and_wait_for_reply(fake, "JUMLAH 1600", len(sent) + 1)
    assert [m["text"] for m in marker_sent].count(sent[0]["text"]) == 1


async def _relay_and_wait_for_reply(fake: str, text: str, count: int) -> list[dict[str, Any]]:
    await asyncio.to_thread(http, "POST", fake + "/receive", {"from": KORLAP, "text": text})
    deadline = time.monotonic() + DEADLINE
    while True:
        sent: list[dict[str, Any]] = (await asyncio.to_thread(http, "GET", fake + "/sent"))[1][
            "sent"
        ]
        if len(sent) >= count:
            return sent
        assert time.monotonic() < deadline, sent
        await asyncio.sleep(0.1)
