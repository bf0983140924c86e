"""Event-store adapters: eventsourcing recorders for SQLite and PostgreSQL that can be
subscribed to and can say where an aggregate starts in the log, plus the eventsourcing
environment for a POSKO_DATABASE_URL. Nothing here connects at import time.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Protocol, TypeVar
from urllib.parse import unquote, urlsplit
from uuid import UUID

import psycopg
from eventsourcing.persistence import (
    ApplicationRecorder,
    InterfaceError,
    ListenNotifySubscription,
    OperationalError,
    StoredEvent,
    Subscription,
)
from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresSubscription,
)
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteConnectionPool,
    SQLiteDatastore,
)
from eventsourcing.utils import get_topic, retry
from psycopg.sql import SQL, Identifier

__all__ = [
    "PoskoPostgresApplicationRecorder",
    "PoskoPostgresSubscription",
    "SQLiteSubscription",
    "StartupError",
    "SubscribableSQLiteApplicationRecorder",
    "ensure_schema",
    "eventsourcing_env",
]

TRecorder = TypeVar("TRecorder", bound=ApplicationRecorder, covariant=True)


class _PollingSubscription(ListenNotifySubscription[TRecorder]):
    """A ListenNotifySubscription that also pulls every POLL_INTERVAL seconds and whose
    stop() returns only once its threads have ended.

    The poll catches what a wake-up cannot: writes by other processes (SQLite), a lost
    NOTIFY (eventsourcing issue #305) or one sent before LISTEN was in place (Postgres).
    Relies on ListenNotifySubscription internals (_pull, _has_been_notified, ...), as the
    library's own subscriptions do; eventsourcing is pinned to ~=9.5.6 for that reason.
    """

    POLL_INTERVAL: ClassVar[float] = 0.5

    def _loop_on_pull(self) -> None:
        # The library's loop, with a timed wait in place of an untimed one.
        try:
            self._pull()
            while not self._has_been_stopped:
                self._has_been_notified.wait(self.POLL_INTERVAL)
                self._pull()
        except BaseException as error:
            if self._thread_error is None:
                self._thread_error = error
            self.stop()

    def stop(self) -> None:
        super().stop()  # shuts the queue down and wakes the pull thread
        self._join_threads()

    def _threads(self) -> list[threading.Thread]:
        return [self._pull_thread]

    def _join_threads(self) -> None:
        # A failing pull or listen thread calls stop() itself; it must not join its sibling
        # (both fail at once when the database goes away, and would wait on each other).
        # The owner's own stop() or __exit__ joins them all.
        threads = self._threads()
        if threading.current_thread() in threads:
            return
        for thread in threads:
            if thread.ident is not None:  # a subclass may not have started it yet
                thread.join()


class SQLiteSubscription(_PollingSubscription["SubscribableSQLiteApplicationRecorder"]):
    """Wakes on commits made in this process; finds other processes' commits by polling."""

    def __init__(
        self,
        recorder: SubscribableSQLiteApplicationRecorder,
        gt: int | None = None,
        topics: Sequence[str] = (),
    ) -> None:
        super().__init__(recorder=recorder, gt=gt, topics=topics)  # starts the pull thread
        recorder.add_listener(self._has_been_notified)
        if self._has_been_stopped:  # the pull thread failed and stopped us meanwhile
            recorder.remove_listener(self._has_been_notified)
        # A commit between the pull thread's first select and add_listener() woke nobody.
        self._has_been_notified.set()

    def stop(self) -> None:
        self._has_been_stopped = True  # before remove_listener: see __init__
        self._recorder.remove_listener(self._has_been_notified)
        super().stop()


class Listener(Protocol):
    """Told of each commit: a subscription's threading.Event, or serve's pipe to its child."""

    def set(self) -> None: ...


class SubscribableSQLiteApplicationRecorder(SQLiteApplicationRecorder):
    """SQLite application recorder whose subscribe() works (9.5.6 raises NotImplementedError).

    Listeners are registered per database file and table, for the whole process, so a commit
    through any Application instance wakes every subscription on that file right away.
    """

    _listeners: ClassVar[dict[str, set[Listener]]] = {}
    _listeners_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name)
        self._channel = f"{_sqlite_file_key(datastore.pool.db_name)}#{events_table_name}"
        self._select_position_statement = (
            f"SELECT rowid FROM {self.events_table_name} "
            "WHERE originator_id=? ORDER BY originator_version LIMIT 1"
        )

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        notification_ids = super().insert_events(stored_events, **kwargs)  # committed here
        self.wake_listeners()
        return notification_ids

    def wake_listeners(self) -> None:
        """Wake this file's subscriptions: after a commit here, or when another process (the
        web process of `posko serve`) says it committed."""
        with self._listeners_lock:
            listeners = list(self._listeners.get(self._channel, ()))
        for listener in listeners:
            listener.set()

    def subscribe(
        self, gt: int | None = None, topics: Sequence[str] = ()
    ) -> Subscription[ApplicationRecorder]:
        return SQLiteSubscription(recorder=self, gt=gt, topics=topics)

    def add_listener(self, listener: Listener) -> None:
        with self._listeners_lock:
            self._listeners.setdefault(self._channel, set()).add(listener)

    def remove_listener(self, listener: Listener) -> None:
        with self._listeners_lock:
            listeners = self._listeners.get(self._channel)
            if listeners is not None:
                listeners.discard(listener)
                if not listeners:
                    del self._listeners[self._channel]

    def position_of(self, originator_id: UUID) -> int | None:
        """The notification id of the aggregate's first event, or None if it has none."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(self._select_position_statement, (originator_id.hex,))
            row = c.fetchone()
        return None if row is None else int(row[0])


class PoskoPostgresSubscription(
    _PollingSubscription["PoskoPostgresApplicationRecorder"], PostgresSubscription
):
    """The library's LISTEN/NOTIFY subscription, plus a poll tick and a joining stop()."""

    def _threads(self) -> list[threading.Thread]:
        listen_thread: threading.Thread | None = getattr(self, "_listen_thread", None)
        return [*super()._threads(), *([listen_thread] if listen_thread else [])]


# eventsourcing retries every read and write 10 times, each waiting up to the connect timeout
# for a pool connection: close to a minute before a request learns the database is down. Two
# attempts ride out one dropped connection; beyond that the caller gets a 503 and retries itself.
_retry_twice = retry((InterfaceError, OperationalError), max_attempts=2, wait=0.2)


class PoskoPostgresApplicationRecorder(PostgresApplicationRecorder):
    """PostgreSQL application recorder with position_of(), a polling-backed subscribe(), and
    few retries when the database cannot be reached."""

    insert_events = _retry_twice(PostgresApplicationRecorder.insert_events.__wrapped__)
    select_events = _retry_twice(PostgresApplicationRecorder.select_events.__wrapped__)
    select_notifications = _retry_twice(
        PostgresApplicationRecorder.select_notifications.__wrapped__
    )
    max_notification_id = _retry_twice(PostgresApplicationRecorder.max_notification_id.__wrapped__)

    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self._select_position_statement = SQL(
            "SELECT notification_id FROM {schema}.{table} "
            "WHERE originator_id = %s ORDER BY originator_version LIMIT 1"
        ).format(
            schema=Identifier(self.datastore.schema),
            table=Identifier(self.events_table_name),
        )

    def subscribe(
        self, gt: int | None = None, topics: Sequence[str] = ()
    ) -> Subscription[ApplicationRecorder]:
        return PoskoPostgresSubscription(recorder=self, gt=gt, topics=topics)

    def position_of(self, originator_id: UUID) -> int | None:
        """The notification id of the aggregate's first event, or None if it has none."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._select_position_statement, (originator_id,), prepare=True)
            row = curs.fetchone()
        return None if row is None else int(row["notification_id"])


def eventsourcing_env(database_url: str, data_dir: Path, schema: str = "public") -> dict[str, str]:
    """The env for Application(env=...): SQLite under data_dir when database_url is empty,
    else the PostgreSQL database it names. Raises ValueError for any other URL.
    """
    if not database_url:
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(data_dir / "events.db"),
            "APPLICATION_RECORDER_TOPIC": get_topic(SubscribableSQLiteApplicationRecorder),
        }
    url = urlsplit(database_url)
    if url.scheme not in ("postgresql", "postgres"):
        raise ValueError(_url_problem("its scheme is not supported"))
    if url.query or url.fragment:
        # Parameters such as sslmode have no eventsourcing setting: refuse, don't drop them.
        raise ValueError(_url_problem("query parameters are not supported"))
    try:
        port = 5432 if url.port is None else url.port
    except ValueError:
        port = 0
    if not 0 < port < 65536:
        raise ValueError(_url_problem("its port is not a number from 1 to 65535"))
    dbname = unquote(url.path.removeprefix("/"))
    if not dbname or "/" in dbname:
        raise ValueError(_url_problem("it names no database"))
    if not url.username:
        raise ValueError(_url_problem("it names no user"))
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": _host(url.netloc) or "127.0.0.1",
        "POSTGRES_PORT": str(port),
        "POSTGRES_USER": unquote(url.username),
        "POSTGRES_PASSWORD": unquote(url.password or ""),
        "POSTGRES_SCHEMA": schema,
        # After a database restart the pooled connections are dead: check before use, so the
        # first request afterwards succeeds instead of failing on a stale connection.
        "POSTGRES_PRE_PING": "y",
        "POSTGRES_CONNECT_TIMEOUT": "3",
        "APPLICATION_RECORDER_TOPIC": get_topic(PoskoPostgresApplicationRecorder),
    }


class StartupError(Exception):
    """The store cannot be used as configured; the message is one line naming the setting."""


def ensure_schema(database_url: str, schema: str, setting: str) -> None:
    """Create the schema `setting` (POSKO_DATABASE_SCHEMA or POSKO_VIEWS_SCHEMA) names when it
    does not exist yet (eventsourcing and the views create their tables in it but not the schema
    itself); a schema that cannot be created stops start-up with one line naming the setting."""
    try:
        with psycopg.connect(database_url, connect_timeout=10, autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)
            ).fetchone()
            if exists is None:
                conn.execute(SQL("CREATE SCHEMA IF NOT EXISTS {}").format(Identifier(schema)))
    except psycopg.OperationalError as error:
        reason = str(error).strip().splitlines()[-1] if str(error).strip() else type(error)
        raise StartupError(
            f"POSKO_DATABASE_URL: cannot connect to PostgreSQL ({reason})"
        ) from error
    except psycopg.Error as error:
        raise StartupError(
            f"{setting}={schema}: the schema does not exist and could not be "
            f"created ({type(error).__name__}: {str(error).strip().splitlines()[0]})"
        ) from error


def _url_problem(problem: str) -> str:
    # Never echo the URL: it may carry a password.
    return (
        f"POSKO_DATABASE_URL is not usable: {problem}. Accepted forms: empty (SQLite files "
        "in the data directory) or postgresql://user:password@host:port/dbname "
        "(postgres:// also accepted; host defaults to 127.0.0.1, port to 5432)"
    )


def _host(netloc: str) -> str:
    # Not SplitResult.hostname: it lower-cases, which breaks a percent-encoded socket
    # directory such as %2Fvar%2Frun%2FPostgreSQL.
    host = netloc.rpartition("@")[2]
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return unquote(host.partition(":")[0])


def _sqlite_file_key(db_name: str) -> str:
    # Different spellings of one file path must share listeners; URIs and in-memory
    # names are kept as they are.
    if db_name.startswith("file:") or SQLiteConnectionPool.detect_memory_mode(db_name):
        return db_name
    return os.path.realpath(db_name)
