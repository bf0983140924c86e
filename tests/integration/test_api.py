"""The HTTP API on a real server over a free port, built the way `posko serve` builds it (SQLite
files in a temporary data directory), with the projection runner following the log."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from posko.bootstrap import Components, build, web_services
from posko.settings import Settings
from web.app import create_app
from web.problems import MAX_BODY

KEY = "k" * 32
PROBLEM_JSON = "application/problem+json"


@dataclass
class Reply:
    status: int
    body: Any
    content_type: str
    headers: dict[str, str]


@dataclass
class Api:
    session: ClientSession
    components: Components

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
        auth: bool = True,
    ) -> Reply:
        sent = {"Authorization": f"Bearer {KEY}"} if auth else {}
        sent.update(headers or {})
        if raw is None and body is not None:
            raw = json.dumps(body).encode()
            sent.setdefault("Content-Type", "application/json")
        async with self.session.request(method, path, data=raw, headers=sent) as response:
            text = await response.text()
            return Reply(
                status=response.status,
                body=json.loads(text) if text else None,
                content_type=response.content_type,
                headers=dict(response.headers),
            )

    async def post(self, path: str, body: Any = None, **kwargs: Any) -> Reply:
        return await self.call("POST", path, body, **kwargs)

    async def get(self, path: str, **kwargs: Any) -> Reply:
        return await self.call("GET", path, **kwargs)

    def position(self) -> int:
        return self.components.app.recorder.max_notification_id() or 0

    def events_of(self, originator_id: UUID) -> int:
        return len(self.components.app.recorder.select_events(originator_id))


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    """The server; writes only. Tests that read views ask for `projecting` as well."""
    components = build(Settings(data_dir=tmp_path, api_key=KEY), runner=True, gateway=False)
    server = TestServer(create_app(web_services(components)))  # a free port on 127.0.0.1
    await server.start_server()
    session = ClientSession(base_url=str(server.make_url("/")))
    try:
        yield Api(session, components)
    finally:
        await session.close()
        await server.close()
        # A cancelled projection runner may still be reading the views in a worker thread:
        # let it finish before the store's connections close under it (else a segfault).
        await asyncio.get_running_loop().shutdown_default_executor()
        components.close()


@pytest.fixture
async def projecting(api: Api) -> AsyncIterator[None]:
    """The projection runner following the log in the background, as in `posko serve`."""
    assert api.components.runner is not None
    task = asyncio.create_task(api.components.runner.run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def now() -> datetime:
    return datetime.now(UTC)


def action_body(**overrides: Any) -> dict[str, Any]:
    starts = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    return {
        "id": str(uuid4()),
        "title": "Aksi Hari Buruh",
        "kind": "rally",
        "demands": ["Upah layak"],
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=6)).isoformat(),
        **overrides,
    }


def site_body(**overrides: Any) -> dict[str, Any]:
    return {
        "id": str(uuid4()),
        "name": "Bundaran HI",
        "lat": -6.1949,
        "lon": 106.823,
        "target": 5000,
        **overrides,
    }


def report_body(site_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "id": str(uuid4()),
        "site_id": site_id,
        "kind": "headcount",
        "headcount": 1200,
        "at": (now() - timedelta(minutes=1)).isoformat(),
        **overrides,
    }


@dataclass
class Planned:
    action_id: str
    site_id: str
    position: int


async def plan_with_site(api: Api) -> Planned:
    action = await api.post("/api/actions", action_body())
    assert action.status == 201, action.body
    site = await api.post(f"/api/actions/{action.body['id']}/sites", site_body())
    assert site.status == 201, site.body
    return Planned(action.body["id"], site.body["id"], site.body["position"])


def assert_problem(reply: Reply, status: int, code: str | None = None) -> None:
    assert reply.status == status, reply.body
    assert reply.content_type == PROBLEM_JSON
    assert reply.body["status"] == status
    assert reply.body["type"].startswith("urn:posko:problem:")
    assert reply.body["title"]
    if code is not None:
        assert reply.body["code"] == code


# -- authentication ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-key-wrong-key-wrong-key", f"Basic {KEY}", "Bearer "],
    ids=["none", "wrong key", "wrong scheme", "empty token"],
)
async def test_the_api_refuses_a_missing_or_wrong_token(
    api: Api, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    before = api.position()

    for method, path in [("GET", "/api/actions"), ("POST", "/api/actions")]:
        reply = await api.call(method, path, action_body(), headers=headers, auth=False)
        assert_problem(reply, 401, "unauthenticated")

    assert api.position() == before


async def test_the_openapi_document_and_health_need_no_token(api: Api) -> None:
    document = await api.get("/api/openapi.json", auth=False)
    health = await api.get("/healthz", auth=False)

    assert document.status == 200
    assert document.body["openapi"].startswith("3.")
    assert "/api/actions" in document.body["paths"]
    assert health.status == 200


# -- actions and sites ---------------------------------------------------------------------------


async def test_planning_an_action_answers_201_with_its_id_and_position(api: Api) -> None:
    body = action_body()

    reply = await api.post("/api/actions", body)

    assert reply.status == 201
    assert reply.body == {"id": body["id"], "position": api.position()}


async def test_planning_without_an_id_makes_one(api: Api) -> None:
    body = action_body()
    del body["id"]

    reply = await api.post("/api/actions", body)

    assert reply.status == 201
    assert UUID(reply.body["id"])


async def test_replanning_the_same_id_and_body_returns_the_first_answer(api: Api) -> None:
    body = action_body()
    first = await api.post("/api/actions", body)
    await plan_with_site(api)  # the log moves on meanwhile
    before = api.position()

    again = await api.post("/api/actions", body)

    assert (first.status, again.status) == (201, 200)
    assert again.body == first.body
    assert api.position() == before


async def test_reusing_an_action_id_for_another_plan_is_a_conflict(api: Api) -> None:
    body = action_body()
    await api.post("/api/actions", body)
    before = api.position()

    reply = await api.post("/api/actions", {**body, "title": "Another action"})

    assert_problem(reply, 409, "id_reused")
    assert reply.body["field"] == "id"
    assert api.position() == before


async def test_adding_a_site_answers_201_and_a_resend_changes_nothing(api: Api) -> None:
    action = await api.post("/api/actions", action_body())
    body = site_body()

    first = await api.post(f"/api/actions/{action.body['id']}/sites", body)
    before = api.position()
    again = await api.post(f"/api/actions/{action.body['id']}/sites", body)
    changed = await api.post(f"/api/actions/{action.body['id']}/sites", {**body, "target": 1})

    assert first.status == 201
    assert first.body["id"] == body["id"]
    assert again.status == 200
    assert again.body["id"] == body["id"]
    assert again.body["position"] >= first.body["position"]
    assert_problem(changed, 409, "id_reused")
    assert api.position() == before


# -- reports -------------------------------------------------------------------------------------


async def test_a_report_resend_gets_the_same_answer_and_is_stored_once(api: Api) -> None:
    planned = await plan_with_site(api)
    body = report_body(planned.site_id)
    path = f"/api/actions/{planned.action_id}/reports"

    first = await api.post(path, body)
    before = api.position()
    again = await api.post(path, body)

    assert first.status == 201
    assert first.body == {"id": body["id"], "position": before}
    assert again.status == 200
    assert again.body == first.body
    assert api.position() == before
    assert api.events_of(UUID(body["id"])) == 1


async def test_concurrent_resends_of_a_new_report_record_it_once(api: Api) -> None:
    planned = await plan_with_site(api)
    body = report_body(planned.site_id)
    path = f"/api/actions/{planned.action_id}/reports"
    before = api.position()

    replies = await asyncio.gather(*(api.post(path, body) for _ in range(20)))

    assert sorted(r.status for r in replies) == [200] * 19 + [201]
    assert {json.dumps(r.body, sort_keys=True) for r in replies} == {
        json.dumps({"id": body["id"], "position": before + 1}, sort_keys=True)
    }
    assert api.events_of(UUID(body["id"])) == 1
    assert api.position() == before + 1


async def test_concurrent_reports_from_many_phones_are_all_recorded(api: Api) -> None:
    planned = await plan_with_site(api)
    path = f"/api/actions/{planned.action_id}/reports"
    bodies = [report_body(planned.site_id, headcount=i) for i in range(30)]
    before = api.position()

    replies = await asyncio.gather(*(api.post(path, body) for body in bodies))

    assert [r.status for r in replies] == [201] * 30
    assert sorted(r.body["position"] for r in replies) == list(range(before + 1, before + 31))
    assert all(api.events_of(UUID(body["id"])) == 1 for body in bodies)


async def test_a_resend_with_a_reused_report_id_but_other_facts_is_a_conflict(api: Api) -> None:
    planned = await plan_with_site(api)
    path = f"/api/actions/{planned.action_id}/reports"
    body = report_body(planned.site_id)
    await api.post(path, body)
    before = api.position()

    other_count = await api.post(path, {**body, "headcount": 99})
    unknown_site = await api.post(path, {**body, "site_id": str(uuid4())})

    assert_problem(other_count, 409, "id_reused")
    assert_problem(unknown_site, 409, "id_reused")
    assert api.position() == before


async def test_a_report_resent_after_the_action_was_cancelled_gets_the_first_answer(
    api: Api,
) -> None:
    planned = await plan_with_site(api)
    path = f"/api/actions/{planned.action_id}/reports"
    body = report_body(planned.site_id)
    first = await api.post(path, body)
    status = await api.post(
        f"/api/actions/{planned.action_id}/status", {"status": "cancelled", "reason": "Hujan"}
    )
    assert status.status == 201

    again = await api.post(path, body)
    new = await api.post(path, report_body(planned.site_id))

    assert (again.status, again.body) == (200, first.body)
    assert_problem(new, 409, "action_cancelled")


async def test_the_action_lifecycle_over_http(api: Api) -> None:
    planned = await plan_with_site(api)
    path = f"/api/actions/{planned.action_id}/status"

    live = await api.post(path, {"status": "live"})
    live_again = await api.post(path, {"status": "live"})
    concluded = await api.post(path, {"status": "concluded"})
    cancel = await api.post(path, {"status": "cancelled", "reason": "Terlambat"})
    unknown = await api.post(path, {"status": "paused"})

    assert (live.status, live_again.status, concluded.status) == (201, 200, 201)
    assert_problem(cancel, 409, "bad_transition")
    assert_problem(unknown, 422, "not_one_of")
    assert unknown.body["field"] == "status"


# -- bad input -----------------------------------------------------------------------------------

REPORTS = "/api/actions/{action_id}/reports"
SITES = "/api/actions/{action_id}/sites"


def _report(**overrides: Any) -> Any:
    return lambda p: {**report_body(p.site_id), **overrides}


def _checkin(**overrides: Any) -> Any:
    checkin = {"kind": "checkin", "headcount": None, "lat": -6.2, "lon": 106.8}
    return lambda p: {**report_body(p.site_id), **checkin, **overrides}


def _without(field: str) -> Any:
    def body(p: Planned) -> dict[str, Any]:
        b = action_body()
        del b[field]
        return b

    return body


BAD_INPUT: list[Any] = [
    ("malformed json", "/api/actions", b'{"title": "x",', 422, "body", "malformed_json"),
    ("array body", "/api/actions", b"[]", 422, "body", "not_an_object"),
    ("deeply nested json", "/api/actions", b"[" * 50_000, 422, "body", "malformed_json"),
    ("not utf-8", "/api/actions", b'{"title": "\xff"}', 422, "body", "malformed_json"),
    ("missing title", "/api/actions", _without("title"), 422, "title", "required"),
    ("blank title", "/api/actions", lambda p: action_body(title=" "), 422, "title", "required"),
    (
        "unknown action kind",
        "/api/actions",
        lambda p: action_body(kind="picnic"),
        422,
        "kind",
        None,
    ),
    ("non-uuid action id", "/api/actions", lambda p: action_body(id="42"), 422, "id", "not_uuid"),
    (
        "demands not a list",
        "/api/actions",
        lambda p: action_body(demands="x"),
        422,
        "demands",
        None,
    ),
    (
        "naive starts_at",
        "/api/actions",
        lambda p: action_body(starts_at="2026-05-01T09:00:00"),
        422,
        "starts_at",
        "needs_timezone",
    ),
    ("lat as a string", SITES, lambda p: site_body(lat="abc"), 422, "lat", "wrong_type"),
    ("lat as a boolean", SITES, lambda p: site_body(lat=True), 422, "lat", "wrong_type"),
    ("site lat 91", SITES, lambda p: site_body(lat=91), 422, "lat", "out_of_range"),
    ("negative target", SITES, lambda p: site_body(target=-5), 422, "target", "out_of_range"),
    ("target as float", SITES, lambda p: site_body(target=10.5), 422, "target", "wrong_type"),
    ("report lat as a string", REPORTS, _checkin(lat="abc"), 422, "lat", "wrong_type"),
    ("report lat as a boolean", REPORTS, _checkin(lat=True), 422, "lat", "wrong_type"),
    ("lat 91", REPORTS, _checkin(lat=91), 422, "lat", "out_of_range"),
    ("lon -181", REPORTS, _checkin(lon=-181), 422, "lon", "out_of_range"),
    ("lat a 400-digit integer", REPORTS, _checkin(lat=10**400), 422, "lat", "out_of_range"),
    ("checkin without gps", REPORTS, _checkin(lat=None, lon=None), 422, "lat", "required"),
    ("negative headcount", REPORTS, _report(headcount=-1), 422, "headcount", "out_of_range"),
    ("headcount as float", REPORTS, _report(headcount=12.5), 422, "headcount", "wrong_type"),
    ("headcount as string", REPORTS, _report(headcount="12"), 422, "headcount", "wrong_type"),
    ("headcount missing", REPORTS, _report(headcount=None), 422, "headcount", "required"),
    ("unknown kind", REPORTS, _report(kind="selfie"), 422, "kind", "not_one_of"),
    ("non-uuid report id", REPORTS, _report(id="abc"), 422, "id", "not_uuid"),
    ("missing report id", REPORTS, _report(id=None), 422, "id", "required"),
    ("non-uuid site id", REPORTS, _report(site_id=12), 422, "site_id", "not_uuid"),
    ("unknown site", REPORTS, _report(site_id=str(uuid4())), 404, "site_id", "unknown_site"),
    ("naive at", REPORTS, _report(at="2026-05-01T09:00:00"), 422, "at", "needs_timezone"),
    ("at not a time", REPORTS, _report(at="yesterday"), 422, "at", "not_datetime"),
    (
        "at in year 1",
        REPORTS,
        _report(at="0001-01-01T00:00:00+07:00"),
        422,
        "at",
        "out_of_range",
    ),
    (
        "at an hour ahead",
        REPORTS,
        lambda p: report_body(p.site_id, at=(now() + timedelta(hours=1)).isoformat()),
        422,
        "at",
        "in_future",
    ),
    (
        "unknown action",
        f"/api/actions/{uuid4()}/reports",
        _report(),
        404,
        "action_id",
        "unknown_action",
    ),
    ("non-uuid action in path", "/api/actions/42/reports", _report(), 404, "id", "not_found"),
    (
        "oversized body",
        REPORTS,
        lambda p: report_body(p.site_id, note="x" * (MAX_BODY + 1)),
        413,
        "body",
        "body_too_large",
    ),
]


@pytest.mark.parametrize(
    ("path", "body", "status", "field", "code"),
    [pytest.param(*case[1:], id=case[0]) for case in BAD_INPUT],
)
async def test_bad_input_is_a_4xx_problem_naming_the_field_and_writes_nothing(
    api: Api, path: str, body: Any, status: int, field: str, code: str | None
) -> None:
    planned = await plan_with_site(api)
    before = api.position()
    target = path.format(action_id=planned.action_id)

    if isinstance(body, bytes):
        reply = await api.post(target, raw=body, headers={"Content-Type": "application/json"})
    else:
        reply = await api.post(target, body(planned))

    assert_problem(reply, status, code)
    assert reply.body["field"] == field
    assert api.position() == before


async def test_problems_speak_indonesian_by_default_and_english_on_request(api: Api) -> None:
    indonesian = await api.post("/api/actions", action_body(title=""))
    english = await api.post(
        "/api/actions", action_body(title=""), headers={"Accept-Language": "en-US,en;q=0.9"}
    )

    assert indonesian.body["title"] == "Kolom title wajib diisi."
    assert indonesian.headers["Content-Language"] == "id"
    assert english.body["title"] == "Field title is required."
    assert english.headers["Content-Language"] == "en"


async def test_an_unknown_api_path_is_a_404_problem(api: Api) -> None:
    assert_problem(await api.get("/api/nothing-here"), 404, "not_found")


# -- reading -------------------------------------------------------------------------------------


@pytest.mark.usefixtures("projecting")
async def test_the_map_shows_my_report_once_the_views_reach_its_position(api: Api) -> None:
    planned = await plan_with_site(api)
    report = await api.post(
        f"/api/actions/{planned.action_id}/reports", report_body(planned.site_id, headcount=777)
    )
    position = report.body["position"]

    reply = await api.get(f"/api/actions/{planned.action_id}/map?min_position={position}")

    assert reply.status == 200
    assert reply.body["type"] == "FeatureCollection"
    assert reply.body["position"] >= position
    (feature,) = reply.body["features"]
    assert feature["id"] == planned.site_id
    assert feature["geometry"] == {"type": "Point", "coordinates": [106.823, -6.1949]}
    assert feature["properties"]["headcount"] == 777
    assert feature["properties"]["reports"] == 1
    assert feature["properties"]["reporters"] == 1


@pytest.mark.usefixtures("projecting")
async def test_the_map_of_an_unknown_action_is_a_404(api: Api) -> None:
    planned = await plan_with_site(api)
    reply = await api.get(f"/api/actions/{uuid4()}/map?min_position={planned.position}")
    assert_problem(reply, 404, "unknown_action")


async def test_min_position_must_be_a_whole_number(api: Api) -> None:
    reply = await api.get("/api/actions?min_position=soon")
    assert_problem(reply, 422, "wrong_type")
    assert reply.body["field"] == "min_position"


@pytest.mark.usefixtures("projecting")
async def test_the_overview_lists_the_action_with_its_totals(api: Api) -> None:
    planned = await plan_with_site(api)
    path = f"/api/actions/{planned.action_id}"
    second_site = await api.post(f"{path}/sites", site_body(target=300))
    await api.post(f"{path}/reports", report_body(planned.site_id, headcount=1000))
    last = await api.post(f"{path}/reports", report_body(second_site.body["id"], headcount=250))
    position = last.body["position"]

    listing = await api.get(f"/api/actions?min_position={position}")
    one = await api.get(f"{path}?min_position={position}")

    assert listing.status == 200
    assert listing.body["position"] >= position
    (action,) = listing.body["actions"]
    assert action["id"] == planned.action_id
    assert action["title"] == "Aksi Hari Buruh"
    assert action["status"] == "planned"
    assert (action["sites"], action["target"]) == (2, 5300)
    assert (action["headcount"], action["reports"]) == (1250, 2)
    assert one.status == 200
    assert {k: v for k, v in one.body.items() if k != "position"} == action


@pytest.mark.usefixtures("projecting")
async def test_health_reports_the_store_and_the_projections(api: Api) -> None:
    planned = await plan_with_site(api)
    await api.get(f"/api/actions?min_position={planned.position}")

    reply = await api.get("/healthz")  # the details are for administrators

    assert reply.status == 200
    assert reply.body["status"] == "ok"
    assert reply.body["store"] == {"ok": True, "position": planned.position}
    projections = reply.body["projections"]
    assert projections["position"] == planned.position
    assert projections["lag"] == 0
    assert projections["running"] is True
    assert projections["last_error"] is None
