"""What the web app is given by the composition root: the async port over the core and the views
(the only road to them: handlers await its typed coroutines), and the web's own settings."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from ipaddress import IPv4Network, IPv6Network
from typing import Any, ParamSpec, TypeVar

from core.errors import Unavailable
from projections.port import Port
from web.geocoding import Geocoder
from web.throttle import AddressThrottle, SignInThrottle

P = ParamSpec("P")
T = TypeVar("T")

REPLAYS_AT_ONCE = 2  # time-travel replays in the slow pool at once: sign-ins keep a worker
SLOW_QUEUE = 16  # password checks waiting or running at most; past it a sign-in hears 503


@dataclass
class Services:
    port: Port
    ws_port: int
    public_ws_url: str  # "" -> same host as the page, ws_port, path /
    health: Callable[[], Awaitable[dict[str, Any]]]
    # Failed sign-ins by login and address, by login, by address; per process (see the README).
    throttle: SignInThrottle = field(default_factory=SignInThrottle)
    # Failed invite redemptions by address; per process, like sign-ins.
    redeem_throttle: AddressThrottle = field(default_factory=AddressThrottle)
    geocoder: Geocoder | None = None  # None: geocoding is off (the default)
    public_url: str = ""  # POSKO_PUBLIC_URL: where people open the pages ("" unknown)
    # Proxies whose X-Forwarded-For names the client (POSKO_TRUSTED_PROXIES); none by default.
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...] = ()
    replays: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(REPLAYS_AT_ONCE))
    # One lookup at a time: the geocoder keeps its rate limit by waiting, and a waiting lookup
    # must hold no slow worker that a sign-in could use.
    geocoding: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(1))
    slow_pending: int = 0  # password checks waiting for or running in the port's slow pool
    # What CSRF tokens are derived from: its own random secret (Settings.csrf_secret), never
    # the API key, so that a token seen in a page tells nothing about the key. "" (tests that
    # build Services by hand): derived from the API key.
    csrf_secret: str = field(default="", repr=False)

    @property
    def secret(self) -> str:
        """The server secret that CSRF tokens are derived from."""
        return self.csrf_secret or derived_csrf_secret(self.port.authenticator.api_key)

    async def slow_call(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Password hashing in the port's slow pool (never the pool the API's commands and
        reads use), at most SLOW_QUEUE waiting or running: past that, 503 with Retry-After,
        so a sign-in storm can neither starve the API nor queue without bound."""
        if self.slow_pending >= SLOW_QUEUE:
            raise Unavailable("sign_in_busy", retry_after=1)
        self.slow_pending += 1
        try:
            return await self.port.slow(fn, *args, **kwargs)
        finally:
            self.slow_pending -= 1


def derived_csrf_secret(api_key: str) -> str:
    """For processes given only POSKO_API_KEY (the scaled deployment): one secret they all
    share, yet not the key itself."""
    return hmac.new(api_key.encode(), b"posko csrf secret", hashlib.sha256).hexdigest()
