"""A field report from a korlap's phone: a check-in at a site (with the phone's GPS position), a
headcount (in total and optionally per affiliate), or the site's status (assembling, marching,
holding, dispersed; calm or tense). Its id is the phone's UUID, so a resend is never counted
twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from core import values
from core.errors import InvalidInput

KINDS = ("checkin", "headcount", "status")
PHASES = ("assembling", "marching", "holding", "dispersed")
MOODS = ("calm", "tense")
CLOCK_SKEW = timedelta(minutes=10)  # phones' clocks drift; beyond this a time is a mistake
MAX_AFFILIATES = 50


def check_time(at: datetime, now: datetime, field: str = "at") -> datetime:
    """A time a phone says something happened: with a zone, not in the future; kept in UTC."""
    values.aware(field, at)
    if at > now + CLOCK_SKEW:
        raise InvalidInput("in_future", field=field, max_skew_minutes=10)
    return at.astimezone(UTC)


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
        by_affiliate: dict[str, int] | None
        phase: str | None
        mood: str | None
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
        by_affiliate: dict[str, int] | None,
        phase: str | None,
        mood: str | None,
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
        self.by_affiliate = by_affiliate
        self.phase = phase
        self.mood = mood
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
        by_affiliate: dict[str, int] | None = None,
        phase: str | None = None,
        mood: str | None = None,
        actor: str,
    ) -> FieldReport:
        values.choice("kind", kind, KINDS)
        at = check_time(at, now)
        if (lat is None) != (lon is None):
            raise InvalidInput("lat_lon_together", field="lon" if lon is None else "lat")
        if kind == "checkin" and lat is None:
            raise InvalidInput("required", field="lat")
        if kind == "headcount" and headcount is None:
            raise InvalidInput("required", field="headcount")
        given = {"headcount": headcount, "by_affiliate": by_affiliate, "phase": phase, "mood": mood}
        allowed = {"headcount": ("headcount", "by_affiliate"), "status": ("phase", "mood")}
        for name, value in given.items():
            if value is not None and name not in allowed.get(kind, ()):
                raise InvalidInput("not_for_kind", field=name, kind=kind)
        if kind == "status" and phase is None and mood is None:
            raise InvalidInput("required", field="phase")
        if headcount is not None:
            values.count("headcount", headcount)
        if by_affiliate is not None:
            by_affiliate = _breakdown(by_affiliate, headcount or 0)
        return cls(
            id=id,
            action_id=action_id,
            site_id=site_id,
            kind=kind,
            at=at,
            lat=None if lat is None else values.latitude("lat", lat),
            lon=None if lon is None else values.longitude("lon", lon),
            accuracy_m=None if accuracy_m is None else values.accuracy("accuracy_m", accuracy_m),
            headcount=headcount,
            by_affiliate=by_affiliate,
            phase=None if phase is None else values.choice("phase", phase, PHASES),
            mood=None if mood is None else values.choice("mood", mood, MOODS),
            actor=actor,
        )

    def facts(self) -> dict[str, Any]:
        """What a resend must repeat exactly to count as the same report."""
        return {
            "action_id": self.action_id,
            "site_id": self.site_id,
            "kind": self.kind,
            "at": self.at,
            "lat": self.lat,
            "lon": self.lon,
            "accuracy_m": self.accuracy_m,
            "headcount": self.headcount,
            "by_affiliate": self.by_affiliate,
            "phase": self.phase,
            "mood": self.mood,
        }


def _breakdown(by_affiliate: dict[str, int], total: int) -> dict[str, int]:
    if len(by_affiliate) > MAX_AFFILIATES:
        raise InvalidInput("too_many", field="by_affiliate", max=MAX_AFFILIATES)
    for key, count in by_affiliate.items():
        values.count(f"by_affiliate.{key}", count)
    if sum(by_affiliate.values()) > total:
        raise InvalidInput("breakdown_exceeds_total", field="by_affiliate")
    return dict(sorted(by_affiliate.items()))
