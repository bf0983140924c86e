"""Sites from an address: geopy's real Nominatim client, configured as `posko serve` configures
it, against a local fake Nominatim (an aiohttp app on a free port answering /search as
Nominatim does), so no test needs the internet."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer

from posko.bootstrap import build, web_services
from posko.settings import Settings, SettingsError
from web.app import create_app
from web.geocoding import NominatimGeocoder

KEY = "g" * 32
ANSWERS_AFTER = 10.0  # seconds the slow fake Nominatim takes to answer
USER_AGENT = "posko-test/1.0 (+https://example.org/posko)"
GEDUNG_SATE = {
    "place_id": 2938475,
    "licence": "Data © OpenStreetMap contributors, ODbL 1.0. https://osm.org/copyright",
    "osm_type": "way",
    "osm_id": 23718935,
    "lat": "-6.9024812",
    "lon": "107.6187958",
    "class": "building",
    "type": "government",
    "place_rank": 30,
    "importance": 0.42,
    "addresstype": "building",
    "name": "Gedung Sate",
    "display_name": "Gedung Sate, Jalan Diponegoro, Citarum, Bandung, Jawa Barat, 40115, Indonesia",
    "boundingbox": ["-6.9030", "-6.9019", "107.6180", "107.6195"],
}


@dataclass
class FakeNominatim:
    """Answers /search like Nominatim: a JSON list of places, best first."""

    places: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    seen: list[tuple[dict[str, str], str]] = field(default_factory=list)  # query, user agent
    failing: bool = False
    slow: bool = False
    # Holds every answer until released or ANSWERS_AFTER seconds have passed.
    held: asyncio.Event | None = None
    answered: int = 0
    asked: asyncio.Event = field(default_factory=asyncio.Event)

    async def search(self, request: web.Request) -> web.Response:
        self.seen.append((dict(request.query), request.headers.get("User-Agent", "")))
        self.asked.set()
        if self.failing:
            return web.Response(status=500, text="Internal Server Error")
        if self.slow:
            await asyncio.sleep(3)
        if self.held is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.held.wait(), ANSWERS_AFTER)
        self.answered += 1
        found = self.places.get(request.query.get("q", ""), [])
        return web.json_response(found[: int(request.query.get("limit", "10"))])


@dataclass
class Posko:
    session: ClientSession
    position: Callable[[], int]

    async def add_site(self, action_id: str, body: dict[str, Any]) -> tuple[int, Any]:
        async with self.session.post(
            f"/api/actions/{action_id}/sites",
            data=json.dumps(body),
            headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
        ) as response:
            return response.status, await response.json(content_type=None)

    async def post(self, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        async with self.session.post(
            path,
            data=json.dumps(body),
            headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
        ) as response:
            return response.status, await response.json(content_type=None)

    async def plan(self) -> str:
        async with self.session.post(
            "/api/actions",
            data=json.dumps(
                {
                    "title": "Aksi Bandung",
                    "kind": "rally",
                    "starts_at": "2026-05-01T08:00:00+07:00",
                    "ends_at": "2026-05-01T17:00:00+07:00",
                }
            ),
            headers={"Authorization": f"Bearer {KEY}"},
        ) as response:
            assert response.status == 201
            return str((await response.json())["id"])


Start = Callable[..., Awaitable[Posko]]


@pytest.fixture
async def nominatim() -> AsyncIterator[tuple[FakeNominatim, int]]:
    fake = FakeNominatim(places={"Gedung Sate, Bandung": [GEDUNG_SATE]})
    app = web.Application()
    app.router.add_get("/search", fake.search)
    server = TestServer(app)  # a free port on 127.0.0.1
    await server.start_server()
    try:
        yield fake, server.port or 0
    finally:
        await server.close()


@pytest.fixture
async def start(tmp_path: Path) -> AsyncIterator[Start]:
    """Start Posko with these settings (and, optionally, another geocoder)."""
    closing: list[Callable[[], Awaitable[None]]] = []

    async def started(settings: Settings, geocoder: NominatimGeocoder | None = None) -> Posko:
        components = build(settings, runner=False, gateway=False)
        services = web_services(components)
        if geocoder is not None:
            services = dataclasses.replace(services, geocoder=geocoder)
        server = TestServer(create_app(services))
        await server.start_server()
        session = ClientSession(base_url=str(server.make_url("/")))

        async def close() -> None:
            await session.close()
            await server.close()
            components.close()

        closing.append(close)
        return Posko(session, lambda: components.app.recorder.max_notification_id() or 0)

    yield started
    for close in closing:
        await close()


def settings(tmp_path: Path, port: int | None) -> Settings:
    if port is None:
        return Settings(data_dir=tmp_path, api_key=KEY)  # the default: geocoding off
    return Settings(
        data_dir=tmp_path,
        api_key=KEY,
        geocoder_domain=f"127.0.0.1:{port}",
        geocoder_scheme="http",
        geocoder_user_agent=USER_AGENT,
    )


def quick(port: int, timeout: float = 5.0) -> NominatimGeocoder:
    return NominatimGeocoder(
        domain=f"127.0.0.1:{port}",
        scheme="http",
        user_agent=USER_AGENT,
        timeout=timeout,
        min_interval=0,
    )


async def test_a_site_is_created_where_nominatim_places_its_address(
    tmp_path: Path, nominatim: tuple[FakeNominatim, int], start: Start
) -> None:
    fake, port = nominatim
    posko = await start(settings(tmp_path, port))
    action_id = await posko.plan()
    body = {"id": str(uuid4()), "name": "Gedung Sate", "address": "Gedung Sate, Bandung"}

    status, reply = await posko.add_site(action_id, {**body, "target": 6000})
    position = posko.position()
    again_status, again = await posko.add_site(action_id, {**body, "target": 6000})

    assert status == 201, reply
    assert reply == {
        "id": body["id"],
        "position": position,
        "lat": -6.9024812,
        "lon": 107.6187958,
        "found": GEDUNG_SATE["display_name"],
    }
    assert (again_status, again["id"], posko.position()) == (200, body["id"], position)
    query, user_agent = fake.seen[0]
    assert query["q"] == "Gedung Sate, Bandung"
    assert query["format"] == "json"
    assert user_agent == USER_AGENT


async def test_an_address_nominatim_does_not_know_is_a_422_and_writes_nothing(
    tmp_path: Path, nominatim: tuple[FakeNominatim, int], start: Start
) -> None:
    _, port = nominatim
    posko = await start(settings(tmp_path, port), quick(port))
    action_id = await posko.plan()
    before = posko.position()

    status, reply = await posko.add_site(
        action_id, {"name": "Di mana", "address": "Jalan Tidak Ada 99", "target": 10}
    )

    assert (status, reply["code"], reply["field"]) == (422, "address_not_found", "address")
    assert posko.position() == before


async def test_with_geocoding_off_an_address_is_refused_naming_it(
    tmp_path: Path, nominatim: tuple[FakeNominatim, int], start: Start
) -> None:
    fake, _ = nominatim
    posko = await start(settings(tmp_path, None))
    action_id = await posko.plan()

    status, reply = await posko.add_site(
        action_id, {"name": "Gedung Sate", "address": "Gedung Sate, Bandung", "target": 10}
    )

    assert (status, reply["code"], reply["field"]) == (422, "geocoding_off", "address")
    assert fake.seen == []  # nothing left the machine


@pytest.mark.parametrize("trouble", ["failing", "slow"])
async def test_a_geocoder_in_trouble_is_a_503_and_writes_nothing(
    tmp_path: Path, nominatim: tuple[FakeNominatim, int], start: Start, trouble: str
) -> None:
    fake, port = nominatim
    setattr(fake, trouble, True)
    posko = await start(settings(tmp_path, port), quick(port, timeout=0.5))
    action_id = await posko.plan()
    before = posko.position()

    status, reply = await posko.add_site(
        action_id, {"name": "Gedung Sate", "address": "Gedung Sate, Bandung", "target": 10}
    )

    assert (status, reply["code"], reply["field"]) == (503, "geocoder_unavailable", "address")
    assert posko.position() == before


async def test_a_slow_geocoder_does_not_hold_up_reports_filed_meanwhile(
    tmp_path: Path, nominatim: tuple[FakeNominatim, int], start: Start
) -> None:
    """Geocoding runs in the port's small pool for slow work, one lookup at a time: more
    lookups than the command pool has workers, each taking 10 s, and the reports filed
    meanwhile are all recorded before the geocoder has answered even once."""
    fake, port = nominatim
    fake.held = asyncio.Event()
    posko = await start(settings(tmp_path, port), quick(port, timeout=ANSWERS_AFTER + 5))
    action_id = await posko.plan()
    site_id = str(uuid4())
    status, _ = await posko.add_site(
        action_id, {"id": site_id, "name": "Gedung Sate", "lat": -6.9, "lon": 107.6, "target": 9}
    )
    assert status == 201
    elsewhere = [await posko.plan() for _ in range(12)]  # more than the main pool's workers
    lookups = [
        asyncio.create_task(
            posko.add_site(other, {"name": "Site", "address": "Gedung Sate, Bandung", "target": 1})
        )
        for other in elsewhere
    ]
    await asyncio.wait_for(fake.asked.wait(), ANSWERS_AFTER)  # the first lookup is there

    reports = await asyncio.gather(
        *(
            posko.post(
                f"/api/actions/{action_id}/reports",
                {
                    "id": str(uuid4()),
                    "site_id": site_id,
                    "kind": "headcount",
                    "headcount": 100 + i,
                    "at": "2026-05-01T09:00:00+07:00",
                },
            )
            for i in range(40)
        )
    )

    assert [status for status, _ in reports] == [201] * 40
    assert fake.answered == 0  # every report was recorded while the geocoder still thought
    assert not any(lookup.done() for lookup in lookups)
    fake.held.set()
    assert [status for status, _ in await asyncio.gather(*lookups)] == [201] * 12


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"address": "Gedung Sate, Bandung", "lat": -6.9}, "address_or_position", "address"),
        ({"address": "  "}, "required", "address"),
        ({"address": 42}, "wrong_type", "address"),
        ({}, "required", "lat"),
    ],
)
async def test_an_address_or_a_position_but_not_both(
    tmp_path: Path,
    nominatim: tuple[FakeNominatim, int],
    start: Start,
    body: dict[str, Any],
    code: str,
    field: str,
) -> None:
    fake, port = nominatim
    posko = await start(settings(tmp_path, port), quick(port))
    action_id = await posko.plan()

    status, reply = await posko.add_site(action_id, {"name": "Gedung Sate", "target": 1, **body})

    assert (status, reply["code"], reply["field"]) == (422, code, field)
    assert fake.seen == []


def test_the_geocoder_settings_come_from_the_environment() -> None:
    configured = Settings.from_env(
        {
            "POSKO_GEOCODER_DOMAIN": "nominatim.example.org",
            "POSKO_GEOCODER_SCHEME": "http",
            "POSKO_GEOCODER_USER_AGENT": "satgas-posko/2.0",
        }
    )
    default = Settings.from_env({})

    assert (
        configured.geocoder_domain,
        configured.geocoder_scheme,
        configured.geocoder_user_agent,
    ) == ("nominatim.example.org", "http", "satgas-posko/2.0")
    assert (default.geocoder_domain, default.geocoder_scheme) == ("", "https")
    with pytest.raises(SettingsError) as info:
        Settings.from_env(
            {"POSKO_GEOCODER_DOMAIN": "https://nominatim.org", "POSKO_GEOCODER_SCHEME": "ftp"}
        )
    assert [p.split(":")[0] for p in info.value.problems] == [
        "POSKO_GEOCODER_DOMAIN",
        "POSKO_GEOCODER_SCHEME",
    ]
