"""A field report from a korlap's phone: a check-in at a site (with the phone's GPS position) or a
headcount. Its id is the phone's UUID, so a retried send can never be recorded twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from core import values
from core.errors import InvalidInput

KINDS = ("checkin", "headcount")
CLOCK_SKEW = timedelta(minutes=10)  # phones' clocks drift; beyond this a time is a mistake


class FieldReport(Aggregate):
    class Filed(Aggregate.Created):
        action_id: UUID
        site_id: UUID
        kind: str
        at: datetime
        lat: float | None
        lon: float | None
        accuracy_m: float | None
        headcount: int | None
        actor: str

    @event(Filed)
    def __init__(
        self,
        *,
        id: UUID,
        action_id: UUID,
        site_id: UUID,
        kind: str,
        at: datetime,
        lat: float | None,
        lon: float | None,
        accuracy_m: float | None,
        headcount: int | None,
        actor: str,
    ) -> None:
        self.action_id = action_id
        self.site_id = site_id
        self.kind = kind
        self.at = at
        self.lat = lat
        self.lon = lon
        self.accuracy_m = accuracy_m
        self.headcount = headcount
        self.reporter = actor

    @classmethod
    def file(
        cls,
        *,
        id: UUID,
        action_id: UUID,
        site_id: UUID,
        kind: str,
        at: datetime,
        now: datetime,
        lat: float | None = None,
        lon: float | None = None,
        accuracy_m: float | None = None,
        headcount: int | None = None,
        actor: str,
    ) -> FieldReport:
        values.choice("kind", kind, KINDS)
        values.aware("at", at)
        if at > now + CLOCK_SKEW:
            raise InvalidInput("in_future", field="at", max_skew_minutes=10)
        if (lat is None) != (lon is None):
            raise InvalidInput("lat_lon_together", field="lon" if lon is None else "lat")
        if kind == "checkin" and lat is None:
            raise InvalidInput("required", field="lat")
        if kind == "headcount" and headcount is None:
            raise InvalidInput("required", field="headcount")
        if kind == "checkin" and headcount is not None:
            raise InvalidInput("not_for_kind", field="headcount", kind=kind)
        return cls(
            id=id,
            action_id=action_id,
            site_id=site_id,
            kind=kind,
            at=at.astimezone(UTC),
            lat=None if lat is None else values.latitude("lat", lat),
            lon=None if lon is None else values.longitude("lon", lon),
            accuracy_m=None if accuracy_m is None else values.accuracy("accuracy_m", accuracy_m),
            headcount=None if headcount is None else values.count("headcount", headcount),
            actor=actor,
        )

    def facts(self) -> dict[str, Any]:
        """What a retry must repeat exactly to count as the same report."""
        return {
            "action_id": self.action_id,
            "site_id": self.site_id,
            "kind": self.kind,
            "at": self.at,
            "lat": self.lat,
            "lon": self.lon,
            "accuracy_m": self.accuracy_m,
            "headcount": self.headcount,
        }
