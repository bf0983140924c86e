"""Time travel equals a view rebuilt from exactly the events recorded up to that moment, and the
answer from view checkpoints equals a replay of the whole log at any moment, on both stores,
including logs whose event times are not in position order; checkpoints that cannot be trusted
are ignored."""

from __future__ import annotations

import random
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.application import Posko
from core.help_request import HelpRequest
from core.incident import Incident
from core.report import FieldReport
from posko.persistence import eventsourcing_env
from projections import channels, checkpoints, feed, live_map, overview
from projections.channels import ChannelRef
from projections.port import ViewPort
from projections.runner import ProjectionRunner
from projections.store import PostgresViewStore, SQLiteViewStore, ViewStore
from projections.time_travel import replay, replay_all, snapshot_at
from tests.integration.test_projections import T0, record_a_day

MakeStore = Callable[[], ViewStore]


def street_events(app: Posko, action_id: uuid.UUID, rng: random.Random) -> None:
    sites = [uuid.UUID(s) for s in app.action(action_id).sites]
    for n in range(10):
        incident = uuid.uuid4()
        app.report_incident(
            id=incident,
            action_id=action_id,
            site_id=rng.choice(sites),
            kind=rng.choice(["arrest", "injury", "police"]),
            severity=rng.choice(["low", "high"]),
            description=f"kejadian {n}",
            at=T0,
            actor="korlap",
        )
        if n % 2:
            app.acknowledge_incident(incident_id=incident, actor="coordinator")
        request = uuid.uuid4()
        app.request_help(
            id=request,
            action_id=action_id,
            site_id=rng.choice(sites),
            kind=rng.choice(["medic", "legal_aid", "water_food"]),
            quantity=2,
            note="",
            at=T0,
            actor="korlap",
        )
        if n % 3 == 0:
            app.commit_help(request_id=request, by="Tim medis", actor="coordinator")


def rebuilt_up_to(app: Posko, at: datetime, path: Path) -> SQLiteViewStore:
    store = SQLiteViewStore(path)
    runner = ProjectionRunner(app, ViewPort(store))

    def recorded_by_then(notification: Any) -> bool:
        event: Any = app.mapper.to_domain_event(notification)
        return bool(event.timestamp <= at)

    notes = [
        n for n in app.recorder.select_notifications(start=0, limit=100_000) if recorded_by_then(n)
    ]
    runner.apply(notes)
    return store


def refs(*action_ids: uuid.UUID) -> list[ChannelRef]:
    names = [overview.CHANNEL]
    for action_id in action_ids:
        names += [live_map.channel(action_id), feed.channel(action_id)]
        names.append(feed.legal_channel(action_id))
    found = [channels.parse(name) for name in names]
    return [ref for ref in found if ref is not None]


def test_the_past_equals_a_rebuild_of_the_events_recorded_by_then(tmp_path: Path) -> None:
    app = Posko(env=eventsourcing_env("", tmp_path))
    live = SQLiteViewStore(tmp_path / "live.db")
    runner = ProjectionRunner(app, ViewPort(live), checkpoint_every=25)
    rng = random.Random(11)
    action_id = record_a_day(app, rng, reports=60)
    street_events(app, action_id, rng)
    moments = [datetime.now(UTC)]
    record_a_day(app, rng, reports=40)  # a second action, later
    street_events(app, action_id, rng)
    moments.append(datetime.now(UTC))
    runner.catch_up()
    assert live.last_checkpoint() is not None

    for n, at in enumerate(moments):
        store = rebuilt_up_to(app, at, tmp_path / f"rebuilt-{n}.db")
        for ref in refs(action_id):
            position, data = snapshot_at(app, live, ref, at)
            stored_position, docs = store.snapshot(ref.name, channels.snapshot_limit(ref))
            assert data == channels.snapshot_data(ref, docs), ref.name
            assert position == stored_position
        store.close()

    # Before anything happened there is nothing; the first moment lacks the later action.
    ref: Any = channels.parse(overview.CHANNEL)
    assert snapshot_at(app, live, ref, T0.replace(year=2000))[1] == {"actions": []}
    assert len(snapshot_at(app, live, ref, moments[0])[1]["actions"]) == 1
    live.close()
    app.close()


# -- checkpoints against a replay of the whole log ---------------------------------------------


def shuffled_log(app: Posko, rng: random.Random, items: int) -> list[uuid.UUID]:
    """Actions with sites, then reports, incidents and requests for help made in one order
    and saved in another, a few at a time, as several writers would: event times are then
    not in position order. Some incidents are acknowledged (a later event of the same one)."""
    actions = [record_a_day(app, rng, reports=rng.randint(0, 5)) for _ in range(2)]
    sites = {a: [uuid.UUID(s) for s in app.action(a).sites] for a in actions}
    pending: list[Any] = []
    saved_incidents: list[uuid.UUID] = []
    for n in range(items):
        action_id = rng.choice(actions)
        site_id = rng.choice(sites[action_id])
        now = datetime.now(UTC)
        what = rng.random()
        if what < 0.6:
            kind = rng.choice(["checkin", "headcount"])
            pending.append(
                FieldReport.file(
                    id=uuid.uuid4(), action_id=action_id, site_id=site_id, kind=kind,
                    at=now - timedelta(minutes=rng.randint(0, 90)), now=now,
                    lat=-6.2 if kind == "checkin" else None,
                    lon=106.8 if kind == "checkin" else None,
                    headcount=rng.randint(0, 900) if kind == "headcount" else None,
                    actor=f"korlap-{rng.randint(1, 4)}",
                )
            )  # fmt: skip
        elif what < 0.8:
            pending.append(
                Incident.report(
                    id=uuid.uuid4(), action_id=action_id, site_id=site_id,
                    kind=rng.choice(["arrest", "injury", "police"]), severity="high",
                    description=f"kejadian {n}", lat=None, lon=None, at=now, now=now,
                    actor="korlap",
                )
            )  # fmt: skip
        elif what < 0.9:
            pending.append(
                HelpRequest.request(
                    id=uuid.uuid4(), action_id=action_id, site_id=site_id,
                    kind=rng.choice(["medic", "legal_aid"]), quantity=1, note="", at=now,
                    now=now, actor="korlap",
                )
            )  # fmt: skip
        elif saved_incidents:
            app.acknowledge_incident(incident_id=rng.choice(saved_incidents), actor="coord")
        if len(pending) >= rng.randint(1, 6):
            rng.shuffle(pending)
            for aggregate in pending:
                app.save(aggregate)
                if isinstance(aggregate, Incident):
                    saved_incidents.append(aggregate.id)
            pending.clear()
    for aggregate in pending:
        app.save(aggregate)
    return actions


def project_in_pieces(app: Posko, store: ViewStore, rng: random.Random, every: int) -> None:
    """Project with runners that stop after a few random batches, as killed processes would."""
    last = app.recorder.max_notification_id() or 0
    while store.position() < last:
        runner = ProjectionRunner(
            app, ViewPort(store), batch_size=rng.randint(1, 2 * every), checkpoint_every=every
        )
        for _ in range(rng.randint(1, 6)):
            notes = app.recorder.select_notifications(
                start=store.position(), limit=runner.batch_size, inclusive_of_start=False
            )
            if not notes:
                break
            runner.apply(notes)


def moments(app: Posko, rng: random.Random, count: int) -> list[datetime]:
    """Random event times (exactly, and a microsecond either side), and before and after all."""
    times = []
    for notification in app.recorder.select_notifications(start=0, limit=100_000):
        event: Any = app.mapper.to_domain_event(notification)
        times.append(event.timestamp)
    out = [min(times) - timedelta(seconds=1), max(times) + timedelta(seconds=1)]
    for _ in range(count):
        out.append(rng.choice(times) + rng.choice([-1, 0, 0, 1]) * timedelta(microseconds=1))
    return out


def assert_equals_full_replay(
    app: Posko, store: ViewStore, wanted: list[ChannelRef], at: datetime
) -> None:
    past, full = replay(app, store, at), replay_all(app, at)
    assert past.position == full.position, at
    for ref in wanted:
        assert past.snapshot(ref) == full.snapshot(ref), (ref.name, at)


def check_log(app: Posko, store: ViewStore, rng: random.Random, every: int, items: int) -> None:
    actions = shuffled_log(app, rng, items)
    project_in_pieces(app, store, rng, every)
    if store.position() >= every:
        assert store.last_checkpoint() is not None
    for at in moments(app, rng, 25):
        assert_equals_full_replay(app, store, refs(*actions), at)


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Posko, MakeStore]]:
    if request.param == "sqlite":
        app = Posko(env=eventsourcing_env("", tmp_path))
        counter = iter(range(1000))
        stores: list[ViewStore] = []

        def make_store() -> ViewStore:
            stores.append(SQLiteViewStore(tmp_path / f"views-{next(counter)}.db"))
            return stores[-1]

    else:
        url = request.getfixturevalue("postgres_url")
        schema = request.getfixturevalue("postgres_schema")
        app = Posko(env=eventsourcing_env(url, tmp_path, schema))
        stores = []

        def make_store() -> ViewStore:
            stores.append(PostgresViewStore(url, schema=schema))
            return stores[-1]

    yield app, make_store
    for store in stores:
        store.close()
    app.close()


@pytest.mark.parametrize("seed", [1, 2])
def test_checkpoints_answer_as_a_replay_of_the_whole_log_at_any_moment(
    backend: tuple[Posko, MakeStore], seed: int
) -> None:
    app, make_store = backend
    rng = random.Random(seed)
    check_log(app, make_store(), rng, every=rng.randint(5, 40), items=rng.randint(80, 200))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32),
    every=st.integers(1, 60),
    items=st.integers(0, 120),
)
def test_checkpoints_equal_a_full_replay_over_random_logs(
    seed: int, every: int, items: int
) -> None:
    with _sqlite_app() as (app, make_store):
        check_log(app, make_store(), random.Random(seed), every, items)


class _sqlite_app:
    """A Posko on SQLite files in a fresh directory (hypothesis runs many per test)."""

    def __enter__(self) -> tuple[Posko, MakeStore]:
        import tempfile

        self.tmp = tempfile.TemporaryDirectory(prefix="posko-tt-")
        path = Path(self.tmp.name)
        self.app = Posko(env=eventsourcing_env("", path))
        self.stores: list[ViewStore] = []

        def make_store() -> ViewStore:
            self.stores.append(SQLiteViewStore(path / f"views-{len(self.stores)}.db"))
            return self.stores[-1]

        return self.app, make_store

    def __exit__(self, *exc: object) -> None:
        for store in self.stores:
            store.close()
        self.app.close()
        self.tmp.cleanup()


def test_a_checkpoint_follows_every_nth_event_whatever_the_batches(
    backend: tuple[Posko, MakeStore],
) -> None:
    app, make_store = backend
    record_a_day(app, random.Random(5), reports=95)
    store = make_store()
    ProjectionRunner(app, ViewPort(store), checkpoint_every=10).catch_up(batch_size=37)
    total = len(app.recorder.select_notifications(start=0, limit=1000))
    made = store.checkpoints_after(0, low_at_most=2**62)
    assert [c.events for c in made] == [10] * (total // 10)
    assert [c.start for c in made[1:]] == [c.position for c in made[:-1]]
    assert made[0].start == 0 and made[0].identity == store.identity()


# -- checkpoints that cannot be trusted --------------------------------------------------------


@pytest.fixture
def projected(tmp_path: Path) -> Iterator[tuple[Posko, SQLiteViewStore, list[ChannelRef]]]:
    app = Posko(env=eventsourcing_env("", tmp_path))
    actions = shuffled_log(app, random.Random(7), 120)
    store = SQLiteViewStore(tmp_path / "views.db")
    ProjectionRunner(app, ViewPort(store), checkpoint_every=20).catch_up()
    yield app, store, refs(*actions)
    store.close()
    app.close()


def tamper(store: SQLiteViewStore, sql: str) -> None:
    with sqlite3.connect(store.path) as conn:
        conn.execute(sql)


def late_moment(app: Posko) -> datetime:
    last: Any = app.mapper.to_domain_event(
        app.recorder.select_notifications(start=0, limit=1000)[-1]
    )
    return last.timestamp + timedelta(microseconds=1)


def test_a_tampered_checkpoint_is_used_while_trusted(
    projected: tuple[Posko, SQLiteViewStore, list[ChannelRef]],
) -> None:
    # The guard for the tests below: a changed history row shows up in a past answer, so
    # their checkpoints would be seen if they were used.
    app, store, wanted = projected
    at = late_moment(app)
    tamper(
        store,
        "UPDATE view_history SET doc=json_set(doc, '$.title', 'PALSU') WHERE channel='actions'",
    )
    assert replay(app, store, at).snapshot(wanted[0]) != replay_all(app, at).snapshot(wanted[0])


@pytest.mark.parametrize(
    "spoil",
    [
        "UPDATE view_checkpoints SET identity='another-store'",
        "UPDATE view_checkpoints SET version=version + 1",
        "UPDATE view_checkpoints SET event='00000000-0000-0000-0000-000000000000/1'",
    ],
    ids=["another store", "another views version", "another event at its position"],
)
def test_a_checkpoint_of_another_store_version_or_log_is_ignored(
    projected: tuple[Posko, SQLiteViewStore, list[ChannelRef]], spoil: str
) -> None:
    app, store, wanted = projected
    tamper(
        store,
        "UPDATE view_history SET doc=json_set(doc, '$.title', 'PALSU') WHERE channel='actions'",
    )
    tamper(store, spoil)
    for at in moments(app, random.Random(3), 10):
        assert_equals_full_replay(app, store, wanted, at)


def test_missing_checkpoints_fall_back_to_a_full_replay(
    projected: tuple[Posko, SQLiteViewStore, list[ChannelRef]],
) -> None:
    app, store, wanted = projected
    tamper(store, "DELETE FROM view_checkpoints")
    for at in moments(app, random.Random(4), 10):
        assert_equals_full_replay(app, store, wanted, at)


def test_a_renewed_store_identity_starts_a_new_chain_of_checkpoints(
    backend: tuple[Posko, MakeStore],
) -> None:
    app, make_store = backend
    rng = random.Random(9)
    actions = shuffled_log(app, rng, 60)
    store = make_store()
    runner = ProjectionRunner(app, ViewPort(store), checkpoint_every=15)
    runner.catch_up()
    old = store.last_checkpoint()
    assert old is not None

    store.renew_identity()  # restored from a backup: the old chain is not trusted any more
    assert replay(app, store, late_moment(app)).base == 0
    shuffled_log(app, rng, 60)
    # The first checkpoint due is not made; the next batch starts a chain with a copy of
    # every row, dropping the old chain.
    runner.catch_up(batch_size=10)

    chain = store.checkpoints_after(0, low_at_most=2**62)
    assert chain[0].start == 0 and chain[0].position > old.position
    assert {c.identity for c in chain} == {store.identity()}
    assert replay(app, store, late_moment(app)).base == chain[-1].position
    for at in moments(app, rng, 15):
        assert_equals_full_replay(app, store, refs(*actions), at)


def test_a_rebuild_remakes_the_checkpoints(backend: tuple[Posko, MakeStore]) -> None:
    app, make_store = backend
    actions = shuffled_log(app, random.Random(12), 80)
    store = make_store()
    ProjectionRunner(app, ViewPort(store), checkpoint_every=30).catch_up()
    before = store.checkpoints_after(0, low_at_most=2**62)

    store.reset()
    assert store.last_checkpoint() is None
    ProjectionRunner(app, ViewPort(store), checkpoint_every=30).catch_up()
    assert store.checkpoints_after(0, low_at_most=2**62) == before
    for at in moments(app, random.Random(13), 10):
        assert_equals_full_replay(app, store, refs(*actions), at)


def test_views_of_an_older_release_get_a_first_checkpoint_of_every_row(tmp_path: Path) -> None:
    # Views projected before checkpoints existed: a runner that starts on them copies every
    # row at its first checkpoint; moments before it replay the log from its start.
    app = Posko(env=eventsourcing_env("", tmp_path))
    actions = shuffled_log(app, random.Random(14), 60)
    store = SQLiteViewStore(tmp_path / "views.db")
    ProjectionRunner(app, ViewPort(store), checkpoint_every=10_000).catch_up()
    assert store.last_checkpoint() is None
    with sqlite3.connect(store.path) as conn:
        rows_before = conn.execute("SELECT count(*) FROM view_rows").fetchone()[0]
    shuffled_log(app, random.Random(15), 30)
    ProjectionRunner(app, ViewPort(store), checkpoint_every=20).catch_up()
    first = store.checkpoints_after(0, low_at_most=2**62)[0]
    assert first.start == 0 and first.events > 60
    with sqlite3.connect(store.path) as conn:
        copied = conn.execute(
            "SELECT count(*) FROM view_history WHERE position=?", (first.position,)
        ).fetchone()[0]
    assert copied >= rows_before > 0
    for at in moments(app, random.Random(16), 10):
        assert_equals_full_replay(app, store, refs(*actions), at)
    store.close()
    app.close()


def test_micros_is_exact() -> None:
    moment = datetime(2026, 5, 1, 10, 0, 0, 123457, tzinfo=UTC)
    assert checkpoints.micros(moment) - checkpoints.micros(moment - timedelta(microseconds=1)) == 1
