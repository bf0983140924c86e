"""Time travel: any channel as it stood at a past moment, computed from the events the posko
had recorded by then (their timestamps), with the same view functions the live views use.

The answer is the views after applying, in log order, every event whose time is <= the moment.
Event times mostly grow with positions but not strictly (two writers commit in either order),
so that set is not always a prefix of the log. With the view checkpoints the runner keeps
(projections/checkpoints.py) it is computed as:
1. the base: the last checkpoint whose `high_us` (latest event time up to it) is <= the moment;
   every event up to it is in the set, so its rows are the views as of the moment there;
2. the tail: the events after the base whose time is <= the moment, replayed over the base's
   rows. Only segments whose `low_us` (earliest event time in it) is <= the moment can hold
   one, and each checkpoint lists its events' times, so only those events are decoded; the
   events after the last checkpoint (fewer than EVERY) are all decoded and filtered by time.
A chain that fails its checks (another store identity, another views version, another event at
its position) is not used: the answer is then replayed from the log's start, as `replay_all`.
Who may read what is decided before this runs (projections/channels.py::may_read), and the rows
are the live views' own, so a past answer shows exactly what a live one would have.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eventsourcing.application import Application

from projections import channels
from projections.channels import ChannelRef
from projections.checkpoints import micros, notifications, trusted, unpack_times
from projections.rows import Doc, Rows
from projections.store import ViewStore

log = logging.getLogger("posko.projections")

# Notifications with start < id <= stop (to the end: None), and which of them to apply (None:
# those whose time is <= the moment).
Span = tuple[int, int | None, set[int] | None]


@dataclass
class Past:
    """The views as of a moment: the base checkpoint's rows (`store` at `base`, none when
    base is 0) under the rows the tail replay changed. `position` is the last event applied."""

    position: int
    base: int
    rows: Rows
    store: ViewStore | None

    def snapshot(self, ref: ChannelRef) -> dict[str, Any]:
        """The channel's snapshot data, as a live snapshot would have shown it."""
        limit = channels.snapshot_limit(ref)
        docs: dict[str, Doc] = {
            key: doc for (channel, key), doc in self.rows.changed.items() if channel == ref.name
        }
        # The latest `limit` keys of the base and the tail together are among the base's
        # latest `limit` and the tail's own (rows are never deleted).
        if self.store is not None and self.base:
            listed = self.store.history_keys(ref.name, self.base)
            if listed is None:  # not changed since its chain began: scan its versions
                for key, doc in self.store.history_rows(ref.name, self.base, limit):
                    docs.setdefault(key, doc)
            else:
                keys = sorted(set(listed) | set(docs))
                if limit is not None:
                    keys = keys[-limit:]
                wanted = [key for key in keys if key not in docs]
                docs.update(self.store.history_docs(ref.name, wanted, self.base))
        keys = sorted(docs)
        if limit is not None:
            keys = keys[-limit:]
        return channels.snapshot_data(ref, [docs[key] for key in keys])


def replay_all(app: Application[Any], at: datetime) -> Past:
    """The views as of `at` replayed from the log's start (no checkpoint)."""
    return _replay(app, at, 0, None, [(0, None, None)])


def replay(app: Application[Any], store: ViewStore, at: datetime) -> Past:
    """The views as of `at`, from the nearest checkpoint before it."""
    at_us = micros(at)
    last = store.last_checkpoint()
    if last is None:
        return replay_all(app, at)
    if not trusted(app, store, last):
        log.warning("time travel: view checkpoints not trusted; replaying the whole log")
        return replay_all(app, at)
    base = store.last_checkpoint(high_at_most=at_us)
    if base is not None and base != last and not trusted(app, store, base):
        log.warning("time travel: checkpoint %s not trusted; replaying the whole log", base)
        return replay_all(app, at)
    start = 0 if base is None else base.position
    spans: list[Span] = []
    for checkpoint in store.checkpoints_after(start, low_at_most=at_us):
        wanted = [p for p, moment in unpack_times(checkpoint.times) if moment <= at_us]
        if wanted:  # read from just before the first to the last
            spans.append((min(wanted) - 1, max(wanted), set(wanted)))
    spans.append((last.position, None, None))
    return _replay(app, at, start, store, spans)


def snapshot_at(
    app: Application[Any], store: ViewStore, ref: ChannelRef, at: datetime
) -> tuple[int, dict[str, Any]]:
    """The channel's snapshot data as of `at` and the position of the last event applied."""
    position, data = snapshots_at(app, store, [ref], at)
    return position, data[ref.name]


def snapshots_at(
    app: Application[Any], store: ViewStore, refs: Iterable[ChannelRef], at: datetime
) -> tuple[int, dict[str, dict[str, Any]]]:
    """Several channels as of `at` from one replay, by channel name."""
    with store.reading():
        past = replay(app, store, at)
        return past.position, {ref.name: past.snapshot(ref) for ref in refs}


def _replay(
    app: Application[Any], at: datetime, base: int, store: ViewStore | None, spans: list[Span]
) -> Past:
    if store is not None and base:
        rows = Rows(lambda channel, key: store.history_row(channel, key, base))
    else:
        rows = Rows(lambda channel, key: None)  # starts empty; every row it makes stays in it
    last_applied = base
    for start, stop, wanted in spans:
        for notification in notifications(app, start, stop):
            if wanted is not None and notification.id not in wanted:
                continue  # recorded after the moment: not even decoded
            event: Any = app.mapper.to_domain_event(notification)
            if wanted is not None or event.timestamp <= at:
                channels.apply(rows, event)
                last_applied = notification.id
    return Past(last_applied, base, rows, store)
