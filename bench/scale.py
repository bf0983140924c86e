"""Load at scale: the scaled deployment as real processes (`posko project` x2, `posko web` x2,
`posko gateway` x2 on PostgreSQL and Redis), N simulated phones posting headcount reports through
both web processes and M websocket clients on both gateways; accepted reports/s, end-to-end
latency (POST sent to change received, per delivery) p50/p99, errors, projection lag. In the
same run, the yardsticks: PostgreSQL single saves (raw eventsourcing, one aggregate per save)
and a bare `websockets` broadcast of the same frames to the same number of clients.

    .venv/bin/python bench/scale.py [--phones 32] [--clients 200] [--duration 15]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import benchkit as bk
from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import ServerConnection, broadcast, serve

REDIS_URL = os.environ.get("POSKO_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


@dataclass
class Proc:
    role: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def health(self) -> str:
        return f"http://127.0.0.1:{self.port}/healthz"


def start(role: str, env: dict[str, str], root: Path) -> Proc:
    port = bk.free_port()
    key = "POSKO_WS_PORT" if role == "gateway" else "POSKO_HTTP_PORT"
    log = root / f"{role}-{port}.log"
    process = subprocess.Popen(
        [str(bk.POSKO), role],
        env={**os.environ, **env, key: str(port), "POSKO_DATA_DIR": str(root / f"{role}{port}")},
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    proc = Proc(role, port, process, log)
    deadline = time.monotonic() + bk.START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"posko {role} exited: {log.read_text()[-2000:]}")
        with contextlib.suppress(OSError), urllib.request.urlopen(proc.health, timeout=2):
            return proc
        time.sleep(0.1)
    raise RuntimeError(f"posko {role} did not start: {log.read_text()[-2000:]}")


@contextlib.contextmanager
def cluster(schema: str, root: Path) -> Iterator[dict[str, list[Proc]]]:
    env = {
        "POSKO_DATABASE_URL": bk.PG_URL,
        "POSKO_DATABASE_SCHEMA": schema,
        "POSKO_REDIS_URL": REDIS_URL,
        "POSKO_API_KEY": bk.API_KEY,
    }
    procs: dict[str, list[Proc]] = {"project": [], "web": [], "gateway": []}
    try:
        for role in procs:
            for _ in range(2):
                procs[role].append(start(role, env, root))
        yield procs
    finally:
        for proc in [p for ps in procs.values() for p in ps]:
            proc.process.send_signal(signal.SIGTERM)
        for proc in [p for ps in procs.values() for p in ps]:
            try:
                proc.process.wait(15)
            except subprocess.TimeoutExpired:
                proc.process.kill()


async def plan(session: aiohttp.ClientSession, web: str, sites: int) -> tuple[str, list[str]]:
    now = datetime.now(UTC)
    async with session.post(
        f"{web}/api/actions",
        json={
            "title": "Aksi nasional",
            "kind": "rally",
            "starts_at": now.isoformat(),
            "ends_at": (now + timedelta(hours=8)).isoformat(),
            "demands": ["Upah layak"],
        },
    ) as response:
        action = await response.json()
    site_ids = []
    for i in range(sites):
        async with session.post(
            f"{web}/api/actions/{action['id']}/sites",
            json={"name": f"Lokasi {i}", "lat": -6.2 - i / 100, "lon": 106.8, "target": 10_000},
        ) as response:
            site_ids.append((await response.json())["id"])
    return action["id"], site_ids


class Screens:
    """M websocket clients on the action's map, spread over the gateways; every change's
    receive time by the headcount (the report's sequence number) it carries."""

    def __init__(self) -> None:
        self.received: list[tuple[int, float]] = []
        self.sockets: list[ClientConnection] = []
        self.tasks: list[asyncio.Task[None]] = []

    async def open(self, urls: list[str], channel: str, count: int) -> None:
        for i in range(count):
            ws = await connect(urls[i % len(urls)], max_queue=None)
            await ws.send(json.dumps({"type": "auth", "token": bk.API_KEY}))
            await ws.recv()
            await ws.send(json.dumps({"type": "subscribe", "channel": channel}))
            await ws.recv()  # the snapshot
            self.sockets.append(ws)
            self.tasks.append(asyncio.create_task(self._read(ws)))

    async def _read(self, ws: ClientConnection) -> None:
        with contextlib.suppress(Exception):
            async for frame in ws:
                now = time.monotonic()
                message = json.loads(frame)
                if message.get("type") == "change":
                    for feature in message["data"]["features"]:
                        self.received.append((feature["properties"]["headcount"], now))

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        for ws in self.sockets:
            await ws.close()


async def phones(
    webs: list[str], action: str, sites: list[str], count: int, seconds: float
) -> tuple[dict[int, float], int, int]:
    """`count` phones posting back to back through the web processes in turn for `seconds`;
    (send time by sequence, accepted, errors)."""
    sent: dict[int, float] = {}
    accepted = errors = 0
    sequence = iter(range(1, 10**9))
    headers = {"Authorization": f"Bearer {bk.API_KEY}"}
    stop_at = time.monotonic() + seconds
    at = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()

    async def phone(n: int, session: aiohttp.ClientSession) -> None:
        nonlocal accepted, errors
        while time.monotonic() < stop_at:
            seq = next(sequence)
            body = {
                "id": str(uuid.uuid4()),
                "site_id": sites[seq % len(sites)],
                "kind": "headcount",
                "headcount": seq,
                "at": at,
            }
            url = f"{webs[seq % len(webs)]}/api/actions/{action}/reports"
            sent[seq] = time.monotonic()
            try:
                async with session.post(url, json=body) as response:
                    await response.read()
                    if response.status == 201:
                        accepted += 1
                    else:
                        errors += 1
                        del sent[seq]
            except aiohttp.ClientError:
                errors += 1
                del sent[seq]

    connector = aiohttp.TCPConnector(limit=count)
    async with aiohttp.ClientSession(headers=headers, connector=connector) as session:
        await asyncio.gather(*(phone(n, session) for n in range(count)))
    return sent, accepted, errors


def lag_of(projectors: list[Proc]) -> int:
    lags = []
    for proc in projectors:
        with contextlib.suppress(OSError, ValueError):
            with urllib.request.urlopen(proc.health, timeout=2) as response:
                state = json.loads(response.read())
            if state["projections"].get("active"):
                lags.append(int(state["projections"]["lag"]))
    return max(lags, default=-1)


async def measure(args: argparse.Namespace, schema: str, root: Path) -> dict[str, Any]:
    with cluster(schema, root) as procs:
        webs = [f"http://127.0.0.1:{p.port}" for p in procs["web"]]
        gateways = [f"ws://127.0.0.1:{p.port}" for p in procs["gateway"]]
        headers = {"Authorization": f"Bearer {bk.API_KEY}"}
        async with aiohttp.ClientSession(headers=headers) as session:
            action, sites = await plan(session, webs[0], args.sites)
        screens = Screens()
        await screens.open(gateways, f"action:{action}:map", args.clients)
        max_lag = 0
        sampling = True

        async def sample() -> None:
            nonlocal max_lag
            while sampling:
                max_lag = max(max_lag, await asyncio.to_thread(lag_of, procs["project"]))
                await asyncio.sleep(0.5)

        sampler = asyncio.create_task(sample())
        started = time.monotonic()
        sent, accepted, errors = await phones(webs, action, sites, args.phones, args.duration)
        elapsed = time.monotonic() - started
        # Let the last changes arrive: the newest sequence at every client, or 20 s.
        newest = max(sent, default=0)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if sum(1 for seq, _ in screens.received if seq == newest) >= args.clients:
                break
            await asyncio.sleep(0.1)
        sampling = False
        await sampler
        await screens.close()
        latencies = sorted((t - sent[s]) * 1000 for s, t in screens.received if s in sent)
        # A batch carries a site's newest headcount only, so reports overwritten within one
        # batch are never delivered on their own: deliveries count what the screens received.
        return {
            "accepted_per_s": accepted / elapsed,
            "errors": errors,
            "deliveries_per_s": len(latencies) / elapsed,
            "p50_ms": bk.percentile(latencies, 50) if latencies else float("nan"),
            "p99_ms": bk.percentile(latencies, 99) if latencies else float("nan"),
            "max_lag_events": max_lag,
        }


async def bare_broadcast(clients: int, frames: int) -> float:
    """Deliveries/s of a bare websockets server broadcasting change frames to `clients`."""
    connections: set[ServerConnection] = set()
    everyone = asyncio.Event()

    async def handler(ws: ServerConnection) -> None:
        connections.add(ws)
        if len(connections) >= clients:
            everyone.set()
        try:
            await ws.wait_closed()
        finally:
            connections.discard(ws)

    got = 0
    async with serve(handler, "127.0.0.1", 0, compression=None) as server:
        url = f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        sockets = [await connect(url, compression=None, max_queue=None) for _ in range(clients)]
        await everyone.wait()

        async def read(ws: ClientConnection) -> None:
            nonlocal got
            for _ in range(frames):
                await ws.recv()
                got += 1

        readers = [asyncio.create_task(read(ws)) for ws in sockets]
        started = time.monotonic()
        for i in range(frames):
            frame = json.dumps(
                {
                    "type": "change",
                    "channel": "action:x:map",
                    "position": i,
                    "data": {"features": [bk.feature(f"site-{i % 20}", i)]},
                }
            )
            broadcast(connections, frame)
            await asyncio.sleep(0)
        await asyncio.gather(*readers)
        elapsed = time.monotonic() - started
        for ws in sockets:
            await ws.close()
    return got / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", type=int, default=32, help="concurrent posting phones")
    parser.add_argument("--clients", type=int, default=200, help="websocket clients")
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of posting")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    if not bk.pg_available():
        sys.exit(f"PostgreSQL is not reachable at {bk.PG_URL}")
    bk.raise_nofile()
    print(f"machine: {bk.machine()}  load1 {bk.load1():.2f}")
    rows = []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp, bk.pg_schema("bench_scale") as schema:
            ours = asyncio.run(measure(args, schema, Path(tmp)))
        with bk.pg_schema("bench_raw") as schema:
            raw_saves, _ = bk.raw_append(bk.pg_env(schema), 2_000, deadline=15)
        bare = asyncio.run(bare_broadcast(args.clients, 300))
        rows.append((run, ours, raw_saves, bare))
        print(
            bk.table(
                [
                    "run",
                    "accepted/s",
                    "errors",
                    "p50 ms",
                    "p99 ms",
                    "max lag (events)",
                    "deliveries/s",
                    "raw PG saves/s",
                    "bare broadcast deliveries/s",
                ],
                [
                    [
                        run,
                        f"{ours['accepted_per_s']:.0f}",
                        ours["errors"],
                        f"{ours['p50_ms']:.0f}",
                        f"{ours['p99_ms']:.0f}",
                        ours["max_lag_events"],
                        f"{ours['deliveries_per_s']:.0f}",
                        f"{raw_saves:.0f}",
                        f"{bare:.0f}",
                    ]
                ],
            ),
        )
    accepted = bk.spread([r[1]["accepted_per_s"] for r in rows])
    saves = bk.spread([r[2] for r in rows])
    deliveries = bk.spread([r[1]["deliveries_per_s"] for r in rows])
    bare_spread = bk.spread([r[3] for r in rows])
    print(
        bk.summary_line(
            "scale",
            {
                "phones": args.phones,
                "clients": args.clients,
                "accepted_per_s": round(accepted.median),
                "raw_pg_saves_per_s": round(saves.median),
                "ratio_accepted_to_raw": round(bk.ratio(accepted.median, saves.median), 2),
                "deliveries_per_s": round(deliveries.median),
                "bare_broadcast_per_s": round(bare_spread.median),
                "ratio_deliveries_to_bare": round(
                    bk.ratio(deliveries.median, bare_spread.median), 2
                ),
                "p50_ms": round(bk.spread([r[1]["p50_ms"] for r in rows]).median),
                "p99_ms": round(bk.spread([r[1]["p99_ms"] for r in rows]).median),
                "max_lag_events": max(r[1]["max_lag_events"] for r in rows),
                "errors": sum(r[1]["errors"] for r in rows),
            },
        )
    )


if __name__ == "__main__":
    main()
