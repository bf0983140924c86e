"""What the law (as a rule set states it) says about one notice: refusals, warnings, the amber
safety margin and plain information, each naming its rule and the article the rule cites.
Pure: the notice's data, the rule set and "now" in; findings out. A rule whose status is
unverified never refuses: its finding is downgraded to a warning citing its source."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from geopy.distance import geodesic

from core.legal.rules import RuleSet
from core.legal.workdays import latest_receipt, notice_clock

LEVELS = ("refuse", "warn", "amber", "info")


@dataclass(frozen=True)
class Finding:
    code: str
    level: str  # refuse: cannot be marked ready; warn: red, read before going on; amber; info
    rule: str
    cites: str
    status: str  # the rule's confidence: verified, partly, unverified, policy
    params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "level": self.level,
            "rule": self.rule,
            "cites": self.cites,
            "status": self.status,
            "params": self.params,
        }


def _finding(rules: RuleSet, code: str, level: str, rule: str, **params: Any) -> Finding:
    r = rules.rule(rule)
    if level == "refuse" and not r.binding:
        level = "warn"  # an unverified rule is a warning citing its source, never a verdict
    return Finding(code, level, rule, r.cites, r.status, params)


def refusals(findings: Sequence[Finding]) -> list[Finding]:
    return [f for f in findings if f.level == "refuse"]


def _local_day(moment: datetime, like: datetime) -> date:
    """The calendar day of `moment` in the zone of `like` (the notice's own start)."""
    tz = like.tzinfo
    return moment.astimezone(tz).date()


def _time_of(fields: Mapping[str, Any], key: str) -> datetime | None:
    raw = fields.get(key)
    return datetime.fromisoformat(raw) if raw else None


# -- the strike notice ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StrikeClock:
    """Where the notice stands: the receipt day the count runs from (the later receipt, or
    today while one is missing), the working days to the start, the earliest lawful and safe
    starts, and the last day to obtain both receipts for this start."""

    counted_from: date
    counted_from_receipts: bool
    working_days: int
    earliest_lawful: date
    earliest_safe: date
    receipt_deadline: date
    state: str  # too_late | margin | ok

    def as_dict(self) -> dict[str, Any]:
        return {
            "counted_from": self.counted_from.isoformat(),
            "counted_from_receipts": self.counted_from_receipts,
            "working_days": self.working_days,
            "earliest_lawful": self.earliest_lawful.isoformat(),
            "earliest_safe": self.earliest_safe.isoformat(),
            "receipt_deadline": self.receipt_deadline.isoformat(),
            "state": self.state,
        }


def strike_clock(
    fields: Mapping[str, Any],
    receipts: Mapping[str, Mapping[str, Any]],
    rules: RuleSet,
    now: datetime,
) -> StrikeClock | None:
    starts = _time_of(fields, "starts_at")
    if starts is None:
        return None
    calendar = rules.calendar(fields.get("week") or None)
    required = int(rules.value("strike_notice_working_days"))
    margin = int(rules.value("strike_safety_margin_working_days"))
    recipients = list(rules.value("strike_receipts"))
    got = [date.fromisoformat(receipts[r]["received_on"]) for r in recipients if r in receipts]
    both = len(got) == len(recipients)
    counted_from = max(got) if both else max([_local_day(now, starts), *got])
    clock = notice_clock(counted_from, starts.date(), required, margin, calendar)
    return StrikeClock(
        counted_from=counted_from,
        counted_from_receipts=both,
        working_days=clock.working_days,
        earliest_lawful=clock.earliest_lawful,
        earliest_safe=clock.earliest_safe,
        receipt_deadline=latest_receipt(starts.date(), required, calendar),
        state=clock.state,
    )


def strike_findings(
    fields: Mapping[str, Any],
    negotiations: Sequence[Mapping[str, Any]],
    receipts: Mapping[str, Mapping[str, Any]],
    status: str,
    rules: RuleSet,
    now: datetime,
) -> list[Finding]:
    out: list[Finding] = []
    for recipient in rules.value("strike_recipients"):
        if not fields.get(f"{recipient}_name"):
            out.append(
                _finding(
                    rules,
                    "missing_recipient",
                    "refuse",
                    "strike_recipients",
                    field=f"{recipient}_name",
                )
            )
    for key in rules.value("strike_contents"):
        if not fields.get(key):
            out.append(_finding(rules, "missing_content", "refuse", "strike_contents", field=key))
    for i, signer in enumerate(fields.get("signatories") or []):
        if signer.get("coordinator"):
            continue
        for role in rules.value("strike_signatories"):
            if not signer.get(role) or not signer.get("union"):
                out.append(
                    _finding(
                        rules,
                        "missing_signatory",
                        "refuse",
                        "strike_signatories",
                        field=f"signatories[{i}].{role if signer.get('union') else 'union'}",
                    )
                )
                break
    if fields.get("public_service") and not fields.get("staffing_plan"):
        out.append(
            _finding(
                rules,
                "staffing_plan_needed",
                "refuse",
                "strike_public_service_staffing",
                field="staffing_plan",
            )
        )
    if not any(n.get("kind") in ("minutes", "deadlock", "refusal") for n in negotiations):
        out.append(_finding(rules, "no_failed_negotiation", "warn", "strike_failed_negotiation"))
    clock = strike_clock(fields, receipts, rules, now)
    if clock is not None:
        out.extend(_strike_timing(clock, fields, receipts, status, rules))
    return out


def _strike_timing(
    clock: StrikeClock,
    fields: Mapping[str, Any],
    receipts: Mapping[str, Mapping[str, Any]],
    status: str,
    rules: RuleSet,
) -> list[Finding]:
    out: list[Finding] = []
    params = clock.as_dict()
    if clock.state == "too_late":
        code = "receipt_too_late" if clock.counted_from_receipts else "too_close"
        out.append(_finding(rules, code, "refuse", "strike_notice_working_days", **params))
    elif clock.state == "margin":
        out.append(
            _finding(rules, "inside_margin", "amber", "strike_safety_margin_working_days", **params)
        )
    out.append(_finding(rules, "counting", "info", "strike_counting", **params))
    if status == "sent":
        for recipient in rules.value("strike_receipts"):
            if recipient not in receipts:
                out.append(
                    _finding(
                        rules, "receipt_missing", "warn", "strike_receipts", recipient=recipient
                    )
                )
    starts = _time_of(fields, "starts_at")
    assert starts is not None
    calendar = rules.calendar(fields.get("week") or None)
    for year in calendar.uncovered_years(clock.counted_from, starts.date()):
        out.append(_finding(rules, "calendar_missing_year", "warn", "strike_counting", year=year))
    for year in range(clock.counted_from.year, starts.date().year + 1):
        source = rules.years.get(year)
        if source is not None and source.status == "unverified":
            out.append(
                _finding(
                    rules,
                    "calendar_unverified",
                    "warn",
                    "strike_counting",
                    year=year,
                    source=source.source,
                )
            )
    return out


# -- the demonstration notice --------------------------------------------------------------------


def police_level(fields: Mapping[str, Any], rules: RuleSet) -> str | None:
    scope = fields.get("scope")
    levels: Mapping[str, str] = rules.value("demo_police_levels")
    return levels.get(scope) if scope else None


def cancellation_deadline(fields: Mapping[str, Any], rules: RuleSet) -> datetime | None:
    starts = _time_of(fields, "starts_at")
    if starts is None:
        return None
    return starts - timedelta(hours=int(rules.value("demo_cancellation_hours")))


def demo_findings(
    fields: Mapping[str, Any],
    sites: Sequence[Mapping[str, Any]],
    sttp: Mapping[str, Any] | None,
    cancelled_at: datetime | None,
    rules: RuleSet,
    now: datetime,
) -> list[Finding]:
    out: list[Finding] = []
    for key in rules.value("demo_contents"):
        present = fields.get(key) if key != "place" else (sites or fields.get("route"))
        if key == "participants":
            present = fields.get(key) is not None and fields[key] > 0
        if not present:
            out.append(_finding(rules, "missing_content", "refuse", "demo_contents", field=key))
    form = fields.get("form")
    if form and form not in rules.value("demo_forms"):
        out.append(
            _finding(
                rules,
                "unknown_form",
                "refuse",
                "demo_forms",
                field="form",
                allowed=list(rules.value("demo_forms")),
            )
        )
    starts, ends = _time_of(fields, "starts_at"), _time_of(fields, "ends_at")
    if starts is not None:
        hours = int(rules.value("demo_notice_hours"))
        received = datetime.fromisoformat(sttp["received_at"]) if sttp else now
        left = (starts - received).total_seconds() / 3600
        if left < hours:
            code = "sttp_too_late" if sttp else "too_close"
            out.append(
                _finding(
                    rules, code, "warn", "demo_notice_hours", hours=hours, hours_left=round(left, 1)
                )
            )
    if starts is not None and ends is not None:
        out.extend(_demo_days_and_hours(starts, ends, fields, rules))
    out.extend(_near_forbidden(sites, rules))
    participants = fields.get("participants") or 0
    responsible = len(fields.get("responsible") or [])
    low, high = rules.value("demo_responsible_per_100")
    groups = -(-participants // 100)
    if participants and not groups * low <= responsible <= groups * high:
        out.append(
            _finding(
                rules,
                "responsible_ratio",
                "refuse",  # unverified: shown as a warning citing its source
                "demo_responsible_per_100",
                needed_min=groups * low,
                needed_max=groups * high,
                given=responsible,
            )
        )
    if starts is not None:
        deadline = cancellation_deadline(fields, rules)
        assert deadline is not None
        if cancelled_at is not None and cancelled_at > deadline:
            out.append(
                _finding(
                    rules,
                    "cancelled_late",
                    "warn",
                    "demo_cancellation_hours",
                    deadline=deadline.isoformat(),
                )
            )
    if sttp is None and starts is not None:
        out.append(_finding(rules, "sttp_missing", "info", "demo_sttp"))
    return out


def _demo_days_and_hours(
    starts: datetime, ends: datetime, fields: Mapping[str, Any], rules: RuleSet
) -> list[Finding]:
    out: list[Finding] = []
    day = starts.date()
    while day <= ends.astimezone(starts.tzinfo).date():
        off = rules.calendar().day_off(day)
        if off is not None and off.kind == "holiday":
            out.append(
                _finding(
                    rules,
                    "national_holiday",
                    "warn",
                    "demo_no_national_holidays",
                    day=day.isoformat(),
                    name=off.name,
                )
            )
        if day.year not in rules.years:
            out.append(
                _finding(
                    rules,
                    "calendar_missing_year",
                    "warn",
                    "demo_no_national_holidays",
                    year=day.year,
                )
            )
        day += timedelta(days=1)
    window = rules.value("demo_hours")["closed" if fields.get("indoor") else "open"]
    opens, closes = time.fromisoformat(window[0]), time.fromisoformat(window[1])
    local_end = ends.astimezone(starts.tzinfo)
    outside = (
        starts.time() < opens or local_end.date() != starts.date() or local_end.time() > closes
    )
    if outside:
        out.append(
            _finding(
                rules,
                "outside_hours",
                "warn",
                "demo_hours",
                opens=window[0],
                closes=window[1],
                indoor=bool(fields.get("indoor")),
            )
        )
    return out


def _near_forbidden(sites: Sequence[Mapping[str, Any]], rules: RuleSet) -> list[Finding]:
    distances: Mapping[str, int] = rules.value("demo_forbidden_places")
    out: list[Finding] = []
    for site in sites:
        for place in rules.places:
            limit = distances[place.category]
            metres = geodesic((site["lat"], site["lon"]), (place.lat, place.lon)).meters
            if metres <= limit:
                out.append(
                    _finding(
                        rules,
                        "near_forbidden_place",
                        "warn",
                        "demo_forbidden_places",
                        site=site["name"],
                        place=place.name,
                        category=place.category,
                        distance_m=round(metres),
                        limit_m=limit,
                    )
                )
    return out
