"""The organisation over HTTP: affiliates and branches renamed (each an event, a repeat changes
nothing, an unknown branch is a 404), and sessions listed with their device in words."""

from __future__ import annotations

from uuid import uuid4

import pytest

from tests.integration.test_planning import Posko
from tests.integration.test_planning import nominatim as nominatim
from tests.integration.test_planning import posko as posko
from web.devices import describe

ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 13; SM-A515F) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36"
)
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)


async def test_an_affiliate_and_its_branch_are_renamed(posko: Posko) -> None:
    affiliate = (await posko.ok("POST", "/api/affiliates", {"name": "FSPMI"}))["id"]
    branch = (await posko.ok("POST", f"/api/affiliates/{affiliate}/branches", {"name": "PUK A"}))[
        "id"
    ]

    await posko.ok("PUT", f"/api/affiliates/{affiliate}", {"name": "FSP Metal Indonesia"})
    await posko.ok("PUT", f"/api/affiliates/{affiliate}/branches/{branch}", {"name": "PUK B"})
    before = posko.log_position()
    await posko.ok("PUT", f"/api/affiliates/{affiliate}", {"name": "FSP Metal Indonesia"})

    assert posko.log_position() == before  # a repeat is no event
    listed = await posko.read("/api/affiliates")
    assert listed["affiliates"] == [
        {
            "id": affiliate,
            "name": "FSP Metal Indonesia",
            "branches": [{"id": branch, "name": "PUK B"}],
        }
    ]
    status, missing = await posko.call(
        "PUT", f"/api/affiliates/{affiliate}/branches/{uuid4()}", {"name": "X"}
    )
    assert (status, missing["code"], missing["field"]) == (404, "unknown_branch", "branch_id")
    status, empty = await posko.call("PUT", f"/api/affiliates/{affiliate}", {"name": "  "})
    assert (status, empty["field"]) == (422, "name")


async def test_sessions_name_their_device(posko: Posko) -> None:
    phone = f"0857{uuid4().int % 10**8:08d}"
    person = await posko.ok(
        "POST", "/api/people", {"name": "Sri", "phone": phone, "password": "kata-sandi-panjang"}
    )
    async with posko.session.post(
        "/api/session",
        json={"login": phone, "password": "kata-sandi-panjang"},
        headers={"User-Agent": ANDROID_CHROME},
    ) as response:
        assert response.status == 201

    sessions = await posko.read(f"/api/people/{person['id']}/sessions")

    assert [s["device"] for s in sessions["sessions"]] == [
        {"browser": "Chrome", "os": "Android", "device": "Samsung SM-A515F"}
    ]


@pytest.mark.parametrize(
    ("agent", "browser", "os"),
    [
        (ANDROID_CHROME, "Chrome", "Android"),
        (IPHONE_SAFARI, "Safari", "iOS"),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
            "Firefox",
            "Linux",
        ),
        ("curl/8.5.0", "curl", None),
        ("-", None, None),
    ],
)
def test_a_user_agent_is_named_as_people_say_it(
    agent: str, browser: str | None, os: str | None
) -> None:
    described = describe(agent)
    assert (described["browser"], described["os"]) == (browser, os)
