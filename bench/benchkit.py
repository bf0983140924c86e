"""Shared helpers for the benchmarks (not a benchmark itself): statistics and machine load, a real
`posko serve` process, the raw eventsourcing baselines, PostgreSQL throwaway schemas, and
server/client roles that the benchmarks run in separate processes.

Everything binds to 127.0.0.1; every loop is bounded in count and in time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import os
import platform
import resource
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
POSKO = ROOT / ".venv" / "bin" / "posko"
API_KEY = "bench-key-" + "k" * 24
PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
START_TIMEOUT = 30.0
MP = multiprocessing.get_context("spawn")

# -- statistics and machine ---------------------------------------------------------------------


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}/{five:.2f}/{fifteen:.2f}"


def load1() -> float:
    return os.getloadavg()[0]


def machine() -> str:
    return (
        f"nproc={os.cpu_count()} python={platform.python_version()} "
        f"kernel={platform.release()} load(1/5/15)={load()}"
    )


@dataclass(frozen=True)
class Spread:
    median: float
    low: float
    high: float

    def show(self, digits: int = 0) -> str:
        return f"{self.median:,.{digits}f} ({self.low:,.{digits}f}-{self.high:,.{digits}f})"


def spread(values: Sequence[float]) -> Spread:
    if not values:
        return Spread(float("nan"), float("nan"), float("nan"))
    return Spread(statistics.median(values), min(values), max(values))


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank of already-sorted values."""
    if not values:
        return float("nan")
    rank = max(0, min(len(values) - 1, round(q / 100 * len(values) + 0.5) - 1))
    return values[rank]


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def ratio(ours: float, raw: float) -> float:
    return ours / raw if raw else float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def raise_nofile() -> int:
    """Raise this process's open-files soft limit to the hard limit; returns the new limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def rss_kib(pid: int | None) -> int:
    assert pid is not None, "the process has not started"
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time so far of a process and its live children (`posko serve`
    projects in a child process)."""
    assert pid is not None, "the process has not started"
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    ticks = os.sysconf("SC_CLK_TCK")
    total = (int(fields[11]) + int(fields[12])) / ticks
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):  # a thread or child that ended meanwhile
            for child in (task / "children").read_text().split():
                total += cpu_seconds(int(child))
    return total


def iso_now() -> str:
    return datetime.now(UTC).isoformat()


# -- PostgreSQL throwaway schemas ---------------------------------------------------------------


def pg_available(url: str = PG_URL) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error:
        return False
    return True


@contextlib.contextmanager
def pg_schema(prefix: str, url: str = PG_URL) -> Iterator[str]:
    """A fresh schema, dropped (with everything in it) on exit."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))


def pg_env(schema: str) -> dict[str, str]:
    """eventsourcing's own settings for the bench database (the raw baseline's store)."""
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": "test",
        "POSTGRES_HOST": "127.0.0.1",
        "POSTGRES_PORT": "5432",
        "POSTGRES_USER": "postgres",
        "POSTGRES_PASSWORD": "",
        "POSTGRES_SCHEMA": schema,
    }


def sqlite_env(path: Path) -> dict[str, str]:
    return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}


# -- raw eventsourcing ----------------------------------------------------------------------------


class Note(Aggregate):
    """The raw baseline's aggregate: one event of about the size of a field report."""

    @event("Noted")
    def __init__(self, *, site_id: uuid.UUID, kind: str, at: str, headcount: int, actor: str):
        self.site_id = site_id
        self.kind = kind
        self.at = at
        self.headcount = headcount
        self.actor = actor


class RawApp(Application[uuid.UUID]):
    name = "Raw"


def raw_note(i: int) -> Note:
    return Note(site_id=uuid.uuid4(), kind="headcount", at=iso_now(), headcount=i, actor="api-key")


def raw_append(env: dict[str, str], events: int, *, deadline: float = 60.0) -> tuple[float, int]:
    """es_append batch=1: `events` sequential saves of one new aggregate each; (events/s, n)."""
    app = RawApp(env=env)
    try:
        app.save(raw_note(-1))  # creates tables, warms the pool
        started = time.perf_counter()
        done = 0
        stop_at = started + deadline
        for i in range(events):
            app.save(raw_note(i))
            done += 1
            if time.perf_counter() > stop_at:
                break
        return done / (time.perf_counter() - started), done
    finally:
        app.close()


# -- a real `posko serve` -----------------------------------------------------------------------


@dataclass
class PoskoServer:
    data_dir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    http_port: int = field(default_factory=free_port)
    ws_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.ws_port}/"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> None:
        env = {
            **os.environ,
            "POSKO_DATA_DIR": str(self.data_dir),
            "POSKO_HTTP_PORT": str(self.http_port),
            "POSKO_WS_PORT": str(self.ws_port),
            "POSKO_API_KEY": API_KEY,
            **self.extra_env,
        }
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.data_dir / "server.log", "ab")  # noqa: SIM115 - lives as long as the server
        self.process = subprocess.Popen(
            [str(POSKO), "serve"], env=env, stdout=log, stderr=log, preexec_fn=raise_nofile
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"posko serve exited: {self.log()}")
            with contextlib.suppress(OSError):
                status, _ = self.request("GET", "/healthz")
                if status == 200 and _port_open(self.ws_port):
                    return
            time.sleep(0.1)
        raise RuntimeError(f"posko serve did not start in {START_TIMEOUT}s: {self.log()}")

    def log(self) -> str:
        return (self.data_dir / "server.log").read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.http + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        req.add_header("Authorization", f"Bearer {API_KEY}")
        try:
            with urllib.request.urlopen(req, timeout=30) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def must(self, method: str, path: str, body: Any = None) -> Any:
        status, answer = self.request(method, path, body)
        if status >= 300:
            raise RuntimeError(f"{method} {path} -> {status}: {answer}")
        return answer

    def seed_action(self, sites: int) -> tuple[str, list[str]]:
        """A live action with `sites` sites; returns (action id, site ids)."""
        action = self.must(
            "POST",
            "/api/actions",
            {
                "title": "Bench aksi",
                "kind": "rally",
                "starts_at": "2026-05-01T08:00:00+07:00",
                "ends_at": "2026-05-01T18:00:00+07:00",
                "demands": ["Tolak upah murah"],
            },
        )["id"]
        site_ids = []
        for i in range(sites):
            site_ids.append(
                self.must(
                    "POST",
                    f"/api/actions/{action}/sites",
                    {"name": f"Titik {i}", "lat": -6.2 + i / 1000, "lon": 106.8, "target": 1000},
                )["id"]
            )
        self.must("POST", f"/api/actions/{action}/status", {"status": "live"})
        return action, site_ids

    def events_position(self) -> int:
        return int(self.must("GET", "/healthz")["store"]["position"])


@dataclass
class BareHttpServer:
    """bench/bare_http.py in its own process: the bare aiohttp yardstick for accepted POSTs."""

    http_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> None:
        script = Path(__file__).parent / "bare_http.py"
        self.process = subprocess.Popen(
            [sys.executable, str(script), str(self.http_port)], preexec_fn=raise_nofile
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if _port_open(self.http_port):
                return
            time.sleep(0.1)
        raise RuntimeError("bare_http.py did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@contextlib.contextmanager
def bare_http_server() -> Iterator[BareHttpServer]:
    server = BareHttpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


@contextlib.contextmanager
def posko_server(data_dir: Path, extra_env: dict[str, str] | None = None) -> Iterator[PoskoServer]:
    server = PoskoServer(data_dir, extra_env or {})
    server.start()
    try:
        yield server
    finally:
        server.stop()


# -- a change frame like the gateway's ---------------------------------------------------------


def feature(site_id: str, headcount: int) -> dict[str, Any]:
    """A live-map site as the projection writes it (~300 bytes as JSON)."""
    return {
        "type": "Feature",
        "id": site_id,
        "geometry": {"type": "Point", "coordinates": [106.8272, -6.1754]},
        "properties": {
            "name": "Bundaran HI",
            "target": 5000,
            "headcount": headcount,
            "headcount_at": "2026-05-01T10:00:00+00:00",
            "last_report_at": "2026-05-01T10:00:00+00:00",
            "last_checkin_at": "2026-05-01T09:30:00+00:00",
            "reports": 12,
            "reporters": 3,
        },
    }


# -- websocket client swarm (runs in its own process) -------------------------------------------


@dataclass
class SwarmSpec:
    url: str
    clients: int
    channel: str | None  # None: a bare server (no auth, no subscribe)
    token: str = API_KEY
    mode: str = "count"  # "count" | "latency" | "idle"
    concurrency: int = 100  # handshakes in flight
    connect_timeout: float = 120.0


@dataclass
class SwarmReport:
    connected: int
    failed: int
    setup_seconds: float
    received: int = 0
    first: float = 0.0  # monotonic time of the first message received (any client)
    last: float = 0.0  # monotonic time of the last message received (any client)
    closed_early: int = 0  # connections the server closed during the run
    # latency mode: (seq, monotonic receive time) for every delivery
    deliveries: list[tuple[int, float]] = field(default_factory=list)
    error: str = ""


def start_swarm(spec: SwarmSpec) -> tuple[multiprocessing.process.BaseProcess, Connection]:
    """Start the client process; wait for ("ready", SwarmReport) on the returned pipe."""
    parent, child = MP.Pipe()
    process = MP.Process(target=_swarm_main, args=(spec, child), daemon=True)
    process.start()
    child.close()
    return process, parent


def recv_within(conn: Connection, seconds: float) -> Any:
    if not conn.poll(seconds):
        raise TimeoutError(f"no answer from the other process within {seconds}s")
    return conn.recv()


def _swarm_main(spec: SwarmSpec, conn: Connection) -> None:
    raise_nofile()
    try:
        asyncio.run(_swarm(spec, conn))
    except Exception as error:  # the parent must hear, not wait forever
        conn.send(("error", f"{type(error).__name__}: {error}"))


async def _swarm(spec: SwarmSpec, conn: Connection) -> None:
    from websockets.asyncio.client import ClientConnection, connect

    report = SwarmReport(connected=0, failed=0, setup_seconds=0.0)
    sockets: list[ClientConnection] = []
    gate = asyncio.Semaphore(spec.concurrency)
    headers = {"Authorization": f"Bearer {spec.token}"} if spec.channel else {}

    async def open_one() -> None:
        async with gate:
            try:
                ws = await connect(
                    spec.url,
                    compression=None,
                    additional_headers=headers,
                    open_timeout=60,
                    ping_interval=None,
                    max_size=None,
                    max_queue=None,
                )
                if spec.channel is not None:
                    ready = json.loads(await ws.recv())
                    if ready.get("type") != "ready":
                        raise RuntimeError(f"expected ready, got {ready}")
                    await ws.send(
                        json.dumps({"type": "subscribe", "channel": spec.channel, "since": None})
                    )
                    snapshot = json.loads(await ws.recv())
                    if snapshot.get("type") != "snapshot":
                        raise RuntimeError(f"expected snapshot, got {str(snapshot)[:200]}")
            except Exception as error:
                report.failed += 1
                report.error = report.error or f"{type(error).__name__}: {error}"
                return
            sockets.append(ws)

    started = time.monotonic()
    try:
        async with asyncio.timeout(spec.connect_timeout):
            await asyncio.gather(*(open_one() for _ in range(spec.clients)))
    except TimeoutError:
        report.error = report.error or "connect timeout"
    report.setup_seconds = time.monotonic() - started
    report.connected = len(sockets)

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    first: list[float] = []
    last = [0.0]
    counts = [0]
    deliveries: list[tuple[int, float]] = []

    async def read(ws: ClientConnection) -> None:
        latency = spec.mode == "latency"
        try:
            async for frame in ws:
                now = time.monotonic()
                if not first:
                    first.append(now)
                last[0] = now
                counts[0] += 1
                if latency:
                    message = json.loads(frame)
                    if message.get("type") == "change":
                        for feat in message["data"]["features"]:
                            deliveries.append((int(feat["properties"]["headcount"]), now))
        except Exception:
            pass
        if not stop.is_set():
            report.closed_early += 1

    readers = [asyncio.create_task(read(ws)) for ws in sockets]
    conn.send(("ready", report))

    # Answer the parent's peeks until it says stop; off the loop so readers keep reading.
    def serve_parent() -> None:
        deadline = time.monotonic() + 3600  # bounded: an hour at most
        while time.monotonic() < deadline:
            if conn.poll(1.0):
                message = conn.recv()
                if message[0] != "peek":
                    return
                conn.send(("counts", counts[0], last[0]))

    await loop.run_in_executor(None, serve_parent)
    stop.set()
    report.received = counts[0]
    report.first = first[0] if first else 0.0
    report.last = last[0]
    report.deliveries = deliveries
    for task in readers:
        task.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    with contextlib.suppress(Exception):
        async with asyncio.timeout(20):
            await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    conn.send(("done", report))


def swarm_counts(conn: Connection) -> tuple[int, float]:
    """How many messages a running swarm has received so far, and when the last one came."""
    conn.send(("peek",))
    reply = recv_within(conn, 30)
    return int(reply[1]), float(reply[2])


def swarm_wait(conn: Connection, expected: int, seconds: float) -> tuple[int, float]:
    """Peek until the swarm has `expected` messages, or `seconds` pass; the last counts."""
    deadline = time.monotonic() + seconds
    got, last = swarm_counts(conn)
    while got < expected and time.monotonic() < deadline:
        time.sleep(0.1)
        got, last = swarm_counts(conn)
    return got, last


def swarm_stop(conn: Connection, process: multiprocessing.process.BaseProcess) -> SwarmReport:
    conn.send(("stop",))
    reply = recv_within(conn, 120)
    process.join(30)
    if reply[0] != "done":
        raise RuntimeError(f"swarm failed: {reply}")
    report: SwarmReport = reply[1]
    return report


def wait_until(predicate: Callable[[], bool], seconds: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def summary_line(name: str, fields: dict[str, object]) -> str:
    return "SUMMARY " + name + " " + " ".join(f"{k}={v}" for k, v in fields.items())


def python() -> str:
    return sys.executable


def swarm_ready(conn: Connection, seconds: float) -> SwarmReport:
    reply = recv_within(conn, seconds)
    if reply[0] != "ready":
        raise RuntimeError(f"swarm failed: {reply}")
    report: SwarmReport = reply[1]
    return report


# -- websocket servers (each runs in its own process) -------------------------------------------


@dataclass
class ServerSpec:
    kind: str  # "gateway": Gateway + MemoryBus + SQLiteViewStore | "bare": websockets.broadcast
    data_dir: Path
    raw_env: dict[str, str] = field(default_factory=dict)  # "save_broadcast": the raw event store


def start_server(spec: ServerSpec) -> tuple[multiprocessing.process.BaseProcess, Connection, int]:
    """Start a websocket server process; returns it, its command pipe and its port."""
    parent, child = MP.Pipe()
    process = MP.Process(target=_server_main, args=(spec, child), daemon=True)
    process.start()
    child.close()
    reply = recv_within(parent, 60)
    if reply[0] != "port":
        raise RuntimeError(f"server failed: {reply}")
    return process, parent, int(reply[1])


def server_call(conn: Connection, *command: Any, seconds: float = 300) -> Any:
    conn.send(command)
    reply = recv_within(conn, seconds)
    if reply[0] == "error":
        raise RuntimeError(f"server failed: {reply[1]}")
    return reply[1]


def server_stop(conn: Connection, process: multiprocessing.process.BaseProcess) -> None:
    with contextlib.suppress(Exception):
        conn.send(("stop",))
    process.join(30)
    if process.is_alive():
        process.terminate()
        process.join(5)


def _server_main(spec: ServerSpec, conn: Connection) -> None:
    raise_nofile()
    try:
        asyncio.run(_server(spec, conn))
    except Exception as error:
        conn.send(("error", f"{type(error).__name__}: {error}"))


async def _server(spec: ServerSpec, conn: Connection) -> None:
    import gc
    import tracemalloc

    from websockets.asyncio.server import ServerConnection, serve

    from core.access import Authenticator, Principal
    from projections.changes import Batch, Change
    from projections.port import ViewPort
    from projections.store import SQLiteViewStore
    from realtime.bus import MemoryBus
    from realtime.gateway import Gateway

    loop = asyncio.get_running_loop()
    position = [0]
    traced: list[tracemalloc.Snapshot] = []

    async def next_command() -> Any:
        def wait() -> Any:
            for _ in range(3600):  # bounded: an hour of silence at most
                if conn.poll(1.0):
                    return conn.recv()
            return ("stop",)

        return await loop.run_in_executor(None, wait)

    async def paced(n: int, rate: float | None, send: Callable[[int], Any]) -> tuple[float, float]:
        """Call send(i) n times, `rate` per second (None: back to back); (start, end) times."""
        started = time.monotonic()
        for i in range(n):
            if rate:
                delay = started + i / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            result = send(i)
            if asyncio.iscoroutine(result):
                await result
            else:
                await asyncio.sleep(0)  # let the loop write, as the gateway's feed does
        return started, time.monotonic()

    if spec.kind == "gateway":
        store = SQLiteViewStore(spec.data_dir / "views.db")
        bus = MemoryBus()
        views = ViewPort(store)
        authenticator = Authenticator(API_KEY)

        async def authenticate(token: str) -> Principal | None:
            return await views.pools.run("main", authenticator.principal, token)

        gateway = Gateway(views, bus, authenticate)
        async with gateway.running("127.0.0.1", 0) as server:
            conn.send(("port", server.sockets[0].getsockname()[1]))
            while True:
                command = await next_command()
                if command[0] == "stop":
                    break
                if command[0] == "gc":
                    gc.collect()
                    conn.send(("ok", None))
                elif command[0] == "stats":
                    conn.send(("ok", gateway.stats()))
                elif command[0] == "trace_start":
                    tracemalloc.start(int(command[1]))
                    traced.append(tracemalloc.take_snapshot())
                    conn.send(("ok", None))
                elif command[0] == "trace_diff":
                    gc.collect()
                    diff = tracemalloc.take_snapshot().compare_to(traced[0], command[1])
                    conn.send(("ok", [str(stat) for stat in diff[: int(command[2])]]))
                elif command[0] == "fanout":
                    _, n, channel, rate, sites = command

                    async def publish(i: int, channel: str = channel, sites: int = sites) -> None:
                        position[0] += 1
                        site = f"site-{i % sites}"
                        doc = feature(site, i)
                        batch = Batch(
                            position[0], (Change(channel, position[0], {"features": [doc]}),)
                        )
                        rows = {(channel, site): doc}
                        await views.pools.run("main", store.commit, position[0], rows, batch)
                        await bus.publish(batch)

                    conn.send(("ok", await paced(n, rate, publish)))
                else:
                    conn.send(("error", f"unknown command {command[0]}"))
        views.close()
        store.close()
        return

    connections: set[ServerConnection] = set()

    async def handler(ws: ServerConnection) -> None:
        connections.add(ws)
        try:
            await ws.wait_closed()
        finally:
            connections.discard(ws)

    raw: RawApp | None = None
    async with serve(handler, "127.0.0.1", 0, compression=None) as server:
        conn.send(("port", server.sockets[0].getsockname()[1]))
        while True:
            command = await next_command()
            if command[0] == "stop":
                break
            if command[0] == "gc":
                gc.collect()
                conn.send(("ok", None))
            elif command[0] == "count":
                conn.send(("ok", len(connections)))
            elif command[0] == "fanout":
                _, n, channel, rate, sites = command
                conn.send(("ok", await _bare_fanout(connections, n, channel, rate, sites, paced)))
            elif command[0] == "save_broadcast":
                # "raw save + raw broadcast": one eventsourcing save, then the frame to everyone.
                _, n, channel, rate, first_seq, sites = command
                if raw is None:
                    raw = RawApp(env=spec.raw_env)
                    raw.save(raw_note(-1))
                sent = await _save_broadcast(
                    raw, connections, n, channel, rate, first_seq, sites, paced
                )
                conn.send(("ok", sent))
            else:
                conn.send(("error", f"unknown command {command[0]}"))
    if raw is not None:
        raw.close()


Paced = Callable[[int, float | None, Callable[[int], Any]], Any]


async def _bare_fanout(
    connections: set[Any], n: int, channel: str, rate: float | None, sites: int, paced: Paced
) -> tuple[float, float]:
    from websockets.asyncio.server import broadcast

    from realtime import protocol

    frames = [
        protocol.change(channel, i + 1, {"features": [feature(f"site-{i % sites}", i)]})
        for i in range(n)
    ]
    result: tuple[float, float] = await paced(n, rate, lambda i: broadcast(connections, frames[i]))
    return result


async def _save_broadcast(
    app: RawApp,
    connections: set[Any],
    n: int,
    channel: str,
    rate: float | None,
    first_seq: int,
    sites: int,
    paced: Paced,
) -> list[tuple[int, float, float]]:
    """Per tick: one raw eventsourcing save (blocking, as a plain script would), then broadcast
    the change frame; returns (seq, start time, save seconds) per tick."""
    from websockets.asyncio.server import broadcast

    from realtime import protocol

    sent: list[tuple[int, float, float]] = []

    def save_and_send(i: int) -> None:
        seq = first_seq + i
        t0 = time.monotonic()
        app.save(raw_note(seq))
        saved = time.monotonic()
        doc = feature(f"site-{i % sites}", seq)
        broadcast(connections, protocol.change(channel, seq, {"features": [doc]}))
        sent.append((seq, t0, saved - t0))

    await paced(n, rate, save_and_send)
    return sent
