"""Planning an action over HTTP on a real server with its projection runner: edits while
planned, site adjustments, CSV imports (each refusal writes nothing; the same file twice adds
nothing), lobbying and outcomes with overdue follow-ups, the korlap roster, and the action
report's figures checked against figures computed here from the scripted events."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer

from posko.bootstrap import build, web_services
from posko.settings import Settings
from projections import time_travel
from tests.integration.test_geocoding import GEDUNG_SATE, FakeNominatim, quick
from web.app import create_app

KEY = "p" * 32


@dataclass
class Posko:
    session: ClientSession
    log_position: Any  # () -> the event log's last position
    app: Any  # the application, to read the event log
    store: Any  # the view store, to compare a live view with one rebuilt from the log

    async def call(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        async with self.session.request(
            method,
            path,
            data=None if body is None else json.dumps(body),
            headers={
                "Authorization": f"Bearer {KEY}",
                "Content-Type": "application/json",
                **headers,
            },
        ) as response:
            return response.status, await response.json(content_type=None)

    async def ok(self, method: str, path: str, body: Any = None) -> Any:
        status, reply = await self.call(method, path, body)
        assert status in (200, 201), (status, reply)
        return reply

    async def read(self, path: str) -> Any:
        """A read that waits for every write so far to reach the views."""
        sep = "&" if "?" in path else "?"
        return await self.ok("GET", f"{path}{sep}min_position={self.log_position()}")

    async def plan(self, **extra: Any) -> str:
        body = {
            "title": "Aksi Hari Buruh",
            "kind": "rally",
            "starts_at": "2026-05-01T08:00:00+07:00",
            "ends_at": "2026-05-01T17:00:00+07:00",
            **extra,
        }
        return str((await self.ok("POST", "/api/actions", body))["id"])


@pytest.fixture
async def nominatim() -> AsyncIterator[int]:
    fake = FakeNominatim(places={"Gedung Sate, Bandung": [GEDUNG_SATE]})
    app = web.Application()
    app.router.add_get("/search", fake.search)
    server = TestServer(app)
    await server.start_server()
    try:
        yield server.port or 0
    finally:
        await server.close()


@pytest.fixture
async def posko(tmp_path: Path, nominatim: int) -> AsyncIterator[Posko]:
    components = build(Settings(data_dir=tmp_path, api_key=KEY), runner=True, gateway=False)
    services = dataclasses.replace(web_services(components), geocoder=quick(nominatim))
    server = TestServer(create_app(services))
    await server.start_server(access_log=None)
    assert components.runner is not None
    projecting = asyncio.create_task(components.runner.run())
    session = ClientSession(base_url=str(server.make_url("/")))
    try:
        yield Posko(
            session,
            lambda: components.app.recorder.max_notification_id() or 0,
            components.app,
            components.store,
        )
    finally:
        await session.close()
        projecting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await projecting
        await server.close()
        await asyncio.get_running_loop().shutdown_default_executor()
        components.close()


# -- CSV import ----------------------------------------------------------------------------------

GOOD = (
    "nama,lat,lon,alamat,target,korlap,telepon\n"
    "DPR RI,-6.2100,106.8000,,500,Sri,0812-1111-2222\n"
    'Gedung Sate,,,"Gedung Sate, Bandung",300,Budi,\n'
)


async def test_preview_shows_every_rows_errors_and_writes_nothing(posko: Posko) -> None:
    action = await posko.plan()
    await posko.ok(
        "POST",
        f"/api/actions/{action}/sites",
        {"name": "Monas", "lat": -6.17, "lon": 106.82, "target": 10},
    )
    text = (
        "name,lat,lon,address,target,korlap,phone\n"
        "Bundaran HI,-6.195,106.823,,100,,\n"  # 2: fine
        "Kutub,95,106.8,,10,,\n"  # 3: latitude out of range
        "Entah,abc,106.8,,10,,\n"  # 4: not a number
        ",-6.2,106.8,,10,,\n"  # 5: no name
        "bundaran  hi,-6.3,106.9,,10,,\n"  # 6: same name as line 2
        "MONAS,-6.17,106.82,,10,,\n"  # 7: the site added by click
        "Antah,,,Jalan Yang Tidak Ada 99,10,,\n"  # 8: the geocoder finds nothing
        'Sate,,,"Gedung Sate, Bandung",10,Budi,0812-3333-4444\n'  # 9: found by address
        "Tanpa tempat,,,,10,,\n"  # 10: neither position nor address
    )
    before = posko.log_position()

    status, preview = await posko.call(
        "POST", f"/api/actions/{action}/sites/import/preview", {"csv": text}
    )

    assert status == 200, preview
    by_line = {row["line"]: row for row in preview["rows"]}
    assert [e["code"] for e in by_line[3]["errors"]] == ["out_of_range"]
    assert [(e["field"], e["code"]) for e in by_line[4]["errors"]] == [("lat", "wrong_type")]
    assert [(e["field"], e["code"]) for e in by_line[5]["errors"]] == [("name", "required")]
    assert [e["code"] for e in by_line[6]["errors"]] == ["duplicate_in_file"]
    assert "2" in by_line[6]["errors"][0]["message"]  # names the line it repeats
    assert [e["code"] for e in by_line[7]["errors"]] == ["site_exists"]
    assert [(e["field"], e["code"]) for e in by_line[8]["errors"]] == [
        ("address", "address_not_found")
    ]
    assert [e["code"] for e in by_line[10]["errors"]] == ["address_or_position"]
    assert {line for line, row in by_line.items() if row["status"] == "new"} == {2, 9}
    assert by_line[9]["lat"] == pytest.approx(-6.9024812)
    assert by_line[9]["korlap_phone"] == "+6281233334444"
    assert (preview["new"], preview["errors"]) == (2, 7)
    assert posko.log_position() == before

    status, refused = await posko.call(
        "POST", f"/api/actions/{action}/sites/import", {"csv": text}, **{"Accept-Language": "en"}
    )

    assert status == 422
    assert (refused["code"], refused["field"]) == ("import_refused", "csv")
    assert "not imported" in refused["title"]
    assert len(refused["params"]["rows"]) == 9
    assert posko.log_position() == before
    sites = await posko.read(f"/api/actions/{action}/map")
    assert [f["properties"]["name"] for f in sites["features"]] == ["Monas"]


@pytest.mark.parametrize(
    ("row", "field", "code"),
    [
        ("Jauh,-6.2,181,,10,,", "lon", "out_of_range"),
        ("Koma,-6.2,1e999,,10,,", "lon", "wrong_type"),
        (",-6.2,106.8,,10,,", "name", "required"),
        ("A,-6.2,106.8,,-5,,", "target", "out_of_range"),
        ("A,-6.2,106.8,,10,,0000", "korlap_phone", "not_a_phone"),
        ("A,,,Tidak Ditemukan,10,,", "address", "address_not_found"),
    ],
)
async def test_each_bad_row_refuses_the_whole_file(
    posko: Posko, row: str, field: str, code: str
) -> None:
    action = await posko.plan()
    text = "name,lat,lon,address,target,korlap,phone\nBaik,-6.1,106.7,,10,,\n" + row + "\n"
    before = posko.log_position()

    status, refused = await posko.call("POST", f"/api/actions/{action}/sites/import", {"csv": text})

    assert status == 422, refused
    errors = refused["params"]["rows"][1]["errors"]
    assert (errors[0]["field"], errors[0]["code"]) == (field, code)
    assert posko.log_position() == before


async def test_a_file_that_is_no_table_is_refused_naming_csv(posko: Posko) -> None:
    action = await posko.plan()
    before = posko.log_position()
    for text, code in (("", "csv_empty"), ("kota,jumlah\nA,1\n", "csv_columns")):
        status, refused = await posko.call(
            "POST", f"/api/actions/{action}/sites/import/preview", {"csv": text}
        )
        assert (status, refused["code"], refused["field"]) == (422, code, "csv")
    assert posko.log_position() == before


async def test_importing_the_same_file_twice_adds_nothing_the_second_time(posko: Posko) -> None:
    action = await posko.plan()

    status, first = await posko.call("POST", f"/api/actions/{action}/sites/import", {"csv": GOOD})
    after_first = posko.log_position()
    status_again, again = await posko.call(
        "POST", f"/api/actions/{action}/sites/import", {"csv": GOOD}
    )

    assert (status, first["new"], first["errors"]) == (201, 2, 0)
    assert (status_again, again["new"], again["existing"]) == (200, 0, 2)
    assert posko.log_position() == after_first
    assert {r["site_id"] for r in first["rows"]} == {r["site_id"] for r in again["rows"]}
    sites = await posko.read(f"/api/actions/{action}/map")
    assert sorted(f["properties"]["name"] for f in sites["features"]) == ["DPR RI", "Gedung Sate"]
    overview = await posko.read(f"/api/actions/{action}")
    assert (overview["sites"], overview["target"]) == (2, 800)
    roster = await posko.read(f"/api/actions/{action}/roster")
    assert {s["name"]: s["korlap"] for s in roster["sites"]} == {
        "DPR RI": {"name": "Sri", "phone": "+6281211112222"},
        "Gedung Sate": {"name": "Budi", "phone": None},
    }
    rebuilt = time_travel.replay_all(posko.app, datetime.now(UTC) + timedelta(days=1)).rows.changed
    for channel in ("_korlaps", "_report", "actions"):
        assert posko.store.load(channel, action) == rebuilt[(channel, action)], channel
    # Changing a row that was imported is a different site of the same name: refused.
    changed = GOOD.replace("500", "600")
    status, refused = await posko.call(
        "POST", f"/api/actions/{action}/sites/import", {"csv": changed}
    )
    assert status == 422
    assert refused["params"]["rows"][0]["errors"][0]["code"] == "site_exists"
    assert posko.log_position() == after_first


# -- the plan, its sites, lobi and politik -------------------------------------------------------


async def test_a_planned_action_is_edited_and_its_sites_adjusted_until_it_goes_live(
    posko: Posko,
) -> None:
    affiliate = (await posko.ok("POST", "/api/affiliates", {"name": "FSPMI"}))["id"]
    action = await posko.plan(checkin_radius_m=300)
    site = (
        await posko.ok(
            "POST",
            f"/api/actions/{action}/sites",
            {"name": "Monas", "lat": -6.17, "lon": 106.82, "target": 100},
        )
    )["id"]

    await posko.ok(
        "PUT",
        f"/api/actions/{action}",
        {"title": "Aksi Akbar", "demands": ["Cabut UU"], "affiliates": [affiliate]},
    )
    await posko.ok(
        "PUT",
        f"/api/actions/{action}/sites/{site}",
        {"name": "Monas Barat", "lat": -6.175, "lon": 106.81, "target": 250},
    )

    doc = await posko.read(f"/api/actions/{action}")
    assert (doc["title"], doc["demands"], doc["taking_part"]) == (
        "Aksi Akbar",
        ["Cabut UU"],
        [affiliate],
    )
    assert (doc["checkin_radius_m"], doc["target"], doc["sites"]) == (300, 250, 1)
    feature = (await posko.read(f"/api/actions/{action}/map"))["features"][0]
    assert feature["geometry"]["coordinates"] == [106.81, -6.175]
    assert feature["properties"]["name"] == "Monas Barat"

    status, bad = await posko.call(
        "PUT", f"/api/actions/{action}", {"ends_at": "2026-05-01T07:00:00+07:00"}
    )
    assert (status, bad["code"], bad["field"]) == (422, "ends_before_start", "ends_at")

    await posko.ok("POST", f"/api/actions/{action}/status", {"status": "live"})
    status, refused = await posko.call("PUT", f"/api/actions/{action}", {"title": "Lain"})
    assert (status, refused["code"]) == (409, "not_planned")
    status, refused = await posko.call(
        "PUT",
        f"/api/actions/{action}/sites/{site}",
        {"name": "Monas", "lat": -6.17, "lon": 106.82, "target": 100},
    )
    assert (status, refused["code"]) == (409, "not_planned")
    status, _ = await posko.call("PUT", f"/api/actions/{action}", {"title": "Aksi Akbar"})
    assert status == 200  # a repeat that changes nothing is no edit


async def test_lobbying_and_outcomes_reach_the_timeline_and_overdue_follow_ups_are_flagged(
    posko: Posko,
) -> None:
    action = await posko.plan()
    hearing = str(uuid4())
    body = {
        "id": hearing,
        "kind": "hearing",
        "with_whom": "Komisi IX DPR",
        "at": "2026-04-28T10:00:00+07:00",
        "promised": "Membahas revisi dalam masa sidang ini",
    }
    assert (await posko.call("POST", f"/api/actions/{action}/lobbying", body))[0] == 201
    assert (await posko.call("POST", f"/api/actions/{action}/lobbying", body))[0] == 200
    status, reused = await posko.call(
        "POST", f"/api/actions/{action}/lobbying", {**body, "with_whom": "Lain"}
    )
    assert (status, reused["code"]) == (409, "id_reused")
    past = (datetime.now(UTC) - timedelta(days=2)).isoformat()
    future = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    for when in (past, future):
        await posko.ok(
            "POST",
            f"/api/actions/{action}/outcomes",
            {
                "kind": "follow_up_promised",
                "description": "Menteri berjanji menjawab",
                "follow_up_by": when,
                "lobby_id": hearing,
            },
        )
    status, missing = await posko.call(
        "POST",
        f"/api/actions/{action}/outcomes",
        {"kind": "follow_up_promised", "description": "Tanpa tanggal"},
    )
    assert (status, missing["field"]) == (422, "follow_up_by")

    listed = await posko.read("/api/actions")
    doc = next(a for a in listed["actions"] if a["id"] == action)
    assert doc["overdue_follow_ups"] == 1
    assert sorted(o["overdue"] for o in doc["outcomes"]) == [False, True]
    assert doc["lobbying"][0]["with_whom"] == "Komisi IX DPR"
    feed = await posko.read(f"/api/actions/{action}/feed")
    assert sorted(i["type"] for i in feed["items"]) == ["lobby", "outcome", "outcome"]


# -- the roster ----------------------------------------------------------------------------------


async def test_the_roster_shows_who_opened_their_link_and_checked_in(posko: Posko) -> None:
    action = await posko.plan()
    imported = await posko.ok("POST", f"/api/actions/{action}/sites/import", {"csv": GOOD})
    dpr, sate = (r["site_id"] for r in imported["rows"])

    made = await posko.ok(
        "POST",
        f"/api/actions/{action}/roster/invites",
        {
            "korlaps": [
                {"site_id": dpr, "name": "Sri", "phone": "0812-1111-2222"},
                {"site_id": sate, "name": "Budi"},
            ]
        },
    )

    sri, budi = made["invites"]
    assert sri["url"].endswith(f"/i/{sri['code']}")
    assert sri["wa_url"].startswith("https://wa.me/6281211112222?text=Halo%20Sri")
    assert sri["url"] in sri["sms"] and "DPR RI" in sri["sms"]
    assert budi["wa_url"].startswith("https://wa.me/?text=")
    assert sri["qr_svg"].startswith("data:image/svg+xml")
    async with posko.session.post(
        "/api/invites/redeem", json={"code": sri["code"], "name": "Sri W."}
    ) as response:
        assert response.status == 201
        token = (await response.json())["token"]
    async with posko.session.post(
        f"/api/actions/{action}/reports",
        data=json.dumps(
            {
                "id": str(uuid4()),
                "site_id": dpr,
                "kind": "checkin",
                "lat": -6.21,
                "lon": 106.8,
                "at": datetime.now(UTC).isoformat(),
            }
        ),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    ) as response:
        assert response.status == 201, await response.text()

    roster = await posko.read(f"/api/actions/{action}/roster")

    links = {s["name"]: s["invites"] for s in roster["sites"]}
    assert [(i["label"], i["opened"], i["opened_by"], i["checkins"]) for i in links["DPR RI"]] == [
        ("Sri", True, ["Sri W."], 1)
    ]
    assert [(i["label"], i["opened"], i["checkins"]) for i in links["Gedung Sate"]] == [
        ("Budi", False, 0)
    ]
    status, bad = await posko.call(
        "POST",
        f"/api/actions/{action}/roster/invites",
        {"korlaps": [{"site_id": dpr, "name": "X"}, {"site_id": str(uuid4()), "name": "Y"}]},
    )
    assert (status, bad["field"]) == (422, "korlaps[1].site_id")


# -- the report ----------------------------------------------------------------------------------


async def test_the_report_matches_figures_computed_from_the_actions_events(posko: Posko) -> None:
    x = (await posko.ok("POST", "/api/affiliates", {"name": "FSPMI"}))["id"]
    y = (await posko.ok("POST", "/api/affiliates", {"name": "KSPSI"}))["id"]
    action = await posko.plan(affiliates=[x, y])
    a = (await posko.ok("POST", f"/api/actions/{action}/sites", _site("A", 100)))["id"]
    b = (await posko.ok("POST", f"/api/actions/{action}/sites", _site("B", 200)))["id"]
    for body in (
        {"affiliate_id": x, "target": 150},
        {"affiliate_id": y, "site_id": a, "target": 50},
        {"affiliate_id": y, "site_id": b, "target": 80},
    ):
        await posko.ok("POST", f"/api/actions/{action}/targets", body)
    await posko.ok("POST", f"/api/actions/{action}/status", {"status": "live"})
    t0 = datetime.now(UTC) - timedelta(hours=2)
    script = [  # site, minutes after t0, headcount, by affiliate (one report arrives late)
        (a, 10, 40, {x: 30, y: 10}),
        (b, 20, 100, {x: 60, y: 40}),
        (a, 30, 90, {x: 60, y: 30}),
        (a, 25, 70, {x: 50, y: 20}),
        (b, 40, 80, {x: 50, y: 30}),
    ]
    for site, minutes, count, by in script:
        body = {"site_id": site, "kind": "headcount", "headcount": count, "by_affiliate": by}
        await posko.ok("POST", f"/api/actions/{action}/reports", _at(body, t0, minutes))
    for site, minutes in ((a, 5), (a, 6), (b, 7)):
        body = {"site_id": site, "kind": "checkin", "lat": -6.2, "lon": 106.8}
        await posko.ok("POST", f"/api/actions/{action}/reports", _at(body, t0, minutes))
    incidents = []
    for kind in ("police", "injury"):
        body = {"site_id": a, "kind": kind, "severity": "high", "description": "x"}
        incidents.append(
            (await posko.ok("POST", f"/api/actions/{action}/incidents", _at(body, t0, 50)))["id"]
        )
    await posko.ok("POST", f"/api/incidents/{incidents[0]}/acknowledge", {})
    await posko.ok("POST", f"/api/incidents/{incidents[0]}/resolve", {"note": "selesai"})
    await posko.ok("POST", f"/api/incidents/{incidents[1]}/acknowledge", {})
    requests = []
    for kind in ("medic", "water_food"):
        body = {"site_id": b, "kind": kind, "quantity": 2}
        requests.append(
            (await posko.ok("POST", f"/api/actions/{action}/requests", _at(body, t0, 55)))["id"]
        )
    await posko.ok("POST", f"/api/requests/{requests[0]}/commit", {"by": "Tim medis"})
    await posko.ok("POST", f"/api/requests/{requests[0]}/fulfil", {})
    await posko.ok(
        "POST",
        f"/api/actions/{action}/outcomes",
        {"kind": "hearing_granted", "description": "Audiensi dengan Menaker"},
    )
    await posko.ok("POST", f"/api/actions/{action}/status", {"status": "concluded"})

    got = await posko.read(f"/api/actions/{action}/report")
    expected = _figures_from_the_log(posko.app, action)

    assert got["totals"] == expected["totals"]
    assert {s["name"]: s for s in got["sites"]} == expected["sites"]
    assert {f["id"]: f for f in got["affiliates"]} == expected["affiliates"]
    assert {i["id"]: i["minutes_to_resolve"] for i in got["incidents"]} == expected["resolve"]
    assert {i["id"]: i["minutes_to_acknowledge"] for i in got["incidents"]} == expected["ack"]
    assert {r["id"]: r["minutes_to_fulfil"] for r in got["requests"]} == expected["fulfil"]
    assert [o["kind"] for o in got["outcomes"]] == ["hearing_granted"]
    assert got["action"]["status"] == "concluded"
    # and a few figures by hand, so the two computations cannot share a mistake
    assert (got["totals"]["peak"], got["totals"]["final"], got["totals"]["target"]) == (
        190,
        170,
        300,
    )
    assert {f["name"]: (f["target"], f["peak"], f["final"]) for f in got["affiliates"]} == {
        "FSPMI": (150, 120, 110),
        "KSPSI": (130, 70, 60),
    }

    # The views kept live as events arrived equal the same views rebuilt from the whole log
    rebuilt = time_travel.replay_all(posko.app, datetime.now(UTC) + timedelta(days=1)).rows.changed
    for channel, key in (("_report", action), ("actions", action), ("_korlaps", action)):
        assert posko.store.load(channel, key) == rebuilt.get((channel, key)), channel

    # The printable page and the PDF come from the same figures and template
    async with posko.session.get(
        f"/api/actions/{action}/report.html?lang=en",
        headers={"Authorization": f"Bearer {KEY}"},
    ) as response:
        assert (response.status, response.content_type) == (200, "text/html")
        page = await response.text()
    assert "Action report" in page and "<td>FSPMI</td>" in page
    assert '<td class="num below">120</td>' in page  # FSPMI's peak, under its target of 150
    async with posko.session.get(
        f"/api/actions/{action}/report.pdf", headers={"Authorization": f"Bearer {KEY}"}
    ) as response:
        assert (response.status, response.content_type) == (200, "application/pdf")
        assert (await response.read()).startswith(b"%PDF-")


def _site(name: str, target: int) -> dict[str, Any]:
    return {"name": name, "lat": -6.2, "lon": 106.8, "target": target}


def _at(body: dict[str, Any], t0: datetime, minutes: int) -> dict[str, Any]:
    return {**body, "id": str(uuid4()), "at": (t0 + timedelta(minutes=minutes)).isoformat()}


def _figures_from_the_log(app: Any, action_id: str) -> dict[str, Any]:
    """The report's figures straight from the events, written apart from projections/report.py:
    replay the log; keep each site's newest headcount report by report time; after each one,
    sum the sites (in total and per affiliate) and keep the largest sums."""
    events = [
        app.mapper.to_domain_event(n)
        for n in app.recorder.select_notifications(start=1, limit=10_000)
    ]
    mine = lambda e: str(getattr(e, "action_id", e.originator_id)) == action_id  # noqa: E731
    names, targets, site_names, site_targets = {}, {}, {}, {}
    newest: dict[str, Any] = {}
    site_peak: dict[str, int] = {}
    checkins: dict[str, list[str]] = {}
    peak, affiliate_peak = 0, {}
    made, steps, kinds = {}, {}, {}
    for e in events:
        kind = type(e).__qualname__
        if kind == "Affiliate.Registered":
            names[str(e.originator_id)] = e.name
        elif kind == "Action.SiteAdded" and mine(e):
            site_names[str(e.site_id)], site_targets[str(e.site_id)] = e.name, e.target
        elif kind == "Action.TargetSet" and mine(e):
            targets[(str(e.affiliate_id), str(e.site_id) if e.site_id else "*")] = e.target
        elif kind == "FieldReport.Filed" and mine(e) and e.kind == "checkin":
            checkins.setdefault(str(e.site_id), []).append(e.actor)
        elif kind == "FieldReport.Filed" and mine(e) and e.kind == "headcount":
            site = str(e.site_id)
            site_peak[site] = max(site_peak.get(site, 0), e.headcount)
            if site not in newest or e.at >= newest[site].at:
                newest[site] = e
            peak = max(peak, sum(r.headcount for r in newest.values()))
            for affiliate in names:
                now = sum(r.by_affiliate.get(affiliate, 0) for r in newest.values())
                affiliate_peak[affiliate] = max(affiliate_peak.get(affiliate, 0), now)
        elif kind in ("Incident.Reported", "HelpRequest.Requested") and mine(e):
            made[str(e.originator_id)] = e.timestamp
            kinds[str(e.originator_id)] = kind
        elif str(e.originator_id) in made:
            steps[(str(e.originator_id), kind.split(".")[1])] = e.timestamp

    def minutes(item: str, step: str) -> float | None:
        if (item, step) not in steps:
            return None
        return round((steps[(item, step)] - made[item]).total_seconds() / 60, 1)

    def target_of(affiliate: str) -> int:
        if (affiliate, "*") in targets:
            return targets[(affiliate, "*")]
        return sum(t for (a, _), t in targets.items() if a == affiliate)

    incidents = [i for i in made if kinds[i] == "Incident.Reported"]
    requests = [i for i in made if kinds[i] == "HelpRequest.Requested"]
    finals = {a: sum(r.by_affiliate.get(a, 0) for r in newest.values()) for a in names}
    return {
        "totals": {
            "target": sum(site_targets.values()),
            "peak": peak,
            "peak_at": _peak_at(events, action_id, peak),
            "final": sum(r.headcount for r in newest.values()),
            "checkins": sum(len(c) for c in checkins.values()),
            "checked_in": sum(len(set(c)) for c in checkins.values()),
            "incidents": len(incidents),
            "incidents_resolved": sum((i, "Resolved") in steps for i in incidents),
            "requests": len(requests),
            "requests_fulfilled": sum((r, "Fulfilled") in steps for r in requests),
        },
        "sites": {
            name: {
                "id": site,
                "name": name,
                "target": site_targets[site],
                "peak": site_peak.get(site),
                "final": newest[site].headcount if site in newest else None,
                "checkins": len(checkins.get(site, [])),
                "checked_in": len(set(checkins.get(site, []))),
            }
            for site, name in site_names.items()
        },
        "affiliates": {
            a: {
                "id": a,
                "name": names[a],
                "target": target_of(a),
                "peak": affiliate_peak.get(a, 0),
                "final": finals[a],
            }
            for a in names
        },
        "ack": {i: minutes(i, "Acknowledged") for i in incidents},
        "resolve": {i: minutes(i, "Resolved") for i in incidents},
        "fulfil": {r: minutes(r, "Fulfilled") for r in requests},
    }


def _peak_at(events: list[Any], action_id: str, peak: int) -> str | None:
    """When (recorded) the total first reached its peak."""
    newest: dict[str, Any] = {}
    for e in events:
        if type(e).__qualname__ != "FieldReport.Filed" or str(e.action_id) != action_id:
            continue
        if e.kind != "headcount":
            continue
        if str(e.site_id) not in newest or e.at >= newest[str(e.site_id)].at:
            newest[str(e.site_id)] = e
        if sum(r.headcount for r in newest.values()) == peak:
            return str(e.timestamp.isoformat())
    return None
