"""The scaled deployment as real processes on this machine: `posko web`, `posko gateway` and
`posko project` on free ports over one PostgreSQL schema and one Redis database, plus private
PostgreSQL and Redis servers (temporary directories, free ports) for the tests that stop them.
Never touches the shared servers other than through a schema of its own."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.e2e.process import API_KEY, free_port

START_TIMEOUT = 30.0
DEADLINE = 20.0  # seconds any awaited condition may take
REQUIRE_SERVICES = os.environ.get("POSKO_REQUIRE_SERVICES") == "1"
NOW = datetime.now(UTC)


def wait_for(condition: Any, what: str, timeout: float = DEADLINE) -> Any:
    """Poll `condition()` until it returns something truthy; fail naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)


def get_json(url: str, timeout: float = 5) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@dataclass
class Proc:
    """One `posko <role>` process. Web and projector answer /healthz on `port` over HTTP, the
    gateway on its websocket port."""

    role: str
    env: dict[str, str]
    data_dir: Path
    port: int = field(default_factory=free_port)
    ws_port: int = field(default_factory=free_port)  # `posko serve`'s gateway
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        scheme = "ws" if self.role == "gateway" else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return self.url if self.role == "gateway" else f"ws://127.0.0.1:{self.ws_port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / f"{self.role}-{self.port}.log"

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        port_key = "POSKO_WS_PORT" if self.role == "gateway" else "POSKO_HTTP_PORT"
        env = {
            **os.environ,
            "POSKO_DATA_DIR": str(self.data_dir),
            "POSKO_API_KEY": API_KEY,
            "POSKO_HTTP_PORT": str(free_port()),
            "POSKO_WS_PORT": str(self.ws_port),
            **self.env,
            port_key: str(self.port),
        }
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [sys.executable, "-m", "posko", self.role], env=env, stdout=log, stderr=log
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"posko {self.role} exited: {self.log()}")
            with contextlib.suppress(OSError):
                if self.health()[0] in (200, 503):
                    return
            time.sleep(0.1)
        raise RuntimeError(f"posko {self.role} did not start in {START_TIMEOUT}s: {self.log()}")

    def health(self) -> tuple[int, Any]:
        return get_json(f"http://127.0.0.1:{self.port}/healthz")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)

    def request(
        self, method: str, path: str, body: Any = None, *, token: str | None = API_KEY
    ) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=float(os.environ.get("T", "15"))) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")


@dataclass
class Deployment:
    """web x N, gateway x N, project x N over one schema and one Redis database."""

    env: dict[str, str]
    root: Path
    webs: list[Proc] = field(default_factory=list)
    gateways: list[Proc] = field(default_factory=list)
    projectors: list[Proc] = field(default_factory=list)

    def add(self, role: str, **extra_env: str) -> Proc:
        proc = Proc(role, {**self.env, **extra_env}, self.root / f"{role}{len(self.procs)}")
        {"web": self.webs, "gateway": self.gateways, "project": self.projectors}[role].append(proc)
        return proc

    @property
    def procs(self) -> list[Proc]:
        return [*self.projectors, *self.webs, *self.gateways]

    def start(self) -> None:
        for proc in self.procs:
            proc.start()

    def stop(self) -> None:
        for proc in self.procs:
            proc.stop()

    def logs(self) -> str:
        return "\n".join(f"--- {p.role}:{p.port}\n{p.log()}" for p in self.procs)

    def active_projector(self) -> Proc:
        def active() -> Proc | None:
            for proc in self.projectors:
                if proc.alive():
                    with contextlib.suppress(OSError):
                        status, state = proc.health()
                        if status == 200 and state["projections"]["active"]:
                            return proc
            return None

        found: Proc = wait_for(active, "an active projector")
        return found


# -- the action and its reports ---------------------------------------------------------------


def plan_action(web: Proc, sites: int = 3) -> tuple[str, list[str]]:
    status, action = web.request(
        "POST",
        "/api/actions",
        {
            "title": "Aksi skala",
            "kind": "rally",
            "starts_at": NOW.isoformat(),
            "ends_at": (NOW + timedelta(hours=8)).isoformat(),
            "demands": ["Upah layak"],
        },
    )
    assert status == 201, action
    site_ids = []
    for i in range(sites):
        status, site = web.request(
            "POST",
            f"/api/actions/{action['id']}/sites",
            {"name": f"Lokasi {i}", "lat": -6.2 - i / 10, "lon": 106.8, "target": 1000},
        )
        assert status == 201, site
        site_ids.append(site["id"])
    return action["id"], site_ids


def report(site_id: str, count: int) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "site_id": site_id,
        "kind": "headcount",
        "headcount": count,
        "at": (NOW - timedelta(minutes=30)).isoformat(),
    }


def post_report(web: Proc, action_id: str, body: dict[str, Any]) -> tuple[int, Any]:
    return web.request("POST", f"/api/actions/{action_id}/reports", body)


class FeedClient:
    """A coordinator's screen on `action:<id>:feed` through one gateway: every change it
    receives is recorded, so gaps (a report never shown) and duplicates (a position or a report
    shown twice) can be counted."""

    def __init__(self, gateway: Proc, action_id: str) -> None:
        self.gateway = gateway
        self.channel = f"action:{action_id}:feed"
        self.ws: ClientConnection | None = None
        self.position: int | None = None
        self.items: dict[str, dict[str, Any]] = {}
        self.shown: list[str] = []  # report ids in the order changes brought them
        self.positions: list[int] = []  # positions of changes, in order
        self.snapshots = 0

    async def connect(self, gateway: Proc | None = None) -> None:
        self.gateway = gateway or self.gateway
        self.ws = await connect(self.gateway.ws_url)
        await self.ws.send(json.dumps({"type": "auth", "token": API_KEY}))
        assert json.loads(await asyncio.wait_for(self.ws.recv(), DEADLINE))["type"] == "ready"
        await self.ws.send(
            json.dumps({"type": "subscribe", "channel": self.channel, "since": self.position})
        )

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def read_until(self, position: int) -> None:
        """Take messages until the client has everything up to `position`."""
        async with asyncio.timeout(DEADLINE):
            while self.position is None or self.position < position:
                await self.take()

    async def take(self) -> dict[str, Any]:
        """Take the next message and apply it; returns it."""
        assert self.ws is not None
        message: dict[str, Any] = json.loads(await asyncio.wait_for(self.ws.recv(), DEADLINE))
        kind = message["type"]
        assert kind != "error", message
        if kind == "snapshot":
            self.snapshots += 1
            self.items = {item["id"]: item for item in message["data"]["items"]}
            self.position = message["position"]
        elif kind == "change":
            assert self.position is not None and message["position"] > self.position, (
                f"change at {message['position']} after {self.position}: duplicate"
            )
            self.position = message["position"]
            self.positions.append(self.position)
            for item in message["data"]["items"]:
                self.items[item["id"]] = item
                self.shown.append(item["id"])
        elif kind == "subscribed":
            self.position = max(self.position or 0, message["position"])
        return message

    async def drain(self) -> None:
        """Take what arrives until the connection closes (the gateway went away)."""
        with contextlib.suppress(ConnectionClosed):
            while True:
                await self.take()


# -- private servers for the fault tests ----------------------------------------------------------


def _missing(what: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(what)
    pytest.skip(what)


@dataclass
class PrivateRedis:
    """A Redis server of our own (nothing saved), which tests may stop and start."""

    dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        server = shutil.which("redis-server")
        if server is None:
            _missing("redis-server is not installed (apt-get install -y redis-server)")
            return
        self.process = subprocess.Popen(
            [server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip

        def up() -> bool:
            try:
                return bool(redis.Redis.from_url(self.url, socket_connect_timeout=1).ping())
            except redis.RedisError:
                return False

        wait_for(up, f"the private Redis on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


def _pg_bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not found:
        _missing(f"PostgreSQL's {name} is missing (apt-get install -y postgresql)")
    return str(found[-1])


@dataclass
class PrivatePostgres:
    """A PostgreSQL cluster of our own in a temporary directory, which tests may stop and
    start. initdb refuses to run as root, so as root the cluster belongs to `postgres`."""

    port: int = field(default_factory=free_port)
    dir: Path | None = None

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        command = list(args)
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed: {result.stderr[-2000:]}")

    def init(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="posko-pg-"))
        if os.geteuid() == 0:
            try:
                user = pwd.getpwnam("postgres")
            except KeyError:
                _missing("no postgres user to run a private PostgreSQL as")
                return
            os.chown(self.dir, user.pw_uid, user.pw_gid)
        self._run(
            _pg_bin("initdb"), "-D", str(self.dir / "data"), "-U", "postgres",
            "--auth=trust", "--no-sync", "-E", "UTF8",
        )  # fmt: skip

    def start(self) -> None:
        assert self.dir is not None
        self._run(
            _pg_bin("pg_ctl"), "-D", str(self.dir / "data"), "-l", str(self.dir / "log"),
            "-w", "-t", "30", "start",
            "-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off",
        )  # fmt: skip

    def stop(self) -> None:
        if self.dir is not None and (self.dir / "data" / "postmaster.pid").exists():
            self._run(_pg_bin("pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        self.stop()
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres()
    try:
        server.init()
        server.start()
    except RuntimeError as error:
        server.remove()
        _missing(f"a private PostgreSQL could not start: {error}")
    try:
        yield server
    finally:
        server.remove()


def new_schema(url: str) -> str:
    schema = "t_" + secrets.token_hex(6)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return schema


def drop_schema(url: str, schema: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def delete_streams(redis_url: str, *identities: str | None) -> None:
    client = redis.Redis.from_url(redis_url)
    with contextlib.suppress(redis.RedisError):
        for identity in identities:
            if identity:
                client.delete(f"posko:batches:{identity}")
    client.close()


def store_identity(url: str, schema: str) -> str:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(f"SELECT value FROM {schema}.store_identity").fetchone()
    assert row is not None
    return str(row[0])
