"""Views record the version of the code that made them. A projector that meets views of an
older version rebuilds them from the log before projecting onto them (their rows have another
shape: applying new events to them would crash or show wrong figures); views of a newer version
it leaves untouched and says why. SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from core.application import Posko
from posko import demo_fund
from posko.persistence import eventsourcing_env
from projections.port import ViewPort
from projections.runner import ProjectionRunner
from projections.store import VERSION, PostgresViewStore, SQLiteViewStore, ViewStore

Sql = Callable[[str], list[tuple[Any, ...]]]


@pytest.fixture(params=["sqlite", "postgres"])
def backend(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Posko, Callable[[], ViewStore], Sql]]:
    """The app with the demo fund recorded (dues, arrears, a period), a maker of the view
    store (opened anew as a restarted process would) and raw SQL on the views' tables."""
    if request.param == "sqlite":
        app = Posko(env=eventsourcing_env("", tmp_path))
        path = tmp_path / "views.db"

        def sql(statement: str) -> list[tuple[Any, ...]]:
            with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
                return conn.execute(statement).fetchall()

        def make() -> ViewStore:
            return SQLiteViewStore(path)

    else:
        url = request.getfixturevalue("postgres_url")
        schema = request.getfixturevalue("postgres_schema")
        app = Posko(env={**eventsourcing_env(url, tmp_path, schema), "CREATE_TABLE": "y"})

        def sql(statement: str) -> list[tuple[Any, ...]]:
            with psycopg.connect(url, autocommit=True, options=f"-c search_path={schema}") as c:
                cursor = c.execute(statement)
                return cursor.fetchall() if cursor.description else []

        def make() -> ViewStore:
            return PostgresViewStore(url, schema=schema)

    demo_fund.seed_fund(app)
    yield app, make, sql
    app.close()


def all_rows(sql: Sql) -> dict[tuple[str, str], str]:
    return {(c, k): doc for c, k, doc in sql("SELECT channel, key, doc FROM view_rows")}


async def run_until(runner: ProjectionRunner, done: Callable[[], bool]) -> None:
    task = asyncio.create_task(runner.run())
    try:
        for _ in range(600):
            if done():
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"the runner did not get there: {runner.status}")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_views_of_an_older_version_are_rebuilt_before_anything_is_projected(
    backend: tuple[Posko, Callable[[], ViewStore], Sql], caplog: pytest.LogCaptureFixture
) -> None:
    app, make, sql = backend
    store = make()
    assert store.version() == VERSION  # new views are of this code's version
    last = ProjectionRunner(app, ViewPort(store)).catch_up()
    expected = all_rows(sql)
    assert any(channel.startswith("_fund_arrears") for channel, _ in expected)
    store.close()
    # An older Posko's views: rows of another shape, its version.
    sql("UPDATE view_rows SET doc = '{\"old\": true}'")
    sql(f"UPDATE view_meta SET value = {VERSION - 1} WHERE name = 'version'")

    store = make()
    runner = ProjectionRunner(app, ViewPort(store))
    with caplog.at_level(logging.WARNING, logger="posko.projections"):
        await run_until(runner, lambda: runner.status.running)
    assert runner.status.position == last
    assert store.version() == VERSION
    assert all_rows(sql) == expected
    assert f"the views are of version {VERSION - 1}" in caplog.text
    store.close()


async def test_views_of_a_newer_version_are_left_alone_and_the_error_says_what_to_do(
    backend: tuple[Posko, Callable[[], ViewStore], Sql],
) -> None:
    app, make, sql = backend
    store = make()
    ProjectionRunner(app, ViewPort(store)).catch_up()
    sql(f"UPDATE view_meta SET value = {VERSION + 1} WHERE name = 'version'")
    before = all_rows(sql)

    runner = ProjectionRunner(app, ViewPort(store))
    await run_until(runner, lambda: runner.status.last_error is not None)
    assert runner.status.last_error is not None
    assert f"newer than this Posko's {VERSION}" in runner.status.last_error
    assert "POSKO_VIEWS_SCHEMA" in runner.status.last_error
    assert not runner.status.running
    assert all_rows(sql) == before
    assert store.version() == VERSION + 1
    store.close()


def test_views_made_before_versions_were_recorded_are_version_1(
    backend: tuple[Posko, Callable[[], ViewStore], Sql],
) -> None:
    app, make, sql = backend
    store = make()
    ProjectionRunner(app, ViewPort(store)).catch_up()
    store.close()
    sql("DELETE FROM view_meta WHERE name = 'version'")  # as the first Posko left them
    store = make()
    assert store.version() == 1
    store.reset()  # `posko rebuild`
    assert store.version() == VERSION
    store.close()
