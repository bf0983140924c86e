"""The audit trail of sensitive reads: every look at people's exact GPS positions in an action is
itself an event, so "who looked, and when" is answered by the log like every other question."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event


class PositionsRead(Aggregate):
    """One read of an action's exact check-in positions: who read them and how many they saw.
    Each read is its own aggregate (a new id), so readers never contend on one version."""

    class Recorded(Aggregate.Created):
        action_id: UUID
        actor: str
        count: int

    @event(Recorded)
    def __init__(self, *, action_id: UUID, actor: str, count: int) -> None:
        self.action_id = action_id
        self.actor = actor
        self.count = count
