"""Many commands on one aggregate at once, as when coordinators plan a day of action together or
a script creates every site: the server retries a lost race itself, so each one lands."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import IntegrityError

from core.base import BUSY_RETRY_AFTER, CONCURRENCY_RETRIES
from tests.integration.test_api import Api, action_body, api, site_body  # noqa: F401

pytestmark = pytest.mark.asyncio


async def test_fifty_sites_added_at_once_to_one_action_all_land(api: Api) -> None:  # noqa: F811
    action = await api.post("/api/actions", action_body())
    assert action.status == 201, action.body
    path = f"/api/actions/{action.body['id']}/sites"
    bodies = [site_body(name=f"Lokasi {n}") for n in range(50)]

    replies = await asyncio.gather(*(api.post(path, body) for body in bodies))

    assert sorted(r.status for r in replies) == [201] * 50, [r.body for r in replies]
    stored = api.components.app.action(UUID(action.body["id"])).sites
    assert {str(s) for s in stored} >= {b["id"] for b in bodies}


async def test_twenty_target_changes_at_once_all_land(api: Api) -> None:  # noqa: F811
    action = await api.post("/api/actions", action_body())
    affiliates = [
        (await api.post("/api/affiliates", {"id": str(uuid4()), "name": f"F{n}"})).body["id"]
        for n in range(20)
    ]
    path = f"/api/actions/{action.body['id']}/targets"

    replies = await asyncio.gather(
        *(api.post(path, {"affiliate_id": a, "target": 100 + n}) for n, a in enumerate(affiliates))
    )

    assert sorted(r.status for r in replies) == [201] * 20, [r.body for r in replies]
    events = api.components.app.recorder.select_events(UUID(action.body["id"]))
    assert sum(1 for e in events if e.topic.endswith("TargetSet")) == 20


async def test_a_command_that_keeps_losing_the_race_is_told_busy_and_when_to_retry(
    api: Api,  # noqa: F811
) -> None:
    action = await api.post("/api/actions", action_body())
    app = api.components.app
    real_save = app._commits.save
    losses = 0

    def always_loses(*aggregates: Any) -> Any:  # another writer wins every time
        nonlocal losses
        losses += 1
        raise IntegrityError("version taken")

    app._commits.save = always_loses  # type: ignore[method-assign]
    try:
        reply = await api.post(f"/api/actions/{action.body['id']}/sites", site_body())
    finally:
        app._commits.save = real_save  # type: ignore[method-assign]

    assert (reply.status, reply.body["code"]) == (409, "busy")
    assert reply.headers["Retry-After"] == str(BUSY_RETRY_AFTER)
    assert losses == CONCURRENCY_RETRIES  # bounded
