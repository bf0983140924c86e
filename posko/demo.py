"""A demo day of action for newcomers: a national rally with sites in several provinces, and a
simulator that files check-ins and headcounts every few seconds, as korlaps would.

Seeding uses fixed ids, so restarting the demo on the same data dir adds nothing twice.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from core.application import Posko
from core.errors import PoskoError

log = logging.getLogger("posko.demo")

NAMESPACE = uuid.UUID("6f1d3c2e-0b7a-4d4e-9a55-5d0c3b1f7a10")
ACTION_ID = uuid.uuid5(NAMESPACE, "aksi-nasional")
WIB = timezone(timedelta(hours=7), "WIB")
ACTOR = "demo"


@dataclass(frozen=True)
class DemoSite:
    name: str
    lat: float
    lon: float
    target: int

    @property
    def id(self) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, self.name)


SITES = (
    DemoSite("Jakarta - Patung Kuda, Monas", -6.1766, 106.8228, 20_000),
    DemoSite("Jakarta - Gedung DPR RI, Senayan", -6.2102, 106.8003, 15_000),
    DemoSite("Bekasi - Kantor Wali Kota", -6.2383, 106.9756, 5_000),
    DemoSite("Serang - KP3B Banten", -6.1204, 106.1503, 3_000),
    DemoSite("Bandung - Gedung Sate", -6.9025, 107.6188, 6_000),
    DemoSite("Semarang - Kantor Gubernur Jateng", -6.9826, 110.4148, 4_000),
    DemoSite("Surabaya - Gedung Negara Grahadi", -7.2625, 112.7403, 8_000),
    DemoSite("Medan - Kantor Gubernur Sumut", 3.5817, 98.6727, 4_000),
    DemoSite("Batam - Kantor Wali Kota", 1.1283, 104.0531, 3_000),
    DemoSite("Makassar - Kantor Gubernur Sulsel", -5.1477, 119.4327, 3_000),
)


def seed(app: Posko, today: datetime | None = None) -> uuid.UUID:
    """Plan the demo action with its sites and start it; repeatable."""
    if ACTION_ID not in app.repository:  # a restart on another day keeps the first plan
        day = (today or datetime.now(WIB)).astimezone(WIB).date()
        app.plan_action(
            id=ACTION_ID,
            title="Aksi Nasional Tolak Upah Murah",
            kind="rally",
            demands=[
                "Naikkan upah minimum 2027",
                "Hapus outsourcing dan kontrak berkepanjangan",
                "Sahkan RUU Perlindungan Pekerja Rumah Tangga",
            ],
            starts_at=datetime(day.year, day.month, day.day, 0, 0, tzinfo=WIB),
            ends_at=datetime(day.year, day.month, day.day, 23, 59, tzinfo=WIB),
            actor=ACTOR,
        )
    for site in SITES:
        app.add_site(
            action_id=ACTION_ID,
            site_id=site.id,
            name=site.name,
            lat=site.lat,
            lon=site.lon,
            target=site.target,
            actor=ACTOR,
        )
    if app.action(ACTION_ID).status == "planned":
        app.change_action_status(action_id=ACTION_ID, to="live", reason=None, actor=ACTOR)
    return ACTION_ID


def one_report(app: Posko, rng: random.Random, crowd: dict[uuid.UUID, int]) -> None:
    """A korlap somewhere checks in or counts heads; crowds grow toward their targets."""
    site = rng.choice(SITES)
    now = datetime.now(UTC)
    if rng.random() < 0.35:
        app.file_report(
            id=uuid.uuid4(),
            action_id=ACTION_ID,
            site_id=site.id,
            kind="checkin",
            at=now,
            lat=site.lat + rng.uniform(-0.001, 0.001),
            lon=site.lon + rng.uniform(-0.001, 0.001),
            accuracy_m=rng.choice([8.0, 15.0, 30.0, 65.0]),
            actor=f"korlap-{rng.randint(1, 40)}",
        )
        return
    current = crowd.get(site.id, site.target // 10)
    step = rng.randint(-site.target // 50, site.target // 8)
    crowd[site.id] = max(0, min(int(site.target * 1.3), current + step))
    app.file_report(
        id=uuid.uuid4(),
        action_id=ACTION_ID,
        site_id=site.id,
        kind="headcount",
        at=now,
        headcount=crowd[site.id],
        actor=f"korlap-{rng.randint(1, 40)}",
    )


async def simulate(app: Posko, *, interval: float = 2.0, seed_value: int | None = None) -> None:
    """Seed, then file a report every `interval` seconds (jittered) until cancelled."""
    await asyncio.to_thread(seed, app)
    rng = random.Random(seed_value)
    crowd: dict[uuid.UUID, int] = {}
    log.info("demo action %s is live with %d sites", ACTION_ID, len(SITES))
    while True:
        try:
            await asyncio.to_thread(one_report, app, rng, crowd)
        except PoskoError as error:  # e.g. someone cancelled the demo action: say so, go on
            log.warning("demo report refused: %s", error)
        await asyncio.sleep(interval * rng.uniform(0.5, 1.5))
