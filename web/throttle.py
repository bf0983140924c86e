"""Slowing repeated failed sign-ins (per login and address, per login, per address) and invite
guesses (per address), in bounded memory.

Pure (the clock is injected) and per process: what the embedded `posko serve` uses, and what a
web process of the scaled deployment falls back to while Redis is down (then N web processes give
an attacker N times the attempts, which the doubling delay still keeps to a few dozen guesses an
hour per login). With Redis, `web.shared_throttle` counts the same tables for every process.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from core import values
from core.errors import InvalidInput, PoskoError

LIMIT = 5  # failures allowed before the first wait
WINDOW = 15 * 60.0  # seconds after the last failure when a key's count starts over
FIRST_DELAY = 30.0  # seconds of the first wait; each further failure doubles it
MAX_DELAY = 15 * 60.0
MAX_KEYS = 10_000  # per table; the least recently seen key is forgotten first
LOGIN_LIMIT = 20  # failures for one login from anywhere before it waits
LOGIN_MAX_DELAY = 5 * 60.0  # and its wait never grows past this: the person gets in soon
ADDRESS_LIMIT = 100  # failures from one address, whatever the logins, before it waits
MAX_KEY_LENGTH = 254  # the longest email; longer logins cannot exist, and keys stay small


class TooManyAttempts(PoskoError):
    status = 429
    code = "too_many_attempts"


@dataclass
class _Entry:
    failures: int = 0
    last_failure: float = 0.0
    blocked_until: float = 0.0


class Throttle:
    """Failure counts by key in an LRU of at most `max_keys` entries.

    An attempt is counted as a failure when it starts (`attempt`), not when it fails, so a storm
    of concurrent requests cannot all slip in before the first failure is recorded; a success
    takes its count back (`forgive`) or clears the key (`reset`).
    """

    def __init__(
        self,
        *,
        limit: int = LIMIT,
        window: float = WINDOW,
        first_delay: float = FIRST_DELAY,
        max_delay: float = MAX_DELAY,
        max_keys: int = MAX_KEYS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.max_keys = max_keys
        self.clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def retry_after(self, key: str) -> float:
        """Seconds until `key` may try again; 0 when it may now."""
        entry = self._entries.get(key)
        if entry is None:
            return 0.0
        return max(0.0, entry.blocked_until - self.clock())

    def attempt(self, key: str) -> None:
        """Count an attempt as a failure; from the `limit`-th on, `key` waits, doubling."""
        now = self.clock()
        entry = self._entries.pop(key, None) or _Entry()
        if now - entry.last_failure > self.window:
            entry.failures = 0
        entry.failures += 1
        entry.last_failure = now
        if entry.failures >= self.limit:
            doublings = min(entry.failures - self.limit, 32)  # 2**32 is past any max_delay
            entry.blocked_until = now + min(self.first_delay * 2**doublings, self.max_delay)
        self._entries[key] = entry  # most recently seen at the end
        while len(self._entries) > self.max_keys:
            self._entries.popitem(last=False)

    def forgive(self, key: str) -> None:
        """Take back the failure `attempt` counted for an attempt that succeeded."""
        entry = self._entries.get(key)
        if entry is None:
            return
        entry.failures = max(0, entry.failures - 1)
        if entry.failures < self.limit:
            entry.blocked_until = 0.0

    def reset(self, key: str) -> None:
        self._entries.pop(key, None)


class SignInThrottle:
    """The three tables sign-in consults.

    The hard block is on (login, address): five wrong passwords for one login from one place
    make that pair wait, doubling up to fifteen minutes, but block neither the person from
    elsewhere nor anyone else behind the same address (a carrier's NAT, a reverse proxy). A
    login tried from many places waits too, after more failures and never for long
    (LOGIN_MAX_DELAY), so the right password always gets through soon. An address trying many
    logins (a spray) waits after ADDRESS_LIMIT failures.
    """

    def __init__(
        self, *, clock: Callable[[], float] = time.monotonic, max_keys: int = MAX_KEYS
    ) -> None:
        self.pairs = Throttle(clock=clock, max_keys=max_keys)
        self.logins = Throttle(
            limit=LOGIN_LIMIT, max_delay=LOGIN_MAX_DELAY, clock=clock, max_keys=max_keys
        )
        self.addresses = Throttle(limit=ADDRESS_LIMIT, clock=clock, max_keys=max_keys)

    def begin(self, login: str, address: str) -> None:
        """Refuse (429 with the wait) while any of its keys waits; else count the attempt."""
        key = login_key(login)
        pair = f"{key}|{address}"
        wait = max(
            self.pairs.retry_after(pair),
            self.logins.retry_after(key),
            self.addresses.retry_after(address),
        )
        if wait > 0:
            raise TooManyAttempts(retry_after=math.ceil(wait))
        self.pairs.attempt(pair)
        self.logins.attempt(key)
        self.addresses.attempt(address)

    def succeeded(self, login: str, address: str) -> None:
        """A success clears its login (from everywhere) and takes its attempt back from the
        address."""
        key = login_key(login)
        self.pairs.reset(f"{key}|{address}")
        self.logins.reset(key)
        self.addresses.forgive(address)


class AddressThrottle:
    """Failed attempts by client address alone: for invite codes, which name nobody, so the
    only thing to slow is the place the guesses come from."""

    def __init__(
        self,
        *,
        limit: int = LIMIT,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = MAX_KEYS,
    ) -> None:
        self.addresses = Throttle(limit=limit, clock=clock, max_keys=max_keys)

    def begin(self, address: str) -> None:
        wait = self.addresses.retry_after(address)
        if wait > 0:
            raise TooManyAttempts(retry_after=math.ceil(wait))
        self.addresses.attempt(address)

    def succeeded(self, address: str) -> None:
        self.addresses.forgive(address)


def login_key(login: str) -> str:
    """One key per person whatever the spelling: 0812-... and +62812... are the same login."""
    try:
        return values.email("login", login) if "@" in login else values.phone("login", login)
    except InvalidInput:
        return login.strip().lower()[:MAX_KEY_LENGTH]
