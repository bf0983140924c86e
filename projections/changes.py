"""What the projection runner publishes after each committed batch, and what gateways consume.

A batch's position is the notification id of the last event the batch applied; every change in
it carries that position, so positions on a channel only ever increase.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import msgspec


@dataclass(frozen=True)
class Change:
    channel: str
    position: int
    data: dict[str, Any]


@dataclass(frozen=True)
class Batch:
    position: int
    changes: tuple[Change, ...]

    def to_json(self) -> str:
        return msgspec.json.encode(
            {
                "position": self.position,
                "changes": [{"channel": c.channel, "data": c.data} for c in self.changes],
            }
        ).decode()

    @classmethod
    def from_json(cls, text: str | bytes) -> Batch:
        raw = msgspec.json.decode(text)
        position = int(raw["position"])
        return cls(
            position=position,
            changes=tuple(Change(c["channel"], position, c["data"]) for c in raw["changes"]),
        )


class Publisher(Protocol):
    """Where committed batches go (the bus); positions let it ignore a batch published twice."""

    async def publish(self, batch: Batch, *, gap: bool = False) -> None: ...

    async def last_position(self) -> int | None: ...

    @property
    def store(self) -> str | None:
        """The identity of the event store whose batches it carries."""

    def use_store(self, identity: str) -> None: ...

    async def move_to(self, identity: str) -> None:
        """Followers of the current identity learn the store was given `identity`."""
