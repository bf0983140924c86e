"""A fake SMS gateway, run as its own process, doing over HTTP what an Android SMS gateway app
does: a text "arrives on the phone" (POST /receive {from, text}) and is relayed to Posko's
webhook, signed; it polls Posko for replies (signed) and "sends" them, which GET /sent lists.

    python -m tests.e2e.fake_sms_gateway --posko http://127.0.0.1:8080 --port 9000 \
        --gateway-id <uuid> --secret <secret>
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import itertools
import json
import time
from datetime import UTC, datetime
from typing import Any

from aiohttp import ClientSession, web

POLL_EVERY = 0.2  # seconds between polls for replies


def sign(secret: str, payload: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


class FakeGateway:
    def __init__(self, posko: str, gateway_id: str, secret: str) -> None:
        self.posko = posko.rstrip("/")
        self.gateway_id = gateway_id
        self.secret = secret
        self.sent: list[dict[str, Any]] = []  # replies "sent" as SMS, in order
        self.answers: list[dict[str, Any]] = []  # Posko's answers to the webhook
        self.ids = itertools.count(1)

    async def receive(self, request: web.Request) -> web.Response:
        """A text arrives on the gateway phone: relay it to Posko as the app would."""
        incoming = await request.json()
        body = json.dumps(
            {
                "message_id": f"fake-{next(self.ids)}",
                "from": incoming["from"],
                "text": incoming["text"],
                "sent_at": datetime.now(UTC).isoformat(),
            }
        ).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Posko-Gateway": self.gateway_id,
            "X-Posko-Signature": sign(self.secret, body),
        }
        async with (
            ClientSession() as session,
            session.post(f"{self.posko}/api/sms/inbound", data=body, headers=headers) as reply,
        ):
            answer = {"status": reply.status, "body": await reply.json(content_type=None)}
        self.answers.append(answer)
        return web.json_response(answer)

    async def list_sent(self, request: web.Request) -> web.Response:
        return web.json_response({"sent": self.sent})

    async def poll(self, app: web.Application) -> Any:
        async def loop() -> None:
            async with ClientSession() as session:
                while True:
                    path = f"/api/sms/outbound?ts={int(time.time())}&limit=20"
                    headers = {
                        "X-Posko-Gateway": self.gateway_id,
                        "X-Posko-Signature": sign(self.secret, f"GET {path}".encode()),
                    }
                    try:
                        async with session.get(self.posko + path, headers=headers) as reply:
                            if reply.status == 200:
                                self.sent.extend((await reply.json())["messages"])
                    except OSError:
                        pass  # Posko restarting: the replies wait in its outbox
                    await asyncio.sleep(POLL_EVERY)

        task = asyncio.create_task(loop())
        yield
        task.cancel()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posko", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--gateway-id", required=True)
    parser.add_argument("--secret", required=True)
    args = parser.parse_args()
    gateway = FakeGateway(args.posko, args.gateway_id, args.secret)
    app = web.Application()
    app.add_routes([web.post("/receive", gateway.receive), web.get("/sent", gateway.list_sent)])
    app.cleanup_ctx.append(gateway.poll)
    web.run_app(app, host="127.0.0.1", port=args.port, print=None)


if __name__ == "__main__":
    main()
