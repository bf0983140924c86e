"""The strike-notice clock without I/O: a table of receipt days and the earliest lawful start
across weekends, national holidays, cuti bersama, year ends and six-day weeks, on the shipped
2026/2027 calendar; counting excludes both end days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.legal.rules import load_rulebook
from core.legal.workdays import (
    Calendar,
    CalendarError,
    DayOff,
    earliest_start,
    latest_receipt,
    notice_clock,
    working_days_between,
)

RULES = load_rulebook().in_force(date(2026, 6, 1))
FIVE = RULES.calendar(5)
SIX = RULES.calendar(6)
FIVE_WORKING_CUTI = Calendar.of(5, RULES.days_off, RULES.years, cuti_bersama_off=False)
D = date


@pytest.mark.parametrize(
    ("case", "calendar", "receipt", "required", "earliest"),
    [
        ("plain week: Mon receipt, 7 days Tue..Wed", FIVE, D(2026, 1, 5), 7, D(2026, 1, 15)),
        ("Isra Mikraj Fri 16 Jan is skipped", FIVE, D(2026, 1, 8), 7, D(2026, 1, 21)),
        ("Friday receipt: the weekend counts nothing", FIVE, D(2026, 1, 9), 7, D(2026, 1, 22)),
        ("Saturday receipt: as from the Friday", FIVE, D(2026, 1, 10), 7, D(2026, 1, 22)),
        ("Sunday receipt", FIVE, D(2026, 1, 11), 7, D(2026, 1, 22)),
        (
            "Nyepi + Idul Fitri + cuti bersama 18-24 Mar leave one day",
            FIVE,
            D(2026, 3, 16),
            7,
            D(2026, 4, 2),
        ),
        (
            "the same week where the workplace works cuti bersama",
            FIVE_WORKING_CUTI,
            D(2026, 3, 16),
            7,
            D(2026, 3, 27),
        ),
        ("Labour Day Fri 1 May", FIVE, D(2026, 4, 30), 7, D(2026, 5, 13)),
        (
            "Idul Adha, its cuti bersama and Pancasila day",
            FIVE,
            D(2026, 5, 25),
            7,
            D(2026, 6, 9),
        ),
        (
            "year end: cuti bersama 24 Dec, Christmas, New Year 2027",
            FIVE,
            D(2026, 12, 21),
            7,
            D(2027, 1, 5),
        ),
        ("six-day week: Saturdays count", SIX, D(2026, 1, 5), 7, D(2026, 1, 14)),
        ("six-day week across a Friday holiday", SIX, D(2026, 1, 14), 7, D(2026, 1, 24)),
        ("safety margin: 7 + 2 working days", FIVE, D(2026, 1, 5), 9, D(2026, 1, 20)),
        ("zero days: the next day", FIVE, D(2026, 1, 5), 0, D(2026, 1, 6)),
    ],
)
def test_earliest_lawful_start(
    case: str, calendar: Calendar, receipt: date, required: int, earliest: date
) -> None:
    assert earliest_start(receipt, required, calendar) == earliest, case
    # The day before the earliest start leaves one working day too few (or is a day off).
    assert working_days_between(receipt, earliest, calendar) >= required
    assert working_days_between(receipt, earliest - timedelta(days=1), calendar) <= required
    assert latest_receipt(earliest, required, calendar) >= receipt


@pytest.mark.parametrize(
    ("first", "last", "days"),
    [
        (D(2026, 1, 5), D(2026, 1, 15), 7),
        (D(2026, 1, 5), D(2026, 1, 14), 6),  # the start day itself is not counted
        (D(2026, 1, 5), D(2026, 1, 6), 0),  # neither end day counts
        (D(2026, 1, 5), D(2026, 1, 5), 0),
        (D(2026, 1, 6), D(2026, 1, 5), 0),
        (D(2026, 3, 17), D(2026, 3, 25), 0),  # Lebaran: every day between is off
    ],
)
def test_working_days_exclude_both_ends(first: date, last: date, days: int) -> None:
    assert working_days_between(first, last, FIVE) == days


@pytest.mark.parametrize(
    ("start", "state", "working_days"),
    [
        (D(2026, 1, 14), "too_late", 6),
        (D(2026, 1, 15), "margin", 7),  # lawful, but inside the 2-day safety margin: amber
        (D(2026, 1, 19), "margin", 8),
        (D(2026, 1, 20), "ok", 9),
    ],
)
def test_clock_states(start: date, state: str, working_days: int) -> None:
    clock = notice_clock(D(2026, 1, 5), start, 7, 2, FIVE)
    assert (clock.state, clock.working_days) == (state, working_days)
    assert (clock.earliest_lawful, clock.earliest_safe) == (D(2026, 1, 15), D(2026, 1, 20))


def test_years_outside_the_calendar_are_reported() -> None:
    assert FIVE.uncovered_years(D(2027, 12, 20), D(2028, 1, 10)) == [2028]
    assert FIVE.uncovered_years(D(2026, 12, 20), D(2027, 1, 10)) == []


def test_a_week_is_five_or_six_days() -> None:
    with pytest.raises(CalendarError):
        Calendar.of(4)


def test_a_calendar_with_no_working_day_fails_loudly() -> None:
    start = D(2026, 1, 1)
    every_day = [DayOff(start + timedelta(days=i), "holiday", "x") for i in range(4000)]
    with pytest.raises(CalendarError):
        earliest_start(start, 7, Calendar.of(6, every_day, [2026]))


@given(
    st.dates(min_value=D(2026, 1, 1), max_value=D(2027, 11, 30)),
    st.integers(min_value=0, max_value=12),
    st.sampled_from([FIVE, SIX]),
)
def test_latest_receipt_is_the_inverse_of_earliest_start(
    start: date, required: int, calendar: Calendar
) -> None:
    receipt = latest_receipt(start, required, calendar)
    assert earliest_start(receipt, required, calendar) <= start
    assert earliest_start(receipt + timedelta(days=1), required, calendar) > start
