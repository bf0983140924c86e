"""The working-day calendar and the strike-notice clock: which days are working days (a 5- or
6-day week, national holidays and cuti bersama), how many full working days lie between two
dates, and the earliest lawful start. Pure: dates in, dates out; no clock, no files."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

WEEKDAYS_5 = frozenset({0, 1, 2, 3, 4})  # Monday-Friday
WEEKDAYS_6 = frozenset({0, 1, 2, 3, 4, 5})  # Monday-Saturday, where the PKB or rules say so
# How far the calculator searches before giving up: far more than any notice period, and a
# guard against a calendar that declares every day a holiday.
MAX_SEARCH_DAYS = 3_660


class CalendarError(ValueError):
    """A calendar that cannot answer (no working day within MAX_SEARCH_DAYS)."""


@dataclass(frozen=True)
class DayOff:
    day: date
    kind: str  # "holiday" (libur nasional) or "cuti_bersama"
    name: str


@dataclass(frozen=True)
class Calendar:
    """Working days of one workplace: its week and the days off of the national calendar.
    `covered_years` are the years whose days off the calendar knows; a date outside them is
    counted with weekends only, and the caller warns about it."""

    week_days: frozenset[int] = WEEKDAYS_5
    days_off: Mapping[date, DayOff] = field(default_factory=dict)
    covered_years: frozenset[int] = frozenset()
    # Cuti bersama are days off by joint decree, not by law; a workplace may work them. The
    # conservative default treats them as non-working (more calendar days must pass).
    cuti_bersama_off: bool = True

    @classmethod
    def of(
        cls,
        week: int,
        days_off: Iterable[DayOff] = (),
        covered_years: Iterable[int] = (),
        *,
        cuti_bersama_off: bool = True,
    ) -> Calendar:
        if week not in (5, 6):
            raise CalendarError(f"a working week has 5 or 6 days, not {week}")
        return cls(
            week_days=WEEKDAYS_5 if week == 5 else WEEKDAYS_6,
            days_off={d.day: d for d in days_off},
            covered_years=frozenset(covered_years),
            cuti_bersama_off=cuti_bersama_off,
        )

    def is_working_day(self, day: date) -> bool:
        if day.weekday() not in self.week_days:
            return False
        off = self.days_off.get(day)
        if off is None:
            return True
        return off.kind == "cuti_bersama" and not self.cuti_bersama_off

    def day_off(self, day: date) -> DayOff | None:
        return self.days_off.get(day)

    def uncovered_years(self, first: date, last: date) -> list[int]:
        """Years between the two dates (inclusive) whose days off the calendar does not know."""
        return [y for y in range(first.year, last.year + 1) if y not in self.covered_years]


def working_days_between(first: date, last: date, calendar: Calendar) -> int:
    """Full working days strictly between `first` and `last`: both end days are excluded (the
    conservative reading of "7 hari kerja sebelum"). 0 when `last` is not after `first`."""
    if last <= first:
        return 0
    if (last - first).days > MAX_SEARCH_DAYS:
        raise CalendarError("the dates are too far apart to count")
    count = 0
    day = first + timedelta(days=1)
    while day < last:
        if calendar.is_working_day(day):
            count += 1
        day += timedelta(days=1)
    return count


def earliest_start(receipt: date, required: int, calendar: Calendar) -> date:
    """The first day a strike may start when the later receipt was obtained on `receipt`:
    the day after the `required`-th full working day after the receipt day."""
    if required < 0:
        raise CalendarError("a notice period cannot be negative")
    day, counted = receipt, 0
    for _ in range(MAX_SEARCH_DAYS):
        if counted >= required:
            return day + timedelta(days=1)
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            counted += 1
    raise CalendarError("no working day found in the calendar")


def latest_receipt(start: date, required: int, calendar: Calendar) -> date:
    """The last day on which the later receipt may be obtained for a strike starting `start`
    (the inverse of earliest_start): `required` full working days must lie between them."""
    if required < 0:
        raise CalendarError("a notice period cannot be negative")
    day, counted = start, 0
    for _ in range(MAX_SEARCH_DAYS):
        if counted >= required:
            return day - timedelta(days=1)
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            counted += 1
    raise CalendarError("no working day found in the calendar")


@dataclass(frozen=True)
class NoticeClock:
    """Where a strike start stands against a receipt date: the working days between them, the
    earliest lawful start, the earliest start with the safety margin, and the verdict."""

    working_days: int
    required: int
    margin: int
    earliest_lawful: date
    earliest_safe: date
    state: str  # "too_late" (fewer than required), "margin" (amber: lawful, inside margin), "ok"


def notice_clock(
    receipt: date, start: date, required: int, margin: int, cal: Calendar
) -> NoticeClock:
    days = working_days_between(receipt, start, cal)
    lawful = earliest_start(receipt, required, cal)
    safe = earliest_start(receipt, required + margin, cal)
    state = "too_late" if days < required else "margin" if days < required + margin else "ok"
    return NoticeClock(days, required, margin, lawful, safe, state)
