"""Pushing replies to an SMS provider's URL, for providers that take messages by HTTP instead
of a gateway that polls: the web process collects the replies of one gateway (each leaves once)
and POSTs each, signed like the gateway's own requests, so the provider can check it is Posko."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

import aiohttp
from aiohttp import web

from core.sms import gateway_secret
from web.context import SERVICES
from web.messages import render
from web.sms import GATEWAY_HEADER, SIGNATURE_HEADER, signature

log = logging.getLogger("posko.sms")

PUSH_EVERY = 1.0  # seconds between looks for new replies
ATTEMPTS = 5  # a reply the provider refuses or does not answer is tried this often...
BACKOFF = 2.0  # ...waiting 2, 4, 8, 16 s between tries, then given up (and logged)
TIMEOUT = aiohttp.ClientTimeout(total=10)


@dataclass(frozen=True)
class SmsPush:
    url: str
    gateway_id: UUID


async def push_replies(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: runs while the app runs, when a push URL is configured."""
    push = app[SERVICES].sms_push
    if push is None:
        yield
        return
    task = asyncio.create_task(_loop(app, push))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _loop(app: web.Application, push: SmsPush) -> None:
    svc = app[SERVICES]
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        while True:
            try:
                gateway = await svc.port.sms_gateway(push.gateway_id)
                if gateway is not None:
                    secret = gateway_secret(
                        svc.port.authenticator.api_key, gateway.id, gateway.salt
                    )
                    replies = await svc.port.collect_sms_replies(
                        gateway_id=gateway.id,
                        limit=20,
                        now=datetime.now(UTC),
                    )
                    for reply in replies:  # collected: from here each leaves at most once
                        await _send(session, push, secret, reply)
            except asyncio.CancelledError:
                raise
            except Exception:  # the store busy or away: look again soon
                log.exception("sms push: collecting replies failed")
            await asyncio.sleep(PUSH_EVERY)


async def _send(
    session: aiohttp.ClientSession, push: SmsPush, secret: str, reply: dict[str, object]
) -> None:
    message = reply["reply"]
    assert isinstance(message, dict)
    body = json.dumps(
        {
            "id": reply["id"],
            "to": reply["to"],
            "text": render(message["code"], message["lang"], message["params"]),
        }
    ).encode()
    headers = {
        "Content-Type": "application/json",
        GATEWAY_HEADER: str(push.gateway_id),
        SIGNATURE_HEADER: signature(secret, body),
    }
    for attempt in range(ATTEMPTS):
        try:
            async with session.post(push.url, data=body, headers=headers) as response:
                if response.status < 300:
                    return
                if 400 <= response.status < 500 and response.status not in (408, 429):
                    break  # refused for good: trying again would not help
        except (aiohttp.ClientError, TimeoutError):
            pass
        await asyncio.sleep(BACKOFF * 2**attempt)
    log.warning("sms push: reply %s not delivered; given up", reply["id"])
