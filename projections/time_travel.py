"""Time travel: any channel as it stood at a past moment, computed from the events the posko
had recorded by then (their timestamps), with the same view functions the live views use."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eventsourcing.application import Application

from projections import channels
from projections.channels import ChannelRef
from projections.rows import Doc, RowKey, Rows

PAGE = 1000


def rows_at(app: Application[Any], at: datetime) -> tuple[int, dict[RowKey, Doc]]:
    """Every view row as of `at`, and the position of the last event applied."""
    rows = Rows(lambda channel, key: None)  # starts empty; every row it makes stays in it
    position, last_applied = 0, 0
    while notifications := app.recorder.select_notifications(
        start=position, limit=PAGE, inclusive_of_start=False
    ):
        for notification in notifications:
            event: Any = app.mapper.to_domain_event(notification)
            if event.timestamp <= at:
                channels.apply(rows, event)
                last_applied = notification.id
        position = notifications[-1].id
    return last_applied, rows.changed


def snapshot_at(app: Application[Any], ref: ChannelRef, at: datetime) -> tuple[int, dict[str, Any]]:
    """The channel's snapshot data as of `at`, as a live snapshot would have shown it."""
    position, docs = rows_at(app, at)
    keys = sorted(key for channel, key in docs if channel == ref.name)
    limit = channels.snapshot_limit(ref)
    if limit is not None:
        keys = keys[-limit:]
    return position, channels.snapshot_data(ref, [docs[(ref.name, key)] for key in keys])
