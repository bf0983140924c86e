"""Planning an action before and around the day (K-L-A-P: konsep, lobi, aksi, politik): edits of
the plan while planned, adjusted sites, sites imported from a file in one go, korlaps named for
sites, and the lobbying, hearings and outcomes recorded on the action."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from core import site_import
from core.action import Action
from core.base import PoskoBase, Recorded
from core.errors import Conflict


@dataclass(frozen=True)
class ImportedSite:
    """A checked row of a site import (see core/site_import.py), placed."""

    site_id: UUID
    name: str
    lat: float
    lon: float
    target: int
    korlap_name: str | None
    korlap_phone: str | None


class PlanningCommands(PoskoBase):
    def edit_action(
        self,
        *,
        action_id: UUID,
        title: str | None = None,
        kind: str | None = None,
        demands: list[str] | None = None,
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
        checkin_radius_m: int | None = None,
        affiliates: list[UUID] | None = None,
        actor: str,
    ) -> Recorded:
        def edit(action: Action) -> bool:
            return action.edit(
                title=title,
                kind=kind,
                demands=demands,
                starts_at=starts_at,
                ends_at=ends_at,
                checkin_radius_m=checkin_radius_m,
                affiliates=affiliates,
                actor=actor,
            )

        return self._change(action_id, Action, edit, field="action_id")

    def adjust_site(
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
        def adjust(action: Action) -> bool:
            return action.adjust_site(
                site_id=site_id, name=name, lat=lat, lon=lon, target=target, actor=actor
            )

        return self._change(action_id, Action, adjust, field="action_id", result_id=site_id)

    def import_sites(self, *, action_id: UUID, sites: list[ImportedSite], actor: str) -> Recorded:
        """Every site of a checked file in one save: all of them or none. Rows imported before
        add nothing; a site of the same name added since the check is refused."""

        def add_all(action: Action) -> bool:
            rows = [
                site_import.SiteRow(
                    line=n, name=s.name, lat=s.lat, lon=s.lon, target=s.target, site_id=s.site_id
                )
                for n, s in enumerate(sites, start=2)
            ]
            site_import.check_against(rows, action.sites)
            for row in rows:
                if row.status == "error":
                    raise Conflict("site_exists", field="csv", name=row.name, line=row.line)
            changed = False
            for site in sites:
                changed |= action.add_site(
                    site_id=site.site_id,
                    name=site.name,
                    lat=site.lat,
                    lon=site.lon,
                    target=site.target,
                    actor=actor,
                )
                if site.korlap_name:
                    changed |= action.name_korlap(
                        site_id=site.site_id,
                        name=site.korlap_name,
                        phone=site.korlap_phone,
                        actor=actor,
                    )
            return changed

        return self._change(action_id, Action, add_all, field="action_id")

    def record_lobby(
        self,
        *,
        action_id: UUID,
        lobby_id: UUID,
        kind: str,
        with_whom: str,
        at: datetime,
        promised: str,
        actor: str,
    ) -> Recorded:
        def record(action: Action) -> bool:
            return action.record_lobby(
                lobby_id=lobby_id,
                kind=kind,
                with_whom=with_whom,
                at=at,
                promised=promised,
                actor=actor,
            )

        return self._change(action_id, Action, record, field="action_id", result_id=lobby_id)

    def record_outcome(
        self,
        *,
        action_id: UUID,
        outcome_id: UUID,
        kind: str,
        description: str,
        follow_up_by: datetime | None,
        lobby_id: UUID | None,
        actor: str,
    ) -> Recorded:
        def record(action: Action) -> bool:
            return action.record_outcome(
                outcome_id=outcome_id,
                kind=kind,
                description=description,
                follow_up_by=follow_up_by,
                lobby_id=lobby_id,
                actor=actor,
            )

        return self._change(action_id, Action, record, field="action_id", result_id=outcome_id)
