"""Time travel equals a view rebuilt from exactly the events recorded up to that moment."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.application import Posko
from posko.persistence import eventsourcing_env
from projections import channels, feed, live_map, overview
from projections.port import ViewPort
from projections.runner import ProjectionRunner
from projections.store import SQLiteViewStore
from projections.time_travel import snapshot_at
from tests.integration.test_projections import T0, record_a_day


def street_events(app: Posko, action_id: uuid.UUID, rng: random.Random) -> None:
    sites = [uuid.UUID(s) for s in app.action(action_id).sites]
    for n in range(10):
        incident = uuid.uuid4()
        app.report_incident(
            id=incident,
            action_id=action_id,
            site_id=rng.choice(sites),
            kind=rng.choice(["arrest", "injury", "police"]),
            severity=rng.choice(["low", "high"]),
            description=f"kejadian {n}",
            at=T0,
            actor="korlap",
        )
        if n % 2:
            app.acknowledge_incident(incident_id=incident, actor="coordinator")
        request = uuid.uuid4()
        app.request_help(
            id=request,
            action_id=action_id,
            site_id=rng.choice(sites),
            kind=rng.choice(["medic", "legal_aid", "water_food"]),
            quantity=2,
            note="",
            at=T0,
            actor="korlap",
        )
        if n % 3 == 0:
            app.commit_help(request_id=request, by="Tim medis", actor="coordinator")


def rebuilt_up_to(app: Posko, at: datetime, path: Path) -> SQLiteViewStore:
    store = SQLiteViewStore(path)
    runner = ProjectionRunner(app, ViewPort(store))

    def recorded_by_then(notification: Any) -> bool:
        event: Any = app.mapper.to_domain_event(notification)
        return bool(event.timestamp <= at)

    notes = [
        n for n in app.recorder.select_notifications(start=0, limit=100_000) if recorded_by_then(n)
    ]
    runner.apply(notes)
    return store


def test_the_past_equals_a_rebuild_of_the_events_recorded_by_then(tmp_path: Path) -> None:
    app = Posko(env=eventsourcing_env("", tmp_path))
    rng = random.Random(11)
    action_id = record_a_day(app, rng, reports=60)
    street_events(app, action_id, rng)
    moments = [datetime.now(UTC)]
    record_a_day(app, rng, reports=40)  # a second action, later
    street_events(app, action_id, rng)
    moments.append(datetime.now(UTC))

    for n, at in enumerate(moments):
        store = rebuilt_up_to(app, at, tmp_path / f"rebuilt-{n}.db")
        for name in (
            overview.CHANNEL,
            live_map.channel(action_id),
            feed.channel(action_id),
            feed.legal_channel(action_id),
        ):
            ref = channels.parse(name)
            assert ref is not None
            position, data = snapshot_at(app, ref, at)
            stored_position, docs = store.snapshot(name, channels.snapshot_limit(ref))
            assert data == channels.snapshot_data(ref, docs), name
            assert position == stored_position
        store.close()

    # Before anything happened there is nothing; the first moment lacks the later action.
    ref: Any = channels.parse(overview.CHANNEL)
    assert snapshot_at(app, ref, T0.replace(year=2000))[1] == {"actions": []}
    assert len(snapshot_at(app, ref, moments[0])[1]["actions"]) == 1
    app.close()
