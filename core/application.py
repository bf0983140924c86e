"""The Posko application: every command the service accepts, each one load -> decide -> save.

It is synchronous (eventsourcing is); the web and the gateway reach it through a bounded thread
pool. Saves go through a group commit so that concurrent commands share one transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from core.action import Action
from core.base import Recorded
from core.errors import Conflict, PoskoError
from core.identity import IdentityCommands
from core.report import FieldReport

__all__ = ["Posko", "Recorded"]


class Posko(IdentityCommands):
    """Every command Posko accepts: actions and reports here, people and access in
    IdentityCommands."""

    name = "Posko"

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

        return self._change(action_id, Action, add, field="action_id", result_id=site_id)

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

        return self._change(action_id, Action, change, field="action_id")

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
