"""Sign-in throttling shared by every web process through Redis: the same limits as
`web.throttle` (failures per login and address, per login, per address; a doubling wait),
counted atomically on the Redis server, so N web processes give an attacker no more attempts
than one.

`Attempts` is the small interface sign-in needs; `SignInThrottle` (per process) and
`RedisSignInThrottle` both provide it. When Redis cannot be reached, sign-in falls back to the
per-process counts rather than refusing everyone.
"""

from __future__ import annotations

import logging
import math
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


class LocalAttempts:
    """The per-process throttle behind the `Attempts` interface."""

    def __init__(self, throttle: SignInThrottle) -> None:
        self.throttle = throttle

    async def begin(self, login: str, address: str) -> None:
        self.throttle.begin(login, address)

    async def succeeded(self, login: str, address: str) -> None:
        self.throttle.succeeded(login, address)


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

# Clear the (login, address) pair and the login; take one failure back from the address (the
# last key), lifting a wait it no longer earns (ARGV[1]: the address's limit).
_SUCCEEDED = """
for i = 1, #KEYS - 1 do redis.call('DEL', KEYS[i]) end
local address = KEYS[#KEYS]
local failures = tonumber(redis.call('HGET', address, 'failures'))
if failures ~= nil then
  failures = math.max(0, failures - 1)
  redis.call('HSET', address, 'failures', failures)
  if failures < tonumber(ARGV[1]) then redis.call('HSET', address, 'blocked', 0) end
end
return 0
"""

# The same three tables as web.throttle.SignInThrottle: (login, address), login, address.
_LIMITS = [
    WINDOW,
    FIRST_DELAY,
    LIMIT,
    MAX_DELAY,
    LOGIN_LIMIT,
    LOGIN_MAX_DELAY,
    ADDRESS_LIMIT,
    MAX_DELAY,
]


class RedisSignInThrottle:
    """The sign-in throttle of every web process of one deployment (`prefix` names it)."""

    def __init__(self, url: str, *, prefix: str, fallback: SignInThrottle) -> None:
        self._client = redis.Redis.from_url(url, socket_connect_timeout=1.0, socket_timeout=1.0)
        self._prefix = prefix
        self._begin = self._client.register_script(_BEGIN)
        self._succeeded = self._client.register_script(_SUCCEEDED)
        self._fallback = LocalAttempts(fallback)

    def _keys(self, login: str, address: str) -> list[str]:
        key = login_key(login)
        return [
            f"{self._prefix}:pair:{key}|{address}",
            f"{self._prefix}:login:{key}",
            f"{self._prefix}:address:{address}",
        ]

    async def begin(self, login: str, address: str) -> None:
        try:
            wait = float(
                await self._begin(
                    keys=self._keys(login, address),
                    args=_LIMITS,
                )
            )
        except RedisError as error:
            log.warning("sign-in throttle: Redis unreachable (%s); counting here", error)
            await self._fallback.begin(login, address)
            return
        if wait > 0:
            raise TooManyAttempts(retry_after=math.ceil(wait))

    async def succeeded(self, login: str, address: str) -> None:
        try:
            await self._succeeded(keys=self._keys(login, address), args=[ADDRESS_LIMIT])
        except RedisError as error:
            log.warning("sign-in throttle: Redis unreachable (%s); counting here", error)
            await self._fallback.succeeded(login, address)

    async def close(self) -> None:
        await self._client.aclose()
