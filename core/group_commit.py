"""Group commit: concurrent commands share one transaction, so a burst of reports from many
phones costs one fsync instead of one each.

No timer and no waiting for company: while one batch is being written, newcomers queue; the
first of them then writes everything that queued. A lone command is written at once.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Recording

Save = Callable[..., list[Recording[UUID]]]


class _Pending:
    __slots__ = ("aggregates", "error", "events", "finished", "recordings", "turn")

    def __init__(self, aggregates: Sequence[Aggregate]) -> None:
        self.aggregates = aggregates
        # Taken now, not by the save: a save drains the aggregates' pending events, so a batch
        # that failed could not be retried caller by caller from the aggregates alone.
        self.events = [e for a in aggregates for e in a.collect_events()]
        self.turn = threading.Event()  # set when finished, or when it is this caller's turn to lead
        self.finished = False
        self.recordings: list[Recording[UUID]] = []
        self.error: BaseException | None = None


class GroupCommit:
    def __init__(self, save: Save, *, max_batch: int = 500) -> None:
        self._save = save
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._queue: list[_Pending] = []
        self._busy = False

    def save(self, *aggregates: Aggregate) -> list[Recording[UUID]]:
        """Saves the aggregates' pending events; returns once they are durably stored.

        Raises IntegrityError when one of this caller's aggregates conflicts with what is stored;
        other callers in the same batch are not affected by it.
        """
        me = _Pending(aggregates)
        with self._lock:
            self._queue.append(me)
            leads = not self._busy
            self._busy = True
        if not leads:
            me.turn.wait()
        if not me.finished:
            self._write_next_batch()
        if me.error is not None:
            raise me.error
        return me.recordings

    def _write_next_batch(self) -> None:
        with self._lock:
            batch = self._queue[: self._max_batch]
            del self._queue[: self._max_batch]
        try:
            self._write(batch)
        finally:
            with self._lock:
                if self._queue:
                    self._queue[0].turn.set()  # the next caller in line writes the next batch
                else:
                    self._busy = False
            for pending in batch:
                pending.finished = True
                pending.turn.set()

    def _write(self, batch: list[_Pending]) -> None:
        try:
            # The events, then their aggregates (now without pending events) so that the
            # application still sees which aggregates were saved (its cache).
            recordings = self._save(
                *(e for p in batch for e in p.events), *(a for p in batch for a in p.aggregates)
            )
        except IntegrityError as error:
            if len(batch) == 1:
                batch[0].error = error
            else:
                # Someone's aggregate conflicts: write each caller alone so only they fail.
                for pending in batch:
                    self._write([pending])
            return
        except BaseException as error:  # e.g. the database is gone: every caller must hear it
            for pending in batch:
                pending.error = error
            return
        by_originator: dict[Any, list[Recording[UUID]]] = defaultdict(list)
        for recording in recordings:
            by_originator[recording.domain_event.originator_id].append(recording)
        for pending in batch:
            pending.recordings = [r for a in pending.aggregates for r in by_originator[a.id]]
