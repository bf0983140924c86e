"""A real Posko for the fund API tests: the SQLite store in a temporary directory, the projection
runner, the aiohttp app on a free port and HTTP clients signed in (over HTTP) as people with the
roles a test module asks for. Each module opens its own funds, so no test reads another's ledger."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import uuid4

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from core.access import Role
from posko.bootstrap import build, web_services
from posko.settings import Settings
from web.app import create_app

KEY = "k" * 32
PASSWORD = "kata-sandi-yang-panjang"


class Client:
    """One caller: its token, and the position of its last write, which its reads wait for."""

    def __init__(self, session: ClientSession, token: str) -> None:
        self.session, self.token = session, token
        self.position = 0

    async def call(
        self, method: str, path: str, body: Any = None, lang: str = "id"
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {self.token}", "Accept-Language": lang}
        if method == "GET" and self.position:
            path += ("&" if "?" in path else "?") + f"min_position={self.position}"
        async with self.session.request(method, path, json=body, headers=headers) as response:
            text = await response.text()
            reply = json.loads(text) if "json" in response.content_type else text
            if isinstance(reply, dict) and "position" in reply and method != "GET":
                self.position = max(self.position, reply["position"])
            return response.status, reply


class FundServer:
    """The running server, seen by the API key's admin."""

    def __init__(self, admin: Client) -> None:
        self.admin = admin

    async def open_fund(self, threshold: int) -> str:
        body = {
            "id": str(uuid4()),
            "name": "Dana Mogok",
            "unit_kind": "confederation",
            "threshold": threshold,
        }
        status, fund = await self.admin.call("POST", "/api/funds", body)
        assert status == 201, fund
        return str(fund["id"])

    async def sign_in(self, name: str, role: Role) -> Client:
        """A new person holding `role`, signed in with their phone and password."""
        phone = f"0857{uuid4().int % 10**8:08d}"
        status, person = await self.admin.call(
            "POST", "/api/people", {"name": name, "phone": phone, "password": PASSWORD}
        )
        assert status == 201, person
        status, granted = await self.admin.call(
            "POST", f"/api/people/{person['id']}/roles", role.as_dict()
        )
        assert status == 201, granted
        status, signed = await self.admin.call(
            "POST", "/api/session", {"login": phone, "password": PASSWORD}
        )
        assert status == 201, signed
        return Client(self.admin.session, signed["token"])

    async def people(self, roles: dict[str, Role]) -> dict[str, Client]:
        """A signed-in client per name; hashing their passwords at once halves the wait."""
        clients = await asyncio.gather(*(self.sign_in(n, r) for n, r in roles.items()))
        return dict(zip(roles, clients, strict=True))


@contextlib.asynccontextmanager
async def fund_server(data_dir: Path) -> AsyncIterator[FundServer]:
    components = build(Settings(data_dir=data_dir, api_key=KEY), runner=True, gateway=False)
    server = TestServer(create_app(web_services(components)))
    await server.start_server(access_log=None)
    assert components.runner is not None
    projecting = asyncio.create_task(components.runner.run())
    session = ClientSession(base_url=str(server.make_url("/")))
    try:
        yield FundServer(Client(session, KEY))
    finally:
        await session.close()
        projecting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await projecting
        await server.close()
        await asyncio.get_running_loop().shutdown_default_executor()
        components.close()


async def refused_writing_nothing(
    client: Client, fund: str, path: str, body: dict[str, Any], field: str
) -> None:
    """POSTing `body` is a 422 naming `field` in Indonesian and in English (with titles of
    their own), and the fund's version has not moved."""
    _, before = await client.call("GET", f"/api/funds/{fund}")
    status, problem = await client.call("POST", path, body)
    _, english = await client.call("POST", path, body, lang="en")
    assert status == 422 and problem["field"] == field and english["field"] == field
    assert problem["title"] != english["title"]
    _, after = await client.call("GET", f"/api/funds/{fund}")
    assert after["version"] == before["version"]


def contribution(**overrides: Any) -> dict[str, Any]:
    return {
        "id": str(uuid4()),
        "source": "affiliate",
        "payer": "FSPMI",
        "channel": "transfer",
        "reference": "TRX-7",
        "amount": 1_000_000,
        "income_account": "income:strike",
        "asset_account": "bank",
        "effective_date": "2026-11-02",
        **overrides,
    }
