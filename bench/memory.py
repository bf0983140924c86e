"""Gateway memory per idle connection: the RSS growth of a gateway process (Gateway + MemoryBus +
SQLiteViewStore, the real classes) when N clients connect, authenticate and subscribe to an
action's map, divided by N; against a bare `websockets` server (compression=None) with N idle
connections measured the same way, in the same run. Also says whether all N connected.

    .venv/bin/python bench/memory.py [--clients 2000,10000] [--runs 3]

Both processes raise their open-files soft limit to the hard limit; N larger than what that
allows is skipped with a note.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import benchkit as bk

CHANNEL = "action:0b7c8a2e-9d44-4f7e-a3c1-5d2f6e8b9a01:map"
WARM = 50  # clients connected and closed before the baseline, so one-off allocations are in it


@dataclass
class Result:
    kib_per_conn: float
    connected: int
    failed: int
    setup_seconds: float
    server_count: int  # connections (bare) or subscriptions (gateway) the server holds
    error: str


def settle(server_conn: Connection, pid: int | None) -> int:
    """RSS after a full collection and a moment for the loop to go idle."""
    time.sleep(1.0)
    bk.server_call(server_conn, "gc")
    time.sleep(0.2)
    return bk.rss_kib(pid)


def measure(kind: str, tmp: Path, clients: int, run: int, args: argparse.Namespace) -> Result:
    data = tmp / f"{kind}-{clients}-{run}"
    data.mkdir()
    server, server_conn, port = bk.start_server(bk.ServerSpec(kind, data))
    try:
        channel = CHANNEL if kind == "gateway" else None
        url = f"ws://127.0.0.1:{port}/"
        if kind == "gateway":  # the map has sites, so each subscriber gets a real snapshot
            bk.server_call(server_conn, "fanout", args.sites, CHANNEL, None, args.sites)
        warm, warm_conn = bk.start_swarm(bk.SwarmSpec(url, WARM, channel))
        bk.swarm_ready(warm_conn, 60)
        bk.swarm_stop(warm_conn, warm)
        before = settle(server_conn, server.pid)
        process, conn = bk.start_swarm(
            bk.SwarmSpec(url, clients, channel, mode="idle", connect_timeout=args.connect_timeout)
        )
        try:
            ready = bk.swarm_ready(conn, args.connect_timeout + 60)
            after = settle(server_conn, server.pid)
            if kind == "gateway":
                held = bk.server_call(server_conn, "stats").subscriptions
            else:
                held = bk.server_call(server_conn, "count")
        finally:
            bk.swarm_stop(conn, process)
    finally:
        bk.server_stop(server_conn, server)
    return Result(
        kib_per_conn=(after - before) / max(ready.connected, 1),
        connected=ready.connected,
        failed=ready.failed,
        setup_seconds=ready.setup_seconds,
        server_count=held,
        error=ready.error,
    )


def trace(args: argparse.Namespace) -> None:
    """Where the gateway's per-connection memory goes: tracemalloc growth by source line while
    N clients connect, authenticate and subscribe (tracing inflates RSS: no RSS figure here)."""
    with tempfile.TemporaryDirectory(prefix="posko-bench-memory-") as tmp_name:
        server, server_conn, port = bk.start_server(bk.ServerSpec("gateway", Path(tmp_name)))
        try:
            bk.server_call(server_conn, "fanout", args.sites, CHANNEL, None, args.sites)
            url = f"ws://127.0.0.1:{port}/"
            warm, warm_conn = bk.start_swarm(bk.SwarmSpec(url, WARM, CHANNEL))
            bk.swarm_ready(warm_conn, 60)
            bk.swarm_stop(warm_conn, warm)
            bk.server_call(server_conn, "trace_start", 8)
            process, conn = bk.start_swarm(bk.SwarmSpec(url, args.trace, CHANNEL, mode="idle"))
            try:
                ready = bk.swarm_ready(conn, args.connect_timeout + 60)
                time.sleep(1.0)
                for group in ("filename", "lineno"):
                    lines = bk.server_call(server_conn, "trace_diff", group, 15)
                    print(f"top growth by {group} with {ready.connected} connections:")
                    for line in lines:
                        print("  " + line)
            finally:
                bk.swarm_stop(conn, process)
        finally:
            bk.server_stop(server_conn, server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="2000,10000", help="comma-separated N values")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sites", type=int, default=10, help="sites in the subscribed map")
    parser.add_argument("--connect-timeout", type=float, default=120.0)
    parser.add_argument(
        "--trace",
        type=int,
        default=0,
        help="diagnosis instead: N gateway clients under tracemalloc, top allocation sites",
    )
    args = parser.parse_args()
    limit = bk.raise_nofile()
    if args.trace:
        trace(args)
        return
    sizes = [int(x) for x in args.clients.split(",") if x.strip()]

    print(f"machine: {bk.machine()}")
    print(f"open files limit={limit} clients={sizes} runs={args.runs} sites={args.sites}")
    rows = []
    summary: dict[str, object] = {"runs": args.runs}
    verdicts = []
    with tempfile.TemporaryDirectory(prefix="posko-bench-memory-") as tmp_name:
        tmp = Path(tmp_name)
        for clients in sizes:
            if clients + 200 > limit:
                print(f"N={clients}: skipped, the open-files limit is {limit}")
                summary[f"N{clients}"] = "skipped"
                continue
            ours: list[float] = []
            raw: list[float] = []
            all_connected = True
            for run in range(args.runs):
                load_before = bk.load1()
                order = ["bare", "gateway"] if run % 2 == 0 else ["gateway", "bare"]
                results = {kind: measure(kind, tmp, clients, run, args) for kind in order}
                g, b = results["gateway"], results["bare"]
                all_connected = all_connected and g.connected == clients == g.server_count
                ours.append(g.kib_per_conn)
                raw.append(b.kib_per_conn)
                rows.append(
                    (
                        clients,
                        run + 1,
                        f"{g.kib_per_conn:.1f}",
                        f"{b.kib_per_conn:.1f}",
                        f"{g.kib_per_conn / b.kib_per_conn:.2f}" if b.kib_per_conn > 0 else "-",
                        f"{g.connected}/{clients}",
                        g.server_count,
                        f"{g.setup_seconds:.1f}",
                        f"{b.connected}/{clients}",
                        f"{b.setup_seconds:.1f}",
                        f"{load_before:.2f}",
                    )
                )
                if g.error or b.error:
                    print(f"N={clients} run {run + 1}: errors: {g.error or '-'} / {b.error or '-'}")
            o, r = bk.spread(ours), bk.spread(raw)
            met = o.median <= 16 and all_connected
            verdicts.append(met)
            print(
                f"N={clients}: gateway {o.show(1)} KiB/conn, bare {r.show(1)} KiB/conn, "
                f"all connected and subscribed: {all_connected}",
                flush=True,
            )
            summary.update(
                {
                    f"N{clients}_kib/conn": f"{o.median:.1f}",
                    f"N{clients}_min": f"{o.low:.1f}",
                    f"N{clients}_max": f"{o.high:.1f}",
                    f"N{clients}_raw_kib/conn": f"{r.median:.1f}",
                    f"N{clients}_ratio": f"{bk.ratio(o.median, r.median):.2f}",
                    f"N{clients}_all_connected": all_connected,
                }
            )
    print(
        bk.table(
            [
                "N",
                "run",
                "gateway KiB/conn",
                "bare KiB/conn",
                "ratio",
                "gw connected",
                "gw subscribed",
                "gw setup s",
                "bare connected",
                "bare setup s",
                "load1",
            ],
            rows,
        )
    )
    met = bool(verdicts) and all(verdicts)
    print(f"target <= 16 KiB per connection (and all connected): {'met' if met else 'NOT met'}")
    summary.update({"target": "<=16KiB", "met": met, "load1": f"{bk.load1():.2f}"})
    print(bk.summary_line("memory", summary))


if __name__ == "__main__":
    main()
