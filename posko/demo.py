"""A demo day of action for newcomers: a national rally with sites in several provinces, the
affiliates that mobilise for it and their targets, and a simulator of the street and the posko:
korlaps check in, count heads (per affiliate), report their site's status, incidents and
requests for help every few seconds, and a coordinator acknowledges and resolves incidents and
commits and fulfils requests a little later. A union's strike votes show the secret ballot: one
sealed with its result, one open whose turnout grows while the demo runs.

Seeding uses fixed ids, so restarting the demo on the same data dir adds nothing twice; the
coordinator picks up what was left open before a restart.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from eventsourcing.utils import get_topic

from core import report
from core.access import Role
from core.application import Posko
from core.errors import PoskoError
from core.help_request import HelpRequest
from core.incident import Incident
from projections.port import Port

log = logging.getLogger("posko.demo")

NAMESPACE = uuid.UUID("6f1d3c2e-0b7a-4d4e-9a55-5d0c3b1f7a10")
ACTION_ID = uuid.uuid5(NAMESPACE, "aksi-nasional")
WIB = timezone(timedelta(hours=7), "WIB")
ACTOR = "demo"
COORDINATOR = "satgas-demo"  # the simulated coordinator in the posko


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


# Affiliates (federations) mobilising for the rally, and their share of each site's target.
AFFILIATES = (
    ("FSP Logam, Elektronik dan Mesin", 0.35),
    ("FSP Tekstil, Sandang dan Kulit", 0.25),
    ("FSP Kimia, Energi dan Pertambangan", 0.2),
    ("FSP Transportasi dan Logistik", 0.1),
)


def affiliate_id(name: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, "affiliate:" + name)


def seed(app: Posko, today: datetime | None = None) -> uuid.UUID:
    """Plan the demo action with its sites, its affiliates and their targets, and start it;
    repeatable."""
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
    for name, share in AFFILIATES:
        app.register_affiliate(id=affiliate_id(name), name=name, actor=ACTOR)
        for site in SITES:
            app.set_target(
                action_id=ACTION_ID,
                affiliate_id=affiliate_id(name),
                site_id=site.id,
                target=int(site.target * share),
                actor=ACTOR,
            )
    if app.action(ACTION_ID).status == "planned":
        app.change_action_status(action_id=ACTION_ID, to="live", reason=None, actor=ACTOR)
    seed_notice(app)
    return ACTION_ID


def seed_notice(app: Posko) -> None:
    """The demo action's demonstration notice to the police, sent four days before and with
    its STTP three days before, so the dashboard's notices panel has something to show."""
    day = app.action(ACTION_ID).starts_at.astimezone(WIB).date()
    notice_id = uuid.uuid5(NAMESPACE, "notice:demo")
    union = AFFILIATES[0][0]
    app.draft_notice(
        id=notice_id,
        kind="demo",
        action_id=ACTION_ID,
        affiliate_id=affiliate_id(union),
        fields={
            "police_unit": "Baintelkam Mabes Polri",
            "scope": "national",
            "purpose": "Menolak upah murah dan menuntut kenaikan upah minimum 2027",
            "form": "unjuk_rasa",
            "responsible": [{"name": "Koordinator Satgas", "phone": "0812-0000-0000"}],
            "organisation_name": f"Satgas Aksi Gabungan ({union})",
            "organisation_address": "Jakarta",
            "props": "Spanduk, bendera, mobil komando",
            "participants": sum(site.target for site in SITES),
            "city": "Jakarta",
        },
        now=datetime.combine(day - timedelta(days=5), datetime.min.time(), WIB),
        actor=ACTOR,
    )
    now = datetime.combine(day - timedelta(days=4), datetime.min.time(), WIB)
    if app.notice(notice_id).status == "draft":  # seeding again takes no step twice
        app.mark_notice_ready(notice_id=notice_id, now=now, actor=ACTOR)
    app.mark_notice_sent(
        notice_id=notice_id, sent_on=(day - timedelta(days=4)).isoformat(), actor=ACTOR
    )
    scan = app.upload_attachment(
        action_id=ACTION_ID,
        affiliate_id=affiliate_id(union),
        filename="sttp.pdf",
        media_type="application/pdf",
        data=b"%PDF-1.4 demo STTP",
        actor=ACTOR,
    )
    app.record_notice_receipt(
        notice_id=notice_id,
        recipient="police",
        received=datetime.combine(day - timedelta(days=3), datetime.min.time(), WIB).isoformat(),
        received_by="Petugas Baintelkam",
        number="STTP/DEMO/2026",
        attachment_id=scan.id,
        actor=ACTOR,
    )


INCIDENTS = (
    ("police", "medium", "Polisi memasang barikade di jalur long march."),
    ("arrest", "high", "Dua peserta aksi diamankan polisi dan dibawa ke polsek."),
    ("injury", "medium", "Seorang peserta pingsan karena panas, ditangani tim medis."),
    ("provocation", "high", "Sekelompok orang tak dikenal melempar botol ke barisan."),
    ("logistics", "low", "Mobil komando mogok, sound system mati sementara."),
    ("weather", "low", "Hujan deras, massa berteduh di sekitar lokasi."),
    ("violence", "critical", "Bentrokan kecil di depan gerbang, beberapa orang terluka."),
)
REQUESTS = (
    ("water_food", 200, "Air minum untuk barisan depan."),
    ("medic", 2, "Butuh tim medis tambahan."),
    ("legal_aid", 1, "Pendampingan hukum untuk peserta yang diamankan."),
    ("transport", 3, "Bus untuk memulangkan massa."),
    ("sound", 1, "Sound system cadangan."),
)
OPEN = ("open", "acknowledged", "committed")  # the coordinator still has a step to take
DELIVERERS = ("Tim Medis Posko", "LBH Buruh", "Logistik Satgas", "Korlap Wilayah")


@dataclass
class Street:
    """The simulated korlaps and coordinator; `tick` is one step of either."""

    app: Posko
    rng: random.Random
    crowd: dict[uuid.UUID, int] = field(default_factory=dict)
    phase: dict[uuid.UUID, int] = field(default_factory=dict)
    pending: list[tuple[float, str, uuid.UUID]] = field(default_factory=list)  # due, kind, id

    def tick(self, now: float) -> None:
        """One thing from the street, then whatever the coordinator has got round to."""
        roll, site = self.rng.random(), self.rng.choice(SITES)
        if roll < 0.3:
            self.check_in(site)
        elif roll < 0.72:
            self.count_heads(site)
        elif roll < 0.84:
            self.report_status(site)
        elif roll < 0.92:
            self.report_incident(site, now)
        else:
            self.request_help(site, now)
        self.coordinate(now)

    def korlap(self) -> str:
        return f"korlap-{self.rng.randint(1, 40)}"

    def check_in(self, site: DemoSite) -> None:
        far = self.rng.random() < 0.05  # now and then a phone far from its site: flagged
        spread = 0.02 if far else 0.001
        self.app.file_report(
            id=uuid.uuid4(),
            action_id=ACTION_ID,
            site_id=site.id,
            kind="checkin",
            at=datetime.now(UTC),
            lat=site.lat + self.rng.uniform(-spread, spread),
            lon=site.lon + self.rng.uniform(-spread, spread),
            accuracy_m=self.rng.choice([8.0, 15.0, 30.0, 65.0]),
            actor=self.korlap(),
        )

    def count_heads(self, site: DemoSite) -> None:
        """Crowds grow toward their targets; the count is broken down by affiliate."""
        current = self.crowd.get(site.id, site.target // 10)
        step = self.rng.randint(-site.target // 50, site.target // 8)
        total = self.crowd[site.id] = max(0, min(int(site.target * 1.3), current + step))
        counted = int(total * self.rng.uniform(0.6, 0.95))  # some people wear no colours
        by_affiliate = {str(affiliate_id(name)): int(counted * share) for name, share in AFFILIATES}
        self.app.file_report(
            id=uuid.uuid4(),
            action_id=ACTION_ID,
            site_id=site.id,
            kind="headcount",
            at=datetime.now(UTC),
            headcount=total,
            by_affiliate=by_affiliate,
            actor=self.korlap(),
        )

    def report_status(self, site: DemoSite) -> None:
        """Sites move assembling -> marching -> holding -> dispersed, then gather again."""
        phase = self.phase.get(site.id, 0)
        if self.rng.random() < 0.4:
            phase = (phase + 1) % len(report.PHASES)
        self.phase[site.id] = phase
        self.app.file_report(
            id=uuid.uuid4(),
            action_id=ACTION_ID,
            site_id=site.id,
            kind="status",
            at=datetime.now(UTC),
            phase=report.PHASES[phase],
            mood="tense" if self.rng.random() < 0.25 else "calm",
            actor=self.korlap(),
        )

    def report_incident(self, site: DemoSite, now: float) -> None:
        kind, severity, description = self.rng.choice(INCIDENTS)
        incident_id = uuid.uuid4()
        self.app.report_incident(
            id=incident_id,
            action_id=ACTION_ID,
            site_id=site.id,
            kind=kind,
            severity=severity,
            description=description,
            lat=site.lat + self.rng.uniform(-0.002, 0.002),
            lon=site.lon + self.rng.uniform(-0.002, 0.002),
            at=datetime.now(UTC),
            actor=self.korlap(),
        )
        self.later(now, "incident", incident_id)

    def request_help(self, site: DemoSite, now: float) -> None:
        kind, quantity, note = self.rng.choice(REQUESTS)
        request_id = uuid.uuid4()
        self.app.request_help(
            id=request_id,
            action_id=ACTION_ID,
            site_id=site.id,
            kind=kind,
            quantity=quantity,
            note=note,
            at=datetime.now(UTC),
            actor=self.korlap(),
        )
        self.later(now, "request", request_id)

    def later(self, now: float, kind: str, item_id: uuid.UUID) -> None:
        self.pending.append((now + self.rng.uniform(10, 45), kind, item_id))

    def coordinate(self, now: float) -> None:
        """The coordinator takes the next step on everything due: acknowledge, then resolve an
        incident; commit, then fulfil (or now and then cancel) a request."""
        due = [p for p in self.pending if p[0] <= now]
        self.pending = [p for p in self.pending if p[0] > now]
        for _, kind, item_id in due:
            try:
                if kind == "incident":
                    self.next_for_incident(self.app.incident(item_id), now)
                else:
                    self.next_for_request(self.app.help_request(item_id), now)
            except PoskoError as error:  # someone in the posko got there first: fine
                log.info("demo coordinator skipped %s %s: %s", kind, item_id, error)

    def next_for_incident(self, incident: Incident, now: float) -> None:
        if incident.status == "open":
            self.app.acknowledge_incident(incident_id=incident.id, actor=COORDINATOR)
            self.later(now + 30, "incident", incident.id)
        elif incident.status == "acknowledged":
            self.app.resolve_incident(
                incident_id=incident.id, note="Sudah ditangani tim di lapangan.", actor=COORDINATOR
            )

    def next_for_request(self, request: HelpRequest, now: float) -> None:
        if request.status == "open" and self.rng.random() < 0.1:
            self.app.cancel_help(
                request_id=request.id, reason="Sudah teratasi oleh korlap.", actor=COORDINATOR
            )
        elif request.status == "open":
            by = self.rng.choice(DELIVERERS)
            self.app.commit_help(request_id=request.id, by=by, actor=COORDINATOR)
            self.later(now + 20, "request", request.id)
        elif request.status == "committed":
            self.app.fulfil_help(request_id=request.id, actor=COORDINATOR)

    def resume(self, now: float) -> None:
        """After a restart: what the demo left open in its action is taken up again."""
        topics = [get_topic(Incident.Reported), get_topic(HelpRequest.Requested)]
        position = 0
        while notes := self.app.recorder.select_notifications(
            start=position, limit=500, topics=topics, inclusive_of_start=False
        ):
            for note in notes:
                item_id = uuid.UUID(str(note.originator_id))
                item: Incident | HelpRequest = (
                    self.app.incident(item_id)
                    if note.topic == topics[0]
                    else self.app.help_request(item_id)
                )
                if item.action_id == ACTION_ID and item.status in OPEN:
                    kind = "incident" if isinstance(item, Incident) else "request"
                    self.later(now - 10, kind, item_id)
            position = notes[-1].id


# -- strike votes: a union's members, a sealed vote with its result, an open one ---------------

VOTING_UNION = AFFILIATES[0][0]
VOTERS = tuple(uuid.uuid5(NAMESPACE, f"anggota:{n}") for n in range(12))
SEALED_VOTE = uuid.uuid5(NAMESPACE, "vote:mogok-nasional")
OPEN_VOTE = uuid.uuid5(NAMESPACE, "vote:ikut-aksi")
SEALED_CHOICES = (0, 0, 1, 0, 0, 0, 1, 0, 0, 2, 0, 0)  # 9 / 2 / 1: carried, tally shown (k=10)
OPEN_VOTERS_AT_SEED = 4
QUORUM: dict[str, Any] = {"num": 1, "den": 2}  # half the roll must vote
MAJORITY: dict[str, Any] = {"num": 1, "den": 2, "rule": "more_than"}  # of the ballots cast


def seed_votes(app: Posko, today: datetime | None = None) -> None:
    """A union with twelve members; a vote they all cast, sealed with its result; a vote open
    until the end of the day with a third of them voted. Repeatable (fixed ids)."""
    union = affiliate_id(VOTING_UNION)
    app.register_affiliate(id=union, name=VOTING_UNION, actor=ACTOR)
    for n, person in enumerate(VOTERS):
        if person not in app.repository:
            app.register_person(
                id=person,
                name=f"Anggota Demo {n + 1}",
                phone=f"0812990000{n:02d}",
                affiliate_id=union,
                actor=ACTOR,
            )
            app.grant_role(
                person_id=person, role=Role("member", affiliate_id=str(union)), actor=ACTOR
            )
    now = datetime.now(UTC)
    end_of_day = (
        (today or datetime.now(WIB))
        .astimezone(WIB)
        .replace(hour=23, minute=59, second=0, microsecond=0)
    )
    if SEALED_VOTE not in app.repository:
        app.call_vote(
            id=SEALED_VOTE,
            question="Mogok nasional tiga hari jika upah minimum 2027 tidak dinaikkan?",
            options=["Setuju", "Tidak setuju", "Abstain"],
            affiliate_id=union,
            branch_id=None,
            opens_at=now - timedelta(minutes=1),
            closes_at=max(end_of_day, now + timedelta(hours=1)),
            quorum=QUORUM,
            threshold=MAJORITY,
            actor=ACTOR,
        )
    if app.vote(SEALED_VOTE).status != "sealed":
        app.open_vote(vote_id=SEALED_VOTE, actor=ACTOR)
        for person, choice in zip(VOTERS, SEALED_CHOICES, strict=True):
            cast_once(app, SEALED_VOTE, person, choice)
        app.close_vote(vote_id=SEALED_VOTE, actor=ACTOR)  # everyone voted: it may close now
    if OPEN_VOTE not in app.repository:
        app.call_vote(
            id=OPEN_VOTE,
            question="Ikut long march ke Gedung DPR hari ini?",
            options=["Ikut", "Tidak ikut"],
            affiliate_id=union,
            branch_id=None,
            opens_at=now - timedelta(minutes=1),
            closes_at=max(end_of_day, now + timedelta(hours=1)),
            quorum=QUORUM,
            threshold=MAJORITY,
            actor=ACTOR,
        )
    vote = app.vote(OPEN_VOTE)
    if vote.status == "called":
        app.open_vote(vote_id=OPEN_VOTE, actor=ACTOR)
        for person in VOTERS[:OPEN_VOTERS_AT_SEED]:
            cast_once(app, OPEN_VOTE, person, 0)


def cast_once(app: Posko, vote_id: uuid.UUID, person: uuid.UUID, choice: int) -> bool:
    """A demo member votes unless they already have; True when a ballot went in."""
    if app.roll_entry(vote_id=vote_id, person_id=str(person))["voted"]:
        return False
    app.cast_ballot(vote_id=vote_id, person_id=str(person), choice=choice)
    return True


def one_more_voter(app: Posko, rng: random.Random) -> None:
    """The open vote's turnout grows: one member who has not voted yet votes (a random choice,
    as members do: the demo, like Posko, never shows it before close)."""
    vote = app.vote(OPEN_VOTE)
    if vote.status != "open" or datetime.now(UTC) >= vote.closes_at:
        return
    for person in VOTERS:
        if cast_once(app, OPEN_VOTE, person, rng.randrange(len(vote.options))):
            return


async def simulate(port: Port, *, interval: float = 2.0, seed_value: int | None = None) -> None:
    """Seed, then run the street every `interval` seconds (jittered) until cancelled; through
    the port's main pool, like any other caller of the core."""
    await port.pools.run("main", seed, port.app)
    await port.pools.run("main", seed_votes, port.app)
    from posko.demo_fund import seed_fund  # it imports this module's affiliates

    await port.pools.run("main", seed_fund, port.app)
    street = Street(port.app, random.Random(seed_value))
    await port.pools.run("main", street.resume, time.monotonic())
    log.info("demo action %s is live with %d sites", ACTION_ID, len(SITES))
    while True:
        try:
            await port.pools.run("main", street.tick, time.monotonic())
            if street.rng.random() < 0.05:  # every forty seconds or so, one more voter
                await port.pools.run("main", one_more_voter, port.app, street.rng)
        except PoskoError as error:  # e.g. someone cancelled the demo action: say so, go on
            log.warning("demo step refused: %s", error)
        await asyncio.sleep(interval * street.rng.uniform(0.5, 1.5))
