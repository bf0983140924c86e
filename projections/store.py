"""Where views live: rows (JSON documents by channel and key), the position of the last event
applied, an outbox of recent batches and the time-travel checkpoints, all written in one
transaction per batch.

The outbox lets a gateway catch a client up after a blip when the bus cannot, and lets the
runner republish batches the bus lost (a crash between commit and publish).

Checkpoints (see projections/checkpoints.py) are derived data like the rows: `view_checkpoints`
holds one line per checkpoint, `view_history` the rows as they stood at each one. A checkpoint
holds only the rows changed since the one before, encoded as the live rows are; a row as of
checkpoint P is its latest history entry at or before P. `view_history_keys` lists, for each
channel changed in a segment, its keys at the checkpoint (the latest ones only, for channels whose
snapshots carry only those), so a read finds a channel's rows without scanning their versions.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import psycopg
from psycopg_pool import ConnectionPool

from projections.changes import Batch
from projections.rows import Doc, RowKey

RowKeyDoc = tuple[str, Doc]  # a row's key and document

OUTBOX_KEEP = 20_000  # batches kept for catch-up; older ones are pruned
PRUNE_EVERY = 500  # commits between prunes


class StalePosition(Exception):
    """A batch at or below the stored position: it was applied already (double apply refused)."""


@dataclass(frozen=True)
class Checkpoint:
    """The views as they stood after the event at `position`: the segment of the log it closes
    is (start, position]. Times are microseconds since the epoch: `low_us` the earliest event
    time in the segment, `high_us` the latest of every event up to `position` (event times are
    not in position order, so a checkpoint serves a moment only if high_us <= that moment), and
    `times` each event of the segment with its time, packed (see checkpoints.pack_times).
    `identity` and `version` are the store's identity and the views' version it was made under,
    `event` the id of the event at `position` ("originator/version"): a reader trusts it only if
    all three still hold."""

    position: int
    start: int
    events: int
    low_us: int
    high_us: int
    identity: str
    version: int
    event: str
    times: bytes


@dataclass(frozen=True)
class CheckpointWrite:
    """A checkpoint to make with a batch, and its rows: `rows` (channel, key, encoded doc), or,
    with `everything`, a copy of every live row as it stood before the batch (the checkpoint is
    then at the batch's start); `everything` starts a new chain and drops the old one."""

    checkpoint: Checkpoint
    rows: Sequence[tuple[str, str, str]]
    everything: bool
    keys: Sequence[tuple[str, list[str]]] = ()  # (channel, its keys at the checkpoint)


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
        self,
        position: int,
        rows: dict[RowKey, Doc],
        batch: Batch,
        *,
        after: int | None = None,
        checkpoints: Sequence[CheckpointWrite] = (),
    ) -> None:
        """Write rows, the batch into the outbox, and the new position, atomically. With
        `after`, refuse (StalePosition) unless the stored position is exactly that one. The
        `checkpoints` are made in the same transaction."""

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
        """Drop every row, the outbox, the checkpoints and the position (before a rebuild); the
        empty views are of this code's VERSION."""

    @abstractmethod
    def version(self) -> int:
        """The VERSION of the code that made these views (see the runner's start)."""

    # -- checkpoints (read by time travel and by the runner when it starts) --------------------

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Reads of checkpoints and history inside it share one connection (a replay makes
        hundreds of small ones)."""
        yield

    @abstractmethod
    def last_checkpoint(self, *, high_at_most: int | None = None) -> Checkpoint | None:
        """The last checkpoint (of those whose high_us <= high_at_most, if given)."""

    @abstractmethod
    def checkpoints_after(self, position: int, *, low_at_most: int) -> list[Checkpoint]:
        """Checkpoints after `position` whose segment holds an event at or before low_at_most
        (low_us <= it), in position order."""

    @abstractmethod
    def history_row(self, channel: str, key: str, position: int) -> Doc | None:
        """The row as it stood at the checkpoint at `position`."""

    @abstractmethod
    def history_rows(self, channel: str, position: int, latest: int | None) -> list[RowKeyDoc]:
        """The channel's rows (key, doc) in key order as they stood at the checkpoint at
        `position` (only the `latest` last ones, if given), found by scanning their versions."""

    @abstractmethod
    def history_keys(self, channel: str, position: int) -> list[str] | None:
        """The channel's keys listed at the last checkpoint at or before `position` that
        listed them (None: none did)."""

    @abstractmethod
    def history_docs(self, channel: str, keys: Sequence[str], position: int) -> dict[str, Doc]:
        """The rows with these keys as they stood at the checkpoint at `position`."""

    @abstractmethod
    def row_keys(self, wanted: Sequence[tuple[str, int | None]]) -> dict[str, list[str]]:
        """The live rows' keys of each channel (the `latest` last ones, if given) in key order,
        by channel, for (channel, latest) pairs."""

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


# What the views' rows hold: bump it with a change that needs a rebuild, and the projector
# rebuilds views of an older version before it projects (a newer one it refuses). 2: the arrears
# rows sum dues by month and day instead of listing every payment.
VERSION = 2

_CHECKPOINT_COLUMNS = "position, start, events, low_us, high_us, identity, version, event, times"

_TABLES = (
    "CREATE TABLE IF NOT EXISTS view_rows (channel TEXT NOT NULL, key TEXT NOT NULL, "
    "doc TEXT NOT NULL, PRIMARY KEY (channel, key))",
    "CREATE TABLE IF NOT EXISTS view_outbox (position BIGINT PRIMARY KEY, batch TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS view_meta (name TEXT PRIMARY KEY, value BIGINT NOT NULL)",
    # The store's identity: not a view, so a rebuild keeps it; a restore brings an old one back,
    # which the projector replaces when it finds the bus ahead of the store.
    "CREATE TABLE IF NOT EXISTS store_identity (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
)
# Views made before versions were recorded hold version 1; a new (empty) store holds this one.
_RECORD_VERSION = (
    "INSERT INTO view_meta (name, value) SELECT 'version', CASE WHEN EXISTS "
    "(SELECT 1 FROM view_meta WHERE name = 'position') THEN 1 ELSE "
    f"{VERSION} END WHERE NOT EXISTS (SELECT 1 FROM view_meta WHERE name = 'version') "
    "ON CONFLICT (name) DO NOTHING"
)
_VERSION = "SELECT value FROM view_meta WHERE name = 'version'"
_CHECKPOINTS = (
    "CREATE TABLE IF NOT EXISTS view_checkpoints (position BIGINT PRIMARY KEY, "
    "start BIGINT NOT NULL, events BIGINT NOT NULL, low_us BIGINT NOT NULL, "
    "high_us BIGINT NOT NULL, identity TEXT NOT NULL, version BIGINT NOT NULL, "
    "event TEXT NOT NULL, times {blob} NOT NULL)"
)
# The history is read in key order like the rows; PostgreSQL keys it in the "C" collation so
# that order (Python's, SQLite's) comes from the index.
_HISTORY_KEYS = (
    "CREATE TABLE IF NOT EXISTS view_history_keys (channel TEXT NOT NULL, "
    "position BIGINT NOT NULL, keys TEXT NOT NULL, PRIMARY KEY (channel, position))"
)
_SQLITE_HISTORY = (
    "CREATE TABLE IF NOT EXISTS view_history (channel TEXT NOT NULL, key TEXT NOT NULL, "
    "position BIGINT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (channel, key, position))"
)
_POSTGRES_HISTORY = (
    "CREATE TABLE IF NOT EXISTS view_history (channel TEXT NOT NULL, "
    'key TEXT COLLATE "C" NOT NULL, position BIGINT NOT NULL, doc TEXT NOT NULL, '
    "PRIMARY KEY (channel, key, position))"
)


def _checkpoint(row: Any) -> Checkpoint:
    return Checkpoint(
        int(row[0]), int(row[1]), int(row[2]), int(row[3]), int(row[4]), str(row[5]),
        int(row[6]), str(row[7]), bytes(row[8]),
    )  # fmt: skip


def _checkpoint_values(c: Checkpoint) -> tuple[Any, ...]:
    return (
        c.position, c.start, c.events, c.low_us, c.high_us, c.identity, c.version, c.event,
        c.times,
    )  # fmt: skip


def dumps(doc: Doc) -> str:
    """A row as the stores write it (and a checkpoint keeps it)."""
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
            for statement in (
                *_TABLES,
                _CHECKPOINTS.format(blob="BLOB"),
                _SQLITE_HISTORY,
                _HISTORY_KEYS,
                _RECORD_VERSION,
            ):
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
        self,
        position: int,
        rows: dict[RowKey, Doc],
        batch: Batch,
        *,
        after: int | None = None,
        checkpoints: Sequence[CheckpointWrite] = (),
    ) -> None:
        with self._transaction(write=True) as c:
            stored = self._position(c)
            if stored >= position or (after is not None and stored != after):
                raise StalePosition(position)
            for write in checkpoints:  # before the rows: `everything` copies them as they were
                self._make_checkpoint(c, write)
            c.executemany(
                "INSERT INTO view_rows (channel, key, doc) VALUES (?, ?, ?) "
                "ON CONFLICT (channel, key) DO UPDATE SET doc=excluded.doc",
                [(ch, key, dumps(doc)) for (ch, key), doc in rows.items()],
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

    @staticmethod
    def _make_checkpoint(c: sqlite3.Cursor, write: CheckpointWrite) -> None:
        position = write.checkpoint.position
        if write.everything:
            for table in ("view_checkpoints", "view_history", "view_history_keys"):
                c.execute(f"DELETE FROM {table}")
            c.execute(
                "INSERT INTO view_history (channel, key, position, doc) "
                "SELECT channel, key, ?, doc FROM view_rows",
                (position,),
            )
        c.executemany(
            "INSERT INTO view_history (channel, key, position, doc) VALUES (?, ?, ?, ?)",
            [(channel, key, position, doc) for channel, key, doc in write.rows],
        )
        c.executemany(
            "INSERT INTO view_history_keys (channel, position, keys) VALUES (?, ?, ?)",
            [(channel, position, json.dumps(keys)) for channel, keys in write.keys],
        )
        c.execute(
            f"INSERT INTO view_checkpoints ({_CHECKPOINT_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            _checkpoint_values(write.checkpoint),
        )

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
            for table in (
                "view_rows", "view_outbox", "view_meta", "view_checkpoints", "view_history",
                "view_history_keys",
            ):  # fmt: skip
                c.execute(f"DELETE FROM {table}")
            c.execute(_RECORD_VERSION)

    def version(self) -> int:
        with self._transaction(write=False) as c:
            return int(c.execute(_VERSION).fetchone()[0])

    def last_checkpoint(self, *, high_at_most: int | None = None) -> Checkpoint | None:
        sql = f"SELECT {_CHECKPOINT_COLUMNS} FROM view_checkpoints"
        if high_at_most is None:
            row = self._connection().execute(f"{sql} ORDER BY position DESC LIMIT 1").fetchone()
        else:
            row = (
                self._connection()
                .execute(
                    f"{sql} WHERE high_us <= ? ORDER BY position DESC LIMIT 1", (high_at_most,)
                )
                .fetchone()
            )
        return None if row is None else _checkpoint(row)

    def checkpoints_after(self, position: int, *, low_at_most: int) -> list[Checkpoint]:
        return [
            _checkpoint(row)
            for row in self._connection().execute(
                f"SELECT {_CHECKPOINT_COLUMNS} FROM view_checkpoints "
                "WHERE position > ? AND low_us <= ? ORDER BY position",
                (position, low_at_most),
            )
        ]

    def history_row(self, channel: str, key: str, position: int) -> Doc | None:
        row = (
            self._connection()
            .execute(
                "SELECT doc FROM view_history WHERE channel=? AND key=? AND position<=? "
                "ORDER BY position DESC LIMIT 1",
                (channel, key, position),
            )
            .fetchone()
        )
        return None if row is None else _loads(row[0])

    def history_rows(self, channel: str, position: int, latest: int | None) -> list[RowKeyDoc]:
        # Walks the index backwards and stops after `latest` keys (a GROUP BY would read all).
        rows = self._connection().execute(
            "SELECT key, doc FROM view_history h WHERE channel=? AND position = ("
            "SELECT MAX(position) FROM view_history "
            "WHERE channel=h.channel AND key=h.key AND position<=?) "
            "ORDER BY key DESC LIMIT ?",
            (channel, position, -1 if latest is None else latest),
        )
        return [(str(key), _loads(doc)) for key, doc in rows][::-1]

    def history_keys(self, channel: str, position: int) -> list[str] | None:
        row = (
            self._connection()
            .execute(
                "SELECT keys FROM view_history_keys WHERE channel=? AND position<=? "
                "ORDER BY position DESC LIMIT 1",
                (channel, position),
            )
            .fetchone()
        )
        return None if row is None else list(json.loads(row[0]))

    def history_docs(self, channel: str, keys: Sequence[str], position: int) -> dict[str, Doc]:
        rows = self._connection().execute(
            "SELECT j.value, (SELECT doc FROM view_history WHERE channel=? AND key=j.value "
            "AND position<=? ORDER BY position DESC LIMIT 1) FROM json_each(?) j",
            (channel, position, json.dumps(list(keys))),
        )
        return {str(key): _loads(doc) for key, doc in rows if doc is not None}

    def row_keys(self, wanted: Sequence[tuple[str, int | None]]) -> dict[str, list[str]]:
        conn = self._connection()
        return {
            channel: [
                str(key)
                for (key,) in conn.execute(
                    "SELECT key FROM view_rows WHERE channel=? ORDER BY key DESC LIMIT ?",
                    (channel, -1 if latest is None else latest),
                )
            ][::-1]
            for channel, latest in wanted
        }

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
        self._local = threading.local()
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
            for statement in (
                *_TABLES,
                _CHECKPOINTS.format(blob="BYTEA"),
                _POSTGRES_HISTORY,
                _HISTORY_KEYS,
                _RECORD_VERSION,
            ):
                conn.execute(statement)

    def position(self) -> int:
        with self._pool.connection() as conn:
            return self._position(conn)

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self._pool.connection() as conn:
            self._local.conn = conn
            try:
                yield
            finally:
                self._local.conn = None

    @contextmanager
    def _reading(self) -> Iterator[psycopg.Connection[Any]]:
        """The connection `reading` holds for this thread, else one from the pool."""
        held: psycopg.Connection[Any] | None = getattr(self._local, "conn", None)
        if held is not None:
            yield held
            return
        with self._pool.connection() as conn:
            yield conn

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
        self,
        position: int,
        rows: dict[RowKey, Doc],
        batch: Batch,
        *,
        after: int | None = None,
        checkpoints: Sequence[CheckpointWrite] = (),
    ) -> None:
        with self._pool.connection() as conn, conn.transaction():
            conn.execute(
                "INSERT INTO view_meta (name, value) VALUES ('position', 0) "
                "ON CONFLICT (name) DO NOTHING"
            )
            stored = self._position(conn, lock=True)
            if stored >= position or (after is not None and stored != after):
                raise StalePosition(position)
            for write in checkpoints:  # before the rows: `everything` copies them as they were
                self._make_checkpoint(conn, write)
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO view_rows (channel, key, doc) VALUES (%s, %s, %s) "
                    "ON CONFLICT (channel, key) DO UPDATE SET doc=excluded.doc",
                    [(ch, key, dumps(doc)) for (ch, key), doc in rows.items()],
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

    @staticmethod
    def _make_checkpoint(conn: psycopg.Connection[Any], write: CheckpointWrite) -> None:
        position = write.checkpoint.position
        if write.everything:
            conn.execute("TRUNCATE view_checkpoints, view_history, view_history_keys")
            conn.execute(
                "INSERT INTO view_history (channel, key, position, doc) "
                "SELECT channel, key, %s, doc FROM view_rows",
                (position,),
            )
        with conn.cursor() as cur:
            # COPY: a checkpoint holds hundreds of rows (executemany took ~0.1 ms a row).
            with cur.copy("COPY view_history (channel, key, position, doc) FROM STDIN") as copy:
                for channel, key, doc in write.rows:
                    copy.write_row((channel, key, position, doc))
            cur.executemany(
                "INSERT INTO view_history_keys (channel, position, keys) VALUES (%s, %s, %s)",
                [(channel, position, json.dumps(keys)) for channel, keys in write.keys],
            )
        conn.execute(
            f"INSERT INTO view_checkpoints ({_CHECKPOINT_COLUMNS}) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            _checkpoint_values(write.checkpoint),
        )

    def reset(self) -> None:
        with self._pool.connection() as conn, conn.transaction():
            conn.execute(
                "TRUNCATE view_rows, view_outbox, view_meta, view_checkpoints, view_history, "
                "view_history_keys"
            )
            conn.execute(_RECORD_VERSION)

    def version(self) -> int:
        with self._pool.connection() as conn:
            row = conn.execute(_VERSION).fetchone()
            assert row is not None
            return int(row[0])

    def last_checkpoint(self, *, high_at_most: int | None = None) -> Checkpoint | None:
        sql = f"SELECT {_CHECKPOINT_COLUMNS} FROM view_checkpoints"
        with self._reading() as conn:
            if high_at_most is None:
                row = conn.execute(f"{sql} ORDER BY position DESC LIMIT 1").fetchone()
            else:
                row = conn.execute(
                    f"{sql} WHERE high_us <= %s ORDER BY position DESC LIMIT 1", (high_at_most,)
                ).fetchone()
        return None if row is None else _checkpoint(row)

    def checkpoints_after(self, position: int, *, low_at_most: int) -> list[Checkpoint]:
        with self._reading() as conn:
            rows = conn.execute(
                f"SELECT {_CHECKPOINT_COLUMNS} FROM view_checkpoints "
                "WHERE position > %s AND low_us <= %s ORDER BY position",
                (position, low_at_most),
            ).fetchall()
        return [_checkpoint(row) for row in rows]

    def history_row(self, channel: str, key: str, position: int) -> Doc | None:
        with self._reading() as conn:
            row = conn.execute(
                "SELECT doc FROM view_history WHERE channel=%s AND key=%s AND position<=%s "
                "ORDER BY position DESC LIMIT 1",
                (channel, key, position),
            ).fetchone()
        return None if row is None else _loads(row[0])

    def history_rows(self, channel: str, position: int, latest: int | None) -> list[RowKeyDoc]:
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT DISTINCT ON (key) key, doc FROM view_history "
                "WHERE channel=%s AND position<=%s ORDER BY key DESC, position DESC LIMIT %s",
                (channel, position, latest),
            ).fetchall()
        return [(str(key), _loads(doc)) for key, doc in rows][::-1]

    def history_keys(self, channel: str, position: int) -> list[str] | None:
        with self._reading() as conn:
            row = conn.execute(
                "SELECT keys FROM view_history_keys WHERE channel=%s AND position<=%s "
                "ORDER BY position DESC LIMIT 1",
                (channel, position),
            ).fetchone()
        return None if row is None else list(json.loads(row[0]))

    def history_docs(self, channel: str, keys: Sequence[str], position: int) -> dict[str, Doc]:
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT k.key, (SELECT doc FROM view_history WHERE channel=%s AND key=k.key "
                "AND position<=%s ORDER BY position DESC LIMIT 1) "
                "FROM unnest(%s::text[]) AS k(key)",
                (channel, position, list(keys)),
            ).fetchall()
        return {str(key): _loads(doc) for key, doc in rows if doc is not None}

    def row_keys(self, wanted: Sequence[tuple[str, int | None]]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        with self._pool.connection() as conn:
            for channel, latest in wanted:
                rows = conn.execute(
                    "SELECT key FROM view_rows WHERE channel=%s "
                    'ORDER BY key COLLATE "C" DESC LIMIT %s',
                    (channel, latest),
                ).fetchall()
                out[channel] = [str(key) for (key,) in rows][::-1]
        return out

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
