"""Sign-in throttling through Redis: two web processes (two throttles on one Redis) share the
counts, so the limit is the same whatever the number of processes; Redis down falls back."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
import redis

from web.shared_throttle import RedisSignInThrottle
from web.throttle import (
    ADDRESS_LIMIT,
    FIRST_DELAY,
    LIMIT,
    LOGIN_LIMIT,
    SignInThrottle,
    TooManyAttempts,
)


@pytest.fixture
def prefix(redis_url: str) -> Iterator[str]:
    name = f"posko:test:throttle:{secrets.token_hex(6)}"
    yield name
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{name}:*"):
        client.delete(key)
    client.close()


async def test_failures_through_either_process_count_against_one_limit(
    redis_url: str, prefix: str
) -> None:
    web1 = RedisSignInThrottle(redis_url, prefix=prefix, fallback=SignInThrottle())
    web2 = RedisSignInThrottle(redis_url, prefix=prefix, fallback=SignInThrottle())
    try:
        for n in range(LIMIT):  # alternating: each process alone saw fewer than the limit
            await (web1 if n % 2 else web2).begin("0812-3456-7890", "10.0.0.7")
        with pytest.raises(TooManyAttempts) as refused:
            await web1.begin("+6281234567890", "10.0.0.7")  # the same login, spelt otherwise
        assert 0 < refused.value.params["retry_after"] <= FIRST_DELAY
        # The person elsewhere, and another login behind the same address, are not held up.
        await web2.begin("0812-3456-7890", "10.0.0.8")
        await web2.begin("0811-1111-1111", "10.0.0.7")
        await web2.succeeded("0811-1111-1111", "10.0.0.7")
    finally:
        await web1.close()
        await web2.close()


async def test_a_login_tried_from_many_addresses_waits_on_every_process(
    redis_url: str, prefix: str
) -> None:
    web1 = RedisSignInThrottle(redis_url, prefix=prefix, fallback=SignInThrottle())
    web2 = RedisSignInThrottle(redis_url, prefix=prefix, fallback=SignInThrottle())
    try:
        for n in range(LOGIN_LIMIT):
            await (web1 if n % 2 else web2).begin("0812-3456-7890", f"10.0.5.{n}")
        with pytest.raises(TooManyAttempts):
            await web1.begin("0812-3456-7890", "10.0.5.250")
    finally:
        await web1.close()
        await web2.close()


async def test_an_address_trying_many_logins_waits_on_every_process(
    redis_url: str, prefix: str
) -> None:
    web1 = RedisSignInThrottle(redis_url, prefix=prefix, fallback=SignInThrottle())
    web2 = RedisSignInThrottle(redis_url, prefix=prefix, fallback=SignInThrottle())
    try:
        for n in range(ADDRESS_LIMIT):
            await (web1 if n % 2 else web2).begin(f"0812-0000-{n:04d}", "10.9.9.9")
        with pytest.raises(TooManyAttempts):
            await web2.begin("0812-0001-0099", "10.9.9.9")
    finally:
        await web1.close()
        await web2.close()


async def test_a_success_clears_the_login_everywhere(redis_url: str, prefix: str) -> None:
    web1 = RedisSignInThrottle(redis_url, prefix=prefix, fallback=SignInThrottle())
    web2 = RedisSignInThrottle(redis_url, prefix=prefix, fallback=SignInThrottle())
    try:
        for n in range(LIMIT - 1):
            await web1.begin("0812-3456-7890", f"10.0.2.{n}")
        await web1.begin("0812-3456-7890", "10.0.2.50")
        await web1.succeeded("0812-3456-7890", "10.0.2.50")
        for n in range(LIMIT - 1):  # the count started over
            await web2.begin("0812-3456-7890", f"10.0.3.{n}")
    finally:
        await web1.close()
        await web2.close()


async def test_with_redis_unreachable_sign_in_is_counted_in_the_process() -> None:
    local = SignInThrottle()
    down = RedisSignInThrottle("redis://127.0.0.1:1/0", prefix="posko:test:down", fallback=local)
    try:
        for _ in range(LIMIT):
            await down.begin("0812-3456-7890", "10.0.4.1")
        with pytest.raises(TooManyAttempts):
            await down.begin("0812-3456-7890", "10.0.4.1")
        assert len(local.logins) == 1
    finally:
        await down.close()
