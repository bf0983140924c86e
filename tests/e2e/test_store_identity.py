"""A store and a bus that disagree: two deployments on one Redis database, and a store restored
from an older dump while Redis kept the stream of its later history. Real `posko serve`
processes on PostgreSQL (a schema each) and Redis; clients resume with `since` as a phone does."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.e2e.cluster import (
    FeedClient,
    Proc,
    _pg_bin,
    delete_streams,
    drop_schema,
    new_schema,
    plan_action,
    post_report,
    report,
    store_identity,
    wait_for,
)
from tests.e2e.process import API_KEY


@pytest.fixture
def schemas(postgres_url: str) -> Iterator[list[str]]:
    made: list[str] = []
    yield made
    for schema in made:
        drop_schema(postgres_url, schema)


def serve(root: Path, postgres_url: str, schema: str, redis_url: str) -> Proc:
    proc = Proc(
        "serve",
        {
            "POSKO_DATABASE_URL": postgres_url,
            "POSKO_DATABASE_SCHEMA": schema,
            "POSKO_REDIS_URL": redis_url,
        },
        root / schema,
    )
    proc.start()
    return proc


async def resume_sees(client: FeedClient, web: Proc, action_id: str, site: str) -> list[str]:
    """Away, three reports, back with `since`: the ids of the reports the client then shows."""
    await client.close()
    ids = []
    for n in range(3):
        body = report(site, 10 + n)
        status, answer = await asyncio.to_thread(post_report, web, action_id, body)
        assert status == 201, answer
        ids.append(body["id"])
    await client.connect()
    await client.read_until(answer["position"])
    return [i for i in ids if i in client.items]


async def test_two_deployments_on_one_redis_database_keep_their_own_streams(
    tmp_path: Path, postgres_url: str, redis_url: str, schemas: list[str]
) -> None:
    schemas += [new_schema(postgres_url), new_schema(postgres_url)]
    first = serve(tmp_path, postgres_url, schemas[0], redis_url)
    second = serve(tmp_path, postgres_url, schemas[1], redis_url)
    identities = [store_identity(postgres_url, s) for s in schemas]
    try:
        # The first deployment gets ahead: its stream holds positions the second has not reached.
        first_action, first_sites = await asyncio.to_thread(plan_action, first)
        for n in range(20):
            await asyncio.to_thread(post_report, first, first_action, report(first_sites[0], n))
        second_action, second_sites = await asyncio.to_thread(plan_action, second)

        watcher = FeedClient(first, first_action)
        await watcher.connect()
        assert (await watcher.take())["type"] == "snapshot"
        client = FeedClient(second, second_action)
        await client.connect()
        assert (await client.take())["type"] == "snapshot"
        # What failed 3 times in 4 with a stream left over: every resume shows every report.
        for _ in range(4):
            ids = await resume_sees(client, second, second_action, second_sites[0])
            assert len(ids) == 3, second.log()
        # And the first deployment's screen shows its own reports only.
        body = report(first_sites[1], 99)
        status, answer = await asyncio.to_thread(post_report, first, first_action, body)
        assert status == 201, answer
        await watcher.read_until(answer["position"])
        assert body["id"] in watcher.items
        assert not set(client.items) & set(watcher.items)
        await watcher.close()
        await client.close()

        assert identities[0] != identities[1]
        keys = redis.Redis.from_url(redis_url)
        assert all(keys.exists(f"posko:batches:{i}") for i in identities)
        keys.close()
    finally:
        first.stop()
        second.stop()
        delete_streams(redis_url, *identities)


def _pg(tool: str, *args: str) -> None:
    subprocess.run([_pg_bin(tool), *args], check=True, capture_output=True, timeout=60)


async def test_a_restored_older_dump_gets_a_new_identity_and_clients_resync(
    tmp_path: Path, postgres_url: str, redis_url: str, schemas: list[str]
) -> None:
    schema = new_schema(postgres_url)
    schemas.append(schema)
    dump = tmp_path / "backup.sql"
    posko = serve(tmp_path, postgres_url, schema, redis_url)
    before = store_identity(postgres_url, schema)
    after = before
    try:
        action_id, sites = await asyncio.to_thread(plan_action, posko)
        for n in range(3):
            await asyncio.to_thread(post_report, posko, action_id, report(sites[0], n))
        await asyncio.to_thread(
            _pg, "pg_dump", "--no-owner", "-n", schema, "-f", str(dump), postgres_url
        )
        # The backup is taken; the day goes on and its stream grows past what the backup has.
        client = FeedClient(posko, action_id)
        await client.connect()
        lost = []
        for n in range(15):
            body = report(sites[1], 100 + n)
            status, answer = await asyncio.to_thread(post_report, posko, action_id, body)
            lost.append(body["id"])
        await client.read_until(answer["position"])
        seen_before = client.position
        await client.close()
        posko.stop()

        # The database is lost and restored from the older backup; Redis keeps its stream.
        drop_schema(postgres_url, schema)
        await asyncio.to_thread(
            _pg, "psql", "-q", "-v", "ON_ERROR_STOP=1", "-f", str(dump), postgres_url
        )
        assert store_identity(postgres_url, schema) == before
        posko.start()

        after = wait_for(
            lambda: (i := store_identity(postgres_url, schema)) != before and i,
            "the projector to give the restored store a new identity",
        )
        wait_for(lambda: "beyond the store's head" in posko.log(), "the log to say why")
        # Positions after the restore reuse numbers the old stream holds for other events.
        fresh = []
        for n in range(3):
            body = report(sites[2], 500 + n)
            status, answer = await asyncio.to_thread(post_report, posko, action_id, body)
            assert status == 201, answer
            fresh.append(body["id"])
        assert answer["position"] <= seen_before  # the numbers really are reused

        # A screen that saw the lost history resumes from its position: it starts over.
        await client.connect()
        assert (await client.take())["type"] == "snapshot"
        await client.read_until(answer["position"])
        assert set(fresh) <= set(client.items)
        assert not set(lost) & set(client.items)
        # A screen of the restored store resumes with `since` and misses nothing.
        for _ in range(4):
            assert len(await resume_sees(client, posko, action_id, sites[0])) == 3, posko.log()
        await client.close()
    finally:
        posko.stop()
        delete_streams(redis_url, before, after)


async def test_new_views_are_rebuilt_beside_the_live_ones_then_served(
    tmp_path: Path, postgres_url: str, redis_url: str, schemas: list[str]
) -> None:
    """The upgrade path: `posko rebuild` into POSKO_VIEWS_SCHEMA while the live stack serves,
    then processes on the new views serve the same state and follow the same events."""
    schema = new_schema(postgres_url)
    schemas.append(schema)
    live = serve(tmp_path, postgres_url, schema, redis_url)
    upgraded: Proc | None = None
    identities = [store_identity(postgres_url, schema)]
    try:
        action_id, sites = await asyncio.to_thread(plan_action, live)
        for n in range(5):
            await asyncio.to_thread(post_report, live, action_id, report(sites[n % 3], n))
        env = {
            "POSKO_DATABASE_URL": postgres_url,
            "POSKO_DATABASE_SCHEMA": schema,
            "POSKO_VIEWS_SCHEMA": f"{schema}_v2",
            "POSKO_REDIS_URL": redis_url,
        }
        schemas.append(f"{schema}_v2")
        rebuilt = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "posko", "rebuild"],
            env={**os.environ, **env, "POSKO_API_KEY": API_KEY, "POSKO_DATA_DIR": str(tmp_path)},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert rebuilt.returncode == 0, rebuilt.stderr
        assert live.alive()  # the live views served throughout
        upgraded = Proc("serve", env, tmp_path / "v2")
        upgraded.start()
        identities.append(store_identity(postgres_url, f"{schema}_v2"))
        body = report(sites[0], 1_000)
        status, answer = await asyncio.to_thread(post_report, live, action_id, body)
        assert status == 201, answer
        views = []
        for proc in (live, upgraded):
            status, doc = await asyncio.to_thread(
                proc.request, "GET", f"/api/actions/{action_id}?min_position={answer['position']}"
            )
            assert status == 200, doc
            views.append(doc)
        assert views[0] == views[1]
        assert views[1]["reports"] == 6
        client = FeedClient(upgraded, action_id)
        await client.connect()
        assert (await client.take())["type"] == "snapshot"
        assert body["id"] in client.items
        await client.close()
    finally:
        live.stop()
        if upgraded is not None:
            upgraded.stop()
        delete_streams(redis_url, *identities)
