"""The views in the order they are applied, and the channels they publish: which names exist,
and how a channel's rows become a snapshot or a change on the wire."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from projections import live_map, overview, people
from projections.rows import Doc, Rows

_ACTION_CHANNEL = re.compile(r"^action:([0-9a-fA-F-]{32,36}):(map)$")


@dataclass(frozen=True)
class ChannelRef:
    """A parsed channel name: its kind and the action it concerns, if any."""

    name: str
    kind: str  # "actions" | "action_map" | "access" (gateways only, never clients)
    action_id: UUID | None = None


def parse(name: str) -> ChannelRef | None:
    """The channel named `name`, or None when no such channel can exist."""
    if name == overview.CHANNEL:
        return ChannelRef(name, "actions")
    if name == people.ACCESS:
        return ChannelRef(name, "access")
    match = _ACTION_CHANNEL.match(name)
    if match is None:
        return None
    try:
        action_id = UUID(match.group(1))
    except ValueError:
        return None
    if live_map.channel(action_id) != name:  # only the canonical spelling, so rows are found
        return None
    return ChannelRef(name, "action_map", action_id)


def apply(rows: Rows, event: Any) -> None:
    live_map.apply(rows, event)
    overview.apply(rows, event)  # after live_map: reads the map rows this event changed
    people.apply(rows, event)


def snapshot_data(ref: ChannelRef, docs: list[Doc]) -> dict[str, Any]:
    if ref.kind == "actions":
        return overview.snapshot(docs)
    return live_map.snapshot(docs)


def change_data(ref: ChannelRef, docs: list[Doc]) -> dict[str, Any]:
    if ref.kind == "actions":
        return overview.change(docs)
    if ref.kind == "access":
        return {"ended": docs}
    return live_map.change(docs)
