"""The gateway's feed: follows the batches the projection runner commits (from the bus while it
serves, else from the store's outbox), keeps the most recent ones in a ring for resuming
clients, and hands every new change to the gateway in position order."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import deque
from collections.abc import Callable, Iterable

from projections.changes import Batch, Change
from projections.port import ViewPort
from realtime import protocol
from realtime.bus import Bus, HistoryUnavailable

log = logging.getLogger("posko.realtime")

STORE_PAGE = 1_000  # outbox batches read per query while the feed catches up

# What a resume sends: the position the client then has, and the change frames before it.
Replay = tuple[int, list[str]]


class Feed:
    """One per gateway. `deliver` gets every change once, in order; `resync` is called when
    batches were lost that nobody can replay, after the feed has moved to the store's position.
    Both run on the event loop and must not block."""

    def __init__(
        self,
        port: ViewPort,
        bus: Bus,
        *,
        deliver: Callable[[Change], None],
        resync: Callable[[], None],
        history: int,
        poll_interval: float,
        bus_retry: float,
    ) -> None:
        if history < 1:
            raise ValueError(f"history must be at least 1 batch, not {history}")
        self._port = port
        self._store = port.store  # read only in the port's pools (replay_from_store)
        self._bus = bus
        self._deliver = deliver
        self._resync_subscribers = resync
        self._history = history
        self._poll_interval = poll_interval
        self._bus_retry = bus_retry
        self._ring: deque[Batch] = deque(maxlen=history)
        self._floor = 0  # the ring holds every batch above this position
        self._position = 0  # the last batch delivered
        self._degraded = False

    @property
    def position(self) -> int:
        return self._position

    @property
    def degraded(self) -> bool:
        """The bus is unreachable and changes are read from the store."""
        return self._degraded

    async def start(self) -> None:
        """Begin at the store's position: a new gateway has no subscribers to catch up."""
        position = await self._port.views_position()
        self._ring.clear()
        self._position = self._floor = position

    # -- replaying for resumes ---------------------------------------------------------------------

    def replay(self, channel: str, since: int) -> Replay | None:
        """The changes on `channel` after `since` from the ring; None when it lacks some."""
        if not self._floor <= since <= self._position:
            return None
        newer = list(itertools.takewhile(lambda b: b.position > since, reversed(self._ring)))
        return self._position, _frames(channel, reversed(newer))

    async def replay_from_store(self, channel: str, since: int) -> Replay | None:
        """The changes on `channel` after `since` from the store's outbox (read and framed in
        the port's pool, in one trip). None when"""
        return await self._port.pools.run("main", self._replay_from_store, channel, since)

    def _replay_from_store(self, channel: str, since: int) -> Replay | None:
        """Runs in a worker. None when a snapshot must do: the outbox lost part of the history,
        holds more than we replay, or `since` is beyond this deployment's position."""
        top = self._store.position()
        if since > top:
            return None
        batches = self._store.batches_after(since, self._history)
        if batches is None or len(batches) >= self._history:
            return None
        # The outbox read came after `top`, so it holds every batch up to at least `top`.
        has = max(top, batches[-1].position) if batches else top
        return has, _frames(channel, batches)

    # -- following ---------------------------------------------------------------------------------

    async def run(self) -> None:
        """Follow the bus forever; fall back to the store's outbox when the bus cannot serve."""
        while True:
            try:
                try:
                    await self._follow_bus()
                except HistoryUnavailable as gap:
                    log.info("gateway feed: %s; catching up from the store", gap)
                    if not await self._read_store():
                        # The bus is ahead of the store's outbox; don't spin while it settles.
                        await asyncio.sleep(self._poll_interval)
                except Exception as error:
                    # BusUnavailable, or a bus misbehaving: the store is the truth meanwhile.
                    log.warning("gateway feed: bus unavailable (%s); polling the store", error)
                    await self._poll_store()
            except Exception:
                log.exception("gateway feed failed; retrying in %ss", self._bus_retry)
                self._degraded = True
                await asyncio.sleep(self._bus_retry)

    async def _follow_bus(self) -> None:
        batches = self._bus.follow(self._position)
        try:
            async for batch in batches:
                self._ingest(batch)
        finally:
            await batches.aclose()  # close the generator's connection now, not at collection

    async def _poll_store(self) -> None:
        """Read the outbox every poll_interval until the bus answers again."""
        self._degraded = True
        loop = asyncio.get_running_loop()
        retry_at = loop.time() + self._bus_retry
        while True:
            await self._read_store()
            if loop.time() >= retry_at:
                try:
                    await self._bus.last_position()
                except Exception:
                    retry_at = loop.time() + self._bus_retry
                else:
                    await self._read_store()  # batches whose publishing failed while it was away
                    self._degraded = False
                    log.info("gateway feed: bus is back at position %s", self._position)
                    return
            await asyncio.sleep(self._poll_interval)

    async def _read_store(self) -> bool:
        """Deliver the outbox batches after the feed's position; True when there were any."""
        progressed = False
        while True:
            batches = await self._port.batches_after(self._position, STORE_PAGE)
            if batches is None:
                await self._resync()
                return True
            for batch in batches:
                self._ingest(batch)
            progressed = progressed or bool(batches)
            if len(batches) < STORE_PAGE:
                return progressed

    async def _resync(self) -> None:
        """The outbox was pruned past the feed: restart from the store's position and let the
        gateway send its clients off to start over."""
        position = await self._port.views_position()
        log.warning(
            "gateway feed: history lost after %s; resyncing at %s", self._position, position
        )
        self._ring.clear()
        self._position = self._floor = position
        self._resync_subscribers()

    def _ingest(self, batch: Batch) -> None:
        if batch.position <= self._position:  # seen already: bus and store overlap
            return
        if len(self._ring) == self._history:
            self._floor = self._ring[0].position
        self._ring.append(batch)
        self._position = batch.position
        for change in batch.changes:
            self._deliver(change)


def _frames(channel: str, batches: Iterable[Batch]) -> list[str]:
    return [
        protocol.change(c.channel, c.position, c.data)
        for batch in batches
        for c in batch.changes
        if c.channel == channel
    ]
