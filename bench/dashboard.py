"""The coordinators' dashboard in headless Chromium on a national day of action: 300 sites in
34 cities, 20,000 field reports (headcounts per affiliate, check-ins, site status), incidents
and requests, written through the Posko application into a data dir, then `posko serve` on it.

Records, for a coordinator signed in with the session cookie:
* initial page weight: bytes over the wire (headers included) and decoded, per resource, what
  gzip would make of them, and the websocket snapshot frames;
* time to first full map render: navigation start -> basemap drawn and all sites placed (each
  site's label in the DOM or counted in a cluster icon), over cold loads in fresh contexts;
* update latency: a report POSTed from the page (fetch) -> that site's label showing the new
  headcount, at the next animation frame (the frame that paints it); p50/p99 over N updates,
  optionally with background reports to other sites;
* a time-travel scrub: slider moved -> the map as of then shown (map?at= and feed?at=).

    .venv/bin/python bench/dashboard.py [--sites 300] [--reports 20000] [--loads 5]
                                        [--updates 50] [--background 0] [--screenshot PATH]
"""

from __future__ import annotations

import argparse
import gzip
import random
import statistics
import tempfile
import threading
import time
import uuid
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import benchkit as bk
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from core.application import Posko
from core.report import FieldReport
from posko.persistence import eventsourcing_env

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "bench-kata-sandi-2026"
LOGIN = "0812-9999-0000"
ACTOR = "api-key"
CITIES = [  # (name, lat, lon): provincial capitals and industrial towns
    ("Jakarta", -6.2088, 106.8456),
    ("Bekasi", -6.2383, 106.9756),
    ("Tangerang", -6.1783, 106.6319),
    ("Bogor", -6.5971, 106.8060),
    ("Bandung", -6.9175, 107.6191),
    ("Karawang", -6.3227, 107.3376),
    ("Semarang", -6.9667, 110.4167),
    ("Surabaya", -7.2575, 112.7521),
    ("Sidoarjo", -7.4478, 112.7183),
    ("Yogyakarta", -7.7956, 110.3695),
    ("Serang", -6.1200, 106.1503),
    ("Medan", 3.5952, 98.6722),
    ("Batam", 1.0456, 104.0305),
    ("Pekanbaru", 0.5071, 101.4478),
    ("Palembang", -2.9761, 104.7754),
    ("Padang", -0.9471, 100.4172),
    ("Jambi", -1.6101, 103.6131),
    ("Lampung", -5.3971, 105.2668),
    ("Banda Aceh", 5.5483, 95.3238),
    ("Pontianak", -0.0263, 109.3425),
    ("Banjarmasin", -3.3186, 114.5944),
    ("Samarinda", -0.5022, 117.1536),
    ("Balikpapan", -1.2379, 116.8529),
    ("Makassar", -5.1477, 119.4327),
    ("Manado", 1.4748, 124.8421),
    ("Kendari", -3.9985, 122.5130),
    ("Palu", -0.8917, 119.8707),
    ("Denpasar", -8.6705, 115.2126),
    ("Mataram", -8.5833, 116.1167),
    ("Kupang", -10.1772, 123.6070),
    ("Ambon", -3.6954, 128.1814),
    ("Ternate", 0.7893, 127.3754),
    ("Jayapura", -2.5337, 140.7181),
    ("Sorong", -0.8762, 131.2558),
]
AFFILIATES = ["KSPI", "KSPSI AGN", "KSBSI", "KASBI", "FSPMI", "KSPN"]


# -- the day, written through the application ----------------------------------------------------


def seed(data: Path, *, sites: int, reports: int, rng: random.Random) -> tuple[str, list[str], int]:
    """A live national action, its sites, affiliate targets, `reports` field reports over the
    last eight hours, and some incidents and requests; returns (action, site ids, events)."""
    app = Posko(env=eventsourcing_env("", data))
    now = datetime.now(UTC)
    action = uuid.uuid4()
    app.plan_action(
        id=action,
        title="Aksi Nasional Tolak Upah Murah",
        kind="rally",
        demands=["Tolak upah murah", "Hapus outsourcing"],
        starts_at=now - timedelta(hours=9),
        ends_at=now + timedelta(hours=3),
        actor=ACTOR,
    )
    site_ids, places = [], []
    for i in range(sites):
        city, lat, lon = CITIES[i % len(CITIES)] if i < len(CITIES) else rng.choice(CITIES)
        site = uuid.uuid4()
        lat, lon = lat + rng.uniform(-0.08, 0.08), lon + rng.uniform(-0.08, 0.08)
        app.add_site(
            action_id=action,
            site_id=site,
            name=f"{city} - Titik {i + 1}",
            lat=lat,
            lon=lon,
            target=rng.choice((500, 1000, 2000, 3000, 5000)),
            actor=ACTOR,
        )
        site_ids.append(site)
        places.append((lat, lon))
    app.change_action_status(action_id=action, to="live", reason=None, actor=ACTOR)
    affiliates = [uuid.uuid4() for _ in AFFILIATES]
    for affiliate, name in zip(affiliates, AFFILIATES, strict=True):
        app.register_affiliate(id=affiliate, name=name, actor=ACTOR)
        app.set_target(
            action_id=action,
            affiliate_id=affiliate,
            site_id=None,
            target=rng.choice((40_000, 60_000, 80_000, 100_000)),
            actor=ACTOR,
        )

    batch: list[Any] = []
    start = now - timedelta(hours=8)
    for i in range(reports):
        k = rng.randrange(len(site_ids))
        at = start + timedelta(seconds=8 * 3600 * i / reports)
        common: dict[str, Any] = {
            "id": uuid.uuid4(),
            "action_id": action,
            "site_id": site_ids[k],
            "at": at,
            "now": now,
            "actor": f"invite:korlap-{k}-{i % 3}",
        }
        roll = rng.random()
        if roll < 0.6:
            total = rng.randrange(50, 6000)
            share = [rng.random() for _ in affiliates]
            scale = 0.95 * total / sum(share)
            batch.append(
                FieldReport.file(
                    kind="headcount",
                    headcount=total,
                    by_affiliate={
                        str(a): int(s * scale) for a, s in zip(affiliates, share, strict=True)
                    },
                    **common,
                )
            )
        elif roll < 0.9:
            far = rng.random() < 0.03
            lat, lon = places[k]
            batch.append(
                FieldReport.file(
                    kind="checkin",
                    lat=lat + (0.02 if far else 0.0005),
                    lon=lon,
                    accuracy_m=15.0,
                    **common,
                )
            )
        else:
            batch.append(
                FieldReport.file(
                    kind="status",
                    phase=rng.choice(("assembling", "marching", "holding", "dispersed")),
                    mood="tense" if rng.random() < 0.15 else "calm",
                    **common,
                )
            )
        if len(batch) == 500:
            app.save(*batch)
            batch = []
    if batch:
        app.save(*batch)

    for i in range(60):
        incident = uuid.uuid4()
        app.report_incident(
            id=incident,
            action_id=action,
            site_id=rng.choice(site_ids),
            kind=rng.choice(("arrest", "injury", "police", "provocation", "weather")),
            severity=rng.choice(("low", "medium", "high", "critical")),
            description=f"Kejadian {i + 1} di lapangan",
            lat=None,
            lon=None,
            at=now - timedelta(minutes=rng.randrange(5, 400)),
            actor=ACTOR,
        )
        if i % 3 == 0:
            app.acknowledge_incident(incident_id=incident, actor=ACTOR)
        if i % 3 == 1:
            app.resolve_incident(incident_id=incident, note="Selesai", actor=ACTOR)
    for _ in range(40):
        app.request_help(
            id=uuid.uuid4(),
            action_id=action,
            site_id=rng.choice(site_ids),
            kind=rng.choice(("medic", "water_food", "legal_aid", "transport")),
            quantity=rng.randrange(1, 300),
            note="",
            actor=ACTOR,
            at=now - timedelta(minutes=rng.randrange(5, 400)),
        )
    events = int(app.recorder.max_notification_id() or 0)
    app.close()
    return str(action), [str(s) for s in site_ids], events


# -- the browser ---------------------------------------------------------------------------------


def signed_in_context(browser: Browser, server: bk.PoskoServer) -> BrowserContext:
    context = browser.new_context(
        viewport={"width": 1440, "height": 900}, locale="id-ID", timezone_id="Asia/Jakarta"
    )
    reply = context.request.post(
        server.http + "/api/session", data={"login": LOGIN, "password": PASSWORD}
    )
    assert reply.status == 201, reply.text()
    return context


FULL_RENDER = """(n) => { const s = window.posko?.map?.stats();
  const all = s && s.basemap && s.sites === n && s.labels + s.clustered === n;
  return all ? performance.now() : false; }"""


def cold_load(browser: Browser, server: bk.PoskoServer, sites: int, detail: bool) -> dict[str, Any]:
    context = signed_in_context(browser, server)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    wire: dict[str, int] = {}
    urls: dict[str, str] = {}
    encodings: dict[str, str] = {}
    frames = {"count": 0, "bytes": 0, "deflate": 0}

    def on_response(event: dict[str, Any]) -> None:
        urls[event["requestId"]] = event["response"]["url"]
        headers = {k.lower(): v for k, v in event["response"]["headers"].items()}
        encodings[event["requestId"]] = headers.get("content-encoding", "")

    def on_frame(event: dict[str, Any]) -> None:
        payload = event["response"]["payloadData"].encode()
        frames["count"] += 1
        frames["bytes"] += len(payload)
        frames["deflate"] += len(zlib.compress(payload, 6)) - 6  # raw deflate, as the extension

    cdp.on("Network.responseReceived", on_response)
    cdp.on(
        "Network.loadingFinished",
        lambda e: wire.__setitem__(e["requestId"], e["encodedDataLength"]),
    )
    cdp.on("Network.webSocketFrameReceived", on_frame)
    responses = []
    page.on("response", lambda response: responses.append(response))
    page.goto(server.http + "/")
    handle = page.wait_for_function(FULL_RENDER, arg=sites, polling="raf", timeout=120_000)
    full_ms = float(handle.json_value())
    nav = page.evaluate(
        "() => performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"
    )
    page.wait_for_load_state("networkidle")
    resources = []
    for response in responses:
        if response.request.resource_type == "websocket":
            continue
        try:
            body = response.body()
        except Exception:  # a redirect has no body
            continue
        request_id = next((k for k, v in urls.items() if v == response.url), None)
        resources.append(
            {
                "url": response.url.replace(server.http, ""),
                "status": response.status,
                "wire": wire.get(request_id or "", 0),
                "decoded": len(body),
                "gzip": len(gzip.compress(body, 6)),
                "encoding": encodings.get(request_id or "", ""),
            }
        )
    stats = page.evaluate("() => window.posko.map.stats()")
    context.close()
    return {
        "full_ms": full_ms,
        "dcl_ms": float(nav),
        "resources": resources,
        "frames": frames,
        "stats": stats,
        "detail": detail,
    }


def id_number(n: int) -> str:
    return f"{n:,}".replace(",", ".")


UPDATE = """async ({ id, action, key, n, text }) => {
  const el = document.querySelector(`.site-label[data-id="${id}"] .hc`);
  const shown = new Promise((resolve) => {
    const seen = new MutationObserver(() => {
      if (el.textContent !== text) return;
      seen.disconnect();
      requestAnimationFrame(() => resolve(performance.now()));
    });
    seen.observe(el, { childList: true, characterData: true, subtree: true });
  });
  const t0 = performance.now();
  const reply = await fetch(`/api/actions/${action}/reports`, { method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: JSON.stringify({ id: crypto.randomUUID(), site_id: id, kind: "headcount", headcount: n,
      at: new Date().toISOString() }) });
  const t1 = performance.now();
  const t2 = await Promise.race([shown, new Promise((r) => setTimeout(() => r(NaN), 10000))]);
  return { status: reply.status, post: t1 - t0, shown: t2 - t0 };
}"""


def background_reports(
    server: bk.PoskoServer, action: str, sites: list[str], rate: float, stop: threading.Event
) -> None:
    while not stop.is_set() and rate > 0:
        body = {
            "id": str(uuid.uuid4()),
            "site_id": random.choice(sites),
            "kind": "headcount",
            "headcount": random.randrange(100, 5000),
            "at": datetime.now(UTC).isoformat(),
        }
        server.request("POST", f"/api/actions/{action}/reports", body)
        stop.wait(1 / rate)


def updates(page: Page, action: str, site: str, count: int) -> list[dict[str, float]]:
    page.evaluate("(id) => window.posko.map.focusSite(id)", site)
    page.wait_for_selector(f'.site-label[data-id="{site}"] .hc', state="visible")
    out = []
    for i in range(count):
        n = 7000 + i
        out.append(
            page.evaluate(
                UPDATE,
                {"id": site, "action": action, "key": bk.API_KEY, "n": n, "text": id_number(n)},
            )
        )
    return out


SCRUB = """async (ms) => {
  const range = document.getElementById("timeline-range");
  const t0 = performance.now();
  range.value = String(ms);
  range.dispatchEvent(new Event("input", { bubbles: true }));
  while (window.posko.replay?.at !== Number(range.value)) {
    await new Promise((r) => requestAnimationFrame(r));
    if (performance.now() - t0 > 60000) return NaN;
  }
  await new Promise((r) => requestAnimationFrame(r));
  return performance.now() - t0;
}"""


def pct(values: list[float], q: float) -> float:
    return bk.percentile(sorted(values), q)


def weight(first: dict[str, Any]) -> dict[str, int]:
    """Print one cold load's resources; the totals."""
    rows = [
        [r["url"][:60], r["status"], f"{r['wire']:,}", f"{r['decoded']:,}", f"{r['gzip']:,}",
         r["encoding"] or "-"]
        for r in first["resources"]
    ]  # fmt: skip
    print("\nresources of one cold load (cache disabled):")
    print(bk.table(["resource", "status", "wire B", "decoded B", "gzip-6 B", "enc"], rows))
    total = {
        "requests": len(first["resources"]),
        "wire": sum(r["wire"] for r in first["resources"]),
        "decoded": sum(r["decoded"] for r in first["resources"]),
        "gzip": sum(r["gzip"] for r in first["resources"]),
        "ws_frames": first["frames"]["count"],
        "ws": first["frames"]["bytes"],
        "ws_deflate": first["frames"]["deflate"],
    }
    print(
        f"total: {total['requests']} requests, wire {total['wire']:,} B, "
        f"decoded {total['decoded']:,} B, gzip-6 would be {total['gzip']:,} B; websocket "
        f"{total['ws_frames']} frames, {total['ws']:,} B payload "
        f"(~{total['ws_deflate']:,} B with per-message deflate)"
    )
    print(f"map after load: {first['stats']}")
    return total


def latency(
    page: Page, server: bk.PoskoServer, action: str, sites: list[str], args: argparse.Namespace
) -> tuple[list[float], list[float], int]:
    """Update latency with optional background reports to the other sites."""
    stop = threading.Event()
    noise = threading.Thread(
        target=background_reports,
        daemon=True,
        args=(server, action, sites[1:], args.background, stop),
    )
    noise.start()
    print(
        f"\nupdate latency, {args.updates} updates, background {args.background}/s, "
        f"load1 {bk.load1():.2f}:"
    )
    try:
        results = updates(page, action, sites[0], args.updates)
    finally:
        stop.set()
        noise.join(10)
    bad = [r for r in results if r["status"] != 201 or r["shown"] != r["shown"]]
    shown = [r["shown"] for r in results if r["shown"] == r["shown"]]
    posts = [r["post"] for r in results]
    print(f"  POST answered: p50 {pct(posts, 50):.1f} ms, p99 {pct(posts, 99):.1f} ms")
    print(
        f"  label on screen: p50 {pct(shown, 50):.1f} ms, p99 {pct(shown, 99):.1f} ms, "
        f"max {max(shown):.1f} ms, mean {statistics.mean(shown):.1f} ms; failed {len(bad)}"
    )
    return shown, posts, len(bad)


def scrub(page: Page, count: int, events: int) -> list[float]:
    """Move the timeline to points through the day; back to live after each."""
    page.click("#timeline-live")
    low, high = page.evaluate(
        "() => { const r = document.getElementById('timeline-range');"
        " return [Number(r.min), Number(r.max)]; }"
    )
    out = []
    for i in range(count):
        out.append(float(page.evaluate(SCRUB, low + (high - low) * (i + 1) / (count + 1))))
        page.click("#timeline-live")
    print(
        f"\ntime-travel scrub (slider -> map and feed as of then, {events:,}+ events): "
        + ", ".join(f"{s:.0f} ms" for s in out)
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=300)
    parser.add_argument("--reports", type=int, default=20_000)
    parser.add_argument("--loads", type=int, default=5, help="cold loads (weight, render time)")
    parser.add_argument("--updates", type=int, default=50)
    parser.add_argument("--background", type=float, default=0.0, help="reports/s to other sites")
    parser.add_argument("--scrubs", type=int, default=3)
    parser.add_argument("--screenshot", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    print(f"machine: {bk.machine()}")

    with tempfile.TemporaryDirectory(prefix="posko-bench-dashboard-") as tmp:
        data = Path(tmp)
        started = time.perf_counter()
        rng = random.Random(args.seed)
        action, sites, events = seed(data, sites=args.sites, reports=args.reports, rng=rng)
        print(
            f"seeded {events} events ({args.sites} sites, {args.reports} reports) "
            f"in {time.perf_counter() - started:.1f}s"
        )
        started = time.perf_counter()
        with bk.posko_server(data) as server, sync_playwright() as playwright:
            caught_up = bk.wait_until(
                lambda: server.must("GET", "/healthz")["projections"]["position"] >= events,
                600,
                0.5,
            )
            print(
                f"posko serve: views caught up={caught_up} in {time.perf_counter() - started:.1f}s"
            )
            person = server.must(
                "POST",
                "/api/people",
                {"name": "Satgas Bench", "phone": LOGIN, "password": PASSWORD},
            )["id"]
            server.must("POST", f"/api/people/{person}/roles", {"name": "coordinator"})

            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            loads = [cold_load(browser, server, args.sites, i == 0) for i in range(args.loads)]
            total = weight(loads[0])
            print("\ncold loads:")
            print(
                bk.table(
                    ["load", "DOMContentLoaded ms", "full map ms"],
                    [
                        [i + 1, f"{x['dcl_ms']:.0f}", f"{x['full_ms']:.0f}"]
                        for i, x in enumerate(loads)
                    ],
                )
            )
            full = bk.spread([x["full_ms"] for x in loads])
            dcl = bk.spread([x["dcl_ms"] for x in loads])

            context = signed_in_context(browser, server)
            page = context.new_page()
            page.goto(server.http + "/")
            page.wait_for_function(FULL_RENDER, arg=args.sites, polling="raf", timeout=120_000)
            if args.screenshot:
                args.screenshot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(args.screenshot))
            shown, posts, failed = latency(page, server, action, sites, args)
            scrubs = scrub(page, args.scrubs, events)
            context.close()
            browser.close()

    fields = {
        "sites": args.sites,
        "reports": args.reports,
        "events": events,
        "requests": total["requests"],
        "wire_B": total["wire"],
        "decoded_B": total["decoded"],
        "gzip_B": total["gzip"],
        "ws_snapshot_B": total["ws"],
        "ws_deflate_B": total["ws_deflate"],
        "dcl_ms": f"{dcl.median:.0f}",
        "full_map_ms": f"{full.median:.0f}({full.low:.0f}-{full.high:.0f})",
        "update_p50_ms": f"{pct(shown, 50):.0f}",
        "update_p99_ms": f"{pct(shown, 99):.0f}",
        "post_p50_ms": f"{pct(posts, 50):.0f}",
        "updates": len(shown),
        "failed": failed,
        "background_per_s": args.background,
        "scrub_ms": f"{statistics.median(scrubs):.0f}",
    }
    print(bk.summary_line("dashboard", fields))


if __name__ == "__main__":
    main()
