"""End-to-end latency: from sending `POST /api/actions/{id}/reports` to a real `posko serve` until
the change reaches each of N websocket clients subscribed to the action's map (clients in another
process), per delivery, against "raw save + raw broadcast": a bare `websockets` server that, per
tick, does one raw eventsourcing save (SQLite file) and broadcasts a change of the same shape to
the same N clients, measured in the same run.

    .venv/bin/python bench/latency.py [--clients 1000] [--posts 100] [--rate 10] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
import benchkit as bk

HEADCOUNT_BASE = 100_000  # headcounts carry a sequence number: base + run * 10_000 + i


def deliveries_latency(
    deliveries: list[tuple[int, float]], sent: dict[int, float]
) -> tuple[list[float], int]:
    """Per-delivery latencies (ms, sorted) of the sequence numbers in `sent`; and how many."""
    latencies = sorted((t - sent[seq]) * 1000 for seq, t in deliveries if seq in sent)
    return latencies, len(latencies)


def first_latency(deliveries: list[tuple[int, float]], sent: dict[int, float]) -> list[float]:
    """Per report, the latency (ms, sorted) to the first client that got it: the pipeline's
    share (store, projection, bus) without the queueing of the fan-out itself."""
    first: dict[int, float] = {}
    for seq, t in deliveries:
        if seq in sent and (seq not in first or t < first[seq]):
            first[seq] = t
    return sorted((t - sent[seq]) * 1000 for seq, t in first.items())


async def post_reports(
    server: bk.PoskoServer, action: str, sites: list[str], posts: int, rate: float, first: int
) -> dict[int, float]:
    """POST one headcount report per tick; returns seq -> monotonic time just before sending."""
    sent: dict[int, float] = {}
    url = f"{server.http}/api/actions/{action}/reports"
    headers = {"Authorization": f"Bearer {bk.API_KEY}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        started = time.monotonic()
        for i in range(posts):
            delay = started + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            seq = first + i
            body = {
                "id": str(uuid.uuid4()),
                "site_id": sites[i % len(sites)],
                "kind": "headcount",
                "headcount": seq,
                "at": bk.iso_now(),
            }
            t0 = time.monotonic()
            async with session.post(url, json=body) as response:
                await response.read()
                if response.status != 201:
                    raise RuntimeError(f"POST answered {response.status}")
            sent[seq] = t0
    return sent


def measure_ours(tmp: Path, args: argparse.Namespace, run: int) -> tuple[list[float], int, str]:
    with bk.posko_server(tmp / f"posko-{run}") as server:
        action, sites = server.seed_action(args.sites)
        channel = f"action:{action}:map"
        process, conn = bk.start_swarm(
            bk.SwarmSpec(server.ws, args.clients, channel, mode="latency")
        )
        try:
            ready = bk.swarm_ready(conn, 180)
            if ready.connected != args.clients:
                raise RuntimeError(f"only {ready.connected} clients connected: {ready.error}")
            first = HEADCOUNT_BASE + run * 10_000
            sent = asyncio.run(post_reports(server, action, sites, args.posts, args.rate, first))
            bk.swarm_wait(conn, args.clients * args.posts, 30)
        finally:
            report = bk.swarm_stop(conn, process)
        latencies, n = deliveries_latency(report.deliveries, sent)
        firsts = first_latency(report.deliveries, sent)
        note = (
            f"closed_early={report.closed_early} setup={ready.setup_seconds:.1f}s "
            f"first-client latency p50/max {bk.percentile(firsts, 50):.1f}/"
            f"{bk.percentile(firsts, 100):.1f} ms"
        )
        return latencies, n, note


def measure_raw(
    tmp: Path, args: argparse.Namespace, run: int
) -> tuple[list[float], int, list[float], str]:
    spec = bk.ServerSpec("bare", tmp, raw_env=bk.sqlite_env(tmp / f"raw-{run}.db"))
    server, server_conn, port = bk.start_server(spec)
    try:
        url = f"ws://127.0.0.1:{port}/"
        process, conn = bk.start_swarm(bk.SwarmSpec(url, args.clients, None, mode="latency"))
        try:
            ready = bk.swarm_ready(conn, 180)
            if ready.connected != args.clients:
                raise RuntimeError(f"only {ready.connected} clients connected: {ready.error}")
            first = HEADCOUNT_BASE + run * 10_000
            channel = "action:00000000-0000-4000-8000-000000000000:map"
            sent_list = bk.server_call(
                server_conn,
                "save_broadcast",
                args.posts,
                channel,
                args.rate,
                first,
                args.sites,
                seconds=args.posts / args.rate + 120,
            )
            bk.swarm_wait(conn, args.clients * args.posts, 30)
        finally:
            report = bk.swarm_stop(conn, process)
    finally:
        bk.server_stop(server_conn, server)
    sent = {seq: t0 for seq, t0, _ in sent_list}
    saves = sorted(s * 1000 for _, _, s in sent_list)
    latencies, n = deliveries_latency(report.deliveries, sent)
    firsts = first_latency(report.deliveries, sent)
    note = (
        f"closed_early={report.closed_early} first-client latency p50/max "
        f"{bk.percentile(firsts, 50):.1f}/{bk.percentile(firsts, 100):.1f} ms"
    )
    return latencies, n, saves, note


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--posts", type=int, default=100, help="reports per run")
    parser.add_argument("--rate", type=float, default=10.0, help="reports per second")
    parser.add_argument("--sites", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.posts > 9_000:
        sys.exit("--posts must be at most 9000 (sequence numbers are per run)")
    bk.raise_nofile()

    print(f"machine: {bk.machine()}")
    print(
        f"clients={args.clients} posts={args.posts} rate={args.rate}/s sites={args.sites} "
        f"runs={args.runs} (deliveries per run: {args.clients * args.posts})"
    )
    rows = []
    ours_p50: list[float] = []
    ours_p99: list[float] = []
    raw_p50: list[float] = []
    raw_p99: list[float] = []
    save_p99: list[float] = []
    lost = 0
    with tempfile.TemporaryDirectory(prefix="posko-bench-latency-") as tmp_name:
        tmp = Path(tmp_name)
        expected = args.clients * args.posts
        for run in range(args.runs):
            load_before = bk.load1()
            raw_lat, raw_n, saves, raw_note = measure_raw(tmp, args, run)
            ours_lat, ours_n, ours_note = measure_ours(tmp, args, run)
            lost += (expected - ours_n) + (expected - raw_n)
            o50, o99 = bk.percentile(ours_lat, 50), bk.percentile(ours_lat, 99)
            r50, r99 = bk.percentile(raw_lat, 50), bk.percentile(raw_lat, 99)
            ours_p50.append(o50)
            ours_p99.append(o99)
            raw_p50.append(r50)
            raw_p99.append(r99)
            save_p99.append(bk.percentile(saves, 99))
            rows.append(
                (
                    run + 1,
                    f"{o50:.1f}",
                    f"{o99:.1f}",
                    f"{bk.percentile(ours_lat, 100):.1f}",
                    f"{ours_n}/{expected}",
                    f"{r50:.1f}",
                    f"{r99:.1f}",
                    f"{raw_n}/{expected}",
                    f"{bk.percentile(saves, 50):.2f}/{bk.percentile(saves, 99):.2f}",
                    f"{o99 / r99:.2f}",
                    f"{load_before:.2f}",
                )
            )
            print(f"run {run + 1}: ours {ours_note}; raw {raw_note}", flush=True)
    print(
        bk.table(
            [
                "run",
                "ours p50",
                "ours p99",
                "ours max",
                "ours got",
                "raw p50",
                "raw p99",
                "raw got",
                "raw save p50/p99",
                "p99 ratio",
                "load1",
            ],
            rows,
        )
    )
    s_o50, s_o99 = bk.spread(ours_p50), bk.spread(ours_p99)
    s_r50, s_r99 = bk.spread(raw_p50), bk.spread(raw_p99)
    ratio = bk.ratio(s_o99.median, s_r99.median)
    print("\n(ms, per delivery, medians of runs with min-max)")
    print(f"ours: POST -> every client:               p50 {s_o50.show(1)}  p99 {s_o99.show(1)}")
    print(f"raw:  eventsourcing save -> broadcast:    p50 {s_r50.show(1)}  p99 {s_r99.show(1)}")
    print(f"raw save alone p99: {bk.spread(save_p99).show(2)}")
    print(f"p99 ratio {ratio:.2f} (target <= 1.5: {'met' if ratio <= 1.5 else 'NOT met'})")
    print(
        bk.summary_line(
            "latency",
            {
                "clients": args.clients,
                "posts": args.posts,
                "rate": args.rate,
                "runs": args.runs,
                "median_p50_ms": f"{s_o50.median:.1f}",
                "median_p99_ms": f"{s_o99.median:.1f}",
                "p99_min": f"{s_o99.low:.1f}",
                "p99_max": f"{s_o99.high:.1f}",
                "raw_p50_ms": f"{s_r50.median:.1f}",
                "raw_p99_ms": f"{s_r99.median:.1f}",
                "raw_p99_min": f"{s_r99.low:.1f}",
                "raw_p99_max": f"{s_r99.high:.1f}",
                "lost": lost,
                "ratio_p99": f"{ratio:.2f}",
                "target": "<=1.5",
                "met": ratio <= 1.5,
                "load1": f"{bk.load1():.2f}",
            },
        )
    )


if __name__ == "__main__":
    main()
