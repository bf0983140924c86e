"""A rebuild from scratch, in the large batches of a catch-up, yields exactly the rows the live
path left behind applying the same log a few events at a time: every row of every view
(public and private), on SQLite and PostgreSQL, over a log of everything a day of action and
the posko record (reports, incidents, requests, people, sessions, invites, texts, votes and a
fund)."""

from __future__ import annotations

import json
import random
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from core.access import Role
from core.application import Posko
from core.sms import SmsMessage
from posko import demo, demo_fund
from posko.ballot_box import PostgresBallotBox, SQLiteBallotBox
from posko.persistence import eventsourcing_env
from projections import channels
from projections.port import ViewPort
from projections.rows import Doc, RowKey, Rows
from projections.runner import ProjectionRunner
from projections.store import PostgresViewStore, SQLiteViewStore, ViewStore

AllRows = dict[RowKey, Doc]


def record_everything(app: Posko, rng: random.Random) -> None:
    """The demo's action, affiliates, votes and fund, a street of reports, incidents and
    requests handled by a coordinator, then planning, people and texts on top."""
    demo.seed(app)
    demo.seed_votes(app)
    demo_fund.seed_fund(app)
    street = demo.Street(app, rng)
    for tick in range(400):
        street.tick(tick * 5.0)  # the coordinator takes its steps 10-45 "seconds" later
    action = demo.ACTION_ID
    site = demo.SITES[0].id
    planned, planned_site = uuid.uuid4(), uuid.uuid4()
    day = datetime.now(UTC) + timedelta(days=3)
    app.plan_action(
        id=planned,
        title="Aksi lanjutan",
        kind="rally",
        demands=["Upah layak"],
        starts_at=day,
        ends_at=day + timedelta(hours=6),
        actor="test",
    )
    app.add_site(
        action_id=planned,
        site_id=planned_site,
        name="DPRD",
        lat=-6.9,
        lon=107.6,
        target=500,
        actor="test",
    )
    app.edit_action(action_id=planned, checkin_radius_m=300, actor="test")
    app.adjust_site(
        action_id=planned,
        site_id=planned_site,
        name="DPRD Jabar",
        lat=-6.91,
        lon=107.61,
        target=800,
        actor="test",
    )
    lobby = uuid.uuid4()
    app.record_lobby(
        action_id=action,
        lobby_id=lobby,
        kind="hearing",
        with_whom="Komisi IX DPR",
        at=datetime.now(UTC),
        promised="Rapat lanjutan",
        actor="test",
    )
    app.record_outcome(
        action_id=action,
        outcome_id=uuid.uuid4(),
        kind="follow_up_promised",
        description="Kenaikan upah dibahas",
        follow_up_by=datetime.now(UTC) + timedelta(days=7),
        lobby_id=lobby,
        actor="test",
    )
    resolved = next(
        n.originator_id
        for n in app.recorder.select_notifications(start=0, limit=100_000)
        if n.topic.endswith("Incident.Resolved")
    )
    app.reopen_incident(incident_id=uuid.UUID(str(resolved)), reason="terulang", actor="test")

    person = demo.VOTERS[0]
    now = datetime.now(UTC)
    session = app.start_session(token="t-1", person_id=person, client="Chrome", now=now, actor="t")
    app.start_session(token="t-2", person_id=person, client="Firefox", now=now, actor="t")
    app.end_session(session_id=session.id, actor="t")
    app.grant_role(person_id=demo.VOTERS[1], role=Role("coordinator"), actor="test")
    app.revoke_role(person_id=demo.VOTERS[1], role=Role("coordinator"), actor="test")
    app.deactivate_person(person_id=demo.VOTERS[2], actor="test")
    invite = app.create_invite(
        code="kode-undangan-1",
        action_id=action,
        site_id=site,
        label="Korlap Monas",
        expires_at=now + timedelta(days=1),
        now=now,
        actor="test",
    )
    app.revoke_invite(invite_id=invite.id, actor="test")

    for n in range(3):
        text = SmsMessage(
            id=uuid.uuid4(),
            gateway_id=uuid.uuid4(),
            gateway_message_id=f"m{n}",
            sender="+6281200000001",
            text=f"halo posko {n}",
            sent_at=now + timedelta(seconds=n),
            outcome="unparsed",
            reply={"code": "sms_unknown_keyword", "params": {}, "lang": "id"},
            report_id=None,
            report_type=None,
            action_ids=[str(action)],
            actor="person:x",
        )
        if n == 0:
            text.transcribe(report_id=uuid.uuid4(), report_type="report", actor="coordinator")
        app.save(text)


def replayed(app: Posko) -> AllRows:
    """Every row from one replay of the whole log in memory."""
    rows = Rows(lambda channel, key: None)
    for notification in app.recorder.select_notifications(start=0, limit=100_000):
        channels.apply(rows, app.mapper.to_domain_event(notification))
    return {row: json.loads(json.dumps(doc)) for row, doc in rows.changed.items()}  # as stored


def live(app: Posko, store: ViewStore, rng: random.Random) -> int:
    """Apply the log as the live runner does: small batches as events come in."""
    runner = ProjectionRunner(app, ViewPort(store))
    position = 0
    while notes := app.recorder.select_notifications(
        start=position, limit=rng.choice([1, 1, 2, 3, 7, 20]), inclusive_of_start=False
    ):
        position = runner.apply(notes).position
    return position


Made = Callable[[str], tuple[ViewStore, Callable[[], AllRows]]]


def decoded(found: Iterator[tuple[str, str, str]]) -> AllRows:
    return {(channel, key): json.loads(doc) for channel, key, doc in found}


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Posko, Made]]:
    """The app, and a maker of fresh view stores, each with a reader of all its rows."""
    if request.param == "sqlite":
        app = Posko(env=eventsourcing_env("", tmp_path))
        box: SQLiteBallotBox | PostgresBallotBox = SQLiteBallotBox(tmp_path / "ballots.db")
        app.attach_ballot_box(box)

        def make(name: str) -> tuple[ViewStore, Callable[[], AllRows]]:
            path = tmp_path / f"{name}.db"

            def rows() -> AllRows:
                with sqlite3.connect(path) as conn:
                    return decoded(conn.execute("SELECT channel, key, doc FROM view_rows"))

            return SQLiteViewStore(path), rows

        yield app, make
        box.close()
        app.close()
        return
    url = request.getfixturevalue("postgres_url")
    base = request.getfixturevalue("postgres_schema")
    app = Posko(env={**eventsourcing_env(url, tmp_path, base), "CREATE_TABLE": "y"})
    box = PostgresBallotBox(url, schema=base)
    app.attach_ballot_box(box)
    schemas: list[str] = []

    def make_pg(name: str) -> tuple[ViewStore, Callable[[], AllRows]]:
        schema = f"{base}_{name}"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        schemas.append(schema)

        def rows() -> AllRows:
            with psycopg.connect(url) as conn:
                return decoded(conn.execute(f"SELECT channel, key, doc FROM {schema}.view_rows"))

        return PostgresViewStore(url, schema=schema), rows

    try:
        yield app, make_pg
    finally:
        box.close()
        app.close()
        with psycopg.connect(url, autocommit=True) as conn:
            for schema in schemas:
                conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def test_a_rebuild_yields_exactly_the_rows_of_the_live_path(backend: tuple[Posko, Made]) -> None:
    app, make = backend
    rng = random.Random(1)
    record_everything(app, rng)
    last = app.recorder.max_notification_id()

    live_store, live_rows = make("live")
    assert live(app, live_store, rng) == last
    rebuilt_store, rebuilt_rows = make("rebuilt")
    assert ProjectionRunner(app, ViewPort(rebuilt_store)).catch_up() == last

    expected, got = live_rows(), rebuilt_rows()
    assert len(expected) > 1000  # every view has rows: the log touched them all
    channels = {channel.split(":")[0] for channel, _key in expected}
    assert {"action", "actions", "vote", "fund", "_people", "_sessions", "_invites"} <= channels
    assert {"_sms_inbox", "_report", "_fund_daily", "system"} <= channels
    for rows in (got, replayed(app)):
        assert rows.keys() == expected.keys()
        for row, doc in expected.items():
            assert rows[row] == doc, row
            # The same text too: same keys in the same order, so the same bytes on the wire.
            assert json.dumps(rows[row]) == json.dumps(doc), row
    live_store.close()
    rebuilt_store.close()


def test_a_view_left_out_of_an_events_dispatch_would_not_have_changed_a_row(
    tmp_path: Path,
) -> None:
    """channels.apply asks a view only of the event classes it names (its EVENTS): asking
    every view of every event of the whole log yields the same rows, in the same order."""
    app = Posko(env=eventsourcing_env("", tmp_path))
    box = SQLiteBallotBox(tmp_path / "ballots.db")
    app.attach_ballot_box(box)
    record_everything(app, random.Random(2))
    asked_all = Rows(lambda channel, key: None)
    for notification in app.recorder.select_notifications(start=0, limit=100_000):
        event = app.mapper.to_domain_event(notification)
        for _events, view_apply in channels.VIEWS:
            view_apply(asked_all, event)
    expected = {row: json.loads(json.dumps(doc)) for row, doc in asked_all.changed.items()}
    dispatched = replayed(app)
    assert list(dispatched) == list(expected)
    for row, doc in expected.items():
        assert json.dumps(dispatched[row]) == json.dumps(doc), row
    box.close()
    app.close()
