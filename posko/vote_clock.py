"""The votes' clock: opens each strike vote at its opening time (freezing its roll then) and
closes it at its closing time (sealing its ballot box), so neither waits for an officer's click.
Runs beside the projection runner (one per deployment); every step is idempotent, so an officer
pressing the button at the same moment, or a second clock, changes nothing."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from uuid import UUID

from core.application import Posko
from core.errors import PoskoError
from projections.port import Port
from projections.store import ViewStore
from projections.votes import VOTES

log = logging.getLogger("posko.votes")
TICK = 30.0  # seconds between looks at the votes' times
ACTOR = "system:clock"


def tick(app: Posko, store: ViewStore, now: datetime) -> list[tuple[str, str]]:
    """Open the votes due to open and close those due to close; returns what it did."""
    done = []
    _, docs = store.snapshot(VOTES)
    for doc in docs:
        opens_at = datetime.fromisoformat(doc["opens_at"])
        closes_at = datetime.fromisoformat(doc["closes_at"])
        vote_id = UUID(doc["id"])
        try:
            if doc["status"] == "called" and opens_at <= now < closes_at:
                app.open_vote(vote_id=vote_id, actor=ACTOR, now=now)
                done.append(("opened", doc["id"]))
            elif doc["status"] == "open" and closes_at <= now:
                app.close_vote(vote_id=vote_id, actor=ACTOR, now=now)
                done.append(("closed", doc["id"]))
        except PoskoError as error:  # e.g. an empty roll, or a box refused at sealing
            log.warning("vote %s: the clock could not move it: %s", doc["id"], error.code)
    return done


async def run(port: Port, *, every: float = TICK) -> None:
    while True:
        try:
            await port.pools.run("main", tick, port.app, port.store, datetime.now(UTC))
        except Exception:
            log.exception("the votes' clock failed; trying again")
        await asyncio.sleep(every)
