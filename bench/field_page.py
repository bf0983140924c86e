"""The field page's weight on a korlap's phone: the first load of /lapor with a cold cache in
headless Chromium (bytes on the wire, compressed, and the same files uncompressed; the page's own
requests and its service worker's), the bytes of one report request (request line, headers with
the session cookie and CSRF token, body), and how long it takes on Chrome DevTools' "Slow 3G"
figures (2 s round trip, 50 KB/s each way) to be ready, and for a report to be sent and
acknowledged. The slow link is a shaping proxy in front of both ports (HTTP and websocket):
DevTools' own throttling skips a page's requests once a service worker controls it, and the
websocket, so it would flatter the page.

    .venv/bin/python bench/field_page.py [--runs 3] [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import benchkit as bk
from playwright.sync_api import Browser, BrowserContext, Page, Request, expect, sync_playwright

TARGET_KB = 150  # the first load, compressed, should stay under this
PHONE: dict[str, Any] = {
    "viewport": {"width": 360, "height": 640},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
    "locale": "id-ID",
    "timezone_id": "Asia/Jakarta",
    "geolocation": {"latitude": -6.2003, "longitude": 106.8, "accuracy": 15},
    "permissions": ["geolocation"],
}
SLOW_3G_RTT_S = 2.0  # Chrome DevTools' "Slow 3G": 400 ms x 5, 500 kbit/s x 0.8 each way
SLOW_3G_BYTES_PER_S = 50_000
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


class Shaper:
    """A TCP proxy that makes a slow link: every chunk arrives half a round trip after it was
    sent, and each direction is one link of `rate` bytes/s shared by all connections. It runs
    its own event loop in a thread; `listen` returns the port that leads to `target_port`."""

    def __init__(self, rtt_s: float, rate: float) -> None:
        self.one_way = rtt_s / 2
        self.rate = rate
        self.free_at = {"up": 0.0, "down": 0.0}  # when each direction's link is next idle
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

    def listen(self, target_port: int) -> int:
        async def start() -> int:
            server = await asyncio.start_server(
                lambda r, w: self._connection(r, w, target_port), "127.0.0.1", 0
            )
            return int(server.sockets[0].getsockname()[1])

        return asyncio.run_coroutine_threadsafe(start(), self.loop).result()

    async def _connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, target_port: int
    ) -> None:
        try:
            inner_reader, inner_writer = await asyncio.open_connection("127.0.0.1", target_port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(
            self._pipe(reader, inner_writer, "up"), self._pipe(inner_reader, writer, "down")
        )

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, direction: str
    ) -> None:
        queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()

        async def deliver() -> None:
            while (item := await queue.get()) is not None:
                at, data = item
                await asyncio.sleep(max(0.0, at - self.loop.time()))
                writer.write(data)
                await writer.drain()

        delivering = asyncio.create_task(deliver())
        try:
            while data := await reader.read(16 * 1024):
                start = max(self.loop.time(), self.free_at[direction])
                self.free_at[direction] = start + len(data) / self.rate
                queue.put_nowait((self.free_at[direction] + self.one_way, data))
            queue.put_nowait(None)
            await delivering
        except OSError:
            delivering.cancel()
        finally:
            writer.close()


@dataclass
class Fetched:
    url: str
    by_worker: bool
    status: int
    wire: int  # response headers + body as transferred (compressed when the server gzipped)
    body_wire: int  # the body as transferred
    body_raw: int  # the body decoded


@dataclass
class FirstLoad:
    fetched: list[Fetched] = field(default_factory=list)

    def total(self, attr: str, *, worker: bool | None = None) -> int:
        return sum(
            getattr(f, attr) for f in self.fetched if worker is None or f.by_worker == worker
        )


def redeem(context: BrowserContext, server: bk.PoskoServer, action: str, site: str) -> None:
    """An invite for one site, redeemed by the phone's context (its cookie), as /i/<code> does."""
    invite = server.must(
        "POST", f"/api/actions/{action}/invites", {"label": "Bench", "site_id": site}
    )
    answer = context.request.post(
        server.http + "/api/invites/redeem", data={"code": invite["code"], "name": "Bench"}
    )
    assert answer.status == 201, answer.text()


def first_load(browser: Browser, server: bk.PoskoServer, action: str, site: str) -> FirstLoad:
    """/lapor opened by a fresh profile (no HTTP cache, no service worker) until it is ready,
    offline-capable and connected to the feed."""
    context = browser.new_context(**PHONE)
    redeem(context, server, action, site)
    load = FirstLoad()

    def finished(request: Request) -> None:
        response = request.response()
        if response is None:
            return
        sizes = request.sizes()
        load.fetched.append(
            Fetched(
                url=request.url.removeprefix(server.http),
                by_worker=request.service_worker is not None,
                status=response.status,
                wire=sizes["responseHeadersSize"] + sizes["responseBodySize"],
                body_wire=sizes["responseBodySize"],
                body_raw=len(response.body()) if response.status == 200 else 0,
            )
        )

    context.on("requestfinished", finished)
    page = context.new_page()
    page.goto(server.http + "/lapor")
    ready(page)
    page.wait_for_timeout(500)  # the worker's last revalidations
    context.close()
    return load


def ready(page: Page, timeout: float = 60_000) -> None:
    page.wait_for_selector("html[data-ready='1'][data-offline-ready='1']", timeout=timeout)
    page.wait_for_selector("#net.net-live", timeout=timeout)


@dataclass
class Report:
    request_line: int
    headers: int
    body: int
    chromium_headers: int  # Chromium's own count of the request headers, for comparison
    answer: int  # the 201's status line, headers and body

    @property
    def total(self) -> int:
        return self.request_line + self.headers + self.body


def one_report(page: Page) -> Report:
    """A headcount from the form, and the bytes of its POST as the browser sent it."""
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/reports")) as info:
        page.locator("a[href='#massa']").tap()
        page.fill("#headcount", "1500")
        page.locator("#form-headcount .send").tap()
    request = info.value
    response = request.response()
    assert response is not None and response.status == 201
    path = request.url.split("/", 3)[3]
    headers = request.headers_array()
    body = request.post_data_buffer or b""
    sizes = request.sizes()
    return Report(
        request_line=len(f"POST /{path} HTTP/1.1\r\n"),
        headers=sum(len(f"{h['name']}: {h['value']}\r\n".encode()) for h in headers) + 2,
        body=len(body),
        chromium_headers=sizes["requestHeadersSize"],
        answer=sizes["responseHeadersSize"] + sizes["responseBodySize"],
    )


@dataclass
class Slow:
    usable_s: float  # a cold open until the buttons work (session, action and sites known)
    live_s: float  # ... until the posko's feed is connected
    offline_s: float  # ... until the page would open with no signal (measured after live_s)
    sent_s: float  # a report, from the tap to its 2xx
    received_s: float  # ... to its id on the feed
    reopen_s: float  # the page opened again until usable (shell from the service worker)


def slow_3g(
    browser: Browser, server: bk.PoskoServer, slow_http: str, action: str, site: str
) -> Slow:
    """On Slow 3G: a cold open until ready; a report from tap to sent and to received; and the
    page opened again (its shell from the service worker)."""
    context = browser.new_context(**PHONE)
    redeem(context, server, action, site)
    page = context.new_page()
    started = time.perf_counter()
    page.goto(slow_http + "/lapor", timeout=120_000)
    html = page.locator("html")
    expect(html).to_have_attribute("data-ready", "1", timeout=120_000)
    usable_s = time.perf_counter() - started
    expect(page.locator("#net")).to_have_class(re.compile("net-live"), timeout=120_000)
    live_s = time.perf_counter() - started
    expect(html).to_have_attribute("data-offline-ready", "1", timeout=120_000)
    offline_s = time.perf_counter() - started
    page.locator("a[href='#massa']").tap()
    page.fill("#headcount", "2000")
    tapped = time.perf_counter()
    page.locator("#form-headcount .send").tap()
    item = page.locator("#outbox li").first
    expect(item).to_have_attribute("data-state", re.compile("sent|received"), timeout=120_000)
    sent_s = time.perf_counter() - tapped
    expect(item).to_have_attribute("data-state", "received", timeout=120_000)
    received_s = time.perf_counter() - tapped
    started = time.perf_counter()
    page.reload(timeout=120_000)
    expect(html).to_have_attribute("data-ready", "1", timeout=120_000)
    reopen_s = time.perf_counter() - started
    context.close()
    return Slow(usable_s, live_s, offline_s, sent_s, received_s, reopen_s)


@contextlib.contextmanager
def shaped_server(data_dir: Path, shaper: Shaper) -> Iterator[tuple[bk.PoskoServer, str]]:
    """`posko serve`, and the address of its pages behind the slow link. Every page reaches the
    gateway through the slow link (its address comes from /api/config), which slows only the
    wait for the feed in the other measurements, not their bytes."""
    ws_port = bk.free_port()
    slow_ws = shaper.listen(ws_port)
    server = bk.PoskoServer(
        data_dir, {"POSKO_PUBLIC_WS_URL": f"ws://127.0.0.1:{slow_ws}/"}, ws_port=ws_port
    )
    server.start()
    try:
        yield server, f"http://127.0.0.1:{shaper.listen(server.http_port)}"
    finally:
        server.stop()


def kb(n: float) -> str:
    return f"{n / 1024:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    print(f"# field page weight, {bk.machine()}, load {bk.load()}, {bk.iso_now()}")
    with (
        tempfile.TemporaryDirectory() as tmp,
        shaped_server(Path(tmp), Shaper(SLOW_3G_RTT_S, SLOW_3G_BYTES_PER_S)) as (server, slow_http),
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(
            executable_path=args.chromium, headless=True, args=ARGS
        )
        print(f"# Chromium {browser.version}")
        action, sites = server.seed_action(3)
        loads = [first_load(browser, server, action, sites[0]) for _ in range(args.runs)]

        rows = []
        for f in sorted(loads[0].fetched, key=lambda f: (f.by_worker, f.url)):
            who = "worker" if f.by_worker else "page"
            rows.append([who, f.url.split("?")[0], f.status, f.wire, f.body_wire, f.body_raw])
        print("\nFirst load, cold cache (run 1), bytes:")
        print(bk.table(["by", "url", "status", "wire", "body wire", "body raw"], rows))

        def med(attr: str, worker: bool | None = None) -> float:
            return statistics.median(load.total(attr, worker=worker) for load in loads)

        page_wire, page_raw = med("wire", False), med("body_raw", False)
        page_body = med("body_wire", False)
        worker_wire, total_wire = med("wire", True), med("wire")
        requests = statistics.median(len(load.fetched) for load in loads)
        print(
            f"\nmedian of {args.runs}: page {kb(page_wire)} KB on the wire with headers, "
            f"bodies {kb(page_body)} KB compressed, {kb(page_raw)} KB uncompressed; "
            f"service worker install "
            f"{kb(worker_wire)} KB; total {kb(total_wire)} KB in {requests:.0f} requests"
        )

        context = browser.new_context(**PHONE)
        redeem(context, server, action, sites[1])
        page = context.new_page()
        page.goto(server.http + "/lapor")
        ready(page)
        reports = [one_report(page) for _ in range(args.runs)]
        context.close()
        report = reports[-1]
        print(
            f"\nOne report request: request line {report.request_line} + headers "
            f"{report.headers} (Chromium counts {report.chromium_headers}) + body "
            f"{report.body} = {report.total} bytes; the answer {report.answer} bytes"
        )

        slows = [slow_3g(browser, server, slow_http, action, sites[2]) for _ in range(args.runs)]
        print("\nSlow 3G (2 s RTT, 50 KB/s), seconds:")
        columns = ["usable_s", "live_s", "offline_s", "sent_s", "received_s", "reopen_s"]
        print(
            bk.table(
                ["run", "cold: usable", "feed live", "offline-ready", "report: sent",
                 "received", "reopen: usable"],
                [[i + 1, *(f"{getattr(s, c):.1f}" for c in columns)] for i, s in enumerate(slows)],
            )
        )  # fmt: skip
        browser.close()

    def slow_med(attr: str) -> str:
        return f"{statistics.median(getattr(s, attr) for s in slows):.1f}"

    print(
        bk.summary_line(
            "field_page",
            {
                "first_load_kb_wire": kb(total_wire),
                "page_kb_wire": kb(page_wire),
                "page_kb_bodies_gzip": kb(page_body),
                "page_kb_uncompressed": kb(page_raw),
                "worker_kb_wire": kb(worker_wire),
                "requests": f"{requests:.0f}",
                "report_request_bytes": report.total,
                "report_body_bytes": report.body,
                "slow3g_usable_s": slow_med("usable_s"),
                "slow3g_live_s": slow_med("live_s"),
                "slow3g_offline_ready_s": slow_med("offline_s"),
                "slow3g_sent_s": slow_med("sent_s"),
                "slow3g_received_s": slow_med("received_s"),
                "slow3g_reopen_s": slow_med("reopen_s"),
                "met": total_wire < TARGET_KB * 1024,
            },
        )
    )


if __name__ == "__main__":
    main()
