"""The bus names the store whose batches it carries: on Redis each store has its own stream and
every entry names its store; a follower meeting another store's entry, or the marker a projector
leaves when the store is given a new identity, raises StoreMismatch instead of delivering."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as redis

from realtime.bus import MemoryBus, RedisBus, StoreMismatch
from tests.integration.test_bus import batch, take


@pytest.fixture
async def prefix(redis_url: str) -> AsyncIterator[str]:
    name = f"posko:test:{secrets.token_hex(6)}"
    yield name
    admin = redis.Redis.from_url(redis_url)
    keys = [key async for key in admin.scan_iter(f"{name}*")]
    if keys:
        await admin.delete(*keys)
    await admin.aclose()


async def test_two_stores_on_one_redis_database_have_their_own_streams(
    redis_url: str, prefix: str
) -> None:
    first = RedisBus(redis_url, stream=prefix, store="aaaa")
    second = RedisBus(redis_url, stream=prefix, store="bbbb")
    for bus in (first, second):
        await bus.start()
    try:
        for position in (3, 6, 9):
            await first.publish(batch(position, "first"))
        await second.publish(batch(2, "second"))  # below the first's top: its own stream
        await second.publish(batch(4, "second"))
        assert await first.last_position() == 9
        assert await second.last_position() == 4
        follower = second.follow(2)
        got = await take(follower, 1)
        await follower.aclose()
        assert [(b.position, b.changes[0].data["note"]) for b in got] == [(4, "second")]
    finally:
        for bus in (first, second):
            await bus.close()


async def test_an_entry_of_another_store_is_refused(redis_url: str, prefix: str) -> None:
    writer = RedisBus(redis_url, stream=prefix, store="aaaa")
    await writer.start()
    await writer.publish(batch(5))
    admin = redis.Redis.from_url(redis_url)
    # Someone else's entry in our stream (a copied key, a misconfigured writer).
    await admin.xadd(f"{prefix}:aaaa", {"batch": batch(8).to_json(), "store": "zzzz", "prev": "5"})
    await admin.aclose()
    follower = writer.follow(5)
    try:
        with pytest.raises(StoreMismatch):
            await take(follower, 1)
    finally:
        await follower.aclose()
        await writer.close()


async def test_followers_of_a_renewed_store_are_told_where_it_went(
    redis_url: str, prefix: str
) -> None:
    redis_bus = RedisBus(redis_url, stream=prefix, store="aaaa")
    await redis_bus.start()
    try:
        await redis_bus.publish(batch(5))
        follower = redis_bus.follow(5)
        await redis_bus.publish(batch(8))
        assert [b.position for b in await take(follower, 1)] == [8]  # following the old stream
        await redis_bus.move_to("bbbb")
        with pytest.raises(StoreMismatch) as moved:
            await take(follower, 1)
        assert moved.value.moved_to == "bbbb"
        assert redis_bus.store == "bbbb"
        assert await redis_bus.last_position() is None  # the new identity's stream is empty
    finally:
        await redis_bus.close()

    memory = MemoryBus(store="aaaa")
    await memory.publish(batch(5))
    follower = memory.follow(5)
    await memory.publish(batch(8))
    assert [b.position for b in await take(follower, 1)] == [8]
    await memory.move_to("bbbb")
    with pytest.raises(StoreMismatch) as moved:
        await take(follower, 1)
    assert moved.value.moved_to == "bbbb"
