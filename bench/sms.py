"""SMS intake's cost on the embedded setup (SQLite, one process): signed texts through
POST /api/sms/inbound, one at a time and 20 at once from different numbers, each filed as a
headcount with its reply queued; then one poll collecting the replies. Figures, not assertions.

    .venv/bin/python bench/sms.py [--texts 200]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from core.access import Role
from posko.bootstrap import build, web_services
from posko.settings import Settings
from web.app import create_app

KEY = "b" * 32


async def main(texts: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        components = build(Settings(data_dir=Path(tmp), api_key=KEY), runner=False, gateway=False)
        app = components.app
        now = datetime.now(UTC)
        action = app.plan_action(
            id=uuid4(), title="Bench", kind="rally", demands=[], starts_at=now,
            ends_at=now + timedelta(hours=8), actor="cli",
        )  # fmt: skip
        app.add_site(
            action_id=action.id, site_id=uuid4(), name="Bundaran HI", lat=-6.19, lon=106.82,
            target=1000, actor="cli",
        )  # fmt: skip
        numbers = [f"+62812{i:07d}" for i in range(texts)]
        for number in numbers:
            person = app.register_person(id=uuid4(), name="K", phone=number, actor="cli")
            role = Role("organiser", action_id=str(action.id))
            app.grant_role(person_id=person.id, role=role, actor="cli")
        added, secret = app.add_sms_gateway(name="bench", server_key=KEY, actor="cli")
        server = TestServer(create_app(web_services(components)))
        await server.start_server()
        session = ClientSession(base_url=str(server.make_url("/")))

        async def send(number: str, n: int) -> float:
            body = json.dumps(
                {"message_id": str(uuid4()), "from": number, "text": f"JUMLAH {n} BUN1",
                 "sent_at": datetime.now(UTC).isoformat()}
            ).encode()  # fmt: skip
            sig = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            headers = {"X-Posko-Gateway": str(added.id), "X-Posko-Signature": sig,
                       "Content-Type": "application/json"}  # fmt: skip
            started = time.perf_counter()
            async with session.post("/api/sms/inbound", data=body, headers=headers) as reply:
                assert reply.status == 200, await reply.text()
                assert (await reply.json())["outcome"] == "accepted"
            return time.perf_counter() - started

        try:
            half = texts // 2
            started = time.perf_counter()
            one_by_one = [await send(n, i) for i, n in enumerate(numbers[:half])]
            serial = time.perf_counter() - started
            started = time.perf_counter()
            together: list[float] = []
            for i in range(half, texts, 20):
                together += await asyncio.gather(
                    *(send(n, j) for j, n in enumerate(numbers[i : i + 20], i))
                )
            burst = time.perf_counter() - started
            path = f"/api/sms/outbound?ts={int(time.time())}&limit=50"
            mac = hmac.new(secret.encode(), f"GET {path}".encode(), hashlib.sha256)
            started = time.perf_counter()
            async with session.get(
                path,
                headers={
                    "X-Posko-Gateway": str(added.id),
                    "X-Posko-Signature": "sha256=" + mac.hexdigest(),
                },
            ) as reply:
                collected = len((await reply.json())["messages"])
            poll = time.perf_counter() - started
        finally:
            await session.close()
            await server.close()
            components.close()

    def ms(values: list[float], q: float) -> float:
        return statistics.quantiles(values, n=100)[int(q) - 1] * 1000

    print(f"one at a time: {half} texts in {serial:.2f} s = {half / serial:.0f}/s, "
          f"p50 {ms(one_by_one, 50):.1f} ms, p95 {ms(one_by_one, 95):.1f} ms")  # fmt: skip
    print(f"20 at once:    {texts - half} texts in {burst:.2f} s = {(texts - half) / burst:.0f}/s, "
          f"p50 {ms(together, 50):.1f} ms, p95 {ms(together, 95):.1f} ms")  # fmt: skip
    print(f"one poll collecting {collected} replies: {poll * 1000:.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=200)
    asyncio.run(main(parser.parse_args().texts))
