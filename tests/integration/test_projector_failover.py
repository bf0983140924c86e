"""What failover rests on, per backend where it applies: the store's identity (kept by a rebuild,
renewed on demand), the commit fence (a batch computed from a position another projector has
moved past is refused), and the PostgreSQL advisory lock (one holder; a standby takes it when
the holder lets go; a holder whose connection is cut learns it)."""

from __future__ import annotations

import asyncio
import random

import psycopg
import pytest

from core.application import Posko
from projections.leader import AdvisoryLock, lock_key
from projections.port import ViewPort
from projections.runner import ProjectionRunner
from projections.store import StalePosition
from tests.integration.test_projections import backend, record_a_day

__all__ = ["backend"]  # the fixture, parametrised over SQLite and PostgreSQL


def test_the_identity_is_kept_by_a_rebuild_and_changed_by_renewal(
    backend: tuple[Posko, tuple[object, object]],
) -> None:
    _app, (make_store, reopen) = backend
    store = make_store()  # type: ignore[operator]
    identity = store.identity()
    assert identity == store.identity()
    store.reset()
    again = reopen(store)  # type: ignore[operator]
    assert again.identity() == identity
    renewed = again.renew_identity()
    assert renewed != identity and store.identity() == renewed
    store.close()
    again.close()


def test_a_projector_behind_the_stored_position_cannot_commit(
    backend: tuple[Posko, tuple[object, object]],
) -> None:
    app, (make_store, reopen) = backend
    record_a_day(app, random.Random(7), reports=10)
    store = make_store()  # type: ignore[operator]
    stale = ProjectionRunner(app, ViewPort(store))  # read position 0, then lost the lock
    active = ProjectionRunner(app, ViewPort(reopen(store)))  # type: ignore[operator]
    first = app.recorder.select_notifications(start=0, limit=5)
    active.apply(first)
    later = app.recorder.select_notifications(start=first[-1].id, limit=5, inclusive_of_start=False)
    with pytest.raises(StalePosition):
        stale.apply(later)  # computed from rows as of 0: applying it would double-count
    assert store.position() == first[-1].id
    store.close()
    active.store.close()


async def test_one_holder_a_standby_takes_over_and_a_cut_holder_knows(
    postgres_url: str, postgres_schema: str
) -> None:
    first = AdvisoryLock(postgres_url, postgres_schema)
    second = AdvisoryLock(postgres_url, postgres_schema)
    other_schema = AdvisoryLock(postgres_url, postgres_schema + "_other")
    await asyncio.wait_for(first.acquire(), 10)
    waiting = asyncio.create_task(second.acquire())
    await asyncio.wait_for(other_schema.acquire(), 10)  # another schema: not blocked
    try:
        assert first.held and not second.held
        assert not waiting.done()
        await first.release()
        await asyncio.wait_for(waiting, 10)
        assert second.held
        # The holder's connection is cut (the server restarted, a network fault).
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                "AND granted AND pid <> pg_backend_pid() AND pid IN (SELECT pid FROM "
                "pg_stat_activity WHERE application_name = 'posko-projector-lock') AND "
                "(classid::bigint << 32 | objid::bigint) = %s",
                (lock_key(postgres_schema),),  # the shift wraps as bigint does
            )
        await asyncio.wait_for(second.lost(), 10)
        assert not second.held
    finally:
        waiting.cancel()
        for lock in (first, second, other_schema):
            await lock.release()
