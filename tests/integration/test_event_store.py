"""Contract for Posko's event store (posko.persistence), run on SQLite and on PostgreSQL:
ordering, atomic saves, positions, and subscriptions under concurrent writers.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError, Notification, Subscription
from eventsourcing.utils import get_topic

from posko.persistence import (
    PoskoPostgresApplicationRecorder,
    SQLiteSubscription,
    SubscribableSQLiteApplicationRecorder,
    eventsourcing_env,
)

DEADLINE = 30.0  # seconds; generous for a loaded CI machine, never reached when it works


class Ticket(Aggregate):
    """Test-only aggregate; its id comes from a client key, as Posko's creates do."""

    @staticmethod
    def create_id(key: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"/posko-test/ticket/{key}")

    class Opened(Aggregate.Created):
        key: str

    class Noted(Aggregate.Event):
        text: str

    @event(Opened)
    def __init__(self, key: str) -> None:
        self.key = key
        self.notes: list[str] = []

    @event(Noted)
    def note(self, text: str) -> None:
        self.notes.append(text)


class Desk(Application[UUID]):
    """Test-only application; remembers its env so siblings can open the same store."""

    def __init__(self, env: Mapping[str, str]) -> None:
        super().__init__(env=env)
        self.given_env = dict(env)

    def position_of(self, originator_id: UUID) -> int | None:
        recorder = self.recorder
        assert isinstance(
            recorder, SubscribableSQLiteApplicationRecorder | PoskoPostgresApplicationRecorder
        )
        return recorder.position_of(originator_id)


class Collector:
    """Drains a subscription on its own thread so a test can wait with a deadline."""

    def __init__(self, subscription: Subscription[Any]) -> None:
        self.subscription = subscription
        self.items: list[Notification] = []
        self.error: BaseException | None = None
        self._changed = threading.Condition()
        self._done = False
        self.thread = threading.Thread(target=self._run, name="collector")
        self.thread.start()

    def _run(self) -> None:
        try:
            for notification in self.subscription:
                with self._changed:
                    self.items.append(notification)
                    self._changed.notify_all()
        except BaseException as error:
            self.error = error
        finally:
            with self._changed:
                self._done = True
                self._changed.notify_all()

    def wait_for(self, count: int, timeout: float = DEADLINE) -> list[Notification]:
        with self._changed:
            self._changed.wait_for(lambda: len(self.items) >= count or self._done, timeout)
            assert self.error is None, self.error
            assert len(self.items) >= count, f"got {len(self.items)} of {count} in {timeout} s"
            return list(self.items)

    def stop(self) -> None:
        self.subscription.stop()
        self.thread.join(DEADLINE)
        assert not self.thread.is_alive(), "iteration did not end after stop()"
        assert self.error is None, self.error


def all_notifications(app: Desk, after: int = 0) -> list[Notification]:
    found: list[Notification] = []
    while page := app.recorder.select_notifications(
        start=after, limit=500, inclusive_of_start=False
    ):
        found.extend(page)
        after = page[-1].id
    return found


def ids(notifications: Sequence[Notification]) -> list[int]:
    return [n.id for n in notifications]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Desk]:
    if request.param == "sqlite":
        env = eventsourcing_env("", tmp_path)
    else:
        url = request.getfixturevalue("postgres_url")
        schema = request.getfixturevalue("postgres_schema")
        env = eventsourcing_env(url, tmp_path, schema)
    desk = Desk(env=env)
    yield desk
    desk.close()


@pytest.fixture
def sqlite_app(tmp_path: Path) -> Iterator[Desk]:
    desk = Desk(env=eventsourcing_env("", tmp_path))
    yield desk
    desk.close()


@pytest.fixture
def open_sibling(app: Desk) -> Iterator[Callable[[], Desk]]:
    """Opens more Application instances on the same store as `app`."""
    opened: list[Desk] = []

    def open_one() -> Desk:
        opened.append(Desk(env=app.given_env))
        return opened[-1]

    yield open_one
    for desk in opened:
        desk.close()


def test_saved_events_read_back_in_order_with_increasing_notification_ids(app: Desk) -> None:
    expected: list[tuple[UUID, int]] = []
    recorded: list[int] = []
    for key in ("a", "b", "c"):
        ticket = Ticket(key=key)
        ticket.note(f"{key}-1")
        ticket.note(f"{key}-2")
        recorded += [r.notification.id for r in app.save(ticket)]
        expected += [(ticket.id, version) for version in (1, 2, 3)]

    notifications = all_notifications(app)

    assert [(n.originator_id, n.originator_version) for n in notifications] == expected
    assert ids(notifications) == recorded
    assert all(a < b for a, b in itertools.pairwise(recorded))
    assert app.recorder.max_notification_id() == recorded[-1]
    assert app.repository.get(Ticket.create_id("b")).notes == ["b-1", "b-2"]


def test_saving_an_existing_id_raises_integrity_error_and_writes_nothing(app: Desk) -> None:
    app.save(Ticket(key="taken"))
    before = app.recorder.max_notification_id()
    fresh = Ticket(key="fresh")

    with pytest.raises(IntegrityError):
        app.save(fresh, Ticket(key="taken"))

    assert app.recorder.max_notification_id() == before
    assert fresh.id not in app.repository
    assert app.position_of(fresh.id) is None


def test_position_of_is_the_first_events_notification_id(app: Desk) -> None:
    app.save(Ticket(key="earlier"))
    ticket = Ticket(key="later")
    ticket.note("first note")
    first = app.save(ticket)[0].notification.id
    ticket.note("second note")
    app.save(ticket)

    assert app.position_of(ticket.id) == first
    assert app.position_of(Ticket.create_id("earlier")) == first - 1
    assert app.position_of(uuid4()) is None


def test_subscription_yields_events_after_position_in_order_then_live_ones(app: Desk) -> None:
    for key in ("a", "b", "c", "d"):
        ticket = Ticket(key=key)
        ticket.note("noted")
        app.save(ticket)
    stored = all_notifications(app)
    after = stored[2].id

    collector = Collector(app.recorder.subscribe(gt=after))
    try:
        assert ids(collector.wait_for(len(stored) - 3)) == ids(stored[3:])
        app.save(Ticket(key="live-1"), Ticket(key="live-2"))
        live = collector.wait_for(len(stored) - 3 + 2)
    finally:
        collector.stop()

    assert ids(live) == ids(all_notifications(app, after=after))
    assert [n.originator_id for n in live[-2:]] == [
        Ticket.create_id("live-1"),
        Ticket.create_id("live-2"),
    ]


def test_subscription_with_topics_yields_only_those_topics(app: Desk) -> None:
    ticket = Ticket(key="t")
    ticket.note("one")
    app.save(ticket)
    collector = Collector(app.recorder.subscribe(gt=None, topics=[get_topic(Ticket.Noted)]))
    try:
        ticket.note("two")
        app.save(ticket, Ticket(key="u"))
        received = collector.wait_for(2)
    finally:
        collector.stop()

    assert [(n.originator_id, n.originator_version) for n in received] == [
        (ticket.id, 2),
        (ticket.id, 3),
    ]


def test_subscription_receives_concurrent_writers_exactly_once_in_order(
    app: Desk, open_sibling: Callable[[], Desk]
) -> None:
    writers, per_writer = 4, 200
    start = app.recorder.max_notification_id() or 0
    desks = [open_sibling() for _ in range(writers)]
    ready = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write(number: int, desk: Desk) -> None:
        try:
            ready.wait(DEADLINE)
            for i in range(per_writer):
                desk.save(Ticket(key=f"w{number}-{i}"))
        except BaseException as error:
            errors.append(error)

    collector = Collector(open_sibling().recorder.subscribe(gt=start))
    threads = [
        threading.Thread(target=write, args=(number, desk)) for number, desk in enumerate(desks)
    ]
    try:
        for thread in threads:
            thread.start()
        received = collector.wait_for(writers * per_writer, timeout=120)
    finally:
        for thread in threads:
            thread.join(DEADLINE)
        collector.stop()

    assert errors == []
    assert len(received) == writers * per_writer
    assert len({n.originator_id for n in received}) == writers * per_writer
    assert all(a < b for a, b in itertools.pairwise(ids(received)))
    assert ids(received) == ids(all_notifications(app, after=start))


def test_stopping_a_subscription_ends_its_iteration_and_threads(app: Desk) -> None:
    app.recorder.max_notification_id()  # opens the connection pool (and its threads) first
    threads_before = set(threading.enumerate())
    baseline = threading.active_count()
    subscription = app.recorder.subscribe(gt=app.recorder.max_notification_id())
    collector = Collector(subscription)
    app.save(Ticket(key="seen"))
    collector.wait_for(1)
    started = set(threading.enumerate()) - threads_before - {collector.thread}
    assert started, "the subscription runs at least one thread"

    subscription.stop()
    # stop() joins the subscription's threads, so none may be left running once it returns.
    assert [thread.name for thread in started if thread.is_alive()] == []
    collector.stop()  # asserts the iteration ended (within the deadline)
    assert threading.active_count() == baseline
    with pytest.raises(StopIteration):
        next(subscription)


def test_subscription_used_as_context_manager_stops_on_exit(app: Desk) -> None:
    app.recorder.max_notification_id()  # opens the connection pool (and its threads) first
    baseline = threading.active_count()
    with app.recorder.subscribe() as subscription:
        app.save(Ticket(key="x"))
        assert next(subscription).originator_id == Ticket.create_id("x")
    assert threading.active_count() == baseline


# SQLite only: the in-process wake-up registry and the polling fallback.


def test_commit_through_another_instance_wakes_subscription_without_polling(
    sqlite_app: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(SQLiteSubscription, "POLL_INTERVAL", 3600.0)
    (tmp_path / "elsewhere").mkdir()
    other_spelling = str(tmp_path / "elsewhere" / ".." / "events.db")
    writer = Desk(env={**sqlite_app.given_env, "SQLITE_DBNAME": other_spelling})
    collector = Collector(sqlite_app.recorder.subscribe())
    try:
        writer.save(Ticket(key="nearby"))
        received = collector.wait_for(1, timeout=10)
    finally:
        collector.stop()
        writer.close()

    assert received[0].originator_id == Ticket.create_id("nearby")


CHILD_WRITER = """
import importlib, json, sys
sys.path.insert(0, sys.argv[1])
module = importlib.import_module(sys.argv[2])
desk = module.Desk(env=json.loads(sys.argv[3]))
desk.save(module.Ticket(key=sys.argv[4]))
desk.close()
"""


def test_event_written_by_another_process_reaches_subscription(sqlite_app: Desk) -> None:
    # The child imports this module under the same name, so topics match.
    import_root = Path(__file__).resolve().parents[__name__.count(".")]
    collector = Collector(sqlite_app.recorder.subscribe())
    try:
        subprocess.run(
            [
                sys.executable,
                "-c",
                CHILD_WRITER,
                str(import_root),
                __name__,
                json.dumps(sqlite_app.given_env),
                "remote",
            ],
            check=True,
            timeout=DEADLINE,
        )
        received = collector.wait_for(1)
    finally:
        collector.stop()

    assert received[0].originator_id == Ticket.create_id("remote")
    assert sqlite_app.repository.get(Ticket.create_id("remote")).key == "remote"


# The env for a POSKO_DATABASE_URL (pure; here because it selects the backends above).


def test_env_for_a_postgres_url_is_percent_decoded_with_defaults(tmp_path: Path) -> None:
    env = eventsourcing_env("postgres://us%40er:p%3Ass%2Fw@db.example/my%20db", tmp_path, "s1")

    assert env == {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": "my db",
        "POSTGRES_HOST": "db.example",
        "POSTGRES_PORT": "5432",
        "POSTGRES_USER": "us@er",
        "POSTGRES_PASSWORD": "p:ss/w",
        "POSTGRES_SCHEMA": "s1",
        "POSTGRES_PRE_PING": "y",
        "POSTGRES_CONNECT_TIMEOUT": "3",
        "APPLICATION_RECORDER_TOPIC": get_topic(PoskoPostgresApplicationRecorder),
    }
    assert eventsourcing_env("postgresql://u@:6543/d", tmp_path)["POSTGRES_HOST"] == "127.0.0.1"


def test_env_for_no_url_is_an_uncompressed_sqlite_file_in_the_data_dir(tmp_path: Path) -> None:
    assert eventsourcing_env("", tmp_path) == {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(tmp_path / "events.db"),
        "APPLICATION_RECORDER_TOPIC": get_topic(SubscribableSQLiteApplicationRecorder),
    }


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///secret.db",
        "mysql://u:secret@h/d",
        "postgresql://u:secret@h:0/d",
        "postgresql://u:secret@h:99999/d",
        "postgresql://u:secret@h/",
        "postgresql://secret@h/d/e",
        "postgresql://h/secret",
        "postgresql://u:secret@h/d?sslmode=require",
    ],
)
def test_env_refuses_other_urls_naming_the_setting_without_echoing_it(
    url: str, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="POSKO_DATABASE_URL") as raised:
        eventsourcing_env(url, tmp_path)

    assert "postgresql://user:password@host:port/dbname" in str(raised.value)
    assert "secret" not in str(raised.value)
