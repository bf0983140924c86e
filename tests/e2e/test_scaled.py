"""The scaled deployment as real processes: `posko web` x2, `posko gateway` x2 and `posko project`
x2 over one PostgreSQL schema and Redis. A report through either web reaches screens on both
gateways; killing the active projector, cutting its connections or killing a gateway loses and
repeats nothing on any screen. The processes are shared by the tests of this module; a test that
kills one starts it again."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.request
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from projections.leader import lock_key
from tests.e2e.cluster import (
    Deployment,
    FeedClient,
    Proc,
    delete_streams,
    drop_schema,
    new_schema,
    plan_action,
    post_report,
    report,
    store_identity,
    wait_for,
)
from web.throttle import LIMIT


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, postgres_url: str, redis_url: str
) -> Iterator[Deployment]:
    schema = new_schema(postgres_url)
    deployment = Deployment(
        {
            "POSKO_DATABASE_URL": postgres_url,
            "POSKO_DATABASE_SCHEMA": schema,
            "POSKO_REDIS_URL": redis_url,
            "POSKO_LOG_FORMAT": "json",
        },
        tmp_path_factory.mktemp("cluster"),
    )
    for n in range(2):
        # libpq names the projector's connections, so a test can cut exactly those.
        deployment.add("project", PGAPPNAME=f"posko-test-project-{schema}-{n}")
        deployment.add("web")
        deployment.add("gateway")
    try:
        deployment.start()
        yield deployment
    finally:
        deployment.stop()
        delete_streams(redis_url, store_identity(postgres_url, schema))
        drop_schema(postgres_url, schema)


@pytest.fixture(scope="module")
def action(cluster: Deployment) -> tuple[str, list[str]]:
    return plan_action(cluster.webs[0])


@pytest.fixture(autouse=True)
def restart_the_dead(cluster: Deployment) -> Iterator[None]:
    yield
    for proc in cluster.procs:
        if not proc.alive():
            proc.start()


async def screens(cluster: Deployment, action_id: str) -> list[FeedClient]:
    clients = [FeedClient(gateway, action_id) for gateway in cluster.gateways]
    for client in clients:
        await client.connect()
        assert (await client.take())["type"] == "snapshot"
    return clients


def post_many(cluster: Deployment, action_id: str, site: str, count: int) -> list[dict[str, Any]]:
    """`count` reports through the web processes in turn; every one acknowledged."""
    answers = []
    for n in range(count):
        web = cluster.webs[n % len(cluster.webs)]
        body = report(site, n)
        status, answer = post_report(web, action_id, body)
        assert status == 201, (answer, cluster.logs())
        answers.append({"id": body["id"], "position": answer["position"]})
    return answers


def assert_each_shown_once(client: FeedClient, answers: list[dict[str, Any]]) -> None:
    ids = [a["id"] for a in answers]
    shown = [i for i in client.shown if i in set(ids)]
    assert sorted(shown) == sorted(ids), f"gap or duplicate on {client.gateway.url}"


async def test_a_report_through_either_web_reaches_screens_on_both_gateways(
    cluster: Deployment, action: tuple[str, list[str]]
) -> None:
    action_id, sites = action
    clients = await screens(cluster, action_id)
    answers = await asyncio.to_thread(post_many, cluster, action_id, sites[0], 10)
    last = max(a["position"] for a in answers)
    for client in clients:
        await client.read_until(last)
        assert_each_shown_once(client, answers)
        await client.close()


async def test_killing_the_active_projector_lets_the_standby_continue(
    cluster: Deployment, action: tuple[str, list[str]]
) -> None:
    action_id, sites = action
    active = cluster.active_projector()
    [standby] = [p for p in cluster.projectors if p is not active]
    clients = await screens(cluster, action_id)
    killed = threading.Event()

    def reports_while_killing() -> list[dict[str, Any]]:
        answers = post_many(cluster, action_id, sites[1], 10)
        active.kill()
        killed.set()
        return answers + post_many(cluster, action_id, sites[1], 20)

    answers = await asyncio.to_thread(reports_while_killing)
    assert killed.is_set()
    assert await asyncio.to_thread(cluster.active_projector) is standby
    last = max(a["position"] for a in answers)
    for client in clients:
        await client.read_until(last)
        assert_each_shown_once(client, answers)
        await client.close()
    # Log lines are written by a thread of their own, a moment after the fact.
    await asyncio.to_thread(
        wait_for,
        lambda: "this process is the active projector" in standby.log(),
        "the standby to log that it took over",
    )


async def test_a_projector_whose_connections_are_cut_notices_and_the_work_goes_on(
    cluster: Deployment, action: tuple[str, list[str]], postgres_url: str
) -> None:
    action_id, sites = action
    active = cluster.active_projector()
    clients = await screens(cluster, action_id)
    before = await asyncio.to_thread(post_many, cluster, action_id, sites[2], 5)
    key = lock_key(cluster.env["POSKO_DATABASE_SCHEMA"]) & 0xFFFF_FFFF_FFFF_FFFF
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        # Every connection of the active projector: the lock's, the log's, the views'.
        cut = conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = %s OR pid IN (SELECT pid FROM pg_locks WHERE "
            "locktype = 'advisory' AND granted AND classid = %s AND objid = %s)",
            (active.env["PGAPPNAME"], key >> 32, key & 0xFFFF_FFFF),
        ).fetchone()
    assert cut is not None and cut[0] >= 2
    after = await asyncio.to_thread(post_many, cluster, action_id, sites[2], 10)
    wait_for(lambda: "projector lock lost" in active.log(), "the projector to notice the cut")
    answers = before + after
    last = max(a["position"] for a in answers)
    for client in clients:
        await client.read_until(last)
        assert_each_shown_once(client, answers)
        await client.close()
    assert active.alive()


async def test_a_killed_gateways_screens_resume_on_the_other_with_since(
    cluster: Deployment, action: tuple[str, list[str]]
) -> None:
    action_id, sites = action
    doomed, other = cluster.gateways
    client = FeedClient(doomed, action_id)
    await client.connect()
    assert (await client.take())["type"] == "snapshot"
    first = await asyncio.to_thread(post_many, cluster, action_id, sites[0], 5)
    await client.read_until(max(a["position"] for a in first))
    doomed.kill()
    await client.drain()  # the connection drops with the gateway
    missed = await asyncio.to_thread(post_many, cluster, action_id, sites[0], 10)
    await client.connect(other)  # as the page does: the same position, another gateway
    await client.read_until(max(a["position"] for a in missed))
    assert client.snapshots == 1  # resumed from its position, not started over
    assert_each_shown_once(client, first + missed)
    await client.close()


def test_sign_in_failures_through_both_web_processes_count_against_one_limit(
    cluster: Deployment,
) -> None:
    login = {"login": "0813-9999-0000", "password": "not the password"}
    answers = [
        cluster.webs[n % 2].request("POST", "/api/session", login, token=None)[0]
        for n in range(LIMIT + 1)
    ]
    # Each process saw at most three attempts: only a count kept in Redis reaches the limit.
    assert answers == [401] * LIMIT + [429]


def test_invite_guesses_through_both_web_processes_count_against_one_limit(
    cluster: Deployment,
) -> None:
    guesses = [
        cluster.webs[n % 2].request(
            "POST", "/api/invites/redeem", {"code": f"tebakan{n:05d}", "name": "X"}, token=None
        )[0]
        for n in range(LIMIT + 1)
    ]
    assert guesses == [404] * LIMIT + [429]


def metrics_of(url: str) -> dict[str, float]:
    with urllib.request.urlopen(url + "/metrics", timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/plain")
        text = response.read().decode()
    figures = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            figures[name] = float(value)
    return figures


async def test_every_process_serves_metrics_and_logs_json_lines(
    cluster: Deployment, action: tuple[str, list[str]]
) -> None:
    action_id, sites = action
    clients = await screens(cluster, action_id)
    gateway_url = f"http://127.0.0.1:{cluster.gateways[0].port}"
    delivered_before = metrics_of(gateway_url)["posko_ws_deliveries_total"]
    answers = await asyncio.to_thread(post_many, cluster, action_id, sites[0], 4)
    active = cluster.active_projector()
    for client in clients:
        await client.read_until(max(a["position"] for a in answers))
    web = metrics_of(f"http://127.0.0.1:{cluster.webs[0].port}")
    route = 'route="/api/actions/{id}/reports"'
    assert web[f'posko_http_requests_total{{method="POST",{route},status="201"}}'] >= 2
    assert any(k.startswith("posko_http_request_seconds_bucket") for k in web)
    gateway = metrics_of(gateway_url)
    assert gateway["posko_ws_connections"] >= 1
    assert gateway["posko_ws_subscriptions"] >= 1
    # The projector may put several of the reports in one batch, which is one change frame:
    # count the frames the screen on this gateway received, not the reports.
    assert clients[0].positions
    delivered = gateway["posko_ws_deliveries_total"] - delivered_before
    assert delivered >= len(clients[0].positions)
    assert "posko_bus_follow_errors_total" in gateway
    projector = metrics_of(f"http://127.0.0.1:{active.port}")
    assert projector["posko_projector_active"] == 1
    assert projector["posko_events_appended_total"] >= 1  # since this process took over
    assert projector["posko_projection_position"] >= max(a["position"] for a in answers)
    assert {"posko_projection_lag_seconds", "posko_outbox_backlog_events"} <= set(projector)
    for client in clients:
        await client.close()

    def lines(proc: Proc) -> list[dict[str, Any]]:
        text = proc.log_path.read_text()
        return [json.loads(line) for line in text.splitlines() if line.startswith("{")]

    requests = [line for line in lines(cluster.webs[0]) if "route" in line]
    assert {"method", "route", "status", "ms"} <= set(requests[-1])
    batches = [line for line in lines(active) if "events" in line]
    assert {"position", "events", "changes", "commit_ms", "lag_s"} <= set(batches[-1])
