"""What the web app is given by the composition root: the async port over the core and the views
(the only road to them: handlers await its typed coroutines), and the web's own settings."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from projections.port import Port
from web.geocoding import Geocoder
from web.throttle import SignInThrottle

REPLAYS_AT_ONCE = 2  # time-travel replays in the slow pool at once: sign-ins keep a worker


@dataclass
class Services:
    port: Port
    ws_port: int
    public_ws_url: str  # "" -> same host as the page, ws_port, path /
    health: Callable[[], Awaitable[dict[str, Any]]]
    # Failed sign-ins by login and by address; per process (see the README).
    throttle: SignInThrottle = field(default_factory=SignInThrottle)
    geocoder: Geocoder | None = None  # None: geocoding is off (the default)
    replays: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(REPLAYS_AT_ONCE))
    # One lookup at a time: the geocoder keeps its rate limit by waiting, and a waiting lookup
    # must hold no slow worker that a sign-in could use.
    geocoding: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(1))

    @property
    def secret(self) -> str:
        """The server secret that CSRF tokens are derived from: the API key."""
        return self.port.authenticator.api_key
