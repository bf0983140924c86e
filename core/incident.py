"""Incidents in the field (an arrest, an injury, a police blockade...) and their handling:
open -> acknowledged (by whom) -> resolved (with a note); a resolved incident can be reopened.
Arrests and detentions are flagged for the legal team (LBH)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from core import values
from core.errors import InvalidInput
from core.lifecycle import Lifecycle
from core.report import check_time

KINDS = (
    "arrest",  # penangkapan / penahanan
    "injury",
    "police",  # police action or blockade
    "provocation",  # provocation or infiltration
    "violence",
    "weather",
    "logistics",
    "other",
)
SEVERITIES = ("low", "medium", "high", "critical")
LEGAL_KINDS = ("arrest",)  # these go to the legal team's (LBH) channel too
LIFECYCLE = Lifecycle(
    {"acknowledged": ("open",), "resolved": ("open", "acknowledged"), "open": ("resolved",)}
)


class Incident(Aggregate):
    class Reported(Aggregate.Created):
        action_id: UUID
        site_id: UUID | None
        kind: str
        severity: str
        description: str
        lat: float | None
        lon: float | None
        at: datetime
        actor: str

    class Acknowledged(Aggregate.Event):
        actor: str

    class Resolved(Aggregate.Event):
        note: str
        actor: str

    class Reopened(Aggregate.Event):
        reason: str
        actor: str

    @event(Reported)
    def __init__(
        self,
        *,
        id: UUID,
        action_id: UUID,
        site_id: UUID | None,
        kind: str,
        severity: str,
        description: str,
        lat: float | None,
        lon: float | None,
        at: datetime,
        actor: str,
    ) -> None:
        self.action_id = action_id
        self.site_id = site_id
        self.kind = kind
        self.severity = severity
        self.description = description
        self.lat = lat
        self.lon = lon
        self.at = at
        self.status = "open"

    @classmethod
    def report(
        cls,
        *,
        id: UUID,
        action_id: UUID,
        site_id: UUID | None,
        kind: str,
        severity: str,
        description: str,
        lat: float | None,
        lon: float | None,
        at: datetime,
        now: datetime,
        actor: str,
    ) -> Incident:
        if (lat is None) != (lon is None):
            raise InvalidInput("lat_lon_together", field="lon" if lon is None else "lat")
        return cls(
            id=id,
            action_id=action_id,
            site_id=site_id,
            kind=values.choice("kind", kind, KINDS),
            severity=values.choice("severity", severity, SEVERITIES),
            description=values.text("description", description, max_length=1000),
            lat=None if lat is None else values.latitude("lat", lat),
            lon=None if lon is None else values.longitude("lon", lon),
            at=check_time(at, now),
            actor=actor,
        )

    def facts(self) -> dict[str, Any]:
        return {
            "action_id": self.action_id,
            "site_id": self.site_id,
            "kind": self.kind,
            "severity": self.severity,
            "description": self.description,
            "lat": self.lat,
            "lon": self.lon,
            "at": self.at,
        }

    @property
    def legal(self) -> bool:
        return self.kind in LEGAL_KINDS

    def acknowledge(self, *, actor: str) -> bool:
        # a second coordinator clicking at once changes nothing
        if not LIFECYCLE.moving(self.status, "acknowledged"):
            return False
        self._acknowledged(actor=actor)
        return True

    @event(Acknowledged)
    def _acknowledged(self, *, actor: str) -> None:
        self.status = "acknowledged"

    def resolve(self, *, note: str, actor: str) -> bool:
        if not LIFECYCLE.moving(self.status, "resolved"):
            return False
        self._resolved(note=values.text("note", note, max_length=1000), actor=actor)
        return True

    @event(Resolved)
    def _resolved(self, *, note: str, actor: str) -> None:
        self.status = "resolved"

    def reopen(self, *, reason: str, actor: str) -> bool:
        # not resolved (open, or acknowledged and so still open): nothing to reopen
        if not LIFECYCLE.moving(self.status, "open", repeat=self.status != "resolved"):
            return False
        self._reopened(reason=values.text("reason", reason, max_length=500), actor=actor)
        return True

    @event(Reopened)
    def _reopened(self, *, reason: str, actor: str) -> None:
        self.status = "open"
