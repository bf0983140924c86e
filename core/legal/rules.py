"""Legal rule sets: dated, versioned TOML files (shipped in core/legal/rules/, replaceable by an
administrator through POSKO_LEGAL_RULES_DIR), each rule citing its article and how sure we are
of it. Parsing is pure (text in, RuleSet out); `load_rulebook` only reads the directory."""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from core.legal.workdays import Calendar, CalendarError, DayOff

SHIPPED = Path(__file__).parent / "rules"
STATUSES = ("verified", "partly", "unverified", "policy")
# Only a rule whose text was seen (or partly seen) may refuse; the rest only ever warn.
BINDING = ("verified", "partly", "policy")
DAY_KINDS = ("holiday", "cuti_bersama")
PLACE_CATEGORIES = (
    "palace",
    "military",
    "vital_object",
    "hospital",
    "port",
    "station",
    "terminal",
    "place_of_worship",
)
REQUIRED_RULES = (
    "strike_notice_working_days",
    "strike_counting",
    "strike_safety_margin_working_days",
    "strike_recipients",
    "strike_contents",
    "strike_place_hint",
    "strike_signatories",
    "strike_receipts",
    "strike_failed_negotiation",
    "strike_public_service_staffing",
    "demo_notice_hours",
    "demo_contents",
    "demo_forms",
    "demo_no_national_holidays",
    "demo_forbidden_places",
    "demo_hours",
    "demo_responsible_per_100",
    "demo_police_levels",
    "demo_sttp",
    "demo_cancellation_hours",
    "summons_answer_days",
    "retaliation",
)


class RulesError(ValueError):
    """A rule set that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Rule:
    name: str
    value: Any
    cites: str
    status: str
    note: str = ""

    @property
    def binding(self) -> bool:
        """May this rule refuse? Unverified rules only warn, citing their source."""
        return self.status in BINDING

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.name, "cites": self.cites, "status": self.status, "note": self.note}


@dataclass(frozen=True)
class Place:
    name: str
    category: str
    lat: float
    lon: float


@dataclass(frozen=True)
class YearSource:
    status: str
    source: str


@dataclass(frozen=True)
class RuleSet:
    version: str
    effective_from: date
    title: str
    watch: str
    digest: str  # sha256 of the file's text: two files with one version are told apart
    text: str
    rules: Mapping[str, Rule]
    week: int
    cuti_bersama_off: bool
    days_off: tuple[DayOff, ...]
    years: Mapping[int, YearSource]
    places: tuple[Place, ...]

    @property
    def id(self) -> UUID:
        """The id its text is stored under in the event store (content-addressed)."""
        return uuid5(NAMESPACE_URL, f"posko:legal-rules:{self.digest}")

    def rule(self, name: str) -> Rule:
        return self.rules[name]

    def value(self, name: str) -> Any:
        return self.rules[name].value

    def calendar(self, week: int | None = None) -> Calendar:
        return Calendar.of(
            week or self.week,
            self.days_off,
            self.years,
            cuti_bersama_off=self.cuti_bersama_off,
        )

    def summary(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "effective_from": self.effective_from.isoformat(),
            "digest": self.digest,
            "title": self.title,
            "watch": self.watch,
            "rules": {name: {**r.as_dict(), "value": r.value} for name, r in self.rules.items()},
            "calendar": {
                "week": self.week,
                "cuti_bersama_off": self.cuti_bersama_off,
                "years": {
                    str(y): {"status": s.status, "source": s.source} for y, s in self.years.items()
                },
                "days_off": [
                    {"date": d.day.isoformat(), "kind": d.kind, "name": d.name}
                    for d in self.days_off
                ],
            },
            "places": [
                {"name": p.name, "category": p.category, "lat": p.lat, "lon": p.lon}
                for p in self.places
            ],
        }


def parse(text: str, *, origin: str = "<rules>") -> RuleSet:
    """A rule set from its TOML text; RulesError naming `origin` and the key when malformed."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RulesError(f"{origin}: not TOML ({error})") from None

    def need(
        mapping: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str
    ) -> Any:
        value = mapping.get(key)
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise RulesError(f"{origin}: {where}{key} is missing or of the wrong type")
        return value

    version = need(raw, "version", str, "")
    effective = need(raw, "effective_from", date, "")
    rules: dict[str, Rule] = {}
    for name, body in need(raw, "rules", dict, "").items():
        if not isinstance(body, dict) or "value" not in body:
            raise RulesError(f"{origin}: rules.{name} needs a value")
        status = need(body, "status", str, f"rules.{name}.")
        if status not in STATUSES:
            raise RulesError(f"{origin}: rules.{name}.status must be one of {STATUSES}")
        rules[name] = Rule(
            name=name,
            value=body["value"],
            cites=need(body, "cites", str, f"rules.{name}."),
            status=status,
            note=str(body.get("note", "")),
        )
    missing = [name for name in REQUIRED_RULES if name not in rules]
    if missing:
        raise RulesError(f"{origin}: missing rules {', '.join(missing)}")
    calendar = need(raw, "calendar", dict, "")
    week = need(calendar, "week", int, "calendar.")
    if week not in (5, 6):
        raise RulesError(f"{origin}: calendar.week must be 5 or 6")
    years: dict[int, YearSource] = {}
    for year, body in need(calendar, "years", dict, "calendar.").items():
        if not (year.isdigit() and isinstance(body, dict)):
            raise RulesError(f"{origin}: calendar.years.{year} must be a year with a table")
        status = need(body, "status", str, f"calendar.years.{year}.")
        if status not in STATUSES:
            raise RulesError(f"{origin}: calendar.years.{year}.status must be one of {STATUSES}")
        years[int(year)] = YearSource(status, need(body, "source", str, f"calendar.years.{year}."))
    days: list[DayOff] = []
    for i, body in enumerate(calendar.get("days", [])):
        where = f"calendar.days[{i}]."
        day = need(body, "date", date, where)
        kind = need(body, "kind", str, where)
        if kind not in DAY_KINDS:
            raise RulesError(f"{origin}: {where}kind must be one of {DAY_KINDS}")
        if day.year not in years:
            raise RulesError(f"{origin}: {where}date is in {day.year}, which calendar.years lacks")
        days.append(DayOff(day, kind, need(body, "name", str, where)))
    places: list[Place] = []
    for i, body in enumerate(raw.get("places", [])):
        where = f"places[{i}]."
        category = need(body, "category", str, where)
        if category not in PLACE_CATEGORIES:
            raise RulesError(f"{origin}: {where}category must be one of {PLACE_CATEGORIES}")
        lat, lon = need(body, "lat", (int, float), where), need(body, "lon", (int, float), where)
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise RulesError(f"{origin}: {where}lat/lon out of range")
        places.append(Place(need(body, "name", str, where), category, float(lat), float(lon)))
    distances = rules["demo_forbidden_places"].value
    if not isinstance(distances, dict) or set(distances) != set(PLACE_CATEGORIES):
        raise RulesError(f"{origin}: rules.demo_forbidden_places needs a distance per category")
    try:
        Calendar.of(week, days, years)
    except CalendarError as error:
        raise RulesError(f"{origin}: {error}") from None
    return RuleSet(
        version=version,
        effective_from=effective,
        title=str(raw.get("title", "")),
        watch=str(raw.get("watch", "")),
        digest=hashlib.sha256(text.encode()).hexdigest(),
        text=text,
        rules=rules,
        week=week,
        cuti_bersama_off=bool(calendar.get("cuti_bersama_off", True)),
        days_off=tuple(sorted(days, key=lambda d: d.day)),
        years=years,
        places=tuple(places),
    )


@dataclass(frozen=True)
class RuleBook:
    """Every rule set an installation knows; the one in force on a day is the latest whose
    effective_from is not after it."""

    sets: tuple[RuleSet, ...]
    directory: str = ""
    _by_digest: dict[str, RuleSet] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, sets: Iterable[RuleSet], directory: str = "") -> RuleBook:
        ordered = tuple(sorted(sets, key=lambda s: (s.effective_from, s.version)))
        if not ordered:
            raise RulesError(f"{directory or 'rule book'}: no rule sets")
        versions = [s.version for s in ordered]
        if len(set(versions)) != len(versions):
            raise RulesError(f"{directory}: two files declare the same version")
        dates = [s.effective_from for s in ordered]
        if len(set(dates)) != len(dates):
            raise RulesError(f"{directory}: two versions take effect on the same day")
        return cls(ordered, directory, {s.digest: s for s in ordered})

    def in_force(self, day: date) -> RuleSet:
        current = [s for s in self.sets if s.effective_from <= day]
        return current[-1] if current else self.sets[0]

    def by_digest(self, digest: str) -> RuleSet | None:
        return self._by_digest.get(digest)


def load_rulebook(directory: Path | None = None) -> RuleBook:
    """Every *.toml in `directory` (default: the shipped rules), parsed and checked."""
    folder = directory or SHIPPED
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise RulesError(f"{folder}: no *.toml rule sets")
    return RuleBook.of((parse(f.read_text("utf-8"), origin=str(f)) for f in files), str(folder))
