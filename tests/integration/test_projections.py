"""The projection runner on real stores: stopping and resuming at any point ends where a fresh
rebuild ends, a batch is never applied twice, and live batches reach the bus in order."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.application import Posko
from posko.persistence import eventsourcing_env
from projections import live_map, overview
from projections.changes import Batch
from projections.port import ViewPort
from projections.runner import ProjectionRunner
from projections.store import PostgresViewStore, SQLiteViewStore, StalePosition, ViewStore
from realtime.bus import HistoryUnavailable, MemoryBus

T0 = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)


class Backend:
    def __init__(self, app_env: dict[str, str], make_store: type[ViewStore] | object) -> None:
        self.app_env = app_env
        self.make_store = make_store


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Posko, object]]:
    if request.param == "sqlite":
        app = Posko(env=eventsourcing_env("", tmp_path))
        counter = iter(range(1000))

        def make_store() -> ViewStore:
            return SQLiteViewStore(tmp_path / f"views-{next(counter)}.db")

        def reopen(store: ViewStore) -> ViewStore:
            assert isinstance(store, SQLiteViewStore)
            return SQLiteViewStore(store.path)

    else:
        url = request.getfixturevalue("postgres_url")
        schema = request.getfixturevalue("postgres_schema")
        app = Posko(env=eventsourcing_env(url, tmp_path, schema))
        schemas = iter([schema])

        def make_store() -> ViewStore:
            # One schema per test: the first store lives in it; a second (for the fresh
            # rebuild) gets its own schema, created here and dropped with the first.
            import psycopg

            name = next(schemas, None)
            if name is None:
                name = f"{schema}_b"
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {name}")
                request.addfinalizer(lambda: _drop_schema(url, name))
            return PostgresViewStore(url, schema=name)

        def reopen(store: ViewStore) -> ViewStore:
            return PostgresViewStore(url, schema=schema)

    yield app, (make_store, reopen)
    app.close()


def _drop_schema(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def record_a_day(app: Posko, rng: random.Random, reports: int = 300) -> uuid.UUID:
    action_id = uuid.uuid4()
    app.plan_action(
        id=action_id,
        title="Mogok nasional",
        kind="strike",
        demands=["Upah layak"],
        starts_at=T0,
        ends_at=T0 + timedelta(hours=10),
        actor="test",
    )
    sites = [uuid.uuid4() for _ in range(8)]
    for i, site_id in enumerate(sites):
        app.add_site(
            action_id=action_id,
            site_id=site_id,
            name=f"Lokasi {i}",
            lat=-6.2 + i / 10,
            lon=106.8 + i / 10,
            target=1000 * (i + 1),
            actor="test",
        )
    app.change_action_status(action_id=action_id, to="live", reason=None, actor="test")
    for _ in range(reports):
        # Times out of order on purpose: phones that were offline report late.
        at = T0 + timedelta(minutes=rng.randint(0, 600))
        kind = rng.choice(["checkin", "headcount", "headcount"])
        app.file_report(
            id=uuid.uuid4(),
            action_id=action_id,
            site_id=rng.choice(sites),
            kind=kind,
            at=at,
            lat=-6.2 if kind == "checkin" else None,
            lon=106.8 if kind == "checkin" else None,
            headcount=rng.randint(0, 5000) if kind == "headcount" else None,
            actor=f"korlap-{rng.randint(1, 5)}",
        )
    return action_id


def views(store: ViewStore, action_id: uuid.UUID) -> tuple[object, ...]:
    return (store.snapshot(overview.CHANNEL), store.snapshot(live_map.channel(action_id)))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_stopping_anywhere_and_resuming_equals_a_fresh_rebuild(
    backend: tuple[Posko, tuple[object, object]], seed: int
) -> None:
    app, (make_store, reopen) = backend
    rng = random.Random(seed)
    action_id = record_a_day(app, rng)
    last = app.recorder.max_notification_id()

    store = make_store()  # type: ignore[operator]
    while store.position() < last:
        # A runner that stops after a random number of random-sized batches, as a killed
        # process would (each batch is one transaction), then a new one takes over.
        runner = ProjectionRunner(app, ViewPort(store), batch_size=rng.randint(1, 40))
        for _ in range(rng.randint(1, 5)):
            notes = app.recorder.select_notifications(
                start=store.position(), limit=runner.batch_size, inclusive_of_start=False
            )
            if not notes:
                break
            runner.apply(notes)
        store.close()
        store = reopen(store)  # type: ignore[operator]

    fresh = make_store()  # type: ignore[operator]
    assert ProjectionRunner(app, ViewPort(fresh), batch_size=1000).catch_up() == last
    assert views(store, action_id) == views(fresh, action_id)
    store.close()
    fresh.close()


def test_a_batch_is_never_applied_twice(backend: tuple[Posko, tuple[object, object]]) -> None:
    app, (make_store, _reopen) = backend
    record_a_day(app, random.Random(4), reports=10)
    store = make_store()  # type: ignore[operator]
    runner = ProjectionRunner(app, ViewPort(store))
    notes = app.recorder.select_notifications(start=0, limit=5)
    runner.apply(notes)
    with pytest.raises(StalePosition):
        runner.apply(notes)
    assert store.position() == notes[-1].id
    store.close()


class FlakyBus(MemoryBus):
    """A bus whose first publishes fail, as Redis does during an outage."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    async def publish(self, batch: Batch, *, gap: bool = False) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("bus down")
        await super().publish(batch, gap=gap)


async def test_live_batches_reach_the_bus_in_order_even_after_a_bus_outage(
    tmp_path: Path,
) -> None:
    app = Posko(env=eventsourcing_env("", tmp_path))
    store = SQLiteViewStore(tmp_path / "views.db")
    bus = FlakyBus(failures=2)
    await bus.start()
    action_id = await asyncio.to_thread(record_a_day, app, random.Random(5), 0)
    runner = ProjectionRunner(app, ViewPort(store), bus)
    task = asyncio.create_task(runner.run())
    try:
        seeded = app.recorder.max_notification_id()
        await asyncio.wait_for(runner.wait_for(seeded), 10)
        site = next(iter(app.action(action_id).sites))
        positions = []
        for n in range(6):
            result = await asyncio.to_thread(
                app.file_report,
                id=uuid.uuid4(),
                action_id=action_id,
                site_id=uuid.UUID(site),
                kind="headcount",
                at=T0 + timedelta(minutes=n),
                headcount=100 + n,
                actor="korlap",
            )
            positions.append(result.position)
            await asyncio.wait_for(runner.wait_for(result.position), 10)
        published = []
        async with asyncio.timeout(10):
            async for batch in bus.follow(after=seeded):
                published.append(batch.position)
                if batch.position >= positions[-1]:
                    break
        # The outage swallowed two publishes; the runner republished them from its outbox.
        assert set(positions) <= set(published)
        assert published == sorted(set(published))
        assert not runner.status.bus_behind
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await bus.close()
        store.close()
        app.close()


async def test_a_batch_committed_but_never_published_is_published_on_restart(
    tmp_path: Path,
) -> None:
    app = Posko(env=eventsourcing_env("", tmp_path))
    store = SQLiteViewStore(tmp_path / "views.db")
    bus = MemoryBus()
    await bus.start()
    await asyncio.to_thread(record_a_day, app, random.Random(6), 4)
    first = app.recorder.select_notifications(start=0, limit=5)
    await bus.publish(ProjectionRunner(app, ViewPort(store)).apply(first))
    # The process commits the next batch, then dies before publishing it.
    crashed = ProjectionRunner(app, ViewPort(store))
    lost = crashed.apply(
        app.recorder.select_notifications(start=first[-1].id, limit=5, inclusive_of_start=False)
    )
    restarted = ProjectionRunner(app, ViewPort(store), bus)
    task = asyncio.create_task(restarted.run())
    try:
        async with asyncio.timeout(10):
            async for batch in bus.follow(after=first[-1].id):
                assert batch == lost
                break
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await bus.close()
        store.close()
        app.close()


async def test_a_hole_the_outbox_can_no_longer_fill_is_marked_for_followers(
    tmp_path: Path,
) -> None:
    app = Posko(env=eventsourcing_env("", tmp_path))
    store = SQLiteViewStore(tmp_path / "views.db", outbox_keep=2, prune_every=1)
    bus = MemoryBus()
    await bus.start()
    await asyncio.to_thread(record_a_day, app, random.Random(7), 12)
    first = app.recorder.select_notifications(start=0, limit=3)
    await bus.publish(ProjectionRunner(app, ViewPort(store)).apply(first))
    # The bus is away for longer than the outbox remembers: these batches never reach it.
    offline = ProjectionRunner(app, ViewPort(store), batch_size=2)
    while notes := app.recorder.select_notifications(
        start=store.position(), limit=2, inclusive_of_start=False
    ):
        offline.apply(notes)
    assert store.batches_after(first[-1].id, 100) is None

    restarted = ProjectionRunner(app, ViewPort(store), bus)
    task = asyncio.create_task(restarted.run())
    try:
        action_id = next(iter(store.snapshot(overview.CHANNEL)[1]))["id"]
        action = app.action(uuid.UUID(action_id))
        await asyncio.to_thread(
            app.file_report,
            id=uuid.uuid4(),
            action_id=action.id,
            site_id=uuid.UUID(next(iter(action.sites))),
            kind="headcount",
            at=T0,
            headcount=1,
            actor="korlap",
        )
        follower = bus.follow(after=first[-1].id)
        with pytest.raises(HistoryUnavailable):
            async with asyncio.timeout(10):
                await anext(follower)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await bus.close()
        store.close()
        app.close()
