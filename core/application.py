"""The Posko application: every command the service accepts, each one load -> decide -> save.

It is synchronous (eventsourcing is); the web and the gateway reach it through a bounded thread
pool. Saves go through a group commit so that concurrent commands share one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from core.action import Action
from core.errors import Conflict, NotFound, PoskoError
from core.group_commit import GroupCommit
from core.report import FieldReport

A = TypeVar("A", bound=Aggregate)
CONCURRENCY_RETRIES = 5


class PositionLookup(Protocol):
    """What Posko needs of its recorder beyond eventsourcing's own API."""

    def position_of(self, originator_id: UUID) -> int | None: ...

    def max_notification_id(self) -> int | None: ...


@dataclass(frozen=True)
class Recorded:
    """The answer to a command: what it concerns and the log position to wait for to see it."""

    id: UUID
    position: int
    created: bool  # False when the command repeated one already recorded


class Posko(Application[UUID]):
    name = "Posko"

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env)
        self._commits = GroupCommit(self.save)

    @property
    def positions(self) -> PositionLookup:
        return cast(PositionLookup, self.recorder)

    # -- actions -------------------------------------------------------------------------------

    def plan_action(
        self,
        *,
        id: UUID,
        title: str,
        kind: str,
        demands: list[str],
        starts_at: datetime,
        ends_at: datetime,
        actor: str,
    ) -> Recorded:
        action = Action.plan(
            id=id,
            title=title,
            kind=kind,
            demands=demands,
            starts_at=starts_at,
            ends_at=ends_at,
            actor=actor,
        )
        try:
            recordings = self._commits.save(action)
        except IntegrityError:
            existing = self._load(id, Action, field="id", missing=Conflict("id_reused", field="id"))
            if not existing.same_plan(action):
                raise Conflict("id_reused", field="id", id=str(id)) from None
            return Recorded(id, self._position_of(id), created=False)
        return Recorded(id, recordings[-1].notification.id, created=True)

    def add_site(
        self,
        *,
        action_id: UUID,
        site_id: UUID,
        name: str,
        lat: float,
        lon: float,
        target: int,
        actor: str,
    ) -> Recorded:
        def add(action: Action) -> bool:
            return action.add_site(
                site_id=site_id, name=name, lat=lat, lon=lon, target=target, actor=actor
            )

        return self._change_action(action_id, add, result_id=site_id)

    def change_action_status(
        self, *, action_id: UUID, to: str, reason: str | None, actor: str
    ) -> Recorded:
        def change(action: Action) -> bool:
            if action.status == to:
                return False  # a repeated click changes nothing
            if to == "live":
                action.start(actor=actor)
            elif to == "concluded":
                action.conclude(actor=actor)
            elif to == "cancelled":
                action.cancel(reason=reason or "", actor=actor)
            else:
                raise Conflict("bad_transition", field="status", status=action.status, to=to)
            return True

        return self._change_action(action_id, change, result_id=action_id)

    def action(self, action_id: UUID) -> Action:
        return self._load(action_id, Action, field="action_id")

    # -- field reports -------------------------------------------------------------------------

    def file_report(
        self,
        *,
        id: UUID,
        action_id: UUID,
        site_id: UUID,
        kind: str,
        at: datetime,
        lat: float | None = None,
        lon: float | None = None,
        accuracy_m: float | None = None,
        headcount: int | None = None,
        actor: str,
    ) -> Recorded:
        report: FieldReport | None = None
        try:
            report = FieldReport.file(
                id=id,
                action_id=action_id,
                site_id=site_id,
                kind=kind,
                at=at,
                now=datetime.now(UTC),
                lat=lat,
                lon=lon,
                accuracy_m=accuracy_m,
                headcount=headcount,
                actor=actor,
            )
            action = self._load(action_id, Action, field="action_id")
            action.site(site_id)
            if not action.accepts_reports():
                raise Conflict("action_cancelled", field="action_id")
            recordings = self._commits.save(report)
        except (IntegrityError, PoskoError):
            # A phone that retries after a timeout must get the first answer, even if the
            # action changed since; anything else is a real error. A request that is not even
            # a valid report cannot be a retry of one that was recorded.
            if report is None:
                raise
            replay = self._replayed_report(id, report)
            if replay is None:
                raise
            return replay
        return Recorded(id, recordings[-1].notification.id, created=True)

    def _replayed_report(self, id: UUID, attempt: FieldReport) -> Recorded | None:
        try:
            existing: Aggregate = self.repository.get(id)
        except AggregateNotFoundError:
            return None
        if not isinstance(existing, FieldReport):
            raise Conflict("id_reused", field="id", id=str(id))
        if existing.facts() != attempt.facts():
            raise Conflict("id_reused", field="id", id=str(id))
        return Recorded(id, self._position_of(id), created=False)

    # -- helpers -------------------------------------------------------------------------------

    def _change_action(
        self, action_id: UUID, change: Callable[[Action], bool], *, result_id: UUID
    ) -> Recorded:
        """Load, change, save; on a concurrent change by someone else, reload and decide again."""
        for _ in range(CONCURRENCY_RETRIES):
            action = self._load(action_id, Action, field="action_id")
            if not change(action):
                return Recorded(result_id, self._latest_position(), created=False)
            try:
                recordings = self._commits.save(action)
            except IntegrityError:
                continue
            return Recorded(result_id, recordings[-1].notification.id, created=True)
        raise Conflict("busy", field="action_id", id=str(action_id))

    def _load(self, id: UUID, kind: type[A], *, field: str, missing: PoskoError | None = None) -> A:
        try:
            aggregate: Any = self.repository.get(id)
        except AggregateNotFoundError:
            raise missing or NotFound("unknown_" + kind.__name__.lower(), field=field) from None
        if not isinstance(aggregate, kind):
            raise missing or NotFound("unknown_" + kind.__name__.lower(), field=field)
        return aggregate

    def _position_of(self, id: UUID) -> int:
        position = self.positions.position_of(id)
        if position is None:  # cannot happen once an aggregate is loadable
            raise NotFound("unknown_id", field="id", id=str(id))
        return position

    def _latest_position(self) -> int:
        return self.positions.max_notification_id() or 0
