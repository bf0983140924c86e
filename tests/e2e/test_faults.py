"""Faults the scaled deployment survives, on PostgreSQL and Redis servers of the test's own
(temporary directories, free ports) so that stopping them disturbs nobody: Redis stopped and
restarted during a stream of reports, PostgreSQL restarted under `posko web`. The processes
(web, gateway, project) are shared by the tests of this module and never restarted by them."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.cluster import (
    Deployment,
    FeedClient,
    PrivatePostgres,
    PrivateRedis,
    plan_action,
    post_report,
    private_postgres,
    report,
    wait_for,
)


@pytest.fixture(scope="module")
def servers(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[PrivatePostgres, PrivateRedis]]:
    with private_postgres() as postgres:
        bus = PrivateRedis(tmp_path_factory.mktemp("redis"))
        bus.start()
        try:
            yield postgres, bus
        finally:
            bus.stop()


@pytest.fixture(scope="module")
def posko(
    tmp_path_factory: pytest.TempPathFactory, servers: tuple[PrivatePostgres, PrivateRedis]
) -> Iterator[Deployment]:
    postgres, bus = servers
    deployment = Deployment(
        {"POSKO_DATABASE_URL": postgres.url, "POSKO_REDIS_URL": bus.url},
        tmp_path_factory.mktemp("posko"),
    )
    for role in ("project", "web", "gateway"):
        deployment.add(role)
    try:
        deployment.start()
        yield deployment
    finally:
        deployment.stop()


@pytest.fixture(scope="module")
def action(posko: Deployment) -> tuple[str, list[str]]:
    return plan_action(posko.webs[0])


async def fresh_items(posko: Deployment, action_id: str) -> dict[str, Any]:
    fresh = FeedClient(posko.gateways[0], action_id)
    await fresh.connect()
    assert (await fresh.take())["type"] == "snapshot"
    await fresh.close()
    return fresh.items


async def test_redis_stopped_and_restarted_during_a_stream_of_reports(
    posko: Deployment,
    servers: tuple[PrivatePostgres, PrivateRedis],
    action: tuple[str, list[str]],
) -> None:
    action_id, sites = action
    _, bus = servers
    client = FeedClient(posko.gateways[0], action_id)
    await client.connect()
    assert (await client.take())["type"] == "snapshot"
    web, gateway = posko.webs[0], posko.gateways[0]

    def stream_of_reports() -> list[tuple[int, Any]]:
        answers = []
        for n in range(45):
            if n == 15:
                bus.stop()
            if n == 25:  # the gateway noticed and reads the views' outbox meanwhile
                wait_for(lambda: gateway.health()[1]["degraded"], "the gateway to fall back")
            if n == 30:
                bus.start()  # empty: nothing was saved
            answers.append(post_report(web, action_id, report(sites[n % 3], n)))
        return answers

    reading = asyncio.create_task(client.read_until(10**12))  # reads while reports stream in
    answers = await asyncio.to_thread(stream_of_reports)
    assert [status for status, _ in answers] == [201] * 45  # writes never needed Redis
    last = max(answer["position"] for _, answer in answers)
    wait_for(lambda: posko.gateways[0].health()[1]["position"] >= last, "the gateway to catch up")
    reading.cancel()
    await asyncio.gather(reading, return_exceptions=True)
    await client.read_until(last)
    assert client.items == await fresh_items(posko, action_id)
    # The gateway is back on the bus by itself.
    wait_for(
        lambda: not posko.gateways[0].health()[1]["degraded"], "the gateway to leave the store"
    )
    await client.close()


async def test_postgres_restarted_writes_answer_503_then_resume(
    posko: Deployment,
    servers: tuple[PrivatePostgres, PrivateRedis],
    action: tuple[str, list[str]],
) -> None:
    action_id, sites = action
    postgres, _ = servers
    web = posko.webs[0]
    client = FeedClient(posko.gateways[0], action_id)
    await client.connect()
    assert (await client.take())["type"] == "snapshot"
    status, before = web.request("GET", f"/api/actions/{action_id}")
    assert status == 200, before

    postgres.stop()
    try:
        refused = report(sites[0], 777)
        status, problem = await asyncio.to_thread(post_report, web, action_id, refused)
        assert status == 503, problem
        assert problem["code"] == "unavailable"
        assert problem["title"]  # in Indonesian, the default language
        status, _ = await asyncio.to_thread(web.request, "GET", "/healthz")
        assert status == 503
    finally:
        postgres.start()

    # Service resumes without restarting Posko: the first writes may meet dead connections.
    def accepted() -> Any:
        status, answer = post_report(web, action_id, refused)
        return answer if status == 201 else None

    answer = wait_for(accepted, "writes to be accepted again")

    def caught_up() -> Any:
        status, state = web.request("GET", f"/api/actions/{action_id}")
        return state if status == 200 and state["position"] >= answer["position"] else None

    after = wait_for(caught_up, "the projector to catch up after the restart")
    assert after["reports"] == before["reports"] + 1  # the refused write was not half-kept
    await client.read_until(answer["position"])
    assert refused["id"] in client.items
    await client.close()
    assert all(proc.alive() for proc in posko.procs)
