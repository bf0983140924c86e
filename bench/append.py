"""Write throughput: accepted field reports per second through the HTTP API of a real
`posko serve` process (many concurrent clients), against raw eventsourcing single-event saves
(es_append batch=1: a plain Application, one new aggregate per save, sequential) on the same kind
of store, measured in the same run.

    .venv/bin/python bench/append.py [--database sqlite|postgres] [--duration 10] [--runs 3]

The load comes from wrk (Debian package `wrk`) when installed, else from an aiohttp client in
this process (which costs more CPU on the shared cores; the table says which one ran).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import benchkit as bk

WRK_SCRIPT = """
local prefix = "%(prefix)s"
local path = "%(path)s"
local sites = {%(sites)s}
local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer %(key)s"}
local next_tid = 1
local counter = 0

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"id":"%%s-%%04x-4000-8000-%%012x","site_id":"%%s","kind":"headcount",' ..
    '"headcount":%%d,"at":"%%s"}',
    prefix, tid, counter, sites[(counter %% #sites) + 1], counter %% 100000,
    os.date("!%%Y-%%m-%%dT%%H:%%M:%%S+00:00"))
  return wrk.format("POST", path, headers, body)
end

function done(summary, latency, requests)
  io.write(string.format(
    'WRKJSON {"requests":%%d,"duration_us":%%d,"status":%%d,"connect":%%d,"read":%%d,' ..
    '"write":%%d,"timeout":%%d,"p50_us":%%d,"p99_us":%%d}\\n',
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass
class Load:
    accepted: int  # 2xx answers
    failed: int  # non-2xx answers and socket errors
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def rate(self) -> float:
        return self.accepted / self.seconds


def wrk_load(
    server: bk.PoskoServer | bk.BareHttpServer,
    action: str,
    sites: list[str],
    args: argparse.Namespace,
    seconds: float,
) -> Load:
    script = Path(tempfile.gettempdir()) / f"posko-post-{secrets.token_hex(4)}.lua"
    script.write_text(
        WRK_SCRIPT
        % {
            "prefix": secrets.token_hex(4),
            "path": f"/api/actions/{action}/reports",
            "sites": ",".join(f'"{s}"' for s in sites),
            "key": bk.API_KEY,
        }
    )
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds:.0f}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        server.http + "/",
    ]
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True)
    line = next((x for x in out.stdout.splitlines() if x.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary: {out.stdout} {out.stderr}")
    raw = json.loads(line.removeprefix("WRKJSON "))
    errors = raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]
    return Load(
        accepted=raw["requests"] - raw["status"],
        failed=raw["status"] + errors,
        seconds=raw["duration_us"] / 1e6,
        p50_ms=raw["p50_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
    )


def aiohttp_load(
    server: bk.PoskoServer | bk.BareHttpServer,
    action: str,
    sites: list[str],
    args: argparse.Namespace,
    seconds: float,
) -> Load:
    async def go() -> Load:
        latencies: list[float] = []
        counts = {"ok": 0, "failed": 0}
        url = f"{server.http}/api/actions/{action}/reports"
        headers = {"Authorization": f"Bearer {bk.API_KEY}"}
        connector = aiohttp.TCPConnector(limit=args.connections)
        async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
            started = time.monotonic()
            stop_at = started + seconds

            async def worker(w: int) -> None:
                i = 0
                while time.monotonic() < stop_at:
                    i += 1
                    body = {
                        "id": str(uuid.uuid4()),
                        "site_id": sites[(w + i) % len(sites)],
                        "kind": "headcount",
                        "headcount": i,
                        "at": bk.iso_now(),
                    }
                    t0 = time.monotonic()
                    try:
                        async with session.post(url, json=body) as response:
                            await response.read()
                            ok = response.status < 300
                    except aiohttp.ClientError:
                        ok = False
                    latencies.append(time.monotonic() - t0)
                    counts["ok" if ok else "failed"] += 1

            await asyncio.gather(*(worker(w) for w in range(args.connections)))
            elapsed = time.monotonic() - started
        latencies.sort()
        return Load(
            counts["ok"],
            counts["failed"],
            elapsed,
            bk.percentile(latencies, 50) * 1000,
            bk.percentile(latencies, 99) * 1000,
        )

    return asyncio.run(go())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load per run")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of load before runs")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--raw-events", type=int, default=0, help="0: 3000 SQLite / 1500 PG")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--client", choices=["auto", "wrk", "aiohttp"], default="auto")
    parser.add_argument("--pg-url", default=bk.PG_URL)
    args = parser.parse_args()
    client = args.client
    if client == "auto":
        client = "wrk" if shutil.which("wrk") else "aiohttp"
    load = wrk_load if client == "wrk" else aiohttp_load
    raw_events = args.raw_events or (3000 if args.database == "sqlite" else 1500)
    if args.database == "postgres" and not bk.pg_available(args.pg_url):
        sys.exit(f"PostgreSQL is not reachable at {args.pg_url}")

    print(f"machine: {bk.machine()}")
    print(
        f"database={args.database} client={client} connections={args.connections} "
        f"duration={args.duration}s runs={args.runs} raw_events={raw_events}"
    )
    ours: list[float] = []
    raw: list[float] = []
    bare: list[float] = []
    bare_cpu: list[float] = []
    cpu: list[float] = []
    rows = []
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="posko-bench-append-")))
        env: dict[str, str] = {}
        raw_env = bk.sqlite_env(tmp / "raw-events.db")
        if args.database == "postgres":
            schema = stack.enter_context(bk.pg_schema("bench_posko", args.pg_url))
            env = {"POSKO_DATABASE_URL": args.pg_url, "POSKO_DATABASE_SCHEMA": schema}
            raw_env = bk.pg_env(stack.enter_context(bk.pg_schema("bench_raw", args.pg_url)))
        server = stack.enter_context(bk.posko_server(tmp / "posko", env))
        ceiling = stack.enter_context(bk.bare_http_server())
        action, sites = server.seed_action(args.sites)
        load(server, action, sites, args, args.warmup)
        load(ceiling, action, sites, args, args.warmup)
        for run in range(args.runs):
            load_before = bk.load1()
            raw_rate, _ = bk.raw_append(raw_env, raw_events)
            bare_cpu_before = bk.cpu_seconds(ceiling.pid)
            bare_result = load(ceiling, action, sites, args, args.duration)
            bare.append(bare_result.rate)
            bare_cpu.append(
                (bk.cpu_seconds(ceiling.pid) - bare_cpu_before) / bare_result.accepted * 1e6
            )
            position = server.events_position()
            cpu_before = bk.cpu_seconds(server.pid)
            result = load(server, action, sites, args, args.duration)
            cpu_used = bk.cpu_seconds(server.pid) - cpu_before
            # Give in-flight requests a moment, then count what the log holds.
            time.sleep(1.0)
            recorded = server.events_position() - position
            if result.accepted == 0:
                sys.exit(f"no request was accepted; server log:\n{server.log()}")
            ours.append(result.rate)
            raw.append(raw_rate)
            cpu.append(cpu_used / result.accepted * 1e6)
            rows.append(
                (
                    run + 1,
                    f"{result.rate:,.0f}",
                    f"{bare_result.rate:,.0f}",
                    f"{result.rate / bare_result.rate:.2f}",
                    f"{raw_rate:,.0f}",
                    f"{result.rate / raw_rate:.2f}",
                    f"{result.p50_ms:.1f}",
                    f"{result.p99_ms:.1f}",
                    result.failed,
                    recorded,
                    f"{cpu_used / result.accepted * 1e6:.0f}",
                    f"{load_before:.2f}",
                )
            )
        server.stop()
    print(
        bk.table(
            [
                "run",
                "ours acc/s",
                "bare aiohttp/s",
                "x bare",
                "raw ev/s",
                "x raw",
                "p50 ms",
                "p99 ms",
                "failed",
                "events logged",
                "srv CPU us/req",
                "load1",
            ],
            rows,
        )
    )
    o, r, c = bk.spread(ours), bk.spread(raw), bk.spread(cpu)
    b, bc = bk.spread(bare), bk.spread(bare_cpu)
    ratio = bk.ratio(o.median, r.median)
    bare_ratio = bk.ratio(o.median, b.median)
    print(f"\nours (HTTP, {args.connections} connections): {o.show()} accepted/s (median, min-max)")
    print(f"bare aiohttp handler (same client):      {b.show()} answered/s")
    print(f"raw eventsourcing append batch=1:        {r.show()} events/s")
    print(f"server CPU per accepted report:          {c.show()} us (bare: {bc.show()} us)")
    print(f"x bare {bare_ratio:.2f} (target >= 0.5: {'met' if bare_ratio >= 0.5 else 'NOT met'})")
    print(f"x raw  {ratio:.2f}")
    print(
        bk.summary_line(
            "append",
            {
                "database": args.database,
                "client": client,
                "connections": args.connections,
                "duration": args.duration,
                "runs": args.runs,
                "median_accepted/s": f"{o.median:.0f}",
                "min": f"{o.low:.0f}",
                "max": f"{o.high:.0f}",
                "raw_median_events/s": f"{r.median:.0f}",
                "raw_min": f"{r.low:.0f}",
                "raw_max": f"{r.high:.0f}",
                "bare_median/s": f"{b.median:.0f}",
                "srv_cpu_us/req": f"{c.median:.0f}",
                "bare_cpu_us/req": f"{bc.median:.0f}",
                "x_bare": f"{bare_ratio:.2f}",
                "x_raw": f"{ratio:.2f}",
                "target": "x_bare>=0.5",
                "met": bare_ratio >= 0.5,
                "load1": f"{bk.load1():.2f}",
            },
        )
    )


if __name__ == "__main__":
    main()
