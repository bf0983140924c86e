"""The command post over HTTP on a real server (as tests/integration/test_api.py builds it):
incidents and requests for help and their handling, targets, site status, the feed and the
legal channel, time travel, the nearest site, and the exports."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote
from uuid import UUID, uuid4

import pytest
from eventsourcing.utils import get_topic

from core.access import Role
from core.audit import PositionsRead
from tests.integration import test_api
from tests.integration.test_api import (
    KEY,
    Api,
    Planned,
    Reply,
    assert_problem,
    now,
    plan_with_site,
    report_body,
    site_body,
)

api = test_api.api  # the server, built as `posko serve` builds it
projecting = test_api.projecting  # and its projection runner, when a test reads views

WIB = timezone(timedelta(hours=7))
PASSWORD = "kata-sandi-yang-panjang"


def incident_body(site: str | None, **overrides: Any) -> dict[str, Any]:
    return {
        "id": str(uuid4()),
        "site_id": site,
        "kind": "police",
        "severity": "high",
        "description": "Polisi memblokade jalan",
        "at": (now() - timedelta(minutes=1)).isoformat(),
        **overrides,
    }


def request_body(site: str | None, **overrides: Any) -> dict[str, Any]:
    return {
        "id": str(uuid4()),
        "site_id": site,
        "kind": "medic",
        "quantity": 2,
        "note": "Dua orang pingsan",
        "at": (now() - timedelta(minutes=1)).isoformat(),
        **overrides,
    }


async def as_caller(api: Api, token: str, method: str, path: str, body: Any = None) -> Reply:
    return await api.call(
        method, path, body, headers={"Authorization": f"Bearer {token}"}, auth=False
    )


async def coordinator_of(api: Api, action_id: str) -> str:
    """A person with the coordinator role of one action, signed in: their token."""
    phone = f"0857{uuid4().int % 10**8:08d}"
    person = await api.post("/api/people", {"name": "Rina", "phone": phone, "password": PASSWORD})
    assert person.status == 201, person.body
    role = Role("coordinator", action_id=action_id).as_dict()
    assert (await api.post(f"/api/people/{person.body['id']}/roles", role)).status == 201
    signed_in = await api.post("/api/session", {"login": phone, "password": PASSWORD}, auth=False)
    assert signed_in.status == 201, signed_in.body
    return str(signed_in.body["token"])


async def organiser_at(api: Api, action_id: str, site_id: str) -> str:
    """A korlap who opened an invite link for one site of the action: their token."""
    invite = await api.post(f"/api/actions/{action_id}/invites", {"label": "K", "site_id": site_id})
    redeemed = await api.post(
        "/api/invites/redeem", {"code": invite.body["code"], "name": "Sri"}, auth=False
    )
    assert redeemed.status == 201, redeemed.body
    return str(redeemed.body["token"])


async def download(api: Api, path: str, token: str = KEY) -> tuple[int, str, Any]:
    async with api.session.get(path, headers={"Authorization": f"Bearer {token}"}) as response:
        return response.status, (await response.read()).decode("utf-8"), response.headers


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def affiliate(api: Api, name: str = "FSPMI") -> str:
    reply = await api.post("/api/affiliates", {"name": name})
    assert reply.status == 201, reply.body
    return str(reply.body["id"])


# -- incidents -----------------------------------------------------------------------------------


@pytest.mark.usefixtures("projecting")
async def test_an_incident_is_recorded_once_and_shows_on_the_map_and_in_the_feed(
    api: Api,
) -> None:
    planned = await plan_with_site(api)
    path = f"/api/actions/{planned.action_id}/incidents"
    body = incident_body(planned.site_id, lat=-6.195, lon=106.824)

    first = await api.post(path, body)
    before = api.position()
    again = await api.post(path, body)
    reused = await api.post(path, {**body, "severity": "low"})

    assert (first.status, first.body) == (201, {"id": body["id"], "position": before})
    assert (again.status, again.body) == (200, first.body)
    assert_problem(reused, 409, "id_reused")
    assert api.position() == before
    assert api.events_of(UUID(body["id"])) == 1
    base = f"/api/actions/{planned.action_id}"
    seen = await api.get(f"{base}/map?min_position={before}")
    (placed,) = [f for f in seen.body["features"] if f["id"] == body["id"]]
    (site,) = [f for f in seen.body["features"] if f["id"] == planned.site_id]
    assert placed["geometry"] == site["geometry"]  # at its site: the phone's point is private
    assert placed["properties"]["status"] == "open"
    assert (site["properties"]["open_incidents"], site["properties"]["max_severity"]) == (1, "high")
    listed = await api.get(f"{base}/feed?min_position={before}")
    assert [i["id"] for i in listed.body["items"]] == [body["id"]]
    assert listed.body["position"] >= before


@pytest.mark.usefixtures("projecting")
async def test_an_incident_is_acknowledged_resolved_and_reopened(api: Api) -> None:
    planned = await plan_with_site(api)
    created = await api.post(
        f"/api/actions/{planned.action_id}/incidents", incident_body(planned.site_id)
    )
    incident = f"/api/incidents/{created.body['id']}"

    acknowledged = await api.post(f"{incident}/acknowledge", {})
    again = await api.post(f"{incident}/acknowledge")  # no body at all is {} too
    resolved = await api.post(f"{incident}/resolve", {"note": "Barikade dibuka"})
    resolved_again = await api.post(f"{incident}/resolve", {"note": "Barikade dibuka"})
    acknowledged_late = await api.post(f"{incident}/acknowledge", {})
    reopened = await api.post(f"{incident}/reopen", {"reason": "Dipasang lagi"})

    assert (acknowledged.status, again.status) == (201, 200)
    assert again.body["id"] == created.body["id"]
    assert (resolved.status, resolved_again.status, reopened.status) == (201, 200, 201)
    assert_problem(acknowledged_late, 409, "bad_transition")
    assert api.events_of(UUID(created.body["id"])) == 4
    feed = await api.get(
        f"/api/actions/{planned.action_id}/feed?min_position={reopened.body['position']}"
    )
    (item,) = feed.body["items"]
    assert item["status"] == "open"
    assert (item["acknowledged_by"], item["resolved_by"]) == ("api-key", "api-key")
    assert (item["resolution"], item["reopened_because"]) == ("Barikade dibuka", "Dipasang lagi")


async def test_two_coordinators_acknowledging_at_once_record_one_event(api: Api) -> None:
    planned = await plan_with_site(api)
    created = await api.post(
        f"/api/actions/{planned.action_id}/incidents", incident_body(planned.site_id)
    )
    path = f"/api/incidents/{created.body['id']}/acknowledge"

    replies = await asyncio.gather(*(api.post(path, {}) for _ in range(6)))

    assert sorted(r.status for r in replies) == [200] * 5 + [201]
    assert api.events_of(UUID(created.body["id"])) == 2


# -- requests for help ---------------------------------------------------------------------------


@pytest.mark.usefixtures("projecting")
async def test_a_request_for_help_is_committed_then_fulfilled(api: Api) -> None:
    planned = await plan_with_site(api)
    path = f"/api/actions/{planned.action_id}/requests"
    body = request_body(planned.site_id)

    first = await api.post(path, body)
    again = await api.post(path, body)
    request = f"/api/requests/{body['id']}"
    committed = await api.post(f"{request}/commit", {"by": "Tim Medis Posko"})
    committed_again = await api.post(f"{request}/commit", {"by": "Tim Medis Posko"})
    fulfilled = await api.post(f"{request}/fulfil", {})
    cancel_late = await api.post(f"{request}/cancel", {"reason": "Terlambat"})

    assert (first.status, again.status, again.body) == (201, 200, first.body)
    assert (committed.status, committed_again.status, fulfilled.status) == (201, 200, 201)
    assert_problem(cancel_late, 409, "bad_transition")
    feed = await api.get(
        f"/api/actions/{planned.action_id}/feed?min_position={fulfilled.body['position']}"
    )
    (item,) = feed.body["items"]
    assert (item["type"], item["status"], item["committed_by"]) == (
        "request",
        "fulfilled",
        "Tim Medis Posko",
    )
    overview = await api.get(f"/api/actions/{planned.action_id}")
    assert overview.body["open_requests"] == 0


async def test_an_open_request_can_be_cancelled_but_not_fulfilled(api: Api) -> None:
    planned = await plan_with_site(api)
    body = request_body(planned.site_id)
    await api.post(f"/api/actions/{planned.action_id}/requests", body)

    fulfil = await api.post(f"/api/requests/{body['id']}/fulfil", {})
    cancelled = await api.post(f"/api/requests/{body['id']}/cancel", {"reason": "Sudah cukup"})
    cancelled_again = await api.post(f"/api/requests/{body['id']}/cancel", {"reason": "x"})

    assert_problem(fulfil, 409, "bad_transition")
    assert (cancelled.status, cancelled_again.status) == (201, 200)


@pytest.mark.usefixtures("projecting")
async def test_arrests_and_legal_aid_reach_the_legal_channel(api: Api) -> None:
    planned = await plan_with_site(api)
    base = f"/api/actions/{planned.action_id}"
    arrest = incident_body(planned.site_id, kind="arrest")
    await api.post(f"{base}/incidents", arrest)
    await api.post(f"{base}/incidents", incident_body(planned.site_id, kind="injury"))
    lawyer = request_body(planned.site_id, kind="legal_aid", quantity=1)
    last = await api.post(f"{base}/requests", lawyer)

    legal = await api.get(f"{base}/legal?min_position={last.body['position']}")

    assert legal.status == 200
    assert {i["id"] for i in legal.body["items"]} == {arrest["id"], lawyer["id"]}
    assert all(i["legal"] for i in legal.body["items"])


# -- targets, status, breakdowns -----------------------------------------------------------------


@pytest.mark.usefixtures("projecting")
async def test_targets_and_headcounts_per_affiliate_reach_the_overview(api: Api) -> None:
    planned = await plan_with_site(api)
    base = f"/api/actions/{planned.action_id}"
    fspmi = await affiliate(api)
    target = {"affiliate_id": fspmi, "site_id": planned.site_id, "target": 2000}

    first = await api.post(f"{base}/targets", target)
    again = await api.post(f"{base}/targets", target)
    counted = await api.post(
        f"{base}/reports",
        report_body(planned.site_id, headcount=1500, by_affiliate={fspmi.upper(): 900}),
    )
    status = await api.post(
        f"{base}/reports",
        report_body(planned.site_id, kind="status", headcount=None, phase="marching", mood="tense"),
    )

    assert (first.status, again.status, first.body["id"]) == (201, 200, planned.action_id)
    assert (counted.status, status.status) == (201, 201)
    overview = await api.get(f"{base}?min_position={status.body['position']}")
    assert overview.body["affiliates"] == {fspmi: {"target": 2000, "headcount": 900}}
    seen = await api.get(f"{base}/map?min_position={status.body['position']}")
    (site,) = seen.body["features"]
    assert site["properties"]["by_affiliate"] == {fspmi: 900}
    assert (site["properties"]["phase"], site["properties"]["mood"]) == ("marching", "tense")


# -- who may ------------------------------------------------------------------------------------


@pytest.mark.usefixtures("projecting")
async def test_an_organiser_reports_at_their_site_and_a_coordinator_handles_it(api: Api) -> None:
    planned = await plan_with_site(api)
    base = f"/api/actions/{planned.action_id}"
    other_site = (await api.post(f"{base}/sites", site_body(lat=-6.3))).body["id"]
    korlap = await organiser_at(api, planned.action_id, planned.site_id)
    coordinator = await coordinator_of(api, planned.action_id)
    other_action = (await api.post("/api/actions", {**_action(), "id": str(uuid4())})).body["id"]
    elsewhere = await coordinator_of(api, other_action)

    incident = await as_caller(
        api, korlap, "POST", f"{base}/incidents", incident_body(planned.site_id)
    )
    help_asked = await as_caller(
        api, korlap, "POST", f"{base}/requests", request_body(planned.site_id)
    )
    assert (incident.status, help_asked.status) == (201, 201)
    before = api.position()
    refused = [
        await as_caller(api, korlap, "POST", f"{base}/incidents", incident_body(other_site)),
        await as_caller(api, korlap, "POST", f"{base}/requests", request_body(other_site)),
        await as_caller(api, korlap, "POST", f"/api/incidents/{incident.body['id']}/acknowledge"),
        await as_caller(
            api, korlap, "POST", f"/api/requests/{help_asked.body['id']}/commit", {"by": "Saya"}
        ),
        await as_caller(
            api, elsewhere, "POST", f"/api/incidents/{incident.body['id']}/acknowledge"
        ),
        await as_caller(
            api, korlap, "POST", f"{base}/targets", {"affiliate_id": str(uuid4()), "target": 5}
        ),
        await as_caller(api, korlap, "GET", f"{base}/legal"),
        await as_caller(api, elsewhere, "GET", f"{base}/feed"),
    ]
    for reply in refused:
        if reply.status == 404:  # an item found by its id: "not yours" reads as "not there"
            assert reply.body["code"] in ("unknown_incident", "unknown_helprequest"), reply.body
        else:
            assert_problem(reply, 403, "forbidden")
    assert sum(r.status == 404 for r in refused) == 3  # the three handling steps
    assert api.position() == before

    acknowledged = await as_caller(
        api, coordinator, "POST", f"/api/incidents/{incident.body['id']}/acknowledge", {}
    )
    committed = await as_caller(
        api, coordinator, "POST", f"/api/requests/{help_asked.body['id']}/commit", {"by": "Tim"}
    )
    wait = f"min_position={committed.body['position']}"
    legal = await as_caller(api, coordinator, "GET", f"{base}/legal?{wait}")
    feed = await as_caller(api, korlap, "GET", f"{base}/feed?{wait}")
    assert (acknowledged.status, committed.status, legal.status, feed.status) == (
        201,
        201,
        200,
        200,
    )


def _action() -> dict[str, Any]:
    starts = now()
    return {
        "title": "Aksi lain",
        "kind": "rally",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=4)).isoformat(),
    }


# -- bad input -----------------------------------------------------------------------------------

INCIDENTS = "/api/actions/{action_id}/incidents"
REQUESTS = "/api/actions/{action_id}/requests"
TARGETS = "/api/actions/{action_id}/targets"
REPORTS = "/api/actions/{action_id}/reports"


def _incident(**overrides: Any) -> Any:
    return lambda p: incident_body(p.site_id, **overrides)


def _request(**overrides: Any) -> Any:
    return lambda p: request_body(p.site_id, **overrides)


def _status(**overrides: Any) -> Any:
    return lambda p: report_body(p.site_id, kind="status", headcount=None, **overrides)


BAD_INPUT: list[Any] = [
    ("incident without id", INCIDENTS, _incident(id=None), 422, "id", "required"),
    ("incident kind", INCIDENTS, _incident(kind="picnic"), 422, "kind", "not_one_of"),
    ("incident severity", INCIDENTS, _incident(severity=3), 422, "severity", "wrong_type"),
    ("blank description", INCIDENTS, _incident(description=" "), 422, "description", "required"),
    ("lat without lon", INCIDENTS, _incident(lat=-6.2), 422, "lon", "lat_lon_together"),
    ("incident lat 91", INCIDENTS, _incident(lat=91, lon=0), 422, "lat", "out_of_range"),
    ("naive incident time", INCIDENTS, _incident(at="2026-05-01T10:00:00"), 422, "at", None),
    ("unknown site", INCIDENTS, _incident(site_id=str(uuid4())), 404, "site_id", "unknown_site"),
    ("request quantity 0", REQUESTS, _request(quantity=0), 422, "quantity", "out_of_range"),
    ("quantity a string", REQUESTS, _request(quantity="2"), 422, "quantity", "wrong_type"),
    ("request kind", REQUESTS, _request(kind="pizza"), 422, "kind", "not_one_of"),
    ("request without site", REQUESTS, _request(site_id=None), 422, "site_id", "required"),
    ("note not text", REQUESTS, _request(note=5), 422, "note", "wrong_type"),
    (
        "unknown affiliate",
        TARGETS,
        lambda p: {"affiliate_id": str(uuid4()), "target": 5},
        404,
        "affiliate_id",
        "unknown_affiliate",
    ),
    (
        "target a string",
        TARGETS,
        lambda p: {"affiliate_id": str(uuid4()), "target": "5"},
        422,
        "target",
        "wrong_type",
    ),
    ("status without phase", REPORTS, _status(), 422, "phase", "required"),
    ("unknown phase", REPORTS, _status(phase="dancing"), 422, "phase", "not_one_of"),
    ("unknown mood", REPORTS, _status(mood="angry"), 422, "mood", "not_one_of"),
    (
        "by_affiliate a list",
        REPORTS,
        lambda p: report_body(p.site_id, by_affiliate=[1, 2]),
        422,
        "by_affiliate",
        "wrong_type",
    ),
    (
        "by_affiliate by name",
        REPORTS,
        lambda p: report_body(p.site_id, by_affiliate={"FSPMI": 10}),
        422,
        "by_affiliate",
        "not_uuid",
    ),
    (
        "by_affiliate over the total",
        REPORTS,
        lambda p: report_body(p.site_id, headcount=10, by_affiliate={str(uuid4()): 11}),
        422,
        "by_affiliate",
        "breakdown_exceeds_total",
    ),
]


@pytest.mark.parametrize(
    ("path", "body", "status", "field", "code"),
    [pytest.param(*case[1:], id=case[0]) for case in BAD_INPUT],
)
async def test_bad_input_is_a_problem_naming_the_field_and_writes_nothing(
    api: Api, path: str, body: Any, status: int, field: str, code: str | None
) -> None:
    planned = await plan_with_site(api)
    before = api.position()

    reply = await api.post(path.format(action_id=planned.action_id), body(planned))

    assert_problem(reply, status, code)
    assert reply.body["field"] == field
    assert api.position() == before


@pytest.mark.parametrize(
    ("step", "body", "field"),
    [
        ("resolve", {}, "note"),
        ("resolve", {"note": ""}, "note"),
        ("reopen", {"reason": 5}, "reason"),
    ],
)
async def test_handling_an_incident_needs_its_details(
    api: Api, step: str, body: dict[str, Any], field: str
) -> None:
    planned = await plan_with_site(api)
    created = await api.post(
        f"/api/actions/{planned.action_id}/incidents", incident_body(planned.site_id)
    )
    before = api.position()

    reply = await api.post(f"/api/incidents/{created.body['id']}/{step}", body)

    assert_problem(reply, 422)
    assert reply.body["field"] == field
    assert api.position() == before


async def test_handling_what_does_not_exist_is_a_404(api: Api) -> None:
    for path in (f"/api/incidents/{uuid4()}/acknowledge", f"/api/requests/{uuid4()}/fulfil"):
        reply = await api.post(path, {})
        assert_problem(reply, 404)
    assert_problem(await api.post("/api/requests/nope/commit", {"by": "x"}), 404, "not_found")


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ("at=2026-05-01T10:00:00", "at", "needs_timezone"),
        ("at=tomorrow", "at", "not_datetime"),
        ("at=0001-01-01T00:00:00%2B05:00", "at", "out_of_range"),
        ("min_position=soon", "min_position", "wrong_type"),
    ],
)
async def test_a_bad_moment_names_at(api: Api, query: str, field: str, code: str) -> None:
    planned = await plan_with_site(api)
    for view in ("map", "feed", "legal"):
        reply = await api.get(f"/api/actions/{planned.action_id}/{view}?{query}")
        assert_problem(reply, 422, code)
        assert reply.body["field"] == field


# -- time travel ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("projecting")
async def test_the_map_and_feed_at_a_moment_equal_what_they_showed_then(api: Api) -> None:
    planned = await plan_with_site(api)
    base = f"/api/actions/{planned.action_id}"
    await api.post(f"{base}/reports", report_body(planned.site_id, headcount=300))
    incident = await api.post(f"{base}/incidents", incident_body(planned.site_id))
    position = incident.body["position"]
    shown = {
        view: await api.get(f"{base}/{view}?min_position={position}") for view in ("map", "feed")
    }
    moment = datetime.now(UTC)

    await api.post(f"/api/incidents/{incident.body['id']}/acknowledge", {})
    await api.post(f"{base}/reports", report_body(planned.site_id, headcount=2500))
    last = await api.post(f"{base}/incidents", incident_body(planned.site_id, kind="arrest"))
    changed = await api.get(f"{base}/map?min_position={last.body['position']}")
    assert changed.body["features"] != shown["map"].body["features"]

    for view, then in shown.items():
        encoded = await api.get(f"{base}/{view}?at={quote(moment.isoformat())}")
        unencoded = await api.get(f"{base}/{view}?at={moment.astimezone(WIB).isoformat()}")
        assert encoded.status == 200, encoded.body
        assert encoded.body == {**then.body, "at": moment.isoformat()}
        assert {**unencoded.body, "at": None} == {**encoded.body, "at": None}
    before = await api.get(f"{base}/map?at={quote((moment - timedelta(days=1)).isoformat())}")
    assert (before.body["features"], before.body["position"]) == ([], 0)

    # The dashboard's one request per frame: the same map and feed, from one replay (and the
    # legal channel: the API key may read it).
    past = await api.get(f"{base}/past?at={quote(moment.isoformat())}")
    assert past.status == 200, past.body
    assert past.body["position"] == shown["map"].body["position"]
    for view, then in shown.items():
        assert {**past.body[view], "position": then.body["position"]} == then.body
    legal = await api.get(f"{base}/legal?at={quote(moment.isoformat())}")
    assert past.body["legal"]["items"] == legal.body["items"]
    without = await api.get(f"{base}/past")
    assert_problem(without, 422, "required")
    assert without.body["field"] == "at"


# -- the nearest site ----------------------------------------------------------------------------


async def test_the_nearest_site_is_suggested_to_a_phone_without_one(api: Api) -> None:
    planned = await plan_with_site(api)  # Bundaran HI, -6.1949 106.823
    base = f"/api/actions/{planned.action_id}"
    far = await api.post(f"{base}/sites", site_body(name="Gedung Sate", lat=-6.9025, lon=107.6188))
    assert far.status == 201
    before = api.position()

    nearest = await api.get(f"{base}/nearest-site?lat=-6.1955&lon=106.8232")
    unsited = {**report_body(planned.site_id), "site_id": None}
    report = await api.post(f"{base}/reports", {**unsited, "lat": -6.1955, "lon": 106.8232})
    checkin = await api.post(
        f"{base}/reports",
        {**unsited, "kind": "checkin", "headcount": None, "lat": -6.9, "lon": 107.6},
    )
    without_position = await api.post(f"{base}/reports", unsited)

    assert nearest.status == 200
    assert nearest.body["site_id"] == planned.site_id
    assert nearest.body["name"] == "Bundaran HI"
    assert 60 < nearest.body["distance_m"] < 75
    assert_problem(report, 422, "choose_site")
    assert report.body["field"] == "site_id"
    assert report.body["params"]["suggestion"] == nearest.body
    assert "Bundaran HI" in report.body["title"]
    assert checkin.body["params"]["suggestion"]["site_id"] == far.body["id"]
    assert_problem(without_position, 422, "required")
    assert without_position.body["field"] == "site_id"
    assert api.position() == before


async def test_a_korlap_of_one_site_reporting_an_incident_without_it_is_told_the_nearest(
    api: Api,
) -> None:
    planned = await plan_with_site(api)
    korlap = await organiser_at(api, planned.action_id, planned.site_id)
    path = f"/api/actions/{planned.action_id}/incidents"

    placed = await as_caller(
        api, korlap, "POST", path, incident_body(None, lat=-6.1949, lon=106.823)
    )
    by_coordinator = await api.post(path, incident_body(None, lat=-6.1949, lon=106.823))

    assert_problem(placed, 422, "choose_site")
    assert placed.body["params"]["suggestion"]["site_id"] == planned.site_id
    assert by_coordinator.status == 201  # a coordinator may report one anywhere


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ("lon=106.8", "lat", "required"),
        ("lat=abc&lon=106.8", "lat", "wrong_type"),
        ("lat=91&lon=106.8", "lat", "out_of_range"),
        ("lat=-6.2&lon=nan", "lon", "out_of_range"),
    ],
)
async def test_the_nearest_site_needs_a_position(
    api: Api, query: str, field: str, code: str
) -> None:
    planned = await plan_with_site(api)
    reply = await api.get(f"/api/actions/{planned.action_id}/nearest-site?{query}")
    assert_problem(reply, 422, code)
    assert reply.body["field"] == field


# -- exports -------------------------------------------------------------------------------------


async def a_day(api: Api) -> tuple[Planned, dict[str, Any]]:
    """An action with a check-in, a headcount, an incident and a request, all handled a bit."""
    planned = await plan_with_site(api)
    base = f"/api/actions/{planned.action_id}"
    checkin = report_body(
        planned.site_id, kind="checkin", headcount=None, lat=-6.1951, lon=106.8231
    )
    checkin["accuracy_m"] = 12.0
    headcount = report_body(planned.site_id, headcount=4200)
    incident = incident_body(planned.site_id, description='=HYPERLINK("x") “provokator” é')
    help_asked = request_body(planned.site_id, kind="water_food", quantity=300)
    for path, body in (
        ("reports", checkin),
        ("reports", headcount),
        ("incidents", incident),
        ("requests", help_asked),
    ):
        assert (await api.post(f"{base}/{path}", body)).status == 201
    await api.post(f"/api/incidents/{incident['id']}/acknowledge", {})
    last = await api.post(f"/api/requests/{help_asked['id']}/commit", {"by": "Logistik"})
    await api.get(f"{base}?min_position={last.body['position']}")
    return planned, {
        "checkin": checkin,
        "headcount": headcount,
        "incident": incident,
        "request": help_asked,
    }


def positions_reads(api: Api) -> int:
    return len(
        api.components.app.recorder.select_notifications(
            start=0, limit=1000, topics=[get_topic(PositionsRead.Recorded)]
        )
    )


@pytest.mark.usefixtures("projecting")
async def test_the_reports_export_is_csv_with_exact_positions_only_for_coordinators(
    api: Api,
) -> None:
    planned, made = await a_day(api)
    path = f"/api/actions/{planned.action_id}/export/reports.csv"
    korlap = await organiser_at(api, planned.action_id, planned.site_id)

    status, text, headers = await download(api, path)
    reads_after_coordinator = positions_reads(api)
    korlap_status, korlap_text, _ = await download(api, path, korlap)

    assert status == 200
    assert headers["Content-Type"] == "text/csv; charset=utf-8"
    assert headers["Content-Disposition"] == (
        f'attachment; filename="posko-{planned.action_id}-reports.csv"'
    )
    rows = {row["id"]: row for row in rows_of(text)}
    assert set(rows) == {made["checkin"]["id"], made["headcount"]["id"]}
    checkin = rows[made["checkin"]["id"]]
    assert (checkin["kind"], checkin["site"], checkin["far"]) == ("checkin", "Bundaran HI", "false")
    assert (checkin["lat"], checkin["lon"], checkin["accuracy_m"]) == (
        "-6.1951",
        "106.8231",
        "12.0",
    )
    assert (
        checkin["at"] == datetime.fromisoformat(made["checkin"]["at"]).astimezone(UTC).isoformat()
    )
    assert rows[made["headcount"]["id"]]["headcount"] == "4200"
    assert reads_after_coordinator == 1  # the read of exact positions was recorded
    assert korlap_status == 200
    korlap_rows = rows_of(korlap_text)
    assert {r["id"] for r in korlap_rows} == set(rows)
    assert "lat" not in korlap_rows[0]
    assert positions_reads(api) == 1


@pytest.mark.usefixtures("projecting")
async def test_incidents_and_requests_export_as_csv_with_their_handling(api: Api) -> None:
    planned, made = await a_day(api)
    base = f"/api/actions/{planned.action_id}/export"

    incidents = await download(api, f"{base}/incidents.csv")
    requests = await download(api, f"{base}/requests.csv")

    (incident,) = rows_of(incidents[1])
    assert incident["id"] == made["incident"]["id"]
    assert incident["description"] == '\'=HYPERLINK("x") “provokator” é'  # never a formula
    assert (incident["status"], incident["acknowledged_by"]) == ("acknowledged", "api-key")
    assert datetime.fromisoformat(incident["acknowledged_at"]).utcoffset() == timedelta(0)
    assert (incident["lat"], incident["lon"]) == ("-6.1949", "106.823")  # at its site
    (request,) = rows_of(requests[1])
    assert (request["kind"], request["quantity"], request["status"]) == (
        "water_food",
        "300",
        "committed",
    )
    assert request["committed_by"] == "Logistik"
    assert requests[2]["Content-Disposition"].endswith('-requests.csv"')


@pytest.mark.usefixtures("projecting")
async def test_the_sites_export_as_geojson(api: Api) -> None:
    planned, _ = await a_day(api)

    status, text, headers = await download(api, f"/api/actions/{planned.action_id}/sites.geojson")

    assert status == 200
    assert headers["Content-Type"].startswith("application/geo+json")
    collection = json.loads(text)
    assert collection["type"] == "FeatureCollection"
    (site,) = collection["features"]
    assert site["id"] == planned.site_id
    assert site["geometry"] == {"type": "Point", "coordinates": [106.823, -6.1949]}
    assert (site["properties"]["name"], site["properties"]["headcount"]) == ("Bundaran HI", 4200)


async def test_exports_of_an_unknown_action_are_404(api: Api) -> None:
    for name in ("export/reports.csv", "export/incidents.csv", "sites.geojson"):
        status, text, _ = await download(api, f"/api/actions/{uuid4()}/{name}")
        assert (status, json.loads(text)["code"]) == (404, "unknown_action")
