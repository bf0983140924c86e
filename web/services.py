"""What the web app is given by the composition root: the async port over the core and the views
(the only road to them: handlers await its typed coroutines), and the web's own settings."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from core.errors import Unavailable
from projections.port import Port
from web.client_address import Network
from web.geocoding import Geocoder
from web.shared_throttle import (
    AddressAttempts,
    Attempts,
    LocalAddressAttempts,
    LocalAttempts,
    SharedCounts,
)
from web.throttle import AddressThrottle, SignInThrottle

P = ParamSpec("P")
T = TypeVar("T")

if TYPE_CHECKING:  # web.sms_push reaches the services through web.context
    from web.sms_push import SmsPush

REPLAYS_AT_ONCE = 2  # time-travel replays in the slow pool at once: sign-ins keep a worker
SLOW_QUEUE = 16  # password checks waiting or running at most; past it a sign-in hears 503


@dataclass
class Services:
    port: Port
    ws_port: int
    public_ws_url: str  # "" -> same host as the page, ws_port, path /
    health: Callable[[], Awaitable[dict[str, Any]]]
    # Failed sign-ins by login and address, by login, by address, and failed invite
    # redemptions by address: counted in Redis when it is configured (every web process of a
    # deployment against one limit), else in this process (see web.shared_throttle).
    attempts: Attempts = field(default_factory=lambda: LocalAttempts(SignInThrottle()))
    redemptions: AddressAttempts = field(
        default_factory=lambda: LocalAddressAttempts(AddressThrottle())
    )
    shared_counts: SharedCounts | None = None  # the Redis counts behind both; closed with the app
    # Proxies whose X-Forwarded-For names the client (POSKO_TRUSTED_PROXIES); empty: none.
    trusted_proxies: tuple[Network, ...] = ()
    geocoder: Geocoder | None = None  # None: geocoding is off (the default)
    public_url: str = ""  # POSKO_PUBLIC_URL: where people open the pages ("" unknown)
    sms_number: str = ""  # the posko's SMS gateway phone; empty: SMS intake not advertised
    sms_push: SmsPush | None = None  # push a gateway's replies to a provider's URL; None: poll
    replays: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(REPLAYS_AT_ONCE))
    # One lookup at a time: the geocoder keeps its rate limit by waiting, and a waiting lookup
    # must hold no slow worker that a sign-in could use.
    geocoding: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(1))
    slow_pending: int = 0  # password checks waiting for or running in the port's slow pool
    # What CSRF tokens are derived from: its own random secret (Settings.csrf_secret), never
    # the API key, so that a token seen in a page tells nothing about the key. "" (tests that
    # build Services by hand): derived from the API key.
    csrf_secret: str = field(default="", repr=False)
    # the union's letterhead on printed notices: name, address, contact (from the settings)
    letterhead: dict[str, str] = field(default_factory=lambda: {"name": "Satgas Aksi Gabungan"})

    @property
    def csrf_key(self) -> str:
        """What CSRF tokens are derived from: never the server key (SMS gateway secrets are)."""
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
