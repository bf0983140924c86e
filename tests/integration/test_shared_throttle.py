"""Throttling through Redis: two web processes (two throttles on one Redis, or two web apps
built as `posko web` builds them) share the counts of sign-ins and of invite guesses, so the
limits are the same whatever the number of processes; with Redis down each process counts on
its own rather than refusing everyone."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import redis
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from posko.bootstrap import build, web_services
from posko.settings import Settings
from web.app import create_app
from web.shared_throttle import RedisAddressThrottle, RedisSignInThrottle, SharedCounts
from web.throttle import (
    ADDRESS_LIMIT,
    FIRST_DELAY,
    LIMIT,
    LOGIN_LIMIT,
    AddressThrottle,
    SignInThrottle,
    TooManyAttempts,
)

KEY = "k" * 32
Counts = Callable[[], SharedCounts]


@pytest.fixture
async def counts(redis_url: str) -> AsyncIterator[Counts]:
    """Makes the Redis counts of one more web process of a deployment of this test's own."""
    prefix = f"posko:test:throttle:{secrets.token_hex(6)}"
    made: list[SharedCounts] = []

    def make() -> SharedCounts:
        made.append(SharedCounts(redis_url, prefix=prefix))
        return made[-1]

    yield make
    for shared in made:
        await shared.close()
    _delete(redis_url, prefix)


def _delete(redis_url: str, prefix: str) -> None:
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    client.close()


def sign_ins(counts: Counts) -> tuple[RedisSignInThrottle, RedisSignInThrottle]:
    return (
        RedisSignInThrottle(counts(), fallback=SignInThrottle()),
        RedisSignInThrottle(counts(), fallback=SignInThrottle()),
    )


def redemptions(counts: Counts) -> tuple[RedisAddressThrottle, RedisAddressThrottle]:
    return (
        RedisAddressThrottle(counts(), fallback=AddressThrottle()),
        RedisAddressThrottle(counts(), fallback=AddressThrottle()),
    )


# -- sign-in -------------------------------------------------------------------------------------


async def test_failures_through_either_process_count_against_one_limit(counts: Counts) -> None:
    web1, web2 = sign_ins(counts)
    for n in range(LIMIT):  # alternating: each process alone saw fewer than the limit
        await (web1 if n % 2 else web2).begin("0812-3456-7890", "10.0.0.7")
    with pytest.raises(TooManyAttempts) as refused:
        await web1.begin("+6281234567890", "10.0.0.7")  # the same login, spelt otherwise
    assert 0 < refused.value.params["retry_after"] <= FIRST_DELAY
    # The person elsewhere, and another login behind the same address, are not held up.
    await web2.begin("0812-3456-7890", "10.0.0.8")
    await web2.begin("0811-1111-1111", "10.0.0.7")
    await web2.succeeded("0811-1111-1111", "10.0.0.7")


async def test_a_login_tried_from_many_addresses_waits_on_every_process(counts: Counts) -> None:
    web1, web2 = sign_ins(counts)
    for n in range(LOGIN_LIMIT):
        await (web1 if n % 2 else web2).begin("0812-3456-7890", f"10.0.5.{n}")
    with pytest.raises(TooManyAttempts):
        await web1.begin("0812-3456-7890", "10.0.5.250")


async def test_an_address_trying_many_logins_waits_on_every_process(counts: Counts) -> None:
    web1, web2 = sign_ins(counts)
    for n in range(ADDRESS_LIMIT):
        await (web1 if n % 2 else web2).begin(f"0812-0000-{n:04d}", "10.9.9.9")
    with pytest.raises(TooManyAttempts):
        await web2.begin("0812-0001-0099", "10.9.9.9")


async def test_a_success_clears_the_login_everywhere(counts: Counts) -> None:
    web1, web2 = sign_ins(counts)
    for n in range(LIMIT - 1):
        await web1.begin("0812-3456-7890", f"10.0.2.{n}")
    await web1.begin("0812-3456-7890", "10.0.2.50")
    await web1.succeeded("0812-3456-7890", "10.0.2.50")
    for n in range(LIMIT - 1):  # the count started over
        await web2.begin("0812-3456-7890", f"10.0.3.{n}")


async def test_with_redis_unreachable_sign_in_is_counted_in_the_process() -> None:
    local = SignInThrottle()
    unreachable = SharedCounts("redis://127.0.0.1:1/0", prefix="posko:test:down")
    down = RedisSignInThrottle(unreachable, fallback=local)
    try:
        for _ in range(LIMIT):
            await down.begin("0812-3456-7890", "10.0.4.1")
        with pytest.raises(TooManyAttempts):
            await down.begin("0812-3456-7890", "10.0.4.1")
        assert len(local.logins) == 1
    finally:
        await unreachable.close()


# -- invite redemption ---------------------------------------------------------------------------


async def test_invite_guesses_through_either_process_count_against_one_limit(
    counts: Counts,
) -> None:
    web1, web2 = redemptions(counts)
    for n in range(LIMIT):  # alternating: each process alone saw fewer than the limit
        await (web1 if n % 2 else web2).begin("10.1.0.7")
    for web in (web1, web2):
        with pytest.raises(TooManyAttempts) as refused:
            await web.begin("10.1.0.7")
        assert 0 < refused.value.params["retry_after"] <= FIRST_DELAY
    await web2.begin("10.1.0.8")  # another place is not held up


async def test_a_redemption_takes_its_attempt_back_on_every_process(counts: Counts) -> None:
    web1, web2 = redemptions(counts)
    for _ in range(LIMIT - 1):
        await web1.begin("10.1.1.1")
    await web2.begin("10.1.1.1")  # the limit-th attempt: it succeeds, so it is taken back
    await web2.succeeded("10.1.1.1")
    await web1.begin("10.1.1.1")  # the limit-th failure: counted, and from now on it waits
    with pytest.raises(TooManyAttempts):
        await web2.begin("10.1.1.1")


async def test_invite_guesses_are_not_sign_in_failures(counts: Counts) -> None:
    """Sign-in lets an address fail ADDRESS_LIMIT times (a carrier NAT), invites five: the two
    tables share a Redis prefix but never a key."""
    shared = counts()
    guesses = RedisAddressThrottle(shared, fallback=AddressThrottle())
    signing_in = RedisSignInThrottle(shared, fallback=SignInThrottle())
    for n in range(LIMIT):
        await guesses.begin("10.1.2.2")
        await signing_in.begin(f"0812-2222-{n:04d}", "10.1.2.2")
    await signing_in.begin("0812-2222-9999", "10.1.2.2")
    with pytest.raises(TooManyAttempts):
        await guesses.begin("10.1.2.2")


async def test_with_redis_unreachable_invite_guesses_are_counted_in_the_process() -> None:
    local = AddressThrottle()
    unreachable = SharedCounts("redis://127.0.0.1:1/0", prefix="posko:test:down")
    down = RedisAddressThrottle(unreachable, fallback=local)
    try:
        for _ in range(LIMIT):
            await down.begin("10.1.3.3")
        with pytest.raises(TooManyAttempts):
            await down.begin("10.1.3.3")
        assert len(local.addresses) == 1
        await down.succeeded("10.1.3.3")  # taken back here too: the right code gets through
        await down.begin("10.1.3.3")
    finally:
        await unreachable.close()


# -- two web apps as `posko web` builds them -----------------------------------------------------


@pytest.fixture
async def two_webs(tmp_path: Path, redis_url: str) -> AsyncIterator[tuple[str, str]]:
    """Two web apps over one store and one Redis, each with its own services (its own Redis
    client and per-process fallback counts), as two `posko web` processes are."""
    components = build(
        Settings(data_dir=tmp_path, api_key=KEY, redis_url=redis_url), runner=False, gateway=False
    )
    servers = [TestServer(create_app(web_services(components))) for _ in range(2)]
    try:
        for server in servers:
            await server.start_server(access_log=None)
        first, second = (str(server.make_url("/")) for server in servers)
        yield first, second
    finally:
        for server in servers:
            await server.close()  # closes each app's Redis counts
        await components.bus.close()
        components.close()
        _delete(redis_url, f"posko:throttle:{components.bus.store}")


async def _post(base: str, path: str, body: object, token: str | None = None) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        ClientSession(base_url=base) as session,
        session.post(path, json=body, headers=headers) as response,
    ):
        return response.status, await response.json(content_type=None)


async def test_invite_guesses_through_two_web_apps_count_against_one_limit(
    two_webs: tuple[str, str],
) -> None:
    status, action = await _post(
        two_webs[0],
        "/api/actions",
        {
            "title": "Aksi",
            "kind": "rally",
            "starts_at": "2026-05-01T01:00:00+00:00",
            "ends_at": "2026-05-01T09:00:00+00:00",
        },
        KEY,
    )
    assert status == 201, action
    status, invite = await _post(
        two_webs[1], f"/api/actions/{action['id']}/invites", {"label": "Korlap"}, KEY
    )
    assert status == 201, invite

    def redeem(n: int, code: str) -> Awaitable[tuple[int, Any]]:
        return _post(two_webs[n % 2], "/api/invites/redeem", {"code": code, "name": "X"})

    guesses = [await redeem(n, f"tebakan{n:05d}") for n in range(LIMIT + 1)]
    right = [await redeem(n, invite["code"]) for n in range(2)]

    # Each app saw at most three guesses: only a count kept in Redis reaches the limit.
    assert [status for status, _ in guesses] == [404] * LIMIT + [429]
    assert [status for status, _ in right] == [429, 429]  # the address waits, whatever it sends
    assert right[0][1]["code"] == "too_many_attempts"
