"""Where views live: rows (JSON documents by channel and key), the position of the last event
applied, and an outbox of recent batches, all written in one transaction per batch.

The outbox lets a gateway catch a client up after a blip when the bus cannot, and lets the
runner republish batches the bus lost (a crash between commit and publish).
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import msgspec
import psycopg
from psycopg_pool import ConnectionPool

from projections.changes import Batch
from projections.rows import Doc, RowKey

OUTBOX_KEEP = 20_000  # batches kept for catch-up; older ones are pruned
PRUNE_EVERY = 500  # commits between prunes


class StalePosition(Exception):
    """A batch at or below the stored position: it was applied already (double apply refused)."""


class ViewStore(ABC):
    def __init__(self, *, outbox_keep: int = OUTBOX_KEEP, prune_every: int = PRUNE_EVERY) -> None:
        self.outbox_keep = outbox_keep
        self.prune_every = prune_every
        self._commits = 0

    @abstractmethod
    def position(self) -> int:
        """The notification id of the last event applied (0 when none)."""

    @abstractmethod
    def load(self, channel: str, key: str) -> Doc | None: ...

    @abstractmethod
    def commit(
        self, position: int, rows: dict[RowKey, Doc], batch: Batch, *, after: int | None = None
    ) -> None:
        """Write rows, the batch into the outbox, and the new position, atomically. With
        `after`, refuse (StalePosition) unless the stored position is exactly that one."""

    @abstractmethod
    def snapshot(self, channel: str, latest: int | None = None) -> tuple[int, list[Doc]]:
        """The channel's rows in key order (only the `latest` last ones, if given) and the
        position they are as of, read consistently."""

    @abstractmethod
    def page(
        self, channel: str, after: str, before: str, limit: int, *, descending: bool = False
    ) -> tuple[int, list[Doc]]:
        """Up to `limit` of the channel's rows whose keys lie strictly between `after` and
        `before` (byte order), first keys first (or last first), and their position."""

    @abstractmethod
    def batches_after(self, after: int, limit: int) -> list[Batch] | None:
        """Outbox batches with position > after, oldest first; None when some were pruned."""

    @abstractmethod
    def reset(self) -> None:
        """Drop every row, the outbox and the position (before a rebuild)."""

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def identity(self) -> str:
        """This store's identity, made (random) the first time it is asked for."""

    @abstractmethod
    def renew_identity(self) -> str:
        """Give the store a new identity (it was restored from a backup) and return it."""

    def _should_prune(self) -> bool:
        self._commits += 1
        return self._commits % self.prune_every == 0


_TABLES = (
    "CREATE TABLE IF NOT EXISTS view_rows (channel TEXT NOT NULL, key TEXT NOT NULL, "
    "doc TEXT NOT NULL, PRIMARY KEY (channel, key))",
    "CREATE TABLE IF NOT EXISTS view_outbox (position BIGINT PRIMARY KEY, batch TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS view_meta (name TEXT PRIMARY KEY, value BIGINT NOT NULL)",
    # The store's identity: not a view, so a rebuild keeps it; a restore brings an old one back,
    # which the projector replaces when it finds the bus ahead of the store.
    "CREATE TABLE IF NOT EXISTS store_identity (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
)


def _dumps(doc: Doc) -> str:
    # msgspec, not json: a rebuild writes a row or two per event, and json.dumps and loads
    # were a tenth of its time. The text means the same (compact, UTF-8, keys in order).
    return msgspec.json.encode(doc).decode()


def _loads(text: str) -> Doc:
    doc: Doc = msgspec.json.decode(text)
    return doc


class SQLiteViewStore(ViewStore):
    """Views in their own SQLite file (WAL), apart from the events so the writers never queue."""

    def __init__(
        self, path: Path, *, outbox_keep: int = OUTBOX_KEEP, prune_every: int = PRUNE_EVERY
    ) -> None:
        super().__init__(outbox_keep=outbox_keep, prune_every=prune_every)
        self.path = path
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        with self._transaction(write=True) as c:
            for statement in _TABLES:
                c.execute(statement)

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=10000")
            self._local.conn = conn
            with self._all_lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[sqlite3.Cursor]:
        conn = self._connection()
        cursor = conn.cursor()
        cursor.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield cursor
        except BaseException:
            cursor.execute("ROLLBACK")
            raise
        else:
            cursor.execute("COMMIT")
        finally:
            cursor.close()

    def position(self) -> int:
        with self._transaction(write=False) as c:
            return self._position(c)

    @staticmethod
    def _position(c: sqlite3.Cursor) -> int:
        row = c.execute("SELECT value FROM view_meta WHERE name='position'").fetchone()
        return int(row[0]) if row else 0

    def load(self, channel: str, key: str) -> Doc | None:
        row = (
            self._connection()
            .execute("SELECT doc FROM view_rows WHERE channel=? AND key=?", (channel, key))
            .fetchone()
        )
        return None if row is None else _loads(row[0])

    def commit(
        self, position: int, rows: dict[RowKey, Doc], batch: Batch, *, after: int | None = None
    ) -> None:
        with self._transaction(write=True) as c:
            stored = self._position(c)
            if stored >= position or (after is not None and stored != after):
                raise StalePosition(position)
            c.executemany(
                "INSERT INTO view_rows (channel, key, doc) VALUES (?, ?, ?) "
                "ON CONFLICT (channel, key) DO UPDATE SET doc=excluded.doc",
                [(ch, key, _dumps(doc)) for (ch, key), doc in rows.items()],
            )
            if batch.changes:
                c.execute(
                    "INSERT INTO view_outbox (position, batch) VALUES (?, ?)",
                    (position, batch.to_json()),
                )
            c.execute(
                "INSERT INTO view_meta (name, value) VALUES ('position', ?) "
                "ON CONFLICT (name) DO UPDATE SET value=excluded.value",
                (position,),
            )
            if self._should_prune():
                self._prune(c)

    def _prune(self, c: sqlite3.Cursor) -> None:
        row = c.execute(
            "SELECT position FROM view_outbox ORDER BY position DESC LIMIT 1 OFFSET ?",
            (self.outbox_keep,),
        ).fetchone()
        if row is not None:
            c.execute("DELETE FROM view_outbox WHERE position <= ?", (row[0],))
            c.execute(
                "INSERT INTO view_meta (name, value) VALUES ('outbox_floor', ?) "
                "ON CONFLICT (name) DO UPDATE SET value=excluded.value",
                (row[0],),
            )

    def snapshot(self, channel: str, latest: int | None = None) -> tuple[int, list[Doc]]:
        with self._transaction(write=False) as c:
            position = self._position(c)
            docs = [
                _loads(r[0])
                for r in c.execute(
                    "SELECT doc FROM view_rows WHERE channel=? ORDER BY key DESC LIMIT ?",
                    (channel, -1 if latest is None else latest),
                )
            ]
        return position, docs[::-1]

    def page(
        self, channel: str, after: str, before: str, limit: int, *, descending: bool = False
    ) -> tuple[int, list[Doc]]:
        order = "DESC" if descending else "ASC"
        with self._transaction(write=False) as c:
            position = self._position(c)
            docs = [
                _loads(r[0])
                for r in c.execute(
                    "SELECT doc FROM view_rows WHERE channel=? AND key>? AND key<? "
                    f"ORDER BY key {order} LIMIT ?",
                    (channel, after, before, limit),
                )
            ]
        return position, docs

    def batches_after(self, after: int, limit: int) -> list[Batch] | None:
        with self._transaction(write=False) as c:
            floor = c.execute("SELECT value FROM view_meta WHERE name='outbox_floor'").fetchone()
            if floor is not None and after < floor[0]:
                return None
            return [
                Batch.from_json(r[0])
                for r in c.execute(
                    "SELECT batch FROM view_outbox WHERE position > ? ORDER BY position LIMIT ?",
                    (after, limit),
                )
            ]

    def reset(self) -> None:
        with self._transaction(write=True) as c:
            for table in ("view_rows", "view_outbox", "view_meta"):
                c.execute(f"DELETE FROM {table}")

    def identity(self) -> str:
        with self._transaction(write=False) as c:
            row = c.execute("SELECT value FROM store_identity WHERE name='identity'").fetchone()
        if row is not None:
            return str(row[0])
        with self._transaction(write=True) as c:
            c.execute(
                "INSERT INTO store_identity (name, value) VALUES ('identity', ?) "
                "ON CONFLICT (name) DO NOTHING",
                (uuid.uuid4().hex,),
            )
            row = c.execute("SELECT value FROM store_identity WHERE name='identity'").fetchone()
        return str(row[0])

    def renew_identity(self) -> str:
        identity = uuid.uuid4().hex
        with self._transaction(write=True) as c:
            c.execute(
                "INSERT INTO store_identity (name, value) VALUES ('identity', ?) "
                "ON CONFLICT (name) DO UPDATE SET value=excluded.value",
                (identity,),
            )
        return identity

    def close(self) -> None:
        with self._all_lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()


class PostgresViewStore(ViewStore):
    """Views in PostgreSQL beside the events, for the scaled deployment."""

    def __init__(
        self,
        url: str,
        *,
        schema: str = "public",
        outbox_keep: int = OUTBOX_KEEP,
        prune_every: int = PRUNE_EVERY,
    ) -> None:
        super().__init__(outbox_keep=outbox_keep, prune_every=prune_every)
        self._pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            url,
            min_size=1,
            max_size=10,
            kwargs={"options": f"-c search_path={schema}", "connect_timeout": 5},
            # After a database restart pooled connections are dead: check each before use.
            check=ConnectionPool.check_connection,
            timeout=10,
            open=True,
        )
        with self._pool.connection() as conn:
            for statement in _TABLES:
                conn.execute(statement)

    def position(self) -> int:
        with self._pool.connection() as conn:
            return self._position(conn)

    @staticmethod
    def _position(conn: psycopg.Connection[Any], *, lock: bool = False) -> int:
        sql = "SELECT value FROM view_meta WHERE name='position'" + (" FOR UPDATE" if lock else "")
        row = conn.execute(sql).fetchone()
        return int(row[0]) if row else 0

    def load(self, channel: str, key: str) -> Doc | None:
        with self._pool.connection() as conn:
            row = conn.execute(
                "SELECT doc FROM view_rows WHERE channel=%s AND key=%s", (channel, key)
            ).fetchone()
        return None if row is None else _loads(row[0])

    def commit(
        self, position: int, rows: dict[RowKey, Doc], batch: Batch, *, after: int | None = None
    ) -> None:
        with self._pool.connection() as conn, conn.transaction():
            conn.execute(
                "INSERT INTO view_meta (name, value) VALUES ('position', 0) "
                "ON CONFLICT (name) DO NOTHING"
            )
            stored = self._position(conn, lock=True)
            if stored >= position or (after is not None and stored != after):
                raise StalePosition(position)
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO view_rows (channel, key, doc) VALUES (%s, %s, %s) "
                    "ON CONFLICT (channel, key) DO UPDATE SET doc=excluded.doc",
                    [(ch, key, _dumps(doc)) for (ch, key), doc in rows.items()],
                )
            if batch.changes:
                conn.execute(
                    "INSERT INTO view_outbox (position, batch) VALUES (%s, %s)",
                    (position, batch.to_json()),
                )
            conn.execute("UPDATE view_meta SET value=%s WHERE name='position'", (position,))
            if self._should_prune():
                row = conn.execute(
                    "SELECT position FROM view_outbox ORDER BY position DESC LIMIT 1 OFFSET %s",
                    (self.outbox_keep,),
                ).fetchone()
                if row is not None:
                    conn.execute("DELETE FROM view_outbox WHERE position <= %s", (row[0],))
                    conn.execute(
                        "INSERT INTO view_meta (name, value) VALUES ('outbox_floor', %s) "
                        "ON CONFLICT (name) DO UPDATE SET value=excluded.value",
                        (row[0],),
                    )

    def snapshot(self, channel: str, latest: int | None = None) -> tuple[int, list[Doc]]:
        with self._pool.connection() as conn:
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            try:
                with conn.transaction():
                    position = self._position(conn)
                    docs = [
                        _loads(r[0])
                        for r in conn.execute(
                            "SELECT doc FROM view_rows WHERE channel=%s "
                            'ORDER BY key COLLATE "C" DESC LIMIT %s',
                            (channel, latest),
                        )
                    ]
            finally:
                conn.isolation_level = None
        return position, docs[::-1]

    def page(
        self, channel: str, after: str, before: str, limit: int, *, descending: bool = False
    ) -> tuple[int, list[Doc]]:
        order = "DESC" if descending else "ASC"
        with self._pool.connection() as conn:
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            try:
                with conn.transaction():
                    position = self._position(conn)
                    docs = [
                        _loads(r[0])
                        for r in conn.execute(
                            'SELECT doc FROM view_rows WHERE channel=%s AND key COLLATE "C" > %s '
                            f'AND key COLLATE "C" < %s ORDER BY key COLLATE "C" {order} LIMIT %s',
                            (channel, after, before, limit),
                        )
                    ]
            finally:
                conn.isolation_level = None
        return position, docs

    def batches_after(self, after: int, limit: int) -> list[Batch] | None:
        with self._pool.connection() as conn:
            batches = [
                Batch.from_json(r[0])
                for r in conn.execute(
                    "SELECT batch FROM view_outbox WHERE position > %s ORDER BY position LIMIT %s",
                    (after, limit),
                )
            ]
            # Read the floor after the rows: a prune in between then shows up here.
            floor = conn.execute("SELECT value FROM view_meta WHERE name='outbox_floor'").fetchone()
        return None if floor is not None and after < floor[0] else batches

    def reset(self) -> None:
        with self._pool.connection() as conn, conn.transaction():
            conn.execute("TRUNCATE view_rows, view_outbox, view_meta")

    def identity(self) -> str:
        with self._pool.connection() as conn:
            row = conn.execute("SELECT value FROM store_identity WHERE name='identity'").fetchone()
        if row is not None:
            return str(row[0])
        with self._pool.connection() as conn, conn.transaction():
            conn.execute(
                "INSERT INTO store_identity (name, value) VALUES ('identity', %s) "
                "ON CONFLICT (name) DO NOTHING",
                (uuid.uuid4().hex,),
            )
            row = conn.execute("SELECT value FROM store_identity WHERE name='identity'").fetchone()
        assert row is not None
        return str(row[0])

    def renew_identity(self) -> str:
        identity = uuid.uuid4().hex
        with self._pool.connection() as conn, conn.transaction():
            conn.execute(
                "INSERT INTO store_identity (name, value) VALUES ('identity', %s) "
                "ON CONFLICT (name) DO UPDATE SET value=excluded.value",
                (identity,),
            )
        return identity

    def close(self) -> None:
        self._pool.close()
