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


class StoreMismatch(HistoryUnavailable):
    """The bus holds batches of another event store than the one this process serves: another
    deployment on the same Redis database, or a store restored from an older backup (whose
    projector then gave it a new identity, `moved_to`). Resynchronise from the store."""

    def __init__(self, message: str, *, moved_to: str | None = None) -> None:
        super().__init__(message)
        self.moved_to = moved_to


class Bus(ABC):
    """Batches in position order, each follower with its own cursor.

    A bus carries the batches of one event store, named by the store's identity (`store`): the
    projector and the gateways set it from the store, and a follower that meets batches of
    another identity raises StoreMismatch instead of delivering them.

    Every entry records the position of the batch published just before it (`prev`), so a
    follower can tell a continuous history from one with a hole (trimmed, dropped, or lost when
    the bus restarted). The first batch a bus ever holds has no `prev`: nothing shows what came
    before it, so following from a position older than that batch raises HistoryUnavailable.
    """

    _store: str | None = None

    @property
    def store(self) -> str | None:
        """The identity of the event store whose batches this bus carries (None: unnamed)."""
        return self._store

    def use_store(self, identity: str) -> None:
        """Carry the batches of the store with this identity from now on (followers opened
        before keep the identity they started with)."""
        self._store = identity

    @abstractmethod
    async def move_to(self, identity: str) -> None:
        """Tell followers of the current identity that the store now has `identity` (it was
        restored from a backup), then carry that one."""

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

    def __init__(self, *, history: int = 10_000, store: str | None = None) -> None:
        self._entries: deque[_Entry] = deque(maxlen=_check_history(history))
        self._published = asyncio.Condition()
        self._store = store
        self._moves = 0  # identities carried before this one: a follower of an older one stops

    async def move_to(self, identity: str) -> None:
        self._entries.clear()
        self._store = identity
        self._moves += 1
        async with self._published:
            self._published.notify_all()

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
        moves = self._moves
        while True:
            entry = await self._next_after(cursor, moves)
            if not _follows_on(cursor, entry.prev):
                raise HistoryUnavailable(f"batches after position {cursor} were dropped")
            cursor = entry.batch.position
            yield entry.batch

    async def _next_after(self, cursor: int | None, moves: int) -> _Entry:
        def ready() -> bool:
            return self._moves != moves or (
                bool(self._entries)
                and (cursor is None or self._entries[-1].batch.position > cursor)
            )

        async with self._published:
            await self._published.wait_for(ready)
        if self._moves != moves:
            raise StoreMismatch("the store was given a new identity", moved_to=self._store)
        if cursor is None:
            return self._entries[0]
        # Publishing may have dropped entries while this follower was away, so the index of the
        # next entry is found from the cursor, not remembered.
        return self._entries[bisect_right(self._entries, cursor, key=lambda e: e.batch.position)]


# Appends with the position of the current top as `prev` in one atomic step, so that two
# publishers racing cannot record a `prev` that hides an entry between them. XADD itself refuses
# an id at or below the top, which makes a repeated publish harmless.
# Every entry names its store (ARGV[5]).
_APPEND = """
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1]
if top == nil or ARGV[4] == 'gap' then
  return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], ARGV[1], 'batch', ARGV[3],
    'store', ARGV[5])
end
return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], ARGV[1], 'batch', ARGV[3],
  'store', ARGV[5], 'prev', string.match(top[1], '^%d+'))
"""
_ALREADY_THERE = "equal or smaller than the target stream top item"
_CONNECT_TIMEOUT = 1.0
_BLOCK_MS = 1_000
_READ_COUNT = 500


class RedisBus(Bus):
    """The bus between processes: one Redis Stream whose entry ids are the batch positions.

    The stream's key is `stream:<store identity>` and every entry names its store too, so two
    deployments sharing a Redis database, or a store restored while Redis kept the stream of
    its later history, never read each other's batches as their own.

    Redis is an accelerator, not the truth, so calls fail fast (short timeouts, few retries)
    and the caller falls back to the store instead of waiting out redis-py's retry cycle.
    """

    def __init__(
        self,
        url: str,
        *,
        stream: str = "posko:batches",
        history: int = 10_000,
        store: str | None = None,
    ) -> None:
        self._url = url
        self._prefix = stream
        self._store = store
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

    @property
    def _stream(self) -> str:
        return self._prefix if self._store is None else f"{self._prefix}:{self._store}"

    async def move_to(self, identity: str) -> None:
        if self._redis is None:
            raise RuntimeError("RedisBus.start() has not been awaited")
        with self._reachable():
            # An auto id sorts after every position-numbered entry: followers of the old
            # identity meet it after whatever they still had to read.
            await self._redis.xadd(self._stream, {"moved": identity, "store": self._store or ""})
        self._store = identity

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
                        self._store or "",
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
        stream, store = self._stream, (self._store or "").encode()
        try:
            cursor = after
            if after is None:
                with self._reachable():
                    cursor = self._top(await client.xrevrange(stream, count=1))
            last_id: bytes | str = "0-0" if cursor is None else f"{cursor}-0"
            while True:
                with self._reachable():
                    response = await client.xread(
                        {stream: last_id}, count=_READ_COUNT, block=_BLOCK_MS
                    )
                for entry_id, fields in _entries(response):
                    if b"moved" in fields:
                        raise StoreMismatch(
                            f"stream {stream!r}: the store was given a new identity",
                            moved_to=fields[b"moved"].decode(),
                        )
                    if fields.get(b"store", b"") != store:
                        raise StoreMismatch(
                            f"stream {stream!r} holds an entry of store "
                            f"{fields.get(b'store', b'').decode()!r}, not {store.decode()!r}"
                        )
                    raw_prev = fields.get(b"prev")
                    prev = None if raw_prev is None else int(raw_prev)
                    # XREAD from an id that was trimmed starts silently at the oldest entry
                    # left; the entry's `prev` is what reveals the hole.
                    if not _follows_on(cursor, prev):
                        raise HistoryUnavailable(
                            f"stream {stream!r} no longer holds every batch after position {cursor}"
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


def create_bus(
    redis_url: str,
    *,
    stream: str = "posko:batches",
    history: int = 10_000,
    store: str | None = None,
) -> Bus:
    """The Redis bus when a URL is configured, else the in-process one."""
    if redis_url:
        return RedisBus(redis_url, stream=stream, history=history, store=store)
    return MemoryBus(history=history, store=store)
