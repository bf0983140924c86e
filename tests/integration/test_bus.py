"""The bus contract, run on the in-memory bus and on a real Redis Stream.

Redis-only tests at the end cover what only a separate server can do: be unreachable, drop a
follower's connection, restart empty.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from typing import NamedTuple

import pytest
import redis.asyncio as redis

from projections.changes import Batch, Change
from realtime.bus import (
    Bus,
    BusUnavailable,
    HistoryUnavailable,
    MemoryBus,
    RedisBus,
    create_bus,
)

DEADLINE = 5.0

MakeBus = Callable[..., Awaitable[Bus]]


def batch(position: int, note: str = "") -> Batch:
    return Batch(position, (Change("actions", position, {"n": position, "note": note}),))


async def take(follower: AsyncIterator[Batch], count: int) -> list[Batch]:
    async def collect() -> list[Batch]:
        return [await anext(follower) for _ in range(count)]

    return await asyncio.wait_for(collect(), DEADLINE)


async def publish_all(bus: Bus, positions: list[int]) -> None:
    for position in positions:
        await bus.publish(batch(position))


@pytest.fixture(params=["memory", "redis"])
async def make_bus(request: pytest.FixtureRequest) -> AsyncIterator[MakeBus]:
    """Builds started buses of one kind, each Redis one on its own stream, cleaned up after."""
    redis_url = request.getfixturevalue("redis_url") if request.param == "redis" else ""
    streams: list[str] = []
    buses: list[Bus] = []

    async def make(*, history: int = 10_000) -> Bus:
        stream = f"posko:test:{secrets.token_hex(6)}"
        streams.append(stream)
        bus = create_bus(redis_url, stream=stream, history=history)
        await bus.start()
        buses.append(bus)
        return bus

    yield make
    for bus in buses:
        await bus.close()
    if redis_url and streams:
        admin = redis.Redis.from_url(redis_url)
        await admin.delete(*streams)
        await admin.aclose()


@pytest.fixture
async def bus(make_bus: MakeBus) -> Bus:
    return await make_bus()


def test_create_bus_picks_memory_without_a_url_and_redis_with_one() -> None:
    assert isinstance(create_bus(""), MemoryBus)
    assert isinstance(create_bus("redis://127.0.0.1:6379/0"), RedisBus)


async def test_last_position_is_none_on_a_fresh_bus_then_the_highest_published(bus: Bus) -> None:
    assert await bus.last_position() is None
    await publish_all(bus, [3, 7, 12])
    assert await bus.last_position() == 12


async def test_follower_gets_batches_in_order_with_their_changes(bus: Bus) -> None:
    await bus.publish(batch(1))
    async with aclosing(bus.follow(after=1)) as follower:
        await publish_all(bus, [2, 5, 9])
        got = await take(follower, 3)
    assert got == [batch(2), batch(5), batch(9)]


async def test_follow_after_a_position_resumes_exactly_after_it(bus: Bus) -> None:
    await publish_all(bus, [10, 20, 30, 40])
    async with aclosing(bus.follow(after=20)) as follower:
        assert [b.position for b in await take(follower, 2)] == [30, 40]
    # Positions are not contiguous: a cursor between two batches resumes at the next one.
    async with aclosing(bus.follow(after=25)) as follower:
        assert [b.position for b in await take(follower, 2)] == [30, 40]
        await bus.publish(batch(50))
        assert [b.position for b in await take(follower, 1)] == [50]


async def test_publishing_an_old_or_equal_position_again_is_ignored(bus: Bus) -> None:
    await publish_all(bus, [1, 2, 3])
    await bus.publish(batch(2, note="again"))
    await bus.publish(batch(3, note="again"))
    assert await bus.last_position() == 3
    async with aclosing(bus.follow(after=1)) as follower:
        assert await take(follower, 2) == [batch(2), batch(3)]
        await bus.publish(batch(4))
        assert await take(follower, 1) == [batch(4)]


async def test_two_followers_each_get_every_batch(bus: Bus) -> None:
    await bus.publish(batch(1))
    async with aclosing(bus.follow(after=1)) as first, aclosing(bus.follow(after=1)) as second:
        await publish_all(bus, list(range(2, 22)))
        expected = [batch(p) for p in range(2, 22)]
        assert await take(first, 20) == expected
        assert await take(second, 20) == expected


async def test_follower_without_a_position_sees_only_batches_published_after_it_started(
    bus: Bus,
) -> None:
    await publish_all(bus, [1, 2, 3])
    async with aclosing(bus.follow(after=None)) as follower:
        first = asyncio.ensure_future(anext(follower))
        # When the follower has taken its starting point is not observable, so keep publishing
        # until it receives something; whatever it gets must be new and without gaps.
        published = [1, 2, 3]

        async def publish_until_received() -> None:
            while not first.done():
                published.append(published[-1] + 1)
                await bus.publish(batch(published[-1]))
                await asyncio.wait({first}, timeout=0.05)

        await asyncio.wait_for(publish_until_received(), DEADLINE)
        start = first.result().position
        assert start > 3
        rest = await take(follower, published[-1] - start)
    assert [start] + [b.position for b in rest] == list(range(start, published[-1] + 1))


async def test_follow_from_before_the_retained_history_is_unavailable(make_bus: MakeBus) -> None:
    bus = await make_bus(history=5)
    # Redis trims whole stream nodes (100 entries by default), so publish well past one.
    await publish_all(bus, list(range(1, 301)))
    async with aclosing(bus.follow(after=1)) as follower:
        with pytest.raises(HistoryUnavailable):
            await asyncio.wait_for(anext(follower), DEADLINE)
    async with aclosing(bus.follow(after=298)) as follower:
        assert [b.position for b in await take(follower, 2)] == [299, 300]


async def test_follow_from_before_the_first_batch_the_bus_held_is_unavailable(bus: Bus) -> None:
    # The bus cannot know what was published before its first batch (a restart of the bus
    # looks the same), so it cannot vouch for anything older.
    await publish_all(bus, [10, 11])
    async with aclosing(bus.follow(after=5)) as follower:
        with pytest.raises(HistoryUnavailable):
            await asyncio.wait_for(anext(follower), DEADLINE)
    async with aclosing(bus.follow(after=10)) as follower:
        assert await take(follower, 1) == [batch(11)]


async def test_follower_overtaken_by_trimming_raises_instead_of_skipping(
    make_bus: MakeBus,
) -> None:
    bus = await make_bus(history=5)
    await bus.publish(batch(1))
    async with aclosing(bus.follow(after=1)) as follower:
        await bus.publish(batch(2))
        assert await take(follower, 1) == [batch(2)]
        await publish_all(bus, list(range(3, 301)))
        with pytest.raises(HistoryUnavailable):
            await asyncio.wait_for(anext(follower), DEADLINE)


async def test_burst_of_a_thousand_batches_reaches_three_followers_in_order(bus: Bus) -> None:
    positions = [1 + 3 * i for i in range(1001)]
    await bus.publish(batch(positions[0]))
    followers = [bus.follow(after=positions[0]) for _ in range(3)]
    readers = [asyncio.create_task(take(f, 1000)) for f in followers]
    try:
        for position in positions[1:]:
            await bus.publish(batch(position))
            # Let the readers in between publishes, as separate processes would be.
            await asyncio.sleep(0)
        results = await asyncio.gather(*readers)
    finally:
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        for follower in followers:
            await follower.aclose()
    for result in results:
        assert [b.position for b in result] == positions[1:]


async def test_unreachable_redis_fails_fast_with_bus_unavailable() -> None:
    bus = RedisBus("redis://127.0.0.1:1/0", stream=f"posko:test:{secrets.token_hex(6)}")
    await bus.start()
    try:
        async with aclosing(bus.follow(after=None)) as follower:
            with pytest.raises(BusUnavailable):
                await asyncio.wait_for(anext(follower), 2)
        with pytest.raises(BusUnavailable):
            await asyncio.wait_for(bus.publish(batch(1)), 2)
        with pytest.raises(BusUnavailable):
            await asyncio.wait_for(bus.last_position(), 2)
    finally:
        await bus.close()


class RedisRig(NamedTuple):
    bus: RedisBus
    stream: str
    admin: redis.Redis


@pytest.fixture
async def rig(redis_url: str) -> AsyncGenerator[RedisRig, None]:
    """A Redis bus on its own stream, with an admin connection to break things with."""
    stream = f"posko:test:{secrets.token_hex(6)}"
    bus = RedisBus(redis_url, stream=stream)
    admin = redis.Redis.from_url(redis_url)
    await bus.start()
    yield RedisRig(bus, stream, admin)
    await bus.close()
    await admin.delete(stream)
    await admin.aclose()


@pytest.mark.redis
async def test_dropped_follower_connection_raises_bus_unavailable_then_resumes(
    rig: RedisRig,
) -> None:
    bus, stream, admin = rig
    await publish_all(bus, [1, 2])
    async with aclosing(bus.follow(after=1)) as follower:
        assert await take(follower, 1) == [batch(2)]
        reading = asyncio.ensure_future(anext(follower))
        name = f"{stream}:follower"

        async def kill_when_blocked() -> None:
            while True:
                clients = await admin.client_list()
                blocked = [c for c in clients if c["name"] == name and c["cmd"] == "xread"]
                if blocked:
                    await admin.client_kill_filter(_id=blocked[0]["id"])
                    return
                await asyncio.wait({reading}, timeout=0.02)

        await asyncio.wait_for(kill_when_blocked(), DEADLINE)
        with pytest.raises(BusUnavailable):
            await asyncio.wait_for(reading, DEADLINE)
    await bus.publish(batch(3))
    async with aclosing(bus.follow(after=2)) as follower:
        assert await take(follower, 1) == [batch(3)]


@pytest.mark.redis
async def test_stream_lost_in_a_redis_restart_is_detected_by_a_resuming_follower(
    rig: RedisRig,
) -> None:
    bus, stream, admin = rig
    await publish_all(bus, [1, 2, 3])
    async with aclosing(bus.follow(after=2)) as follower:
        assert await take(follower, 1) == [batch(3)]
        # A Redis without persistence comes back empty; 4 is published, then lost with it.
        await bus.publish(batch(4))
        await admin.delete(stream)
        await bus.publish(batch(5))
        with pytest.raises(HistoryUnavailable):
            await asyncio.wait_for(anext(follower), DEADLINE)
