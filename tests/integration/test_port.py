"""The async port: commands and reads run in the named pools, read-your-writes is woken by the
runner of this process (and falls back to reading the store's position in a web-only process)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from core.access import API_KEY_PRINCIPAL, Authenticator
from core.application import Posko
from posko.persistence import eventsourcing_env
from projections import overview
from projections.port import Port
from projections.runner import ProjectionRunner
from projections.store import SQLiteViewStore

KEY = "p" * 32
STARTS = datetime(2026, 5, 1, 9, tzinfo=UTC)


@pytest.fixture
async def port(tmp_path: Path) -> AsyncIterator[Port]:
    app = Posko(env=eventsourcing_env("", tmp_path))
    store = SQLiteViewStore(tmp_path / "views.db")
    port = Port(app, store, Authenticator(KEY))
    try:
        yield port
    finally:
        port.close()
        store.close()
        app.close()


async def plan(port: Port) -> int:
    result = await port.plan_action(
        id=uuid4(),
        title="Aksi",
        kind="rally",
        demands=[],
        starts_at=STARTS,
        ends_at=STARTS + timedelta(hours=4),
        actor="api-key",
    )
    return result.position


async def test_commands_reads_and_slow_work_run_in_their_own_named_pools(port: Port) -> None:
    assert await port.slow(lambda: threading.current_thread().name) == "posko-slow_0"
    assert await port.pools.run("main", lambda: threading.current_thread().name) == "posko-main_0"
    position = await plan(port)  # typed: the core method's own keyword arguments
    assert position == await port.log_position()
    principal = await port.principal(KEY)
    assert principal is not None and principal.id == "api-key"


async def test_read_your_writes_is_woken_by_the_runner_of_this_process(port: Port) -> None:
    runner = ProjectionRunner(port.app, port)
    following = asyncio.create_task(runner.run())
    try:
        for _ in range(5):
            position = await plan(port)
            assert await port.views_at_least(position) >= position
            _, docs = await port.snapshot(overview.CHANNEL)
            assert len(docs) >= 1  # what the write made is there to read
        assert port._views_position is not None  # the runner, not the store, said where views are
    finally:
        following.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await following


async def test_a_web_only_process_reads_the_views_position_from_the_store(
    tmp_path: Path, port: Port
) -> None:
    """No runner here: another process (below, a second port on the same files) projects."""
    position = await plan(port)
    elsewhere = Port(port.app, SQLiteViewStore(tmp_path / "views.db"), Authenticator(KEY))
    projector = ProjectionRunner(elsewhere.app, elsewhere)
    try:
        waiting = asyncio.create_task(port.views_at_least(position))
        await elsewhere.project(projector.apply, port.app.recorder.select_notifications(1, 10))
        assert await waiting >= position
        assert port._views_position is None
    finally:
        elsewhere.close()
        elsewhere.store.close()


async def test_a_wait_for_a_position_never_reached_ends_at_the_deadline(
    port: Port, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("projections.port.VIEWS_WAIT", 0.05)
    port.projects_here(0)
    assert await port.views_at_least(10**9) == 0
    port.projects_here(3)  # a later batch drops the abandoned waiter
    assert port._waiters == []


async def test_a_position_the_log_has_not_reached_is_answered_without_waiting(port: Port) -> None:
    """No write gave such a position out (a client's typo, a fuzzer): the read answers with
    the views as they are instead of holding the request for the whole wait."""
    position = await plan(port)
    assert await port._beyond_head(position + 1)
    assert not await port._beyond_head(position)  # a real write's: worth waiting for


async def test_the_api_key_is_known_without_a_trip_to_the_pool(port: Port) -> None:
    """Checking the key is a comparison: done on the loop, so a request with it costs no
    thread hop. A session token still needs the store, in the main pool."""
    port.pools.shutdown()  # any trip to a pool would now fail
    assert (await port.principal(KEY)) is API_KEY_PRINCIPAL
    with pytest.raises(RuntimeError):
        await port.principal("a-session-token")
