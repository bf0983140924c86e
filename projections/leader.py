"""Which projector works: one PostgreSQL advisory lock per schema, held on a connection of its
own. The holder projects; every other `posko project` waits for the lock and takes over from the
tracked position when the holder dies or loses its connection. Embedded and SQLite: always."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from abc import ABC, abstractmethod

import psycopg

log = logging.getLogger("posko.projections")

CHECK_INTERVAL = 1.0  # seconds between checks that the lock's connection is still alive
CHECK_TIMEOUT = 3.0  # seconds a check may take before the connection counts as lost
RETRY_INTERVAL = 1.0  # seconds between attempts to take the lock


class Leadership(ABC):
    """`acquire()` returns once this process may project; `lost()` returns when it may not."""

    @abstractmethod
    async def acquire(self) -> None: ...

    @abstractmethod
    async def lost(self) -> None: ...

    @abstractmethod
    async def release(self) -> None: ...

    @property
    @abstractmethod
    def held(self) -> bool: ...


class Alone(Leadership):
    """One process that projects (embedded, SQLite): it always leads and never loses."""

    async def acquire(self) -> None:
        """Nothing to wait for."""

    async def lost(self) -> None:
        await asyncio.Event().wait()

    async def release(self) -> None:
        """Nothing to release."""

    @property
    def held(self) -> bool:
        return True


def lock_key(schema: str) -> int:
    """The advisory lock's key: one per schema, so deployments sharing a database don't block
    each other's projectors."""
    digest = hashlib.sha256(f"posko-projector:{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class AdvisoryLock(Leadership):
    """A session-level advisory lock on a dedicated connection. The server frees it when the
    session ends (process killed, connection cut), so a standby takes over at once; the holder
    learns of the loss from a failed check within CHECK_INTERVAL + CHECK_TIMEOUT seconds.

    A holder that loses the lock may still be committing a batch while a standby starts: the
    view store refuses a commit that does not follow on from the stored position, so neither
    can apply an event twice."""

    def __init__(self, url: str, schema: str) -> None:
        self._url = url
        self._key = lock_key(schema)
        self._conn: psycopg.AsyncConnection[object] | None = None

    @property
    def held(self) -> bool:
        return self._conn is not None

    async def acquire(self) -> None:
        waiting_logged = False
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(
                    self._url,
                    autocommit=True,
                    connect_timeout=5,
                    application_name="posko-projector-lock",
                    keepalives=1,
                    keepalives_idle=5,
                    keepalives_interval=2,
                    keepalives_count=2,
                )
            except psycopg.Error as error:
                log.warning("projector lock: cannot connect (%s); retrying", type(error).__name__)
                await asyncio.sleep(RETRY_INTERVAL)
                continue
            try:
                while True:
                    row = await (
                        await conn.execute("SELECT pg_try_advisory_lock(%s)", (self._key,))
                    ).fetchone()
                    if row is not None and row[0]:
                        self._conn = conn
                        log.info("projector lock taken: this process is the active projector")
                        return
                    if not waiting_logged:
                        log.info("projector lock held by another process: standing by")
                        waiting_logged = True
                    await asyncio.sleep(RETRY_INTERVAL)
            except psycopg.Error as error:
                log.warning("projector lock: connection lost while waiting (%s)", error)
                with contextlib.suppress(Exception):
                    await conn.close()
                await asyncio.sleep(RETRY_INTERVAL)
            except BaseException:
                await conn.close()
                raise

    async def lost(self) -> None:
        conn = self._conn
        if conn is None:
            return
        while True:
            await asyncio.sleep(CHECK_INTERVAL)
            try:
                async with asyncio.timeout(CHECK_TIMEOUT):
                    await conn.execute("SELECT 1")
            except (psycopg.Error, TimeoutError) as error:
                log.error("projector lock lost (%s): stopping projection", type(error).__name__)
                await self.release()
                return

    async def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()  # ending the session frees the lock
