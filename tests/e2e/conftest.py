"""Fixtures for end-to-end tests: a real `posko serve` process per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.e2e.process import Server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    srv = Server(tmp_path)
    srv.start()
    yield srv
    srv.stop()


CHROMIUM = os.environ.get("POSKO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium driven by Playwright (never `playwright install`). Per module: while
    Playwright's sync API runs, the main thread counts as inside an event loop, which would
    stop the asyncio tests of later modules."""
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing; install it with: apt-get install -y chromium"
        if os.environ.get("POSKO_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 1200, "height": 800}, locale="id-ID", timezone_id="Asia/Jakarta"
    )
    page = context.new_page()
    yield page
    context.close()


ARTIFACTS = Path(__file__).parent.parent / "artifacts"  # screenshots kept by tests (ignored by git)


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A korlap's phone: small touch screen, Indonesian, in WIB."""
    context = browser.new_context(
        viewport={"width": 360, "height": 640},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        locale="id-ID",
        timezone_id="Asia/Jakarta",
    )
    page = context.new_page()
    yield page
    context.close()
