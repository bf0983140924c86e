"""Throttling shared by every web process through Redis: the same tables and limits as
`web.throttle` (sign-in failures per login and address, per login, per address; invite guesses
per address; a doubling wait), counted atomically on the Redis server, so N web processes give
an attacker no more attempts than one.

`Attempts` (sign-in) and `AddressAttempts` (invite redemption) are the small async interfaces
the handlers use; the per-process throttles (the embedded `posko serve`) and the Redis ones
both provide them. One Lua script counts any number of tables at once (`SharedCounts`), so the
algorithm has one Redis implementation whatever it throttles.

When Redis cannot be reached, both fall back to the per-process counts rather than refusing
everyone: a Redis restart must not keep coordinators out or stop korlaps joining in the middle
of an action, and while it lasts each process still makes a guesser wait after its own few
failures (an invite code's 72 random bits leave N times a few guesses nothing to find).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import redis.asyncio as redis
from redis.exceptions import RedisError

from web.throttle import (
    ADDRESS_LIMIT,
    FIRST_DELAY,
    LIMIT,
    LOGIN_LIMIT,
    LOGIN_MAX_DELAY,
    MAX_DELAY,
    WINDOW,
    AddressThrottle,
    SignInThrottle,
    TooManyAttempts,
    login_key,
)

log = logging.getLogger("posko.web")


class Attempts(Protocol):
    """What sign-in (and password confirmation) asks of a throttle."""

    async def begin(self, login: str, address: str) -> None:
        """Refuse (TooManyAttempts, 429) while the login or the address waits; else count."""

    async def succeeded(self, login: str, address: str) -> None:
        """A success clears its login and takes its attempt back from the address."""


class AddressAttempts(Protocol):
    """What invite redemption asks of a throttle: failures by client address alone."""

    async def begin(self, address: str) -> None:
        """Refuse (TooManyAttempts, 429) while the address waits; else count."""

    async def succeeded(self, address: str) -> None:
        """A success takes its attempt back from the address."""


class LocalAttempts:
    """The per-process sign-in throttle behind the `Attempts` interface."""

    def __init__(self, throttle: SignInThrottle) -> None:
        self.throttle = throttle

    async def begin(self, login: str, address: str) -> None:
        self.throttle.begin(login, address)

    async def succeeded(self, login: str, address: str) -> None:
        self.throttle.succeeded(login, address)


class LocalAddressAttempts:
    """The per-process invite throttle behind the `AddressAttempts` interface."""

    def __init__(self, throttle: AddressThrottle) -> None:
        self.throttle = throttle

    async def begin(self, address: str) -> None:
        self.throttle.begin(address)

    async def succeeded(self, address: str) -> None:
        self.throttle.succeeded(address)


# Every key is checked and counted in one step, on the server's clock, so concurrent attempts
# through different processes cannot slip past the limits. ARGV: window, first wait, then a
# limit and a longest wait per key. Returns the wait in seconds (0: go).
_BEGIN = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local window, first = tonumber(ARGV[1]), tonumber(ARGV[2])
local wait = 0
for i = 1, #KEYS do
  local blocked = tonumber(redis.call('HGET', KEYS[i], 'blocked')) or 0
  if blocked - now > wait then wait = blocked - now end
end
if wait > 0 then return tostring(wait) end
for i = 1, #KEYS do
  local limit, most = tonumber(ARGV[1 + 2 * i]), tonumber(ARGV[2 + 2 * i])
  local e = redis.call('HMGET', KEYS[i], 'failures', 'last')
  local failures, last = tonumber(e[1]) or 0, tonumber(e[2]) or 0
  if now - last > window then failures = 0 end
  failures = failures + 1
  local blocked = 0
  if failures >= limit then
    blocked = now + math.min(first * 2 ^ math.min(failures - limit, 32), most)
  end
  redis.call('HSET', KEYS[i], 'failures', failures, 'last', now, 'blocked', blocked)
  redis.call('EXPIRE', KEYS[i], math.ceil(window + most))
end
return '0'
"""

# Clear every key but the last; take one failure back from the last, lifting a wait it no
# longer earns (ARGV[1]: its limit).
_SUCCEEDED = """
for i = 1, #KEYS - 1 do redis.call('DEL', KEYS[i]) end
local forgiven = KEYS[#KEYS]
local failures = tonumber(redis.call('HGET', forgiven, 'failures'))
if failures ~= nil then
  failures = math.max(0, failures - 1)
  redis.call('HSET', forgiven, 'failures', failures)
  if failures < tonumber(ARGV[1]) then redis.call('HSET', forgiven, 'blocked', 0) end
end
return 0
"""


@dataclass(frozen=True)
class Table:
    """One table of counts, as a `web.throttle.Throttle` is one: its name in the Redis keys,
    the failures before the first wait, and the longest wait."""

    name: str
    limit: int
    max_delay: float


# The same tables as web.throttle.SignInThrottle and AddressThrottle.
PAIRS = Table("pair", LIMIT, MAX_DELAY)
LOGINS = Table("login", LOGIN_LIMIT, LOGIN_MAX_DELAY)
ADDRESSES = Table("address", ADDRESS_LIMIT, MAX_DELAY)
REDEMPTIONS = Table("redeem", LIMIT, MAX_DELAY)


class SharedCounts:
    """Failure counts of one deployment (`prefix` names it) on the Redis server: one client
    for every throttle of the process."""

    def __init__(self, url: str, *, prefix: str) -> None:
        self._client = redis.Redis.from_url(url, socket_connect_timeout=1.0, socket_timeout=1.0)
        self._prefix = prefix
        self._begin = self._client.register_script(_BEGIN)
        self._succeeded = self._client.register_script(_SUCCEEDED)

    def _key(self, table: Table, key: str) -> str:
        return f"{self._prefix}:{table.name}:{key}"

    async def begin(self, counted: Sequence[tuple[Table, str]]) -> float:
        """Seconds to wait while any key waits (nothing counted); else 0, each key counted.
        Raises RedisError when Redis cannot be reached."""
        limits: list[float] = [WINDOW, FIRST_DELAY]
        for table, _ in counted:
            limits += [table.limit, table.max_delay]
        keys = [self._key(table, key) for table, key in counted]
        return float(await self._begin(keys=keys, args=limits))

    async def succeeded(
        self, cleared: Sequence[tuple[Table, str]], forgiven: Table, key: str
    ) -> None:
        """Clear the `cleared` keys and take one failure back from `key` of `forgiven`."""
        keys = [self._key(table, k) for table, k in cleared] + [self._key(forgiven, key)]
        await self._succeeded(keys=keys, args=[forgiven.limit])

    async def close(self) -> None:
        await self._client.aclose()


def _refuse(wait: float) -> None:
    if wait > 0:
        raise TooManyAttempts(retry_after=math.ceil(wait))


class RedisSignInThrottle:
    """Sign-in's three tables, shared by every web process: (login, address), login, address."""

    def __init__(self, counts: SharedCounts, *, fallback: SignInThrottle) -> None:
        self._counts = counts
        self._fallback = LocalAttempts(fallback)

    async def begin(self, login: str, address: str) -> None:
        key = login_key(login)
        counted = [(PAIRS, f"{key}|{address}"), (LOGINS, key), (ADDRESSES, address)]
        try:
            wait = await self._counts.begin(counted)
        except RedisError as error:
            log.warning("sign-in throttle: Redis unreachable (%s); counting here", error)
            await self._fallback.begin(login, address)
            return
        _refuse(wait)

    async def succeeded(self, login: str, address: str) -> None:
        key = login_key(login)
        cleared = [(PAIRS, f"{key}|{address}"), (LOGINS, key)]
        try:
            await self._counts.succeeded(cleared, ADDRESSES, address)
        except RedisError as error:
            log.warning("sign-in throttle: Redis unreachable (%s); counting here", error)
            await self._fallback.succeeded(login, address)


class RedisAddressThrottle:
    """Invite redemption's table (failures by address), shared by every web process."""

    def __init__(self, counts: SharedCounts, *, fallback: AddressThrottle) -> None:
        self._counts = counts
        self._fallback = LocalAddressAttempts(fallback)

    async def begin(self, address: str) -> None:
        try:
            wait = await self._counts.begin([(REDEMPTIONS, address)])
        except RedisError as error:
            log.warning("invite throttle: Redis unreachable (%s); counting here", error)
            await self._fallback.begin(address)
            return
        _refuse(wait)

    async def succeeded(self, address: str) -> None:
        try:
            await self._counts.succeeded([], REDEMPTIONS, address)
        except RedisError as error:
            log.warning("invite throttle: Redis unreachable (%s); counting here", error)
            await self._fallback.succeeded(address)
