"""What the web app is given by the composition root: the async port over the core and the views
(the only road to them: handlers await its typed coroutines), and the web's own settings."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from projections.port import Port
from web.client_address import Network
from web.geocoding import Geocoder
from web.shared_throttle import Attempts, LocalAttempts
from web.throttle import SignInThrottle

if TYPE_CHECKING:  # web.sms_push reaches the services through web.context
    from web.sms_push import SmsPush

REPLAYS_AT_ONCE = 2  # time-travel replays in the slow pool at once: sign-ins keep a worker


@dataclass
class Services:
    port: Port
    ws_port: int
    public_ws_url: str  # "" -> same host as the page, ws_port, path /
    health: Callable[[], Awaitable[dict[str, Any]]]
    # Failed sign-ins by login and by address; per process (see the README).
    throttle: SignInThrottle = field(default_factory=SignInThrottle)
    # The same counts shared by every web process through Redis (scaled deployment), or None.
    shared_throttle: Attempts | None = None
    # Proxies whose X-Forwarded-For names the client (POSKO_TRUSTED_PROXIES); empty: none.
    trusted_proxies: tuple[Network, ...] = ()
    geocoder: Geocoder | None = None  # None: geocoding is off (the default)
    sms_number: str = ""  # the posko's SMS gateway phone; empty: SMS intake not advertised
    sms_push: SmsPush | None = None  # push a gateway's replies to a provider's URL; None: poll
    replays: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(REPLAYS_AT_ONCE))
    # One lookup at a time: the geocoder keeps its rate limit by waiting, and a waiting lookup
    # must hold no slow worker that a sign-in could use.
    geocoding: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(1))
    # the union's letterhead on printed notices: name, address, contact (from the settings)
    letterhead: dict[str, str] = field(default_factory=lambda: {"name": "Satgas Aksi Gabungan"})

    @property
    def attempts(self) -> Attempts:
        """Where sign-in attempts are counted: Redis when configured, else this process."""
        return self.shared_throttle or LocalAttempts(self.throttle)

    @property
    def secret(self) -> str:
        """The server secret that CSRF tokens are derived from: the API key."""
        return self.port.authenticator.api_key
