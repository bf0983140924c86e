"""Funds linked to actions and the ledger's pages over HTTP, against a real server, store and
projection runner: linking once, what the action's coordinators see of a linked fund, and a
ledger read page by page (no entry twice, none missed, while entries are posted) with its
filters and its refusals of bad values naming the field."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
import pytest_asyncio

from core.access import Role
from tests.integration.fund_server import Client, contribution, fund_server

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[dict[str, Any]]:
    async with fund_server(tmp_path_factory.mktemp("fund-link-api")) as server:
        fund = await server.open_fund(threshold=5_000_000)
        out: dict[str, Any] = {"admin": server.admin, "fund": fund}
        starts = datetime.now(UTC)
        for name in ("action", "other_action"):
            status, action = await server.admin.call(
                "POST",
                "/api/actions",
                {
                    "title": "Aksi",
                    "kind": "rally",
                    "starts_at": starts.isoformat(),
                    "ends_at": (starts + timedelta(hours=4)).isoformat(),
                },
            )
            assert status == 201, action
            out[name] = action["id"]
        people = await server.people(
            {
                "treasurer": Role("treasurer", fund_id=fund),
                "coordinator": Role("coordinator", action_id=out["action"]),
                "other_coordinator": Role("coordinator", action_id=out["other_action"]),
            }
        )
        yield {**out, **people}


async def test_a_link_is_201_then_200_and_the_coordinators_see_the_fund(world: Any) -> None:
    treasurer, fund, action = world["treasurer"], world["fund"], world["action"]
    coordinator, other = world["coordinator"], world["other_coordinator"]
    await treasurer.call("POST", f"/api/funds/{fund}/contributions", contribution(amount=750_000))
    path = f"/api/funds/{fund}/links"
    first, reply = await treasurer.call("POST", path, {"action_id": action})
    again, repeat = await treasurer.call("POST", path, {"action_id": action})
    assert (first, again) == (201, 200) and reply["id"] == repeat["id"]
    coordinator.position = treasurer.position

    status, seen = await coordinator.call("GET", f"/api/actions/{action}/funds")
    assert status == 200, seen
    [shown] = seen["funds"]
    assert (shown["fund_id"], shown["linked"], shown["channel"]) == (
        fund,
        True,
        f"action:{action}:fund:{fund}",
    )
    assert shown["balance"] >= 750_000
    assert shown["available"] == shown["balance"] - shown["reserved"]
    status, refused = await other.call("GET", f"/api/actions/{action}/funds")
    assert status == 403, refused
    status, listed = await treasurer.call("GET", path)
    assert status == 200 and [a["action_id"] for a in listed["actions"]] == [action]

    status, _ = await treasurer.call("DELETE", f"{path}/{action}")
    assert status == 200
    coordinator.position = treasurer.position
    _, after = await coordinator.call("GET", f"/api/actions/{action}/funds")
    assert after["funds"] == []
    assert (await treasurer.call("DELETE", f"{path}/{action}"))[0] == 200  # not linked: 200


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"action_id": "aksi-1"}, 422, "action_id"),
        ({}, 422, "action_id"),
        ({"action_id": str(uuid4())}, 404, "action_id"),
    ],
)
async def test_a_bad_link_is_refused_naming_the_field(
    world: Any, body: dict[str, Any], status: int, field: str
) -> None:
    got, reply = await world["treasurer"].call("POST", f"/api/funds/{world['fund']}/links", body)
    assert (got, reply.get("field")) == (status, field), reply


async def _pages(client: Client, path: str, between: Any = None) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    url: str | None = path
    while url is not None:
        status, page = await client.call("GET", url)
        assert status == 200, page
        assert len(page["entries"]) <= page["limit"]
        seen.extend(page["entries"])
        url = page["next"]
        if between is not None and url is not None:
            await between()
    return seen


async def test_pages_hold_every_entry_once_while_entries_are_posted(world: Any) -> None:
    treasurer, fund = world["treasurer"], world["fund"]
    for _ in range(12):
        await treasurer.call("POST", f"/api/funds/{fund}/contributions", contribution(amount=1_000))
    _, before = await treasurer.call("GET", f"/api/funds/{fund}/ledger?limit=500")
    posted: list[str] = []

    async def post_one() -> None:
        body = contribution(amount=2_000)
        status, _ = await treasurer.call("POST", f"/api/funds/{fund}/contributions", body)
        assert status == 201
        posted.append(body["id"])

    oldest_first = await _pages(treasurer, f"/api/funds/{fund}/ledger?limit=5", post_one)
    ids = [e["entry_id"] for e in oldest_first]
    versions = [e["version"] for e in oldest_first]
    assert len(ids) == len(set(ids)) and versions == sorted(versions)
    # Everything there was, and everything posted while paging (it comes after the cursor).
    _, after = await treasurer.call("GET", f"/api/funds/{fund}/ledger?limit=500")
    assert ids == [e["entry_id"] for e in after["entries"]]
    assert set(posted) <= set(ids) and len(before["entries"]) + len(posted) == len(ids)

    posted.clear()
    newest_first = await _pages(treasurer, f"/api/funds/{fund}/ledger?limit=4&order=desc", post_one)
    # Newest first: what was there when paging began, each once; new entries come live.
    assert [e["entry_id"] for e in newest_first] == ids[::-1]
    assert not set(posted) & {e["entry_id"] for e in newest_first}


async def test_filters_narrow_the_pages(world: Any) -> None:
    treasurer, fund = world["treasurer"], world["fund"]
    marked = []
    for n, day in enumerate(("2026-10-01", "2026-10-15", "2026-10-31")):
        body = contribution(
            amount=3_000,
            effective_date=day,
            reference=f"Ref-Bus-{n}",
            asset_account="cash",
            income_account="income:donation",
        )
        await treasurer.call("POST", f"/api/funds/{fund}/contributions", body)
        marked.append(body["id"])
    ledger = f"/api/funds/{fund}/ledger"

    async def ids(query: str) -> list[str]:
        return [e["entry_id"] for e in await _pages(treasurer, f"{ledger}?{query}&limit=1")]

    assert await ids("account=income:donation") == marked
    assert await ids("q=ref-bus") == marked  # any case, in the reference
    assert await ids("account=cash&from=2026-10-02&to=2026-10-31") == marked[1:]
    assert await ids("account=cash&to=2026-10-14&order=desc") == marked[:1]
    assert await ids("kind=dues") == []
    for entry in await _pages(treasurer, f"{ledger}?kind=contribution&limit=7"):
        assert entry["kind"] == "contribution"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=sepuluh", "limit"),
        ("limit=" + "9" * 5000, "limit"),
        ("cursor=abc", "cursor"),
        ("cursor=-5", "cursor"),
        ("order=up", "order"),
        ("kind=gift", "kind"),
        ("account=kas-pribadi", "account"),
        ("from=2-11-2026", "from"),
        ("to=2026-13-01", "to"),
        ("q=" + "x" * 101, "q"),
    ],
)
async def test_a_bad_page_or_filter_is_a_422_naming_the_field_in_both_languages(
    world: Any, query: str, field: str
) -> None:
    path = f"/api/funds/{world['fund']}/ledger?{query}"
    status, indonesian = await world["treasurer"].call("GET", path)
    _, english = await world["treasurer"].call("GET", path, lang="en")
    assert (status, indonesian["field"], english["field"]) == (422, field, field), indonesian
    assert indonesian["title"] != english["title"]
