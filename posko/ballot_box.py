"""The ballot box on SQLite and PostgreSQL (the port is core/ballot_box.py).

What each backend does so that no stored field, order or timestamp pairs a voter with a choice:
- Three tables keyed by the vote and a random or voter-independent key: roll_marks (who voted,
  the day only), ballots (random 16-byte id, choice), receipts (receipt hash). No sequence, no
  time column, no foreign key between them. A delegate of weight w casts w unit ballots, so a
  rare weight never marks a ballot.
- SQLite: WITHOUT ROWID tables (a row's place in the file follows its key, not when it came),
  a rollback journal instead of WAL (WAL frames would keep every cast's pages in order until a
  checkpoint), and secure_delete (freed rows are zeroed, not left in free pages).
- PostgreSQL: every row carries xmin, the id of the transaction that wrote it, readable by any
  `SELECT xmin`; a cast's mark and ballot share one transaction, hence one xmin. So each cast
  rewrites its vote's ballots, receipts and marks, in key order: every live row of an open vote
  then carries the latest cast's xmin, and the physical order follows the keys. Casts of one
  vote are serialised on the box row. Old row versions stay in the table file until VACUUM
  (readable only by a superuser with pageinspect) and in the write-ahead log; purge() deletes
  and VACUUMs. See README, "Secret ballot", for what this does not protect against.
"""

from __future__ import annotations

import logging
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
from psycopg_pool import ConnectionPool

from core.ballot_box import AlreadyVoted, BoxClosed, ReceiptTaken, SealedBox

log = logging.getLogger("posko.votes")

_SQLITE_TABLES = (
    "CREATE TABLE IF NOT EXISTS box_votes (vote_id TEXT PRIMARY KEY, open INTEGER NOT NULL)"
    " WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS roll_marks (vote_id TEXT NOT NULL, person_id TEXT NOT NULL,"
    " voted_on TEXT NOT NULL, PRIMARY KEY (vote_id, person_id)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS ballots (vote_id TEXT NOT NULL, ballot_id BLOB NOT NULL,"
    " choice INTEGER NOT NULL, PRIMARY KEY (vote_id, ballot_id)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS receipts (vote_id TEXT NOT NULL, receipt_hash TEXT NOT NULL,"
    " PRIMARY KEY (vote_id, receipt_hash)) WITHOUT ROWID",
)


class SQLiteBallotBox:
    """The box in its own SQLite file (`ballots.db` in the data directory)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        with self._transaction() as c:
            for statement in _SQLITE_TABLES:
                c.execute(statement)

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            mode = conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
            if mode != "delete":
                raise RuntimeError(f"ballot box must not run in journal mode {mode}")
            conn.execute("PRAGMA secure_delete=ON")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
            with self._all_lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Cursor]:
        cursor = self._connection().cursor()
        cursor.execute("BEGIN IMMEDIATE")
        try:
            yield cursor
        except BaseException:
            cursor.execute("ROLLBACK")
            raise
        else:
            cursor.execute("COMMIT")
        finally:
            cursor.close()

    def open(self, vote_id: UUID) -> None:
        with self._transaction() as c:
            c.execute("INSERT OR IGNORE INTO box_votes VALUES (?, 1)", (str(vote_id),))

    def cast(
        self,
        vote_id: UUID,
        *,
        person_id: str,
        choice: int,
        weight: int,
        receipt_hash: str,
        on: date,
    ) -> int:
        v = str(vote_id)
        with self._transaction() as c:
            row = c.execute("SELECT open FROM box_votes WHERE vote_id=?", (v,)).fetchone()
            if row is None or not row[0]:
                raise BoxClosed(v)
            try:
                c.execute("INSERT INTO roll_marks VALUES (?, ?, ?)", (v, person_id, on.isoformat()))
            except sqlite3.IntegrityError:
                raise AlreadyVoted(v) from None
            c.executemany(
                "INSERT INTO ballots VALUES (?, ?, ?)",
                [(v, secrets.token_bytes(16), choice) for _ in range(weight)],
            )
            try:
                c.execute("INSERT INTO receipts VALUES (?, ?)", (v, receipt_hash))
            except sqlite3.IntegrityError:
                raise ReceiptTaken(v) from None
            return int(
                c.execute("SELECT count(*) FROM roll_marks WHERE vote_id=?", (v,)).fetchone()[0]
            )

    def has_voted(self, vote_id: UUID, person_id: str) -> bool:
        row = (
            self._connection()
            .execute(
                "SELECT 1 FROM roll_marks WHERE vote_id=? AND person_id=?",
                (str(vote_id), person_id),
            )
            .fetchone()
        )
        return row is not None

    def has_receipt(self, vote_id: UUID, receipt_hash: str) -> bool:
        row = (
            self._connection()
            .execute(
                "SELECT 1 FROM receipts WHERE vote_id=? AND receipt_hash=?",
                (str(vote_id), receipt_hash),
            )
            .fetchone()
        )
        return row is not None

    def turnout(self, vote_id: UUID) -> int:
        row = (
            self._connection()
            .execute("SELECT count(*) FROM roll_marks WHERE vote_id=?", (str(vote_id),))
            .fetchone()
        )
        return int(row[0])

    def seal(self, vote_id: UUID) -> SealedBox:
        v = str(vote_id)
        with self._transaction() as c:
            c.execute("UPDATE box_votes SET open=0 WHERE vote_id=?", (v,))
            voted = [
                r[0]
                for r in c.execute(
                    "SELECT person_id FROM roll_marks WHERE vote_id=? ORDER BY person_id", (v,)
                )
            ]
            ballots = [
                int(r[0])
                for r in c.execute(
                    "SELECT choice FROM ballots WHERE vote_id=? ORDER BY ballot_id", (v,)
                )
            ]
            receipts = [
                r[0]
                for r in c.execute(
                    "SELECT receipt_hash FROM receipts WHERE vote_id=? ORDER BY receipt_hash", (v,)
                )
            ]
        return SealedBox(voted=voted, ballots=ballots, receipts=receipts)

    def purge(self, vote_id: UUID) -> None:
        v = str(vote_id)
        with self._transaction() as c:
            for table in ("ballots", "receipts", "roll_marks"):
                c.execute(f"DELETE FROM {table} WHERE vote_id=?", (v,))

    def close(self) -> None:
        with self._all_lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()


_PG_TABLES = (
    "CREATE TABLE IF NOT EXISTS box_votes (vote_id uuid PRIMARY KEY, open boolean NOT NULL)",
    "CREATE TABLE IF NOT EXISTS roll_marks (vote_id uuid NOT NULL, person_id text NOT NULL,"
    " voted_on date NOT NULL, PRIMARY KEY (vote_id, person_id))",
    "CREATE TABLE IF NOT EXISTS ballots (vote_id uuid NOT NULL, ballot_id bytea NOT NULL,"
    " choice integer NOT NULL, PRIMARY KEY (vote_id, ballot_id))",
    "CREATE TABLE IF NOT EXISTS receipts (vote_id uuid NOT NULL, receipt_hash text NOT NULL,"
    " PRIMARY KEY (vote_id, receipt_hash))",
)


class PostgresBallotBox:
    """The box beside the events in PostgreSQL (the scaled deployment)."""

    def __init__(self, url: str, *, schema: str = "public") -> None:
        self._pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            url,
            min_size=1,
            max_size=4,
            kwargs={"options": f"-c search_path={schema}"},
            configure=_unlogged_statements,
            open=True,
        )
        with self._pool.connection() as conn:
            for statement in _PG_TABLES:
                conn.execute(statement)

    def open(self, vote_id: UUID) -> None:
        with self._pool.connection() as conn:
            conn.execute(
                "INSERT INTO box_votes VALUES (%s, true) ON CONFLICT (vote_id) DO NOTHING",
                (vote_id,),
            )

    def cast(
        self,
        vote_id: UUID,
        *,
        person_id: str,
        choice: int,
        weight: int,
        receipt_hash: str,
        on: date,
    ) -> int:
        with self._pool.connection() as conn, conn.transaction():
            row = conn.execute(
                "SELECT open FROM box_votes WHERE vote_id=%s FOR UPDATE", (vote_id,)
            ).fetchone()
            if row is None or not row[0]:
                raise BoxClosed(str(vote_id))
            if conn.execute(
                "SELECT 1 FROM roll_marks WHERE vote_id=%s AND person_id=%s", (vote_id, person_id)
            ).fetchone():
                raise AlreadyVoted(str(vote_id))
            if conn.execute(
                "SELECT 1 FROM receipts WHERE vote_id=%s AND receipt_hash=%s",
                (vote_id, receipt_hash),
            ).fetchone():
                raise ReceiptTaken(str(vote_id))
            ids = sorted(secrets.token_bytes(16) for _ in range(weight))
            _rewrite(
                conn,
                "roll_marks",
                "person_id, voted_on",
                "text, date",
                vote_id,
                [[person_id], [on]],
            )
            _rewrite(
                conn,
                "ballots",
                "ballot_id, choice",
                "bytea, integer",
                vote_id,
                [ids, [choice] * weight],
            )
            _rewrite(conn, "receipts", "receipt_hash", "text", vote_id, [[receipt_hash]])
            row = conn.execute(
                "SELECT count(*) FROM roll_marks WHERE vote_id=%s", (vote_id,)
            ).fetchone()
            return int(row[0]) if row else 0

    def has_voted(self, vote_id: UUID, person_id: str) -> bool:
        with self._pool.connection() as conn:
            return (
                conn.execute(
                    "SELECT 1 FROM roll_marks WHERE vote_id=%s AND person_id=%s",
                    (vote_id, person_id),
                ).fetchone()
                is not None
            )

    def has_receipt(self, vote_id: UUID, receipt_hash: str) -> bool:
        with self._pool.connection() as conn:
            return (
                conn.execute(
                    "SELECT 1 FROM receipts WHERE vote_id=%s AND receipt_hash=%s",
                    (vote_id, receipt_hash),
                ).fetchone()
                is not None
            )

    def turnout(self, vote_id: UUID) -> int:
        with self._pool.connection() as conn:
            row = conn.execute(
                "SELECT count(*) FROM roll_marks WHERE vote_id=%s", (vote_id,)
            ).fetchone()
        return int(row[0]) if row else 0

    def seal(self, vote_id: UUID) -> SealedBox:
        with self._pool.connection() as conn, conn.transaction():
            conn.execute("UPDATE box_votes SET open=false WHERE vote_id=%s", (vote_id,))
            voted = [
                r[0]
                for r in conn.execute(
                    "SELECT person_id FROM roll_marks WHERE vote_id=%s ORDER BY person_id",
                    (vote_id,),
                )
            ]
            ballots = [
                int(r[0])
                for r in conn.execute(
                    "SELECT choice FROM ballots WHERE vote_id=%s ORDER BY ballot_id", (vote_id,)
                )
            ]
            receipts = [
                r[0]
                for r in conn.execute(
                    "SELECT receipt_hash FROM receipts WHERE vote_id=%s ORDER BY receipt_hash",
                    (vote_id,),
                )
            ]
        return SealedBox(voted=voted, ballots=ballots, receipts=receipts)

    def purge(self, vote_id: UUID) -> None:
        with self._pool.connection() as conn:
            with conn.transaction():
                for table in ("ballots", "receipts", "roll_marks"):
                    conn.execute(f"DELETE FROM {table} WHERE vote_id=%s", (vote_id,))
            conn.autocommit = True
            try:  # drop the dead row versions the casts left behind
                conn.execute("VACUUM ballots, receipts, roll_marks")
            finally:
                conn.autocommit = False

    def close(self) -> None:
        self._pool.close()


# A server that logs statements with their parameters would write a cast's person id and its
# choice side by side; these settings turn that off for the box's sessions. Only a superuser
# may change them: otherwise the operator must (README, "Secret ballot").
_QUIET = ("log_statement = 'none'", "log_min_duration_statement = -1", "log_duration = off")


def _unlogged_statements(conn: psycopg.Connection[Any]) -> None:
    conn.autocommit = True
    try:
        for setting in _QUIET:
            try:
                conn.execute(f"SET {setting}")
            except psycopg.errors.InsufficientPrivilege:
                log.warning(
                    "ballot box: cannot SET %s (not a superuser); make sure the "
                    "PostgreSQL server does not log statements",
                    setting,
                )
    finally:
        conn.autocommit = False


def _rewrite(
    conn: psycopg.Connection[Any],
    table: str,
    columns: str,
    types: str,
    vote_id: UUID,
    new: list[list[Any]],
) -> None:
    """Delete the vote's rows and write them back with the new ones, all in key order, in one
    statement: every live row then carries this transaction's xmin, and their physical order
    follows the keys, so neither tells which row this cast added."""
    names = [c.strip() for c in columns.split(",")]
    kinds = [k.strip() for k in types.split(",")]
    arrays = ", ".join(f"%s::{k}[]" for k in kinds)
    conn.execute(
        f"WITH old AS (DELETE FROM {table} WHERE vote_id=%s RETURNING {columns}) "
        f"INSERT INTO {table} (vote_id, {columns}) "
        f"SELECT %s, {columns} FROM (SELECT {columns} FROM old UNION ALL "
        f"SELECT * FROM unnest({arrays}) AS n({columns})) AS t ORDER BY {names[0]}",
        (vote_id, vote_id, *new),
    )
