"""Gateway fan-out: deliveries per second from the Posko gateway (Gateway + MemoryBus + a real
SQLiteViewStore in one process, each batch committed to the store then published, the way the
projection runner does) to N subscribed websocket clients in another process, against a bare
`websockets` broadcast server (compression=None) sending the same frames to the same number of
clients, measured in the same run.

    .venv/bin/python bench/fanout.py [--clients 1000] [--messages 100] [--runs 3] [--rate 0]
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass
from pathlib import Path

import benchkit as bk

CHANNEL = "action:0b7c8a2e-9d44-4f7e-a3c1-5d2f6e8b9a01:map"


@dataclass
class Result:
    rate: float  # deliveries per second
    got: int
    cpu_us: float  # server CPU per delivery
    drops: int  # gateway only: clients dropped as too slow
    closed: int  # clients whose connection the server closed


def measure(kind: str, tmp: Path, args: argparse.Namespace, run: int) -> Result:
    data = tmp / f"{kind}-{run}"
    data.mkdir()
    server, server_conn, port = bk.start_server(bk.ServerSpec(kind, data))
    try:
        channel = CHANNEL if kind == "gateway" else None
        url = f"ws://127.0.0.1:{port}/"
        process, conn = bk.start_swarm(bk.SwarmSpec(url, args.clients, channel))
        try:
            ready = bk.swarm_ready(conn, 180)
            if ready.connected != args.clients:
                raise RuntimeError(f"{kind}: {ready.connected} clients connected: {ready.error}")
            cpu_before = bk.cpu_seconds(server.pid)
            started, _ = bk.server_call(
                server_conn, "fanout", args.messages, CHANNEL, args.rate or None, args.sites
            )
            expected = args.clients * args.messages
            got, last = bk.swarm_wait(conn, expected, args.timeout)
            cpu = bk.cpu_seconds(server.pid) - cpu_before
            drops = 0
            if kind == "gateway":
                drops = bk.server_call(server_conn, "stats").slow_drops
        finally:
            report = bk.swarm_stop(conn, process)
    finally:
        bk.server_stop(server_conn, server)
    return Result(
        rate=got / (last - started) if got else 0.0,
        got=got,
        cpu_us=cpu / got * 1e6 if got else float("nan"),
        drops=drops,
        closed=report.closed_early,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=100, help="changes per run")
    parser.add_argument("--rate", type=float, default=0, help="changes/s (0: back to back)")
    parser.add_argument("--sites", type=int, default=10, help="distinct rows the changes touch")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=60, help="seconds to wait for delivery")
    args = parser.parse_args()
    bk.raise_nofile()

    print(f"machine: {bk.machine()}")
    print(
        f"clients={args.clients} messages={args.messages} "
        f"rate={args.rate or 'max'} runs={args.runs} (deliveries per run: "
        f"{args.clients * args.messages})"
    )
    ours: list[float] = []
    raw: list[float] = []
    ours_cpu: list[float] = []
    raw_cpu: list[float] = []
    rows = []
    expected = args.clients * args.messages
    lost = 0
    with tempfile.TemporaryDirectory(prefix="posko-bench-fanout-") as tmp_name:
        tmp = Path(tmp_name)
        for run in range(args.runs):
            load_before = bk.load1()
            # Alternate the order so that neither side always runs on a warmer machine.
            order = ["bare", "gateway"] if run % 2 == 0 else ["gateway", "bare"]
            results = {kind: measure(kind, tmp, args, run) for kind in order}
            g, b = results["gateway"], results["bare"]
            lost += (expected - g.got) + (expected - b.got)
            ours.append(g.rate)
            raw.append(b.rate)
            ours_cpu.append(g.cpu_us)
            raw_cpu.append(b.cpu_us)
            rows.append(
                (
                    run + 1,
                    f"{g.rate:,.0f}",
                    f"{b.rate:,.0f}",
                    f"{g.rate / b.rate:.2f}" if b.rate else "-",
                    f"{g.got}/{expected}",
                    f"{b.got}/{expected}",
                    f"{g.cpu_us:.1f}",
                    f"{b.cpu_us:.1f}",
                    f"{g.drops}/{g.closed}",
                    f"{load_before:.2f}",
                )
            )
    print(
        bk.table(
            [
                "run",
                "gateway del/s",
                "bare del/s",
                "ratio",
                "gateway got",
                "bare got",
                "gw CPU us/del",
                "bare CPU us/del",
                "gw drops/closed",
                "load1",
            ],
            rows,
        )
    )
    o, r = bk.spread(ours), bk.spread(raw)
    oc, rc = bk.spread(ours_cpu), bk.spread(raw_cpu)
    ratio = bk.ratio(o.median, r.median)
    print(f"\ngateway: {o.show()} deliveries/s, server CPU {oc.show(1)} us/delivery")
    print(f"bare:    {r.show()} deliveries/s, server CPU {rc.show(1)} us/delivery")
    print(f"ratio {ratio:.2f} (target >= 0.8: {'met' if ratio >= 0.8 else 'NOT met'})")
    print(
        bk.summary_line(
            "fanout",
            {
                "clients": args.clients,
                "messages": args.messages,
                "rate": args.rate or "max",
                "runs": args.runs,
                "median_deliveries/s": f"{o.median:.0f}",
                "min": f"{o.low:.0f}",
                "max": f"{o.high:.0f}",
                "raw_median_deliveries/s": f"{r.median:.0f}",
                "raw_min": f"{r.low:.0f}",
                "raw_max": f"{r.high:.0f}",
                "srv_cpu_us/delivery": f"{oc.median:.1f}",
                "raw_srv_cpu_us/delivery": f"{rc.median:.1f}",
                "lost": lost,
                "ratio": f"{ratio:.2f}",
                "target": ">=0.8",
                "met": ratio >= 0.8,
                "load1": f"{bk.load1():.2f}",
            },
        )
    )


if __name__ == "__main__":
    main()
