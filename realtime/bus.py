"""The bus that carries committed projection batches from the runner to the websocket gateways.

In-process (`MemoryBus`) for the embedded service, a Redis Stream (`RedisBus`) between processes.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from bisect import bisect_right
from collections import deque
from collections.abc import AsyncGenerator, Iterator
from contextlib import contextmanager
from typing import NamedTuple

import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff, NoBackoff
from redis.commands.core import AsyncScript
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.typing import StreamRangeResponse, XReadResponse

from projections.changes import Batch


class BusUnavailable(Exception):
    """The bus cannot be reached right now; read changes from the store instead."""


class HistoryUnavailable(Exception):
    """The bus cannot prove it still holds every batch after the requested position."""


class Bus(ABC):
    """Batches in position order, each follower with its own cursor.

    Every entry records the position of the batch published just before it (`prev`), so a
    follower can tell a continuous history from one with a hole (trimmed, dropped, or lost when
    the bus restarted). The first batch a bus ever holds has no `prev`: nothing shows what came
    before it, so following from a position older than that batch raises HistoryUnavailable.
    """

    @abstractmethod
    async def start(self) -> None:
        """Prepare to publish; never fails because the bus is unreachable."""

    @abstractmethod
    async def close(self) -> None:
        """Release what start() acquired; stop followers first."""

    @abstractmethod
    async def publish(self, batch: Batch, *, gap: bool = False) -> None:
        """Append `batch`; one at or below the last position published is already there.

        `gap=True` says batches before this one may be missing from the bus (the publisher
        could not republish them), so no follower may take it as following on from the top.
        """

    @abstractmethod
    async def last_position(self) -> int | None:
        """The highest position the bus holds, or None when it holds nothing."""

    @abstractmethod
    def follow(self, after: int | None) -> AsyncGenerator[Batch, None]:
        """Every batch above `after` in order, then live ones, forever.

        `after=None` means the batches published from the first iteration on. Raises
        HistoryUnavailable when the next batch cannot be proven to follow the last one returned
        (or `after`), and BusUnavailable when the bus cannot be reached. Close the generator
        (`aclose()`, or cancel the task reading it) to release what it holds.
        """


class _Entry(NamedTuple):
    prev: int | None
    batch: Batch


def _follows_on(cursor: int | None, prev: int | None) -> bool:
    """Whether nothing was published between a follower's `cursor` and an entry after `prev`.

    A None cursor is a follower that started on an empty bus: only the bus's first entry (the
    one without `prev`) can be next for it.
    """
    if cursor is None:
        return prev is None
    return prev is not None and prev <= cursor


def _check_history(history: int) -> int:
    if history < 1:
        raise ValueError(f"history must be at least 1 batch, not {history}")
    return history


class MemoryBus(Bus):
    """The bus inside one process: the last `history` batches in a ring."""

    def __init__(self, *, history: int = 10_000) -> None:
        self._entries: deque[_Entry] = deque(maxlen=_check_history(history))
        self._published = asyncio.Condition()

    async def start(self) -> None:
        """Nothing to acquire: the ring lives in this process."""

    async def close(self) -> None:
        """Nothing to release."""

    async def publish(self, batch: Batch, *, gap: bool = False) -> None:
        last = await self.last_position()
        if last is not None and batch.position <= last:
            return
        self._entries.append(_Entry(None if gap else last, batch))
        async with self._published:
            self._published.notify_all()

    async def last_position(self) -> int | None:
        return self._entries[-1].batch.position if self._entries else None

    async def follow(self, after: int | None) -> AsyncGenerator[Batch, None]:
        cursor = await self.last_position() if after is None else after
        while True:
            entry = await self._next_after(cursor)
            if not _follows_on(cursor, entry.prev):
                raise HistoryUnavailable(f"batches after position {cursor} were dropped")
            cursor = entry.batch.position
            yield entry.batch

    async def _next_after(self, cursor: int | None) -> _Entry:
        def ready() -> bool:
            return bool(self._entries) and (
                cursor is None or self._entries[-1].batch.position > cursor
            )

        async with self._published:
            await self._published.wait_for(ready)
        if cursor is None:
            return self._entries[0]
        # Publishing may have dropped entries while this follower was away, so the index of the
        # next entry is found from the cursor, not remembered.
        return self._entries[bisect_right(self._entries, cursor, key=lambda e: e.batch.position)]


# Appends with the position of the current top as `prev` in one atomic step, so that two
# publishers racing cannot record a `prev` that hides an entry between them. XADD itself refuses
# an id at or below the top, which makes a repeated publish harmless.
_APPEND = """
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1]
if top == nil or ARGV[4] == 'gap' then
  return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], ARGV[1], 'batch', ARGV[3])
end
return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], ARGV[1], 'batch', ARGV[3],
  'prev', string.match(top[1], '^%d+'))
"""
_ALREADY_THERE = "equal or smaller than the target stream top item"
_CONNECT_TIMEOUT = 1.0
_BLOCK_MS = 1_000
_READ_COUNT = 500


class RedisBus(Bus):
    """The bus between processes: one Redis Stream whose entry ids are the batch positions.

    Redis is an accelerator, not the truth, so calls fail fast (short timeouts, few retries)
    and the caller falls back to the store instead of waiting out redis-py's retry cycle.
    """

    def __init__(self, url: str, *, stream: str = "posko:batches", history: int = 10_000) -> None:
        self._url = url
        self._stream = stream
        self._history = _check_history(history)
        self._redis: redis.Redis | None = None
        self._append: AsyncScript | None = None

    async def start(self) -> None:
        # Repeating an append is harmless (the id is refused), so a couple of retries ride out
        # a blip without risking a duplicate.
        self._redis = redis.Redis.from_url(
            self._url,
            socket_connect_timeout=_CONNECT_TIMEOUT,
            socket_timeout=_CONNECT_TIMEOUT,
            retry=Retry(ExponentialWithJitterBackoff(cap=0.5, base=0.05), 2),
        )
        self._append = self._redis.register_script(_APPEND)

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = self._append = None

    async def publish(self, batch: Batch, *, gap: bool = False) -> None:
        if self._append is None:
            raise RuntimeError("RedisBus.start() has not been awaited")
        with self._reachable():
            try:
                await self._append(
                    keys=[self._stream],
                    args=[
                        f"{batch.position}-0",
                        self._history,
                        batch.to_json(),
                        "gap" if gap else "",
                    ],
                )
            except ResponseError as error:
                if _ALREADY_THERE not in str(error):
                    raise

    async def last_position(self) -> int | None:
        if self._redis is None:
            raise RuntimeError("RedisBus.start() has not been awaited")
        with self._reachable():
            return self._top(await self._redis.xrevrange(self._stream, count=1))

    async def follow(self, after: int | None) -> AsyncGenerator[Batch, None]:
        # A blocked XREAD holds its connection, so each follower has its own and publishing
        # never waits behind it. No retries: a dropped connection may mean Redis restarted
        # empty, which the caller must hear about.
        client = redis.Redis.from_url(
            self._url,
            single_connection_client=True,
            client_name=f"{self._stream}:follower",
            socket_connect_timeout=_CONNECT_TIMEOUT,
            socket_timeout=_BLOCK_MS / 1000 + _CONNECT_TIMEOUT,
            retry=Retry(NoBackoff(), 0),
            protocol=2,
        )
        try:
            cursor = after
            if after is None:
                with self._reachable():
                    cursor = self._top(await client.xrevrange(self._stream, count=1))
            last_id: bytes | str = "0-0" if cursor is None else f"{cursor}-0"
            while True:
                with self._reachable():
                    response = await client.xread(
                        {self._stream: last_id}, count=_READ_COUNT, block=_BLOCK_MS
                    )
                for entry_id, fields in _entries(response):
                    raw_prev = fields.get(b"prev")
                    prev = None if raw_prev is None else int(raw_prev)
                    # XREAD from an id that was trimmed starts silently at the oldest entry
                    # left; the entry's `prev` is what reveals the hole.
                    if not _follows_on(cursor, prev):
                        raise HistoryUnavailable(
                            f"stream {self._stream!r} no longer holds every batch after "
                            f"position {cursor}"
                        )
                    batch = Batch.from_json(fields[b"batch"])
                    cursor, last_id = batch.position, entry_id
                    yield batch
        finally:
            await client.aclose()

    @staticmethod
    def _top(response: StreamRangeResponse | None) -> int | None:
        if not response or response[0][0] is None:
            return None
        return _position(response[0][0])

    @contextmanager
    def _reachable(self) -> Iterator[None]:
        try:
            yield
        except (RedisConnectionError, RedisTimeoutError) as error:
            raise BusUnavailable(f"Redis bus {self._stream!r} is unreachable: {error}") from error


def _position(entry_id: bytes | str) -> int:
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    return int(text.split("-", 1)[0])


def _entries(response: XReadResponse) -> list[tuple[bytes, dict[bytes, bytes]]]:
    """The entries of the one stream read, from XREAD's RESP2 reply [[stream, entries]]."""
    if not isinstance(response, list):
        raise TypeError("RedisBus reads RESP2 replies: drop protocol=3 from the Redis URL")
    return [entry for _stream, entries in response for entry in entries]


def create_bus(redis_url: str, *, stream: str = "posko:batches", history: int = 10_000) -> Bus:
    """The Redis bus when a URL is configured, else the in-process one."""
    if redis_url:
        return RedisBus(redis_url, stream=stream, history=history)
    return MemoryBus(history=history)
