"""The projection runner: follows the event log from the views' stored position, applies every
view to each batch of events, commits rows + position + outbox in one transaction, then
publishes the batch. A crash can neither skip an event nor apply one twice."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import gc
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import Notification

from projections import channels
from projections.changes import Batch, Change, Publisher
from projections.checkpoints import EVERY, Checkpointer, CheckpointRows
from projections.leader import Alone, Leadership
from projections.port import ViewPort
from projections.store import VERSION
from projections.text import keeping_text

log = logging.getLogger("posko.projections")

BATCH_SIZE = 500  # live: small batches keep latency low
CATCH_UP_BATCH_SIZE = 5_000  # rebuilds and catching up: fewer, larger transactions
STOP_CHECK = 0.5  # seconds a pump blocked by a full hand-over waits before checking for a stop
STOP_WAIT = 5.0  # seconds a stop waits for the pump to end
RESTART_DELAY = 1.0  # seconds between restarts after an error


class ViewsTooNew(Exception):
    """The views were made by a newer Posko; this one would misread their rows."""


@dataclass
class RunnerStatus:
    position: int = 0
    running: bool = False
    last_error: str | None = None
    bus_behind: bool = False  # a publish failed; the bus is repaired from the outbox next time
    active: bool = False  # this process holds the projector lock (else it stands by)
    events_applied: int = 0  # since the process started
    batches_applied: int = 0
    publish_errors: int = 0  # batches the bus refused or could not take
    lag_seconds: float = 0.0  # from the last applied event's time to its application
    last_published: int = 0  # the last batch the bus took


class ProjectionRunner:
    def __init__(
        self,
        app: Application[Any],
        port: ViewPort,
        publisher: Publisher | None = None,
        *,
        batch_size: int = BATCH_SIZE,
        leadership: Leadership | None = None,
        checkpoint_every: int = EVERY,
    ) -> None:
        self.app = app
        self.mapper = keeping_text(app.mapper)  # decodes as the app does; keeps the times' text
        self.leadership = leadership or Alone()
        self.port = port  # the view side of the async port: its pools and read-your-writes
        self.store = port.store
        self.publisher = publisher
        self.batch_size = batch_size
        # For time travel: made with the batches, after every checkpoint_every-th event.
        self.checkpoints = Checkpointer(app, self.store, checkpoint_every)
        self.status = RunnerStatus(position=self.store.position())
        self._last_published = self.status.position  # batches up to here are on the bus or lost
        self._unpublished_after: int | None = None  # set while the bus misses batches after it
        self._bus_unchecked = True  # a crash may have kept batches from the bus: ask it first
        self._gap = False  # the bus lacks batches nobody can republish; mark the next one
        self._advanced = asyncio.Condition()

    # -- synchronous core ----------------------------------------------------------------------

    def apply(self, notifications: Sequence[Notification]) -> Batch:
        """Apply one batch of notifications (in log order) to every view and commit it."""
        after = self.status.position
        rows = CheckpointRows(self.store.load)
        checkpoints = self.checkpoints.begin(after)
        event: Any = None
        for notification in notifications:
            event = self.mapper.to_domain_event(notification)
            channels.apply(rows, event)
            checkpoints.applied(rows, notification, event.timestamp)
        position = notifications[-1].id
        batch = Batch(
            position=position,
            changes=tuple(
                Change(name, position, channels.change_data(ref, docs))
                for name, docs in rows.changes_by_channel().items()
                if (ref := channels.parse(name)) is not None
            ),
        )
        started = time.perf_counter()
        # `after` fences the commit: if another projector moved the views on meanwhile (it took
        # over the lock), this batch was computed from stale rows and is refused.
        self.store.commit(
            position, rows.changed, batch, after=after, checkpoints=checkpoints.writes
        )
        self.checkpoints.committed(checkpoints, rows)
        self.status.position = position
        self.status.events_applied += len(notifications)
        self.status.batches_applied += 1
        if isinstance(getattr(event, "timestamp", None), datetime):
            lag = (datetime.now(UTC) - event.timestamp).total_seconds()
            self.status.lag_seconds = max(0.0, lag)
        log.info(
            "projection batch position=%s events=%s changes=%s commit_ms=%.1f lag_s=%.3f",
            position,
            len(notifications),
            len(batch.changes),
            (time.perf_counter() - started) * 1000,
            self.status.lag_seconds,
            extra={
                "position": position,
                "events": len(notifications),
                "changes": len(batch.changes),
                "commit_ms": round((time.perf_counter() - started) * 1000, 1),
                "lag_s": round(self.status.lag_seconds, 3),
            },
        )
        return batch

    def catch_up(self, batch_size: int = CATCH_UP_BATCH_SIZE) -> int:
        """Apply everything in the log after the stored position; returns the new position."""
        position = self.status.position = self.store.position()
        while notifications := self.app.recorder.select_notifications(
            start=position, limit=batch_size, inclusive_of_start=False
        ):
            with _collector_paused():
                position = self.apply(notifications).position
        return position

    # -- running live --------------------------------------------------------------------------

    async def run(self) -> None:
        """Project while this process holds the projector lock, until cancelled; stand by
        while another one holds it, and take over from the stored position when it is freed."""
        try:
            while True:
                await self.leadership.acquire()
                self.status.active = True
                lost = asyncio.create_task(self.leadership.lost(), name="projector-lock")
                work = asyncio.create_task(self._project(), name="projector-work")
                try:
                    await asyncio.wait({lost, work}, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    self.status.active = False
                    for task in (lost, work):
                        task.cancel()
                    await asyncio.gather(lost, work, return_exceptions=True)
        finally:
            await self.leadership.release()

    async def _project(self) -> None:
        """Follow the log until cancelled; restart after errors (logged, shown in status)."""
        while True:
            try:
                await self._follow()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self.status.last_error = f"{type(error).__name__}: {error}"
                log.exception("projection runner failed; restarting in %ss", RESTART_DELAY)
                await asyncio.sleep(RESTART_DELAY)

    async def wait_for(self, position: int) -> None:
        """Wait until the views include `position` (read-your-writes); bound it with a timeout."""
        async with self._advanced:
            await self._advanced.wait_for(lambda: self.status.position >= position)

    async def _follow(self) -> None:
        await self._views_of_this_version()
        start = await self.port.views_position()
        self.status.position = start
        self.port.projects_here(start)
        if self.publisher is not None:
            # Another projector may have renewed the identity (a restore) since this one last ran.
            identity = await self.port.identity()
            if self.publisher.store != identity:
                self.publisher.use_store(identity)
        subscription = await self.port.pools.run("main", self.app.recorder.subscribe, gt=start)
        pump = _Pump(subscription, asyncio.get_running_loop(), self.batch_size * 4)
        pump.start()
        self.status.running = True
        self._bus_unchecked = True
        try:
            if self.publisher is not None:
                with contextlib.suppress(Exception):  # bus down: repaired before the next publish
                    await self._repair_bus()
            while True:
                notifications = await pump.take(self.batch_size)
                batch = await self.port.project(self.apply, notifications)
                self.status.last_error = None
                self.port.projects_here(batch.position)
                async with self._advanced:
                    self._advanced.notify_all()
                if batch.changes:
                    await self._publish(batch)
        finally:
            self.status.running = False
            await pump.stop()

    async def _views_of_this_version(self) -> None:
        """Views an older Posko made hold rows of another shape: rebuild them from the log
        before projecting onto them (an upgrade in place; the README's upgrade rebuilds beside
        the live views instead, with no dark minutes). Views of a newer Posko are left alone."""
        made_by = await self.port.pools.run("main", self.store.version)
        if made_by > VERSION:
            raise ViewsTooNew(
                f"the views are of version {made_by}, newer than this Posko's {VERSION}: run "
                "the newer Posko, or point POSKO_VIEWS_SCHEMA at views of this version"
            )
        if made_by == VERSION:
            return
        log.warning(
            "the views are of version %s and this Posko's are of version %s: rebuilding them "
            "from the event log",
            made_by,
            VERSION,
        )
        started = time.perf_counter()
        position = await self.port.pools.run("main", self._rebuild)
        log.warning(
            "views rebuilt up to position %s in %.1fs", position, time.perf_counter() - started
        )

    def _rebuild(self) -> int:
        self.store.reset()
        return self.catch_up()

    async def _publish(self, batch: Batch) -> None:
        if self.publisher is None:
            return
        try:
            await self._repair_bus()
            await self.publisher.publish(batch, gap=self._gap)
            self._gap = False
        except Exception as error:  # writes and views go on without the bus; it is repaired later
            if self._unpublished_after is None:
                self._unpublished_after = self._last_published
            self.status.publish_errors += 1
            log.warning("publishing batch %s failed (%s); will republish", batch.position, error)
        else:
            self._last_published = self.status.last_published = batch.position
        self.status.bus_behind = self._bus_unchecked or self._unpublished_after is not None

    async def _repair_bus(self) -> None:
        """Republish outbox batches the bus lacks: after a crash between commit and publish
        (found by asking the bus where it stands), or after publishes that failed."""
        assert self.publisher is not None
        if self._bus_unchecked:
            last = await self.publisher.last_position()
            head = await self.port.views_position()
            if last is not None and last > head:
                # The bus holds a later history than the store: the store was restored from an
                # older backup. Its positions will be reused for other events, so it gets a new
                # identity (a new stream); followers of the old one are told to resynchronise.
                identity = await self.port.renew_identity()
                log.error(
                    "the bus holds position %s beyond the store's head %s (restored from an "
                    "older backup?); the store's identity is now %s and followers resynchronise",
                    last,
                    head,
                    identity,
                )
                await self.publisher.move_to(identity)
            elif last is not None:  # an empty bus has no followers to repair; they use the store
                await self._republish_after(last)
            self._bus_unchecked = False
        if self._unpublished_after is not None:
            await self._republish_after(self._unpublished_after)
            self._unpublished_after = None

    async def _republish_after(self, after: int) -> None:
        assert self.publisher is not None
        while True:
            batches = await self.port.batches_after(after, 1000)
            if batches is None:
                # The outbox no longer reaches back to `after`: the next batch goes out marked,
                # so followers fall back to snapshots instead of skipping the hole silently.
                log.error("the bus missed batches the outbox no longer holds (after %s)", after)
                self._gap = True
                return
            if not batches:
                return
            for batch in batches:
                await self.publisher.publish(batch)  # the bus ignores ones it already has
            after = batches[-1].position


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a large batch is applied. Its rows and events (JSON
    documents, frozen events) are freed by reference counting when the batch ends; the collector
    only walked them again and again as they grew (about 6 % of a rebuild). It runs again after
    the batch, for whatever else made cycles meanwhile."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


class _Pump(threading.Thread):
    """Iterates the blocking subscription and hands each notification to the loop as it comes
    (no polling on either side). At most `capacity` wait on the loop: a slow runner blocks the
    pump, never fills memory."""

    def __init__(self, subscription: Any, loop: asyncio.AbstractEventLoop, capacity: int) -> None:
        super().__init__(name="posko-log-pump", daemon=True)
        self.subscription = subscription
        self.loop = loop
        self.room = threading.Semaphore(capacity)
        self.pending: collections.deque[Notification] = collections.deque()
        self.arrived = asyncio.Event()
        self.stopping = threading.Event()
        self.ended: asyncio.Future[BaseException | None] = loop.create_future()

    def run(self) -> None:
        error: BaseException | None = None
        try:
            for notification in self.subscription:
                while not self.room.acquire(timeout=STOP_CHECK):
                    if self.stopping.is_set():
                        return
                if self.stopping.is_set():
                    return
                self.loop.call_soon_threadsafe(self._arrive, notification)
        except BaseException as caught:
            error = caught
        finally:
            with contextlib.suppress(RuntimeError):  # the loop closed first
                self.loop.call_soon_threadsafe(self._end, error)

    def _arrive(self, notification: Notification) -> None:
        self.pending.append(notification)
        self.arrived.set()

    def _end(self, error: BaseException | None) -> None:
        if not self.ended.done():
            self.ended.set_result(error)
        self.arrived.set()

    async def take(self, limit: int) -> list[Notification]:
        """The notifications that have arrived (at least one, at most `limit`), in log order."""
        while not self.pending:
            if self.ended.done() and not self.stopping.is_set():
                raise RuntimeError(f"the event log subscription ended: {self.ended.result()!r}")
            self.arrived.clear()
            await self.arrived.wait()
        taken = [self.pending.popleft() for _ in range(min(limit, len(self.pending)))]
        self.room.release(len(taken))
        return taken

    async def stop(self) -> None:
        self.stopping.set()
        self.subscription.stop()  # ends the iteration; returns once its threads have ended
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.shield(self.ended), STOP_WAIT)
