"""The Posko application: every command the service accepts, each one load -> decide -> save.

It is synchronous (eventsourcing is); the web, the gateway, the feed and the runner reach it only
through the async port (`projections/port.py`, built in `posko/bootstrap.py`). Saves go through
a group commit so that concurrent commands share one transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from core.action import DEFAULT_CHECKIN_RADIUS_M, Action
from core.audit import PositionsRead
from core.base import Recorded
from core.budget_commands import BudgetCommands
from core.errors import Conflict
from core.evidence_commands import EvidenceCommands
from core.field import FieldCommands
from core.fund_commands import FundCommands
from core.fund_link import FundLinkCommands
from core.identity import IdentityCommands
from core.organisation import OrganisationCommands
from core.planning import PlanningCommands
from core.report import FieldReport
from core.sms_commands import SmsCommands
from core.votes import VoteCommands

__all__ = ["Posko", "Recorded"]


class Posko(
    SmsCommands,
    FieldCommands,
    IdentityCommands,
    EvidenceCommands,
    PlanningCommands,
    OrganisationCommands,
    VoteCommands,
    BudgetCommands,
    FundCommands,
    FundLinkCommands,
):
    """Every command Posko accepts: actions and reports here, the street's incidents and
    requests in FieldCommands, people and access in IdentityCommands, texts in SmsCommands,
    strike votes in VoteCommands, legal notices and evidence in EvidenceCommands, planning and
    the organisation's names in PlanningCommands and OrganisationCommands, solidarity funds in
    FundCommands, their links to actions in FundLinkCommands and their annual budgets in
    BudgetCommands."""

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
        checkin_radius_m: int = DEFAULT_CHECKIN_RADIUS_M,
        affiliates: list[UUID] | None = None,
    ) -> Recorded:
        def make() -> Action:
            action = Action.plan(
                id=id,
                title=title,
                kind=kind,
                demands=demands,
                starts_at=starts_at,
                ends_at=ends_at,
                actor=actor,
                checkin_radius_m=checkin_radius_m,
            )
            if affiliates:  # the affiliates taking part: an edit saved with the plan, atomically
                action.edit(affiliates=affiliates, actor=actor)
            return action

        return self._create(id, make)

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

    def record_positions_read(self, *, action_id: UUID, count: int, actor: str) -> Recorded:
        """Record that `actor` read `count` exact check-in positions of the action."""
        read = PositionsRead(action_id=action_id, actor=actor, count=count)
        recordings = self._commits.save(read)
        return Recorded(read.id, recordings[-1].notification.id, created=True)

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
        by_affiliate: dict[str, int] | None = None,
        phase: str | None = None,
        mood: str | None = None,
        actor: str,
    ) -> Recorded:
        def make() -> FieldReport:
            return FieldReport.file(
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
                by_affiliate=by_affiliate,
                phase=phase,
                mood=mood,
                actor=actor,
            )

        return self._create(id, make, self._check_reportable)
