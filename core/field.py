"""Commands from and about the street: incidents and their handling, requests for help and who
delivers them, mobilisation targets per affiliate, and the nearest site to a position."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol
from uuid import UUID

from core import geo, values
from core.action import Action
from core.base import PoskoBase, Recorded
from core.errors import Conflict, InvalidInput
from core.help_request import HelpRequest
from core.incident import Incident
from core.people import Affiliate


class _InAction(Protocol):
    action_id: UUID
    site_id: UUID | None


class FieldCommands(PoskoBase):
    def _check_reportable(self, item: Any) -> None:
        """A report, incident or request concerns an action that takes them, at one of its
        sites (when it names one)."""
        subject: _InAction = item
        action = self._load(subject.action_id, Action, field="action_id", copy=False)
        if subject.site_id is not None:
            action.site(subject.site_id)
        if not action.accepts_reports():
            raise Conflict("action_cancelled", field="action_id")

    # -- incidents -----------------------------------------------------------------------------

    def report_incident(
        self,
        *,
        id: UUID,
        action_id: UUID,
        site_id: UUID | None,
        kind: str,
        severity: str,
        description: str,
        lat: float | None = None,
        lon: float | None = None,
        at: datetime,
        actor: str,
    ) -> Recorded:
        def make() -> Incident:
            return Incident.report(
                id=id,
                action_id=action_id,
                site_id=site_id,
                kind=kind,
                severity=severity,
                description=description,
                lat=lat,
                lon=lon,
                at=at,
                now=datetime.now(UTC),
                actor=actor,
            )

        return self._create(id, make, self._check_reportable)

    def acknowledge_incident(self, *, incident_id: UUID, actor: str) -> Recorded:
        return self._change(
            incident_id, Incident, lambda i: i.acknowledge(actor=actor), field="incident_id"
        )

    def resolve_incident(self, *, incident_id: UUID, note: str, actor: str) -> Recorded:
        return self._change(
            incident_id, Incident, lambda i: i.resolve(note=note, actor=actor), field="incident_id"
        )

    def reopen_incident(self, *, incident_id: UUID, reason: str, actor: str) -> Recorded:
        return self._change(
            incident_id,
            Incident,
            lambda i: i.reopen(reason=reason, actor=actor),
            field="incident_id",
        )

    def incident(self, incident_id: UUID) -> Incident:
        return self._load(incident_id, Incident, field="incident_id")

    # -- requests for help ---------------------------------------------------------------------

    def request_help(
        self,
        *,
        id: UUID,
        action_id: UUID,
        site_id: UUID,
        kind: str,
        quantity: int,
        note: str,
        at: datetime,
        actor: str,
    ) -> Recorded:
        def make() -> HelpRequest:
            return HelpRequest.request(
                id=id,
                action_id=action_id,
                site_id=site_id,
                kind=kind,
                quantity=quantity,
                note=note,
                at=at,
                now=datetime.now(UTC),
                actor=actor,
            )

        return self._create(id, make, self._check_reportable)

    def commit_help(self, *, request_id: UUID, by: str, actor: str) -> Recorded:
        return self._change(
            request_id, HelpRequest, lambda r: r.commit(by=by, actor=actor), field="request_id"
        )

    def fulfil_help(self, *, request_id: UUID, actor: str) -> Recorded:
        return self._change(
            request_id, HelpRequest, lambda r: r.fulfil(actor=actor), field="request_id"
        )

    def cancel_help(self, *, request_id: UUID, reason: str, actor: str) -> Recorded:
        return self._change(
            request_id,
            HelpRequest,
            lambda r: r.cancel(reason=reason, actor=actor),
            field="request_id",
        )

    def help_request(self, request_id: UUID) -> HelpRequest:
        return self._load(request_id, HelpRequest, field="request_id")

    # -- mobilisation --------------------------------------------------------------------------

    def set_target(
        self,
        *,
        action_id: UUID,
        affiliate_id: UUID,
        site_id: UUID | None,
        target: int,
        actor: str,
    ) -> Recorded:
        self._load(affiliate_id, Affiliate, field="affiliate_id")

        def set_it(action: Action) -> bool:
            return action.set_target(
                affiliate_id=affiliate_id, site_id=site_id, target=target, actor=actor
            )

        return self._change(action_id, Action, set_it, field="action_id")

    def nearest_site(self, *, action_id: UUID, lat: float, lon: float) -> dict[str, Any]:
        """The action's site nearest to a position: what a phone without a site is offered."""
        lat, lon = values.latitude("lat", lat), values.longitude("lon", lon)
        action = self._load(action_id, Action, field="action_id")
        if not action.sites:
            raise InvalidInput("no_sites", field="action_id")
        site_id, distance = geo.nearest(action.sites, lat, lon)
        return {
            "site_id": site_id,
            "name": action.sites[site_id]["name"],
            "distance_m": round(distance, 1),
        }
