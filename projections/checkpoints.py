"""View checkpoints for time travel, made by the projection runner: every EVERY events, the rows
changed since the last checkpoint are copied into the view store's history in the same
transaction as the batch that completes the count, so a view as of any moment is the nearest
checkpoint plus a short replay (projections/time_travel.py).

Choices, and why:
- Where: in the view store beside the rows (SQLite and PostgreSQL alike), as derived data. A
  reset (`posko rebuild`) drops them and the rebuild makes them again; a rebuild into a new views
  schema makes its own.
- When: by the runner, not a background job. The runner sizes its batches (`room`) so a batch
  ends exactly on every EVERY-th event; the checkpoint is then one more statement in that batch's
  transaction. It needs no replay: the rows are copied from the live rows by the database.
- Size: incremental. A checkpoint holds only the rows changed since the one before (a row as of
  checkpoint P is its latest history entry at or before P), so the history is about the views'
  size plus each busy row (an action's totals, a site) once per checkpoint, not a whole snapshot
  every EVERY events.
- Trust: a checkpoint records the store's identity, the views' VERSION and the id of the event at
  its position. The runner starts a new chain (copying every row, after dropping the old chain)
  when the last checkpoint fails any of those or lies beyond the views; time travel ignores one
  that fails them and replays from the start instead.
- Times: a checkpoint records the earliest event time of its segment and the latest of every
  event up to it, since event times do not grow strictly with positions (two writers).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import Notification

from projections import channels
from projections.rows import RowKey, Rows
from projections.store import Checkpoint, CheckpointWrite, ViewStore

log = logging.getLogger("posko.projections")

EVERY = 500  # events between checkpoints: time travel replays at most about twice this
VERSION = 1  # of what the views' rows hold: bump it with a change that needs a rebuild
PAGE = 1000  # notifications read at a time when replaying
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def micros(moment: datetime) -> int:
    """A moment as whole microseconds since the epoch (exact, unlike float seconds)."""
    return (moment - _EPOCH) // _MICROSECOND


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


@dataclass
class _Segment:
    """What the runner has applied since the last checkpoint (`start`), up to `position`."""

    position: int
    start: int
    identity: str  # of the store the chain belongs to
    high_before: int | None  # the latest event time up to `start`
    everything: bool  # no chain to extend: the next checkpoint copies every row
    events: int = 0
    low: int | None = None
    high: int | None = None
    dirty: set[RowKey] = field(default_factory=set)  # rows changed since `start`

    def extended(self, notifications: Sequence[Notification], times: Sequence[int]) -> _Segment:
        """This segment with one more batch; it shares `dirty` (joined at the commit)."""
        return _Segment(
            position=notifications[-1].id,
            start=self.start,
            identity=self.identity,
            high_before=self.high_before,
            everything=self.everything,
            events=self.events + len(notifications),
            low=_min(self.low, min(times, default=None)),
            high=_max(self.high, max(times, default=None)),
            dirty=self.dirty,
        )


@dataclass(frozen=True)
class Plan:
    """A batch's part in the checkpoints: the segment once it commits, the checkpoint to write
    with it (or None), and the rows it changed."""

    segment: _Segment
    write: CheckpointWrite | None
    changed: Collection[RowKey]


class Checkpointer:
    """The runner's side: told of every batch before its commit, it says which checkpoint (if
    any) to make with it; told of the commit, it moves on. It learns where the last checkpoint
    is from the store whenever the views moved without it (start, another projector)."""

    def __init__(self, app: Application[Any], store: ViewStore, every: int = EVERY) -> None:
        self.app = app
        self.store = store
        self.every = every
        self._segment: _Segment | None = None

    def resume(self, after: int) -> None:
        """Find the segment the views at `after` are in (reads the store, may replay a few
        events); the runner calls it as it starts, `plan` whenever the views moved without it."""
        if self._segment is None or self._segment.position != after:
            self._segment = self._resume(after)

    def room(self, limit: int) -> int:
        """How many events the next batch may hold so that it ends on the next checkpoint (at
        most `limit`; `limit` itself before `resume`). No I/O."""
        if self._segment is None:
            return limit
        return max(1, min(limit, self.every - self._segment.events))

    def plan(
        self,
        after: int,
        notifications: Sequence[Notification],
        times: Sequence[datetime],
        changed: Collection[RowKey],
    ) -> Plan:
        """The batch applied on views at `after` (its events' times, the rows it changed):
        the checkpoint to make with it, if one is due. Changes nothing until `committed`."""
        self.resume(after)
        segment = self._segment
        assert segment is not None
        stamps = [micros(t) for t in times]
        following = segment.extended(notifications, stamps)
        if following.events < self.every:
            return Plan(following, None, changed)
        identity = self.store.identity()
        if identity != segment.identity:  # renewed (a restore): the chain starts anew
            log.warning("the view store has a new identity: view checkpoints start anew")
            following = self._from_scratch(after).extended(notifications, stamps)
        high_us = _max(following.high_before, following.high)
        assert following.low is not None and high_us is not None
        checkpoint = Checkpoint(
            position=following.position,
            start=following.start,
            events=following.events,
            low_us=following.low,
            high_us=high_us,
            identity=identity,
            version=VERSION,
            event=event_id(notifications[-1]),
        )
        rows = () if following.everything else following.dirty | set(changed)
        return Plan(following, CheckpointWrite(checkpoint, rows, following.everything), changed)

    def committed(self, plan: Plan) -> None:
        """The batch is committed (with its checkpoint, if any)."""
        if plan.write is not None:
            c = plan.write.checkpoint
            self._segment = _Segment(c.position, c.position, c.identity, c.high_us, False)
            return
        if not plan.segment.everything:
            plan.segment.dirty.update(plan.changed)
        self._segment = plan.segment

    def _resume(self, after: int) -> _Segment:
        """The segment from the last checkpoint to the views' position `after`: the rows
        changed since it are found by replaying those events over the checkpoint's rows. With
        no checkpoint to trust, a new chain starts from the log's beginning."""
        last = self.store.last_checkpoint()
        if last is None or last.position > after or not trusted(self.app, self.store, last):
            if last is not None:
                log.warning("view checkpoints up to %s are not trusted: new ones", last.position)
            return self._from_scratch(after)
        notes = list(notifications(self.app, last.position, after))
        if len(notes) > 4 * self.every:  # another projector ran without checkpoints meanwhile
            return self._from_scratch(after)
        rows = Rows(lambda channel, key: self.store.history_row(channel, key, last.position))
        stamps = []
        for notification in notes:
            event: Any = self.app.mapper.to_domain_event(notification)
            channels.apply(rows, event)
            stamps.append(micros(event.timestamp))
        return _Segment(
            position=after,
            start=last.position,
            identity=last.identity,
            high_before=last.high_us,
            everything=False,
            events=len(notes),
            low=min(stamps, default=None),
            high=max(stamps, default=None),
            dirty=set(rows.changed),
        )

    def _from_scratch(self, after: int) -> _Segment:
        """A segment from the log's start to `after` whose checkpoint copies every row: only
        the times of its events are needed, not a replay."""
        stamps = []
        for notification in notifications(self.app, 0, after):
            event: Any = self.app.mapper.to_domain_event(notification)
            stamps.append(micros(event.timestamp))
        return _Segment(
            position=after,
            start=0,
            identity=self.store.identity(),
            high_before=None,
            everything=True,
            events=len(stamps),
            low=min(stamps, default=None),
            high=max(stamps, default=None),
        )


def _min(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


def _max(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else max(a, b)
