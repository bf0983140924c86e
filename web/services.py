"""What the web app is given by the composition root, and the async facade over the synchronous
application: every call to it or to the view store runs in one bounded thread pool."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from ipaddress import IPv4Network, IPv6Network
from typing import Any, ParamSpec, TypeVar

from core.access import Authenticator
from core.application import Posko
from core.errors import Unavailable
from projections.store import ViewStore
from web.geocoding import Geocoder
from web.throttle import AddressThrottle, SignInThrottle

P = ParamSpec("P")
T = TypeVar("T")

SLOW_WORKERS = 2  # threads for password hashing (argon2: ~0.1 s of CPU and 64 MiB each)
SLOW_QUEUE = 16  # hashes waiting or running at most; past it a sign-in hears 503, try later
READ_YOUR_WRITES_WAIT = 3.0  # seconds a GET with ?min_position= waits for the views
REPLAYS_AT_ONCE = 2  # time travel replays the log in the pool that writes share: never all of it


@dataclass
class Services:
    app: Posko
    store: ViewStore
    authenticator: Authenticator
    executor: ThreadPoolExecutor
    ws_port: int
    public_ws_url: str  # "" -> same host as the page, ws_port, path /
    health: Callable[[], Awaitable[dict[str, Any]]]
    # Failed sign-ins by login and by address; per process (see the README).
    throttle: SignInThrottle = field(default_factory=SignInThrottle)
    # Failed invite redemptions by address; per process, like sign-ins.
    redeem_throttle: AddressThrottle = field(default_factory=AddressThrottle)
    geocoder: Geocoder | None = None  # None: geocoding is off (the default)
    public_url: str = ""  # POSKO_PUBLIC_URL: where people open the pages ("" unknown)
    # Proxies whose X-Forwarded-For names the client (POSKO_TRUSTED_PROXIES); none by default.
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...] = ()
    replays: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(REPLAYS_AT_ONCE))
    # Password hashing apart from everything else, so a sign-in storm cannot starve the API.
    slow: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(SLOW_WORKERS, thread_name_prefix="posko-slow")
    )
    slow_pending: int = 0

    @property
    def secret(self) -> str:
        """The server secret that CSRF tokens are derived from: the API key."""
        return self.authenticator.api_key

    async def call(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a blocking call (application command, view read) off the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, functools.partial(fn, *args, **kwargs))

    async def slow_call(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run slow CPU work (password hashing) in its own small pool, at most SLOW_QUEUE
        calls waiting or running; past that, 503 with Retry-After."""
        if self.slow_pending >= SLOW_QUEUE:
            raise Unavailable("sign_in_busy", retry_after=1)
        self.slow_pending += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self.slow, functools.partial(fn, *args, **kwargs))
        finally:
            self.slow_pending -= 1

    async def views_at_least(self, position: int) -> int:
        """Wait (bounded) until the views include `position`; returns the views' position."""
        deadline = asyncio.get_running_loop().time() + READ_YOUR_WRITES_WAIT
        delay = 0.005
        while True:
            current = await self.call(self.store.position)
            if current >= position or asyncio.get_running_loop().time() >= deadline:
                return current
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.1)
