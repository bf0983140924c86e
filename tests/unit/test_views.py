"""Events in, rows out: the live map and the national overview, applied through
projections.channels.apply to Rows over a dict that stands in for the view store."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, Mapper, UUIDAsHex
from hypothesis import given, settings
from hypothesis import strategies as st

from core.action import Action
from core.help_request import HelpRequest
from core.report import FieldReport
from projections import channels, feed, live_map, overview
from projections.rows import Doc, RowKey, Rows
from projections.text import iso, keeping_text

T0 = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=1)


class Views:
    """A dict of rows and the runner's loop: apply a batch to fresh Rows, then commit."""

    def __init__(self) -> None:
        self.rows: dict[RowKey, Doc] = {}
        self.published: list[dict[str, list[Doc]]] = []

    def apply(self, *events: Any) -> Rows:
        rows = Rows(lambda channel, key: copy.deepcopy(self.rows.get((channel, key))))
        for event in events:
            channels.apply(rows, event)
        for key, doc in rows.changed.items():
            self.rows[key] = json.loads(json.dumps(doc))  # what the store keeps is JSON
        self.published.append(rows.changes_by_channel())
        return rows

    def feature(self, action_id: UUID, site_id: UUID) -> Doc:
        return self.rows[(live_map.channel(action_id), str(site_id))]

    def features(self, action_id: UUID) -> list[Doc]:
        channel = live_map.channel(action_id)
        return [doc for (ch, _key), doc in self.rows.items() if ch == channel]

    def action(self, action_id: UUID) -> Doc:
        return self.rows[(overview.CHANNEL, str(action_id))]


def planned(title: str = "Aksi", starts_at: datetime = T0) -> Action:
    return Action.plan(
        id=uuid4(),
        title=title,
        kind="rally",
        demands=["Upah layak"],
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=6),
        actor="coordinator",
    )


def with_sites(action: Action, *targets: int) -> list[UUID]:
    site_ids = [uuid4() for _ in targets]
    for i, (site_id, target) in enumerate(zip(site_ids, targets, strict=True)):
        action.add_site(
            site_id=site_id, name=f"Site {i}", lat=-6.2, lon=106.8, target=target, actor="c"
        )
    return site_ids


def report(
    action: Action,
    site_id: UUID,
    *,
    minute: int,
    headcount: int | None = None,
    actor: str = "korlap-1",
) -> Any:
    kind = "checkin" if headcount is None else "headcount"
    position = {"lat": -6.2, "lon": 106.8} if kind == "checkin" else {}
    filed = FieldReport.file(
        id=uuid4(),
        action_id=action.id,
        site_id=site_id,
        kind=kind,
        at=T0 + timedelta(minutes=minute),
        now=NOW,
        headcount=headcount,
        actor=actor,
        **position,
    )
    (event,) = filed.collect_events()
    return event


def setup(*targets: int) -> tuple[Views, Action, list[UUID]]:
    views = Views()
    action = planned()
    site_ids = with_sites(action, *targets)
    views.apply(*action.collect_events())
    return views, action, site_ids


# -- live map ------------------------------------------------------------------------------------


def test_an_added_site_is_a_geojson_feature_with_no_reports_yet() -> None:
    views, action, (site_id,) = setup(500)

    assert views.feature(action.id, site_id) == {
        "type": "Feature",
        "id": str(site_id),
        "geometry": {"type": "Point", "coordinates": [106.8, -6.2]},
        "properties": {
            "kind": "site",
            "name": "Site 0",
            "target": 500,
            "headcount": None,
            "headcount_at": None,
            "by_affiliate": {},
            "phase": None,
            "mood": None,
            "status_at": None,
            "last_report_at": None,
            "last_checkin_at": None,
            "reports": 0,
            "reporters": 0,
            "far_checkins": 0,
            "open_incidents": 0,
            "max_severity": None,
            "open_requests": 0,
        },
    }


def test_a_headcount_report_sets_the_sites_headcount_and_times() -> None:
    views, action, (site_id,) = setup(500)

    views.apply(report(action, site_id, minute=30, headcount=420))

    props = views.feature(action.id, site_id)["properties"]
    at = (T0 + timedelta(minutes=30)).isoformat()
    assert props["headcount"] == 420
    assert props["headcount_at"] == at
    assert props["last_report_at"] == at
    assert props["last_checkin_at"] is None
    assert props["reports"] == 1


def test_a_late_older_headcount_does_not_overwrite_a_newer_one() -> None:
    views, action, (site_id,) = setup(500)
    views.apply(report(action, site_id, minute=40, headcount=900))

    views.apply(report(action, site_id, minute=10, headcount=300))  # a phone back online

    props = views.feature(action.id, site_id)["properties"]
    assert props["headcount"] == 900
    assert props["headcount_at"] == (T0 + timedelta(minutes=40)).isoformat()
    assert props["last_report_at"] == (T0 + timedelta(minutes=40)).isoformat()
    assert props["reports"] == 2
    assert views.action(action.id)["headcount"] == 900
    assert views.action(action.id)["reports"] == 2


def test_a_checkin_moves_the_last_checkin_but_not_the_headcount() -> None:
    views, action, (site_id,) = setup(500)
    views.apply(report(action, site_id, minute=5, headcount=50))

    views.apply(report(action, site_id, minute=20))

    props = views.feature(action.id, site_id)["properties"]
    assert props["last_checkin_at"] == (T0 + timedelta(minutes=20)).isoformat()
    assert props["headcount"] == 50
    assert views.action(action.id)["headcount"] == 50


def test_reporters_counts_distinct_people_per_site() -> None:
    views, action, (site_a, site_b) = setup(500, 500)

    views.apply(
        report(action, site_a, minute=1, actor="ani"),
        report(action, site_a, minute=2, headcount=10, actor="ani"),
        report(action, site_a, minute=3, actor="budi"),
    )
    views.apply(report(action, site_a, minute=4, actor="ani"), report(action, site_b, minute=4))

    assert views.feature(action.id, site_a)["properties"]["reporters"] == 2
    assert views.feature(action.id, site_a)["properties"]["reports"] == 4
    assert views.feature(action.id, site_b)["properties"]["reporters"] == 1


def test_a_batch_publishes_only_public_channels() -> None:
    views, action, (site_id,) = setup(500)

    rows = views.apply(report(action, site_id, minute=1, headcount=10))

    assert any(channel.startswith("_") for channel, _key in rows.changed)  # bookkeeping kept
    assert set(rows.changes_by_channel()) == {
        live_map.channel(action.id),
        feed.channel(action.id),
        overview.CHANNEL,
    }
    for published in views.published:
        assert not any(channel.startswith("_") for channel in published)
        assert all(channels.parse(channel) is not None for channel in published)


def test_a_report_only_touches_its_own_site_and_action() -> None:
    views, action, (site_a, site_b) = setup(100, 200)
    other = planned(title="Elsewhere")
    with_sites(other, 300)
    views.apply(*other.collect_events())

    views.apply(report(action, site_a, minute=1, headcount=10))

    assert views.feature(action.id, site_b)["properties"]["reports"] == 0
    assert views.action(other.id)["reports"] == 0


# -- overview ------------------------------------------------------------------------------------


def test_a_planned_action_appears_in_the_overview_with_empty_totals() -> None:
    views = Views()
    action = planned(title="Mogok nasional")
    views.apply(*action.collect_events())

    doc = views.action(action.id)
    assert doc["title"] == "Mogok nasional"
    assert doc["status"] == "planned"
    assert doc["starts_at"] == T0.isoformat()
    assert (doc["sites"], doc["target"], doc["headcount"], doc["reports"]) == (0, 0, 0, 0)
    assert doc["started_at"] is None
    assert doc["last_report_at"] is None


def test_sites_add_up_to_the_overviews_targets() -> None:
    views, action, _ = setup(100, 250, 0)
    assert (views.action(action.id)["sites"], views.action(action.id)["target"]) == (3, 350)


def test_the_overview_follows_the_lifecycle_with_its_times() -> None:
    views, action, _ = setup(100)
    action.start(actor="c")
    action.conclude(actor="c")
    started, concluded = action.collect_events()

    views.apply(started)
    assert views.action(action.id)["status"] == "live"
    assert views.action(action.id)["started_at"] == started.timestamp.isoformat()
    views.apply(concluded)

    doc = views.action(action.id)
    assert doc["status"] == "concluded"
    assert doc["concluded_at"] == concluded.timestamp.isoformat()
    assert doc["cancelled_at"] is None


def test_a_cancelled_action_shows_when_and_why() -> None:
    views, action, _ = setup(100)
    action.cancel(reason="Izin ditolak", actor="c")
    (cancelled,) = action.collect_events()

    views.apply(cancelled)

    doc = views.action(action.id)
    assert doc["status"] == "cancelled"
    assert doc["cancelled_at"] == cancelled.timestamp.isoformat()
    assert doc["cancel_reason"] == "Izin ditolak"


def test_the_overview_snapshot_lists_actions_by_start_time_across_zones() -> None:
    wita = timezone(timedelta(hours=8))
    views = Views()
    # 09:30 WITA is 01:30 UTC: earlier than 03:00 UTC, though "09:30+08:00" sorts after it.
    later, earlier = (
        planned("Jakarta", T0),
        planned("Makassar", datetime(2026, 5, 1, 9, 30, tzinfo=wita)),
    )
    views.apply(*later.collect_events(), *earlier.collect_events())

    docs = [doc for (ch, _key), doc in views.rows.items() if ch == overview.CHANNEL]
    titles = [doc["title"] for doc in overview.snapshot(docs)["actions"]]

    assert titles == ["Makassar", "Jakarta"]


def test_an_event_for_an_action_the_overview_never_saw_is_ignored() -> None:
    views = Views()
    action = planned()
    action.collect_events()  # the Planned event is never applied
    action.start(actor="c")

    views.apply(*action.collect_events())

    assert views.rows == {}


# -- properties ----------------------------------------------------------------------------------

SITES = 3

reports_strategy = st.lists(
    st.tuples(
        st.integers(0, SITES - 1),  # which site
        st.integers(0, 120),  # the report's own time, in minutes after T0
        st.one_of(st.none(), st.integers(0, 5000)),  # None: a check-in
        st.sampled_from(["ani", "budi", "citra"]),
    ),
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(specs=reports_strategy, data=st.data())
def test_totals_equal_the_sum_of_the_latest_headcounts_in_any_arrival_order(
    specs: list[tuple[int, int, int | None, str]], data: st.DataObject
) -> None:
    views, action, site_ids = setup(*[100] * SITES)
    events = [
        report(action, site_ids[site], minute=minute, headcount=count, actor=actor)
        for site, minute, count, actor in specs
    ]
    arrival = data.draw(st.permutations(events))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(arrival)), max_size=5)))
    for start, end in zip([0, *cuts], [*cuts, len(arrival)], strict=True):
        views.apply(*arrival[start:end])  # the runner's batches may fall anywhere

    # Each site shows its latest headcount by report time (ties: the one applied last).
    for i, site_id in enumerate(site_ids):
        counts = [
            (e.at, arrival.index(e), e.headcount)
            for e in arrival
            if e.site_id == site_id and e.headcount is not None
        ]
        props = views.feature(action.id, site_id)["properties"]
        assert props["headcount"] == (max(counts)[2] if counts else None), f"site {i}"
        assert props["reports"] == sum(1 for e in events if e.site_id == site_id)
        assert props["reporters"] == len({e.actor for e in events if e.site_id == site_id})
    doc = views.action(action.id)
    assert doc["headcount"] == sum(
        f["properties"]["headcount"] or 0 for f in views.features(action.id)
    )
    assert doc["reports"] == len(events)
    latest = max((e.at for e in events), default=None)
    assert doc["last_report_at"] == (latest.isoformat() if latest else None)


@given(
    moment=st.datetimes(
        min_value=datetime(1990, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.sampled_from(
            [
                UTC,
                timezone(timedelta(0)),
                timezone(timedelta(hours=7)),
                timezone(-timedelta(hours=3, minutes=30)),
            ]
        ),
    )
)
def test_a_feed_key_is_the_utc_time_as_strftime_writes_it_then_the_id(moment: datetime) -> None:
    # Rows already stored keep these keys: a faster way to make them must make the same text.
    expected = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") + "|item"
    assert feed._key(moment, "item") == expected


@settings(max_examples=200)
@given(
    moment=st.datetimes(
        min_value=datetime(1990, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=7)), timezone(-timedelta(hours=3, minutes=30))]
        ),
    )
)
def test_a_moment_the_runner_decodes_keeps_the_text_isoformat_gives(moment: datetime) -> None:
    # Time travel and the tests decode with the application's mapper: both must give one text.
    transcoder = JSONTranscoder()
    transcoder.register(DatetimeAsISO())
    transcoder.register(UUIDAsHex())
    event: Any = planned(starts_at=moment).collect_events()[0]
    stored = Mapper(transcoder).to_stored_event(event)
    for mapper in (keeping_text(Mapper(transcoder)), Mapper(transcoder)):
        decoded: Any = mapper.to_domain_event(stored)
        assert type(decoded.starts_at) is datetime  # as the application decodes it
        assert decoded.starts_at == moment
        assert iso(decoded.starts_at) == moment.isoformat() == decoded.starts_at.isoformat()
        assert iso(decoded.starts_at.astimezone(UTC)) == moment.astimezone(UTC).isoformat()


def test_a_request_keeps_the_place_its_site_had_when_the_site_moves_in_the_same_batch() -> None:
    # A rebuild applies both events in one batch, the live path maybe in two: same rows.
    action = planned()
    (site_id,) = with_sites(action, 100)
    made = action.collect_events()
    request = HelpRequest.request(
        id=uuid4(),
        action_id=action.id,
        site_id=site_id,
        kind="water_food",
        quantity=2,
        note="",
        at=T0,
        now=NOW,
        actor="korlap-1",
    )
    (requested,) = request.collect_events()
    action.adjust_site(site_id=site_id, name="Site 0", lat=-6.3, lon=106.9, target=100, actor="c")
    (moved,) = action.collect_events()
    together, apart = Views(), Views()
    together.apply(*made, requested, moved)
    for event in (*made, requested, moved):
        apart.apply(event)
    assert together.rows == apart.rows
    feature = apart.rows[(live_map.channel(action.id), str(request.id))]
    assert feature["geometry"] == {"type": "Point", "coordinates": [106.8, -6.2]}
    assert apart.feature(action.id, site_id)["geometry"]["coordinates"] == [106.9, -6.3]
