"""The street on plain aggregates and views (no database): incidents and requests for help and
their lifecycles, mobilisation targets, site status and breakdowns, and what the map, the
overview and the feed (with the legal team's channel) make of them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from core.action import Action
from core.errors import Conflict, InvalidInput, NotFound, PoskoError
from core.help_request import MAX_QUANTITY, HelpRequest
from core.incident import Incident
from core.report import FieldReport
from projections import channels, feed, live_map
from tests.unit.test_views import NOW, T0, Views, planned, setup, with_sites


def incident(action: Action, site_id: UUID | None, **overrides: Any) -> Incident:
    fields: dict[str, Any] = {
        "id": uuid4(),
        "action_id": action.id,
        "site_id": site_id,
        "kind": "police",
        "severity": "medium",
        "description": "Barikade polisi di Jl. Thamrin",
        "lat": None,
        "lon": None,
        "at": T0 + timedelta(minutes=10),
        "now": NOW,
        "actor": "korlap-1",
    }
    return Incident.report(**{**fields, **overrides})


def help_request(action: Action, site_id: UUID, **overrides: Any) -> HelpRequest:
    fields: dict[str, Any] = {
        "id": uuid4(),
        "action_id": action.id,
        "site_id": site_id,
        "kind": "medic",
        "quantity": 2,
        "note": "Dua orang pingsan",
        "at": T0 + timedelta(minutes=20),
        "now": NOW,
        "actor": "korlap-1",
    }
    return HelpRequest.request(**{**fields, **overrides})


def status_report(action: Action, site_id: UUID, minute: int, **fields: Any) -> Any:
    filed = FieldReport.file(
        id=uuid4(),
        action_id=action.id,
        site_id=site_id,
        kind="status",
        at=T0 + timedelta(minutes=minute),
        now=NOW,
        actor="korlap-1",
        **fields,
    )
    (event,) = filed.collect_events()
    return event


@contextmanager
def raises(code: str, field: str | None, kind: type[PoskoError] = InvalidInput) -> Iterator[None]:
    """The block is refused with this error, code and field."""
    with pytest.raises(kind) as info:
        yield
    assert (type(info.value), info.value.code, info.value.field) == (kind, code, field)


# -- incidents -----------------------------------------------------------------------------------


def test_an_incident_is_reported_open_with_its_time_in_utc() -> None:
    action = planned()
    (site_id,) = with_sites(action, 100)

    made = incident(action, site_id, kind="arrest", severity="high", lat=-6.19, lon=106.82)

    (event,) = made.collect_events()
    assert isinstance(event, Incident.Reported)
    assert made.status == "open"
    assert made.legal  # arrests go to the legal team
    assert event.at.utcoffset() == timedelta(0)
    assert (event.lat, event.lon, event.site_id) == (-6.19, 106.82, site_id)


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"kind": "picnic"}, "not_one_of", "kind"),
        ({"severity": "extreme"}, "not_one_of", "severity"),
        ({"description": "  "}, "required", "description"),
        ({"description": "x" * 1001}, "too_long", "description"),
        ({"lat": -6.2}, "lat_lon_together", "lon"),
        ({"lon": 106.8}, "lat_lon_together", "lat"),
        ({"lat": 91.0, "lon": 106.8}, "out_of_range", "lat"),
        ({"at": NOW + timedelta(hours=1)}, "in_future", "at"),
        ({"at": T0.replace(tzinfo=None)}, "needs_timezone", "at"),
    ],
)
def test_reporting_an_incident_refuses_each_bad_field_by_name(
    overrides: dict[str, Any], code: str, field: str
) -> None:
    with raises(code, field):
        incident(planned(), None, **overrides)


def test_an_incident_goes_open_acknowledged_resolved_and_can_be_reopened() -> None:
    made = incident(planned(), None)
    made.collect_events()

    assert made.acknowledge(actor="rina") is True
    assert made.acknowledge(actor="said") is False  # two coordinators clicking at once
    assert made.resolve(note="Barikade dibuka", actor="rina") is True
    assert made.resolve(note="again", actor="rina") is False
    assert made.reopen(reason="Barikade dipasang lagi", actor="rina") is True
    assert made.reopen(reason="again", actor="rina") is False

    kinds = [type(e) for e in made.collect_events()]
    assert kinds == [Incident.Acknowledged, Incident.Resolved, Incident.Reopened]
    assert made.status == "open"


def test_a_resolved_incident_cannot_be_acknowledged_and_resolving_needs_a_note() -> None:
    made = incident(planned(), None)
    with raises("required", "note"):
        made.resolve(note=" ", actor="rina")
    made.resolve(note="Selesai", actor="rina")

    with raises("bad_transition", "status", Conflict):
        made.acknowledge(actor="rina")
    with raises("required", "reason"):
        made.reopen(reason="", actor="rina")
    assert made.status == "resolved"


# -- requests for help ---------------------------------------------------------------------------


def test_a_request_goes_open_committed_fulfilled() -> None:
    action = planned()
    (site_id,) = with_sites(action, 100)
    made = help_request(action, site_id, kind="legal_aid", quantity=1)
    made.collect_events()

    assert made.legal
    assert made.commit(by="LBH Jakarta", actor="rina") is True
    assert made.commit(by="LBH Jakarta", actor="said") is False  # the same commitment again
    assert made.commit(by="LBH Bandung", actor="rina") is True  # handed to someone else
    assert made.fulfil(actor="rina") is True
    assert made.fulfil(actor="rina") is False

    assert made.status == "fulfilled"
    assert made.committed_by == "LBH Bandung"
    with raises("bad_transition", "status", Conflict):
        made.cancel(reason="too late", actor="rina")
    with raises("bad_transition", "status", Conflict):
        made.commit(by="LBH Bogor", actor="rina")


def test_a_request_must_be_committed_before_it_is_fulfilled_and_may_be_cancelled() -> None:
    action = planned()
    (site_id,) = with_sites(action, 100)
    made = help_request(action, site_id)

    with raises("bad_transition", "status", Conflict):
        made.fulfil(actor="rina")
    with raises("required", "reason"):
        made.cancel(reason="", actor="rina")
    assert made.cancel(reason="Sudah ditangani korlap", actor="rina") is True
    assert made.cancel(reason="again", actor="rina") is False
    assert made.status == "cancelled"


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"quantity": 0}, "out_of_range", "quantity"),
        ({"quantity": MAX_QUANTITY + 1}, "out_of_range", "quantity"),
        ({"kind": "pizza"}, "not_one_of", "kind"),
        ({"at": NOW + timedelta(hours=1)}, "in_future", "at"),
    ],
)
def test_requesting_help_refuses_each_bad_field_by_name(
    overrides: dict[str, Any], code: str, field: str
) -> None:
    action = planned()
    (site_id,) = with_sites(action, 100)
    with raises(code, field):
        help_request(action, site_id, **overrides)


# -- targets, status, breakdowns -----------------------------------------------------------------


def test_a_target_is_set_per_affiliate_for_the_action_or_a_site() -> None:
    action = planned()
    (site_id,) = with_sites(action, 1000)
    affiliate = uuid4()

    assert action.set_target(affiliate_id=affiliate, site_id=site_id, target=400, actor="c")
    assert action.set_target(affiliate_id=affiliate, site_id=None, target=900, actor="c")
    assert not action.set_target(affiliate_id=affiliate, site_id=site_id, target=400, actor="c")

    assert action.targets == {f"{affiliate}:{site_id}": 400, f"{affiliate}:*": 900}
    with raises("unknown_site", "site_id", NotFound):
        action.set_target(affiliate_id=affiliate, site_id=uuid4(), target=1, actor="c")
    with raises("out_of_range", "target"):
        action.set_target(affiliate_id=affiliate, site_id=None, target=-1, actor="c")


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"kind": "status"}, "required", "phase"),
        ({"kind": "status", "phase": "dancing"}, "not_one_of", "phase"),
        ({"kind": "status", "mood": "angry"}, "not_one_of", "mood"),
        ({"kind": "status", "phase": "holding", "headcount": 5}, "not_for_kind", "headcount"),
        ({"kind": "headcount", "headcount": 5, "phase": "holding"}, "not_for_kind", "phase"),
        (
            {"kind": "headcount", "headcount": 10, "by_affiliate": {"a": 6, "b": 5}},
            "breakdown_exceeds_total",
            "by_affiliate",
        ),
        (
            {"kind": "checkin", "lat": -6.2, "lon": 106.8, "by_affiliate": {"a": 1}},
            "not_for_kind",
            "by_affiliate",
        ),
    ],
)
def test_status_and_breakdowns_are_checked_by_name(
    fields: dict[str, Any], code: str, field: str
) -> None:
    action = planned()
    (site_id,) = with_sites(action, 100)
    with raises(code, field):
        FieldReport.file(
            id=uuid4(), action_id=action.id, site_id=site_id, at=T0, now=NOW, actor="k", **fields
        )


# -- the map -------------------------------------------------------------------------------------


def checkin(action: Action, site_id: UUID, lat: float, lon: float, minute: int = 0) -> Any:
    filed = FieldReport.file(
        id=uuid4(),
        action_id=action.id,
        site_id=site_id,
        kind="checkin",
        at=T0 + timedelta(minutes=minute),
        now=NOW,
        lat=lat,
        lon=lon,
        actor="korlap-1",
    )
    (event,) = filed.collect_events()
    return event


def test_a_checkin_far_from_its_site_is_flagged_on_the_map_and_in_the_feed() -> None:
    views, action, (site_id,) = setup(100)  # the site is at -6.2, 106.8

    views.apply(checkin(action, site_id, -6.2005, 106.8))  # about 55 m away
    views.apply(checkin(action, site_id, -6.22, 106.8, minute=1))  # about 2.2 km away

    assert views.feature(action.id, site_id)["properties"]["far_checkins"] == 1
    near, far = [d for (ch, _), d in sorted(views.rows.items()) if ch == feed.channel(action.id)]
    assert (near["far"], far["far"]) == (False, True)
    assert 50 <= near["distance_m"] <= 60
    assert 2100 <= far["distance_m"] <= 2300
    assert "lat" not in far  # the feed never shows exact positions


def test_the_check_in_radius_is_the_actions_own() -> None:
    views = Views()
    action = Action.plan(
        id=uuid4(),
        title="Long march",
        kind="march",
        demands=[],
        starts_at=T0,
        ends_at=T0 + timedelta(hours=8),
        checkin_radius_m=5000,
        actor="c",
    )
    (site_id,) = with_sites(action, 100)
    views.apply(*action.collect_events())

    views.apply(checkin(action, site_id, -6.22, 106.8))

    assert views.feature(action.id, site_id)["properties"]["far_checkins"] == 0


def test_a_sites_status_is_its_latest_by_report_time() -> None:
    views, action, (site_id,) = setup(100)

    views.apply(status_report(action, site_id, 30, phase="marching", mood="tense"))
    views.apply(status_report(action, site_id, 10, phase="assembling"))  # late, older
    views.apply(status_report(action, site_id, 40, mood="calm"))  # the phase stays

    props = views.feature(action.id, site_id)["properties"]
    assert (props["phase"], props["mood"]) == ("marching", "calm")
    assert props["status_at"] == (T0 + timedelta(minutes=40)).isoformat()


def test_open_incidents_show_on_their_site_with_the_worst_severity() -> None:
    views, action, (site_id,) = setup(100)
    low = incident(action, site_id, severity="low")
    high = incident(action, site_id, severity="high", lat=-6.21, lon=106.81)
    views.apply(*low.collect_events(), *high.collect_events())

    props = views.feature(action.id, site_id)["properties"]
    assert (props["open_incidents"], props["max_severity"]) == (2, "high")
    # On the public map at its site; where the phone was only in the private rows.
    assert views.feature(action.id, high.id)["geometry"]["coordinates"] == [106.8, -6.2]
    assert views.feature(action.id, low.id)["geometry"]["coordinates"] == [106.8, -6.2]
    exact = views.rows[(live_map.incident_points_channel(action.id), str(high.id))]
    assert (exact["lat"], exact["lon"]) == (-6.21, 106.81)
    assert all("_incident_points" not in c for p in views.published for c in p)

    high.resolve(note="Selesai", actor="c")
    views.apply(*high.collect_events())

    props = views.feature(action.id, site_id)["properties"]
    assert (props["open_incidents"], props["max_severity"]) == (1, "low")
    assert views.feature(action.id, high.id)["properties"]["status"] == "resolved"


# -- the overview --------------------------------------------------------------------------------


def test_the_overview_counts_open_incidents_and_requests() -> None:
    views, action, (site_id,) = setup(100)
    one, two = incident(action, site_id), incident(action, None)
    asked = help_request(action, site_id)
    views.apply(*one.collect_events(), *two.collect_events(), *asked.collect_events())
    assert (
        views.action(action.id)["open_incidents"],
        views.action(action.id)["open_requests"],
    ) == (
        2,
        1,
    )

    one.acknowledge(actor="c")  # acknowledged is still open
    two.resolve(note="ok", actor="c")
    asked.commit(by="Tim medis", actor="c")  # committed is still open
    views.apply(*one.collect_events(), *two.collect_events(), *asked.collect_events())
    doc = views.action(action.id)
    assert (doc["open_incidents"], doc["open_requests"]) == (1, 1)

    two.reopen(reason="lagi", actor="c")
    asked.fulfil(actor="c")
    views.apply(*two.collect_events(), *asked.collect_events())
    doc = views.action(action.id)
    assert (doc["open_incidents"], doc["open_requests"]) == (2, 0)
    assert views.feature(action.id, site_id)["properties"]["open_requests"] == 0


def test_the_overview_sets_each_affiliates_target_against_its_people() -> None:
    views, action, (site_a, site_b) = setup(1000, 1000)
    kspi, fspmi = uuid4(), uuid4()
    action.set_target(affiliate_id=kspi, site_id=site_a, target=300, actor="c")
    action.set_target(affiliate_id=kspi, site_id=site_b, target=200, actor="c")
    action.set_target(affiliate_id=fspmi, site_id=None, target=800, actor="c")
    action.set_target(affiliate_id=fspmi, site_id=site_a, target=100, actor="c")
    views.apply(*action.collect_events())

    def headcount(site_id: UUID, minute: int, total: int, by: dict[UUID, int]) -> Any:
        filed = FieldReport.file(
            id=uuid4(),
            action_id=action.id,
            site_id=site_id,
            kind="headcount",
            at=T0 + timedelta(minutes=minute),
            now=NOW,
            headcount=total,
            by_affiliate={str(k): v for k, v in by.items()},
            actor="k",
        )
        return filed.collect_events()[0]

    views.apply(headcount(site_a, 10, 500, {kspi: 200, fspmi: 250}))
    views.apply(headcount(site_b, 10, 300, {kspi: 150}))
    views.apply(headcount(site_a, 20, 600, {kspi: 280, fspmi: 300}))  # replaces site A's

    affiliates = views.action(action.id)["affiliates"]
    assert affiliates[str(kspi)] == {"target": 500, "headcount": 430}
    assert affiliates[str(fspmi)] == {"target": 800, "headcount": 300}  # the action's own
    assert views.feature(action.id, site_a)["properties"]["by_affiliate"] == {
        str(kspi): 280,
        str(fspmi): 300,
    }


# -- the feed and the legal team's channel -------------------------------------------------------


def items(views: Views, channel: str) -> list[dict[str, Any]]:
    return [doc for (ch, _key), doc in sorted(views.rows.items()) if ch == channel]


def test_the_feed_lists_reports_incidents_and_requests_in_the_order_they_happened() -> None:
    views, action, (site_id,) = setup(100)
    asked = help_request(action, site_id, at=T0 + timedelta(minutes=30))
    seen = incident(action, site_id, at=T0 + timedelta(minutes=20))
    views.apply(*asked.collect_events(), *seen.collect_events())  # arrival order differs
    views.apply(status_report(action, site_id, 25, phase="holding"))

    rows = items(views, feed.channel(action.id))
    assert [(r["type"], r["at"]) for r in rows] == [
        ("incident", (T0 + timedelta(minutes=20)).isoformat()),
        ("report", (T0 + timedelta(minutes=25)).isoformat()),
        ("request", (T0 + timedelta(minutes=30)).isoformat()),
    ]
    assert rows[1]["phase"] == "holding"
    assert rows[0]["status"] == rows[2]["status"] == "open"


def test_a_feed_row_follows_its_item_with_who_and_when() -> None:
    views, action, (site_id,) = setup(100)
    seen = incident(action, site_id)
    asked = help_request(action, site_id)
    views.apply(*seen.collect_events(), *asked.collect_events())

    seen.acknowledge(actor="person:rina")
    seen.resolve(note="Barikade dibuka", actor="person:said")
    asked.commit(by="Tim Medis", actor="person:rina")
    events = [*seen.collect_events(), *asked.collect_events()]
    views.apply(*events)

    incident_row, request_row = items(views, feed.channel(action.id))
    assert incident_row["status"] == "resolved"
    assert incident_row["acknowledged_by"] == "person:rina"
    assert incident_row["acknowledged_at"] == events[0].timestamp.isoformat()
    assert (incident_row["resolution"], incident_row["resolved_by"]) == (
        "Barikade dibuka",
        "person:said",
    )
    assert incident_row["resolved_at"] == incident_row["updated_at"]
    assert (request_row["status"], request_row["committed_by"]) == ("committed", "Tim Medis")


def test_arrests_and_legal_aid_go_to_the_legal_channel_as_well() -> None:
    views, action, (site_id,) = setup(100)
    arrest = incident(action, site_id, kind="arrest")
    injury = incident(action, site_id, kind="injury")
    lawyer = help_request(action, site_id, kind="legal_aid")
    water = help_request(action, site_id, kind="water_food")
    views.apply(*(e for i in (arrest, injury, lawyer, water) for e in i.collect_events()))

    legal = items(views, feed.legal_channel(action.id))
    assert {r["id"] for r in legal} == {str(arrest.id), str(lawyer.id)}
    assert all(r["legal"] for r in legal)
    assert len(items(views, feed.channel(action.id))) == 4

    arrest.acknowledge(actor="person:lbh")
    views.apply(*arrest.collect_events())
    (row,) = [r for r in items(views, feed.legal_channel(action.id)) if r["type"] == "incident"]
    assert row["status"] == "acknowledged"


def test_the_feed_shows_a_legal_item_only_as_its_kind_time_and_site_as_it_is_handled() -> None:
    views, action, (site_id,) = setup(100)
    arrest = incident(action, site_id, kind="arrest")
    lawyer = help_request(action, site_id, kind="legal_aid")
    arrest.resolve(note="Dibebaskan", actor="person:lbh")
    lawyer.cancel(reason="Sudah ada pengacara", actor="person:lbh")
    views.apply(*(e for i in (arrest, lawyer) for e in i.collect_events()))

    public = items(views, feed.channel(action.id))
    assert [sorted(r) for r in public] == [sorted(feed.PUBLIC_LEGAL_FIELDS)] * 2
    assert {r["status"] for r in public} == {"resolved", "cancelled"}
    full = {r["type"]: r for r in items(views, feed.legal_channel(action.id))}
    assert (full["incident"]["resolution"], full["request"]["cancel_reason"]) == (
        "Dibebaskan",
        "Sudah ada pengacara",
    )
    (placed,) = [f for f in views.features(action.id) if f["id"] == str(arrest.id)]
    assert "description" not in placed["properties"]


def test_every_request_is_on_the_map_so_open_ones_never_drop_out_of_view() -> None:
    views, action, (site_id,) = setup(100)
    water = help_request(action, site_id, kind="water_food")
    lawyer = help_request(action, site_id, kind="legal_aid")
    views.apply(*(e for i in (water, lawyer) for e in i.collect_events()))
    water.commit(by="Tim logistik", actor="c")
    views.apply(*water.collect_events())

    on_map = {f["id"]: f for f in views.features(action.id) if f["properties"]["kind"] == "request"}

    assert on_map[str(water.id)]["properties"]["status"] == "committed"
    assert on_map[str(water.id)]["properties"]["quantity"] == water.quantity
    assert on_map[str(lawyer.id)]["properties"]["status"] == "open"
    assert "quantity" not in on_map[str(lawyer.id)]["properties"]  # a kejadian hukum
    site = views.feature(action.id, site_id)
    assert on_map[str(water.id)]["geometry"] == site["geometry"]
    # The map keeps every row (no latest-N limit), unlike the feed's snapshot.
    assert channels.snapshot_limit(channels.parse(live_map.channel(action.id))) is None
