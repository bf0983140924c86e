"""View checkpoints for time travel, made by the projection runner: after every EVERY-th event,
the rows changed since the last checkpoint go into the view store's history, in the same
transaction as the batch that holds that event, so a view as of any moment is the nearest
checkpoint plus a short replay (projections/time_travel.py).

Choices, and why:
- Where: in the view store beside the rows (SQLite and PostgreSQL alike), as derived data. A
  reset (`posko rebuild`) drops them and the rebuild makes them again; a rebuild into a new views
  schema makes its own.
- When: by the runner, not a background job: the rows are at hand, so a checkpoint costs
  encoding the rows changed since the last one (as the commit encodes the batch's), not a second
  replay. Batches keep their size: a checkpoint may fall inside one (CheckpointRows notes which
  rows were put since the last checkpoint, and they are encoded at that event).
- Size: incremental. A checkpoint holds only the rows changed since the one before (a row as of
  checkpoint P is its latest history entry at or before P), so the history is about the views'
  size plus each busy row (an action's totals, a site) once per checkpoint, not a whole snapshot
  every EVERY events. It also keeps each event's time (16 bytes an event), so a replay decodes
  only the events it applies.
- Trust: a checkpoint records the store's identity, the views' VERSION and the id of the event at
  its position. The runner starts a new chain (a copy of every row, dropping the old chain) when
  the last checkpoint fails any of those or lies beyond the views, as on the first start after
  an upgrade from views without checkpoints (it then decodes every event once for its time);
  time travel ignores one that fails them and replays from the log's start instead.
- Times: event times do not grow strictly with positions (two writers commit in either order),
  so a checkpoint records the earliest event time of its segment and the latest of every event up
  to it.
"""

from __future__ import annotations

import array
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import Notification

from projections import channels
from projections.rows import Doc, RowKey, Rows
from projections.store import VERSION, Checkpoint, CheckpointWrite, ViewStore, dumps

log = logging.getLogger("posko.projections")

EVERY = 250  # events between checkpoints: a read replays at most about this many
PAGE = 1000  # notifications read at a time when replaying
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def micros(moment: datetime) -> int:
    """A moment as whole microseconds since the epoch (exact, unlike float seconds)."""
    return (moment - _EPOCH) // _MICROSECOND


def pack_times(times: array.array[int]) -> bytes:
    """(position, microseconds) pairs, flat, as little-endian 64-bit integers."""
    return times.tobytes()


def unpack_times(packed: bytes) -> list[tuple[int, int]]:
    flat = array.array("q")
    flat.frombytes(packed)
    return list(zip(flat[::2], flat[1::2], strict=True))


def event_id(notification: Notification) -> str:
    return f"{notification.originator_id}/{notification.originator_version}"


def trusted(app: Application[Any], store: ViewStore, checkpoint: Checkpoint) -> bool:
    """Whether the checkpoint belongs to this store, these views and this log."""
    if checkpoint.identity != store.identity() or checkpoint.version != VERSION:
        return False
    found = app.recorder.select_notifications(start=checkpoint.position, limit=1)
    return (
        bool(found)
        and found[0].id == checkpoint.position
        and event_id(found[0]) == checkpoint.event
    )


def notifications(app: Application[Any], start: int, stop: int | None) -> Iterator[Notification]:
    """The log's notifications with start < id <= stop (to its end when stop is None)."""
    position = start
    while notes := app.recorder.select_notifications(
        start=position, limit=PAGE, inclusive_of_start=False, stop=stop
    ):
        yield from notes
        position = notes[-1].id
        if len(notes) < PAGE:
            return


class CheckpointRows(Rows):
    """The runner's rows: also notes which rows were put since the last checkpoint."""

    def __init__(self, load: Any) -> None:
        super().__init__(load)
        self.since: set[RowKey] = set()

    def put(self, channel: str, key: str, doc: Doc) -> None:
        # Rows.put's work written out here: a rebuild puts several rows an event.
        row = (channel, key)
        self._docs[row] = doc
        self.changed[row] = doc
        self.since.add(row)


@dataclass
class _Segment:
    """The events applied since the last checkpoint (`start`), up to `position`."""

    position: int
    start: int
    identity: str  # of the store the chain belongs to
    high_before: int | None  # the latest event time up to `start`
    low: int | None = None
    high: int | None = None
    times: array.array[int] = field(default_factory=lambda: array.array("q"))
    dirty: set[RowKey] = field(default_factory=set)  # put by earlier batches since `start`

    @property
    def events(self) -> int:
        return len(self.times) // 2

    def add(self, position: int, moment: int) -> None:
        self.position = position
        self.times.extend((position, moment))
        self.low = moment if self.low is None else min(self.low, moment)
        self.high = moment if self.high is None else max(self.high, moment)

    def copy(self) -> _Segment:
        return _Segment(
            self.position, self.start, self.identity, self.high_before, self.low, self.high,
            array.array("q", self.times), set(self.dirty),
        )  # fmt: skip

    def checkpoint(self, event: str) -> Checkpoint:
        assert self.low is not None and self.high is not None
        return Checkpoint(
            position=self.position,
            start=self.start,
            events=self.events,
            low_us=self.low,
            high_us=self.high if self.high_before is None else max(self.high, self.high_before),
            identity=self.identity,
            version=VERSION,
            event=event,
            times=pack_times(self.times),
        )

    def after(self, checkpoint: Checkpoint) -> _Segment:
        return _Segment(checkpoint.position, checkpoint.position, self.identity, checkpoint.high_us)


class BatchCheckpoints:
    """One batch's part: told of every event as it is applied, it takes the checkpoints that
    fall in the batch; the runner commits `writes` with the batch, then calls `committed`."""

    def __init__(
        self,
        segment: _Segment,
        every: int,
        first: CheckpointWrite | None,
        store: ViewStore,
        listed: dict[str, list[str]],
    ) -> None:
        self.segment = segment
        self.every = every
        self.writes: list[CheckpointWrite] = [] if first is None else [first]
        self.store = store
        self.renewed = False  # the store has a new identity: the chain starts anew after this
        # Channels' keys at the last checkpoint that listed them (shared with the checkpointer
        # until this batch lists some: copied then, kept only if the batch commits).
        self.listed = listed
        self._own_listed = False

    def applied(self, rows: CheckpointRows, notification: Notification, moment: datetime) -> None:
        segment = self.segment
        segment.add(notification.id, micros(moment))
        if segment.events < self.every or self.renewed:
            return
        if self.store.identity() != segment.identity:  # restored from a backup (see RedisBus)
            log.warning("the view store has a new identity: view checkpoints start anew")
            self.renewed = True
            return
        changed = segment.dirty | rows.since
        encoded = []
        for channel, key in changed:
            doc = rows.get(channel, key)  # put earlier: in the batch's rows, or as committed
            assert doc is not None
            encoded.append((channel, key, dumps(doc)))
        checkpoint = segment.checkpoint(event_id(notification))
        keys = self._keys(rows, changed)
        self.writes.append(CheckpointWrite(checkpoint, encoded, everything=False, keys=keys))
        self.segment = segment.after(checkpoint)
        rows.since.clear()

    def _keys(self, rows: CheckpointRows, changed: set[RowKey]) -> list[tuple[str, list[str]]]:
        """The keys at this event (the latest ones, for channels whose snapshots are limited)
        of the channels changed since the last checkpoint: those it listed and those put since
        (rows are never deleted); a channel it did not list asks the live rows once (as
        committed, with what this batch put so far)."""
        limits = {
            name: channels.snapshot_limit(ref)
            for name in {channel for channel, _ in changed}
            if (ref := channels.parse(name)) is not None
        }
        found = {name: set(self.listed[name]) for name in limits if name in self.listed}
        unknown = [(name, limit) for name, limit in limits.items() if name not in found]
        for name, stored in self.store.row_keys(unknown).items():
            found[name] = set(stored)
            found[name].update(key for channel, key in rows.changed if channel == name)
        for channel, key in changed:
            if channel in found:
                found[channel].add(key)
        if not self._own_listed:
            self.listed, self._own_listed = dict(self.listed), True
        out = []
        for name, keys in found.items():
            ordered = sorted(keys)
            limit = limits[name]
            self.listed[name] = ordered if limit is None else ordered[-limit:]
            out.append((name, self.listed[name]))
        return out

    def end(self, rows: CheckpointRows) -> _Segment:
        """The segment once the batch is committed."""
        self.segment.dirty |= rows.since
        return self.segment


class Checkpointer:
    """The runner's side, across batches. It learns where the last checkpoint is from the
    store whenever the views moved without it (a start, another projector)."""

    def __init__(self, app: Application[Any], store: ViewStore, every: int = EVERY) -> None:
        self.app = app
        self.store = store
        self.every = every
        self._segment: _Segment | None = None
        self._listed: dict[str, list[str]] = {}  # channels' keys at their last listing

    def begin(self, after: int) -> BatchCheckpoints:
        """A batch to be applied on the views at `after`. Changes nothing until `committed`."""
        first = None
        if self._segment is None or self._segment.position != after:
            self._segment, first = self._resume(after)
            self._listed = {}
        return BatchCheckpoints(self._segment.copy(), self.every, first, self.store, self._listed)

    def committed(self, batch: BatchCheckpoints, rows: CheckpointRows) -> None:
        self._segment = None if batch.renewed else batch.end(rows)
        self._listed = {} if batch.renewed else batch.listed

    def _resume(self, after: int) -> tuple[_Segment, CheckpointWrite | None]:
        """The segment from the last checkpoint to the views' position `after`: the rows
        changed since it are found by replaying those events over the checkpoint's rows. With
        no checkpoint to trust, a new chain starts with a checkpoint at `after` that copies
        every row (made with the batch, before its rows are written)."""
        identity = self.store.identity()
        last = self.store.last_checkpoint()
        if last is not None and last.position <= after and trusted(self.app, self.store, last):
            notes = list(notifications(self.app, last.position, after))
            if len(notes) <= 4 * self.every:  # else another projector ran without checkpoints
                with self.store.reading():
                    return self._replayed(last, notes), None
        if last is not None:
            log.warning("view checkpoints up to %s are not trusted: new ones", last.position)
        segment = _Segment(0, 0, identity, None)
        for notification in notifications(self.app, 0, after):
            event: Any = self.app.mapper.to_domain_event(notification)
            segment.add(notification.id, micros(event.timestamp))
        if after == 0:
            return segment, None  # nothing to copy: the chain starts with the log
        first = segment.checkpoint(self._event_at(after))
        return segment.after(first), CheckpointWrite(first, (), everything=True)

    def _replayed(self, last: Checkpoint, notes: list[Notification]) -> _Segment:
        rows = Rows(lambda channel, key: self.store.history_row(channel, key, last.position))
        segment = _Segment(last.position, last.position, last.identity, last.high_us)
        for notification in notes:
            event: Any = self.app.mapper.to_domain_event(notification)
            channels.apply(rows, event)
            segment.add(notification.id, micros(event.timestamp))
        segment.dirty = set(rows.changed)
        return segment

    def _event_at(self, position: int) -> str:
        found = self.app.recorder.select_notifications(start=position, limit=1)
        return event_id(found[0])
