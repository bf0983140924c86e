"""The domain's rules, checked on plain aggregates (no database): planning an action, adding
sites, the action lifecycle, and filing a field report."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID, uuid4

import pytest

from core.action import MAX_DEMANDS, Action
from core.errors import Conflict, InvalidInput, PoskoError
from core.report import FieldReport

STARTS = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)
ENDS = STARTS + timedelta(hours=6)
WIB = timezone(timedelta(hours=7))


def plan(**overrides: Any) -> Action:
    fields: dict[str, Any] = {
        "id": uuid4(),
        "title": "May Day rally",
        "kind": "rally",
        "demands": ["Upah layak", "Hapus outsourcing"],
        "starts_at": STARTS,
        "ends_at": ENDS,
        "actor": "coordinator",
    }
    return Action.plan(**{**fields, **overrides})


def add_site(action: Action, **overrides: Any) -> bool:
    fields: dict[str, Any] = {
        "site_id": uuid4(),
        "name": "Bundaran HI",
        "lat": -6.1949,
        "lon": 106.8230,
        "target": 5000,
        "actor": "coordinator",
    }
    return action.add_site(**{**fields, **overrides})


def assert_error(
    info: pytest.ExceptionInfo[PoskoError], kind: type[PoskoError], code: str, field: str | None
) -> None:
    assert type(info.value) is kind
    assert info.value.code == code
    assert info.value.field == field


# -- planning ------------------------------------------------------------------------------------


def test_a_valid_plan_records_one_planned_event_with_clean_values() -> None:
    action = plan(title="  May Day rally  ", demands=[" Upah layak "])

    (planned,) = action.collect_events()
    assert isinstance(planned, Action.Planned)
    assert action.title == "May Day rally"
    assert action.demands == ["Upah layak"]
    assert action.status == "planned"
    assert action.sites == {}


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        pytest.param({"title": "   "}, "required", "title", id="blank title"),
        pytest.param({"title": "x" * 201}, "too_long", "title", id="title too long"),
        pytest.param({"kind": "picnic"}, "not_one_of", "kind", id="unknown kind"),
        pytest.param(
            {"starts_at": datetime(2026, 5, 1, 10)}, "needs_timezone", "starts_at", id="naive start"
        ),
        pytest.param(
            {"ends_at": datetime(2026, 5, 1, 16)}, "needs_timezone", "ends_at", id="naive end"
        ),
        pytest.param(
            {"ends_at": STARTS - timedelta(minutes=1)},
            "ends_before_start",
            "ends_at",
            id="ends before it starts",
        ),
        pytest.param({"ends_at": STARTS}, "ends_before_start", "ends_at", id="ends as it starts"),
        pytest.param(
            {"demands": ["tuntutan"] * (MAX_DEMANDS + 1)}, "too_many", "demands", id="21 demands"
        ),
        pytest.param({"demands": ["ok", " "]}, "required", "demands[1]", id="blank demand"),
    ],
)
def test_planning_refuses_each_bad_field_by_name(
    overrides: dict[str, Any], code: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as info:
        plan(**overrides)
    assert_error(info, InvalidInput, code, field)


def test_planning_accepts_the_maximum_number_of_demands() -> None:
    action = plan(demands=[f"tuntutan {i}" for i in range(MAX_DEMANDS)])
    assert len(action.demands) == MAX_DEMANDS


def test_a_plans_facts_are_what_was_planned_not_who_planned_it() -> None:
    action_id = uuid4()
    first = plan(id=action_id)
    assert first.facts() == plan(id=action_id, actor="someone else").facts()
    assert first.facts() != plan(id=action_id, title="Another rally").facts()


# -- sites ---------------------------------------------------------------------------------------


def test_adding_a_site_records_it_and_says_so() -> None:
    action = plan()
    action.collect_events()
    site_id = uuid4()

    assert add_site(action, site_id=site_id, name=" DPR ") is True

    (added,) = action.collect_events()
    assert isinstance(added, Action.SiteAdded)
    assert action.site(site_id)["name"] == "DPR"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"lat": 91.0}, "lat", id="lat 91"),
        pytest.param({"lat": -90.5}, "lat", id="lat -90.5"),
        pytest.param({"lat": math.nan}, "lat", id="lat NaN"),
        pytest.param({"lon": 181.0}, "lon", id="lon 181"),
        pytest.param({"lon": math.inf}, "lon", id="lon infinite"),
        pytest.param({"lon": math.nan}, "lon", id="lon NaN"),
        pytest.param({"target": -1}, "target", id="negative target"),
        pytest.param({"name": ""}, "name", id="blank name"),
    ],
)
def test_adding_a_site_refuses_bad_values_by_name(overrides: dict[str, Any], field: str) -> None:
    action = plan()
    action.collect_events()

    with pytest.raises(InvalidInput) as info:
        add_site(action, **overrides)

    assert info.value.field == field
    assert action.sites == {}
    assert action.collect_events() == []


def test_adding_the_same_site_twice_is_a_harmless_retry() -> None:
    action = plan()
    site_id = uuid4()
    add_site(action, site_id=site_id)
    action.collect_events()

    assert add_site(action, site_id=site_id) is False
    assert action.collect_events() == []


def test_reusing_a_site_id_for_different_data_is_a_conflict() -> None:
    action = plan()
    site_id = uuid4()
    add_site(action, site_id=site_id, target=100)
    action.collect_events()

    with pytest.raises(Conflict) as info:
        add_site(action, site_id=site_id, target=200)

    assert_error(info, Conflict, "id_reused", "id")
    assert action.site(site_id)["target"] == 100


@pytest.mark.parametrize("closing", ["conclude", "cancel"])
def test_a_closed_action_takes_no_new_sites(closing: str) -> None:
    action = plan()
    if closing == "conclude":
        action.start(actor="coordinator")
        action.conclude(actor="coordinator")
    else:
        action.cancel(reason="Izin ditolak", actor="coordinator")

    with pytest.raises(Conflict) as info:
        add_site(action)

    assert info.value.code == "action_closed"


def test_an_unknown_site_is_not_found_naming_the_field() -> None:
    action = plan()
    with pytest.raises(PoskoError) as info:
        action.site(uuid4(), field="site_id")
    assert (info.value.status, info.value.code, info.value.field) == (
        404,
        "unknown_site",
        "site_id",
    )


# -- lifecycle -----------------------------------------------------------------------------------


def test_an_action_goes_planned_live_concluded() -> None:
    action = plan()
    action.start(actor="coordinator")
    assert action.status == "live"
    action.conclude(actor="coordinator")
    assert action.status == "concluded"
    events = action.collect_events()
    assert [type(e) for e in events] == [Action.Planned, Action.Started, Action.Concluded]


@pytest.mark.parametrize("started", [False, True], ids=["from planned", "from live"])
def test_an_action_can_be_cancelled_before_it_concludes(started: bool) -> None:
    action = plan()
    if started:
        action.start(actor="coordinator")

    action.cancel(reason="  Izin ditolak  ", actor="coordinator")

    assert action.status == "cancelled"
    cancelled = action.collect_events()[-1]
    assert isinstance(cancelled, Action.Cancelled)
    assert cancelled.reason == "Izin ditolak"


def test_cancelling_needs_a_reason() -> None:
    with pytest.raises(InvalidInput) as info:
        plan().cancel(reason=" ", actor="coordinator")
    assert info.value.field == "reason"


def _at(status: str) -> Action:
    action = plan()
    if status in ("live", "concluded"):
        action.start(actor="coordinator")
    if status == "concluded":
        action.conclude(actor="coordinator")
    if status == "cancelled":
        action.cancel(reason="Hujan badai", actor="coordinator")
    return action


@pytest.mark.parametrize(
    ("status", "step"),
    [
        ("planned", "conclude"),
        ("live", "start"),
        ("concluded", "start"),
        ("concluded", "conclude"),
        ("concluded", "cancel"),
        ("cancelled", "start"),
        ("cancelled", "conclude"),
        ("cancelled", "cancel"),
    ],
)
def test_a_bad_transition_is_a_conflict_and_changes_nothing(status: str, step: str) -> None:
    action = _at(status)
    action.collect_events()

    with pytest.raises(Conflict) as info:
        if step == "cancel":
            action.cancel(reason="why not", actor="coordinator")
        else:
            getattr(action, step)(actor="coordinator")

    assert info.value.code == "bad_transition"
    assert info.value.params["status"] == status
    assert action.status == status
    assert action.collect_events() == []


def test_only_a_cancelled_action_refuses_reports() -> None:
    assert {s: _at(s).accepts_reports() for s in ("planned", "live", "concluded", "cancelled")} == {
        "planned": True,
        "live": True,
        "concluded": True,
        "cancelled": False,
    }


# -- field reports -------------------------------------------------------------------------------

NOW = datetime(2026, 5, 1, 4, 0, tzinfo=UTC)


def file(**overrides: Any) -> FieldReport:
    fields: dict[str, Any] = {
        "id": uuid4(),
        "action_id": UUID(int=1),
        "site_id": UUID(int=2),
        "kind": "headcount",
        "at": NOW - timedelta(minutes=1),
        "now": NOW,
        "headcount": 1200,
        "actor": "korlap-1",
    }
    return FieldReport.file(**{**fields, **overrides})


def test_a_checkin_records_its_position_and_time_in_utc() -> None:
    report = file(
        kind="checkin",
        headcount=None,
        lat=-6.2,
        lon=106.8,
        accuracy_m=12.5,
        at=datetime(2026, 5, 1, 10, 55, tzinfo=WIB),
    )

    (filed,) = report.collect_events()
    assert isinstance(filed, FieldReport.Filed)
    assert (filed.lat, filed.lon, filed.accuracy_m, filed.headcount) == (-6.2, 106.8, 12.5, None)
    assert filed.at == datetime(2026, 5, 1, 3, 55, tzinfo=UTC)
    assert filed.at.utcoffset() == timedelta(0)


def test_a_headcount_report_may_carry_a_position_too() -> None:
    report = file(lat=-6.2, lon=106.8)
    assert (report.headcount, report.lat, report.lon) == (1200, -6.2, 106.8)


def test_a_report_up_to_ten_minutes_ahead_is_accepted_for_clock_drift() -> None:
    assert file(at=NOW + timedelta(minutes=10)).at == NOW + timedelta(minutes=10)


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        pytest.param(
            {"kind": "checkin", "headcount": None}, "required", "lat", id="checkin without gps"
        ),
        pytest.param({"lat": -6.2}, "lat_lon_together", "lon", id="lat without lon"),
        pytest.param({"lon": 106.8}, "lat_lon_together", "lat", id="lon without lat"),
        pytest.param({"headcount": None}, "required", "headcount", id="headcount without count"),
        pytest.param(
            {"kind": "checkin", "lat": -6.2, "lon": 106.8, "headcount": 5},
            "not_for_kind",
            "headcount",
            id="headcount on a checkin",
        ),
        pytest.param({"headcount": -1}, "out_of_range", "headcount", id="negative headcount"),
        pytest.param({"headcount": 10**9}, "out_of_range", "headcount", id="absurd headcount"),
        pytest.param({"lat": 91.0, "lon": 0.0}, "out_of_range", "lat", id="lat 91"),
        pytest.param({"lat": 0.0, "lon": -181.0}, "out_of_range", "lon", id="lon -181"),
        pytest.param({"accuracy_m": -0.5}, "out_of_range", "accuracy_m", id="negative accuracy"),
        pytest.param({"accuracy_m": math.nan}, "out_of_range", "accuracy_m", id="NaN accuracy"),
        pytest.param({"kind": "selfie"}, "not_one_of", "kind", id="unknown kind"),
        pytest.param({"at": datetime(2026, 5, 1, 3, 59)}, "needs_timezone", "at", id="naive time"),
        pytest.param(
            {"at": NOW + timedelta(minutes=10, seconds=1)},
            "in_future",
            "at",
            id="over ten minutes ahead",
        ),
    ],
)
def test_filing_refuses_each_bad_field_by_name(
    overrides: dict[str, Any], code: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as info:
        file(**overrides)
    assert_error(info, InvalidInput, code, field)


@pytest.mark.parametrize(
    "at",
    [
        datetime(1, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=5))),
        datetime(9999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-5))),
    ],
    ids=["year 1 east of utc", "year 9999 west of utc"],
)
def test_a_time_that_cannot_be_expressed_in_utc_is_invalid_input(at: datetime) -> None:
    with pytest.raises(InvalidInput) as info:
        file(at=at, now=datetime.max.replace(tzinfo=UTC) - timedelta(days=1))
    assert info.value.field == "at"


def test_facts_are_what_a_retry_must_repeat() -> None:
    report_id = uuid4()
    first = file(id=report_id)
    assert first.facts() == file(id=report_id, actor="another phone owner").facts()
    assert first.facts() != file(id=report_id, headcount=1300).facts()
