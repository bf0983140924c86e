"""The unlinkability test: a strike vote with known voters on a real `posko serve` (SQLite files,
then PostgreSQL), after which everything stored is read (every table of the event store, the
views, the outbox and the ballot box, with PostgreSQL's hidden xmin and physical position, the
raw bytes of the SQLite files, and the server's log output) to show that no field, ordering or
timestamp links a member to a choice.

What "links" means here, checked record by record over everything read:
- no record that carries a choice (a ballot row, the sealed batch, a published result) names a
  voter (person id, name, phone, roll entry digest, session) or carries a time of its own;
- while the vote is open, ballot rows are stored in the order of their random keys, never in
  casting order, and on PostgreSQL they all carry the same xmin, so neither position nor
  transaction id tells which ballot came with which roll mark;
- participation is kept at day granularity; the log has no line about a ballot request;
- after close, the box is empty and its old rows are gone from the SQLite file's bytes.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
import pytest

from core.vote_rules import entry_digest, receipt_hash
from tests.e2e.process import Server

PASSWORD = "kata-sandi-yang-panjang"
# (cast order) the choice each voter makes; 12 members, both options chosen several times
CHOICES = [0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 1]
SETTLE_DEADLINE = 15.0  # seconds the views get to show a cast or a close


@dataclass
class Record:
    """One stored thing, as text: a table row, an event, a view row, a log line."""

    source: str  # "events", "ballots", "log", ...
    text: str
    columns: dict[str, Any] = field(default_factory=dict)


@dataclass
class Voter:
    person: str
    name: str
    phone: str
    token: str
    choice: int
    receipt: str = ""


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Server, str]]:
    env: dict[str, str] = {}
    schema = ""
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
        schema = request.getfixturevalue("postgres_schema")
        env = {"POSKO_DATABASE_URL": url, "POSKO_DATABASE_SCHEMA": schema}
    server = Server(tmp_path, extra_env=env)
    server.start()
    try:
        yield server, schema
    finally:
        server.stop()


def ok(reply: tuple[int, Any]) -> Any:
    status, body = reply
    assert 200 <= status < 300, (status, body)
    return body


def test_nothing_stored_links_a_member_to_a_choice(backend: tuple[Server, str]) -> None:
    server, schema = backend
    union = ok(server.request("POST", "/api/affiliates", {"name": "SPN PT Maju"}))["id"]
    voters = []
    for n, choice in enumerate(CHOICES):
        name, phone = f"Anggota Rahasia {n:02d}", f"0813{uuid4().int % 10**8:08d}"
        person = ok(
            server.request(
                "POST", "/api/people", {"name": name, "phone": phone, "password": PASSWORD}
            )
        )["id"]
        ok(
            server.request(
                "POST", f"/api/people/{person}/roles", {"name": "member", "affiliate_id": union}
            )
        )
        token = ok(
            server.request(
                "POST", "/api/session", {"login": phone, "password": PASSWORD}, token=None
            )
        )["token"]
        voters.append(Voter(person, name, phone, token, choice))
    opens = datetime.now(UTC) - timedelta(minutes=1)
    vote = ok(
        server.request(
            "POST",
            "/api/votes",
            {
                "id": str(uuid4()),
                "question": "Apakah kita mogok kerja?",
                "options": ["Setuju", "Tidak setuju"],
                "affiliate_id": union,
                "opens_at": opens.isoformat(),
                "closes_at": (opens + timedelta(hours=3)).isoformat(),
                "quorum": {"num": 1, "den": 2},
                "threshold": {"num": 1, "den": 2, "rule": "more_than"},
                "k": 3,
            },
        )
    )["id"]
    ok(server.request("POST", f"/api/votes/{vote}/open"))
    link = ok(server.request("POST", f"/api/votes/{vote}/links", {"person_id": voters[-1].person}))[
        "code"
    ]
    for voter in voters[:-1]:
        voter.receipt = ok(
            server.request(
                "POST", f"/api/votes/{vote}/ballots", {"choice": voter.choice}, token=voter.token
            )
        )["receipt"]
    last = voters[-1]  # votes through the personal link, without a session
    last.receipt = ok(
        server.request(
            "POST",
            f"/api/votes/{vote}/link/ballots",
            {"code": link, "choice": last.choice},
            token=None,
        )
    )["receipt"]

    # -- while open: everything stored -----------------------------------------------------------
    during = read_everything(server, schema)
    identities = identities_of(voters, vote)
    check_no_record_names_a_voter_and_a_choice(during, identities)
    box = [r for r in during if r.source == "ballots"]
    assert len(box) == len(CHOICES)
    for row in box:  # a random id and a choice: no member, no sequence, no time
        assert set(row.columns) - {"xmin", "ctid"} == {"vote_id", "ballot_id", "choice"}
    assert_stored_in_key_order(box, schema)
    marks = [r for r in during if r.source == "roll_marks"]
    assert {str(r.columns["voted_on"])[:10] for r in marks} == {
        datetime.now(UTC).date().isoformat()
    }
    assert all(len(str(r.columns["voted_on"])) == 10 for r in marks)  # a day, not a time
    if schema:  # every live row of the box carries the last cast's transaction id
        for table in ("ballots", "receipts", "roll_marks"):
            assert len({r.columns["xmin"] for r in during if r.source == table}) == 1, table
    assert not any('"tally"' in r.text and '"result": {' in r.text for r in during)
    public = settled(server, vote, lambda v: v["turnout"] == len(CHOICES))
    assert public["result"] is None  # the admin sees no tally either
    check_log(server, voters, link)

    # -- after close -----------------------------------------------------------------------------
    ok(server.request("POST", f"/api/votes/{vote}/close"))
    after = read_everything(server, schema)
    assert not [r for r in after if r.source in ("ballots", "receipts", "roll_marks")]
    if not schema:
        raw = b"".join(p.read_bytes() for p in server.data_dir.glob("ballots.db*"))
        for row in box:  # secure_delete: the rows are gone from the file, not just unlinked
            assert bytes.fromhex(row.columns["ballot_id"]) not in raw
    check_no_record_names_a_voter_and_a_choice(after, identities)
    sealed = [r for r in after if r.source == "events" and "Vote.Sealed" in r.text]
    assert len(sealed) == 1
    state = sealed[0].columns["state"]
    assert sorted(state["ballots"]) == sorted(CHOICES)
    assert state["receipts"] == sorted(receipt_hash(v.receipt) for v in voters)
    who = [r for r in after if r.source == "events" and "Vote.ParticipationSealed" in r.text]
    assert who[0].columns["state"]["voted"] == sorted(v.person for v in voters)  # no order
    public = settled(server, vote, lambda v: v["result"] is not None)
    assert public["result"]["tally"] == [CHOICES.count(0), CHOICES.count(1)]
    assert set(public["receipts"]) == {receipt_hash(v.receipt) for v in voters}
    check_log(server, voters, link)


def settled(server: Server, vote: str, ready: Callable[[Any], bool]) -> Any:
    """The vote as the views show it once `ready` holds (the projection follows the log on its
    own time, slower on a cold or loaded machine), or as it stands at the deadline."""
    deadline = time.monotonic() + SETTLE_DEADLINE
    while True:
        public = ok(server.request("GET", f"/api/votes/{vote}"))
        if ready(public) or time.monotonic() > deadline:
            return public
        time.sleep(0.05)


def identities_of(voters: list[Voter], vote: str) -> dict[str, str]:
    """Every string that names a voter, mapped to the voter's person id."""
    out = {}
    for v in voters:
        for s in (
            v.person,
            v.person.replace("-", ""),
            v.name,
            v.phone[1:],
            entry_digest_of(vote, v),
        ):
            out[s] = v.person
    return out


def entry_digest_of(vote: str, voter: Voter) -> str:
    from uuid import UUID

    return entry_digest(UUID(vote), voter.person)


CHOICE_SOURCES = ("ballots",)


def carries_choices(record: Record) -> bool:
    if record.source in CHOICE_SOURCES:
        return True
    return "Vote.Sealed" in record.text or '"tally"' in record.text or '"ballots"' in record.text


def check_no_record_names_a_voter_and_a_choice(
    records: list[Record], identities: dict[str, str]
) -> None:
    with_choices = [r for r in records if carries_choices(r)]
    assert with_choices, "the scan found no ballot at all: it would prove nothing"
    for record in with_choices:
        named = {identities[s] for s in identities if s in record.text}
        assert not named, (record.source, record.text[:300])
        if record.source == "ballots":  # no time of its own
            assert not re.search(r"\d{2}:\d{2}:\d{2}", record.text), record.text


def assert_stored_in_key_order(box: list[Record], schema: str) -> None:
    """The box's rows in their physical order are in the order of their random keys, so their
    place says nothing about when they came."""
    ids = [r.columns["ballot_id"] for r in box]  # as read: SQLite scan order, PostgreSQL ctid
    assert ids == sorted(ids)


# -- reading everything --------------------------------------------------------------------------


def read_everything(server: Server, schema: str) -> list[Record]:
    if schema:
        records = read_postgres(os.environ.get("POSKO_TEST_POSTGRES_URL", "") or PG_URL, schema)
    else:
        records = []
        for path in sorted(server.data_dir.glob("*.db")):
            records.extend(read_sqlite(path))
    return records


PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


def _text(value: Any) -> Any:
    if isinstance(value, bytes | memoryview):
        raw = bytes(value)
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return raw.hex()
    if isinstance(value, datetime):
        return value.isoformat()
    return value if isinstance(value, int | float | type(None)) else str(value)


def _record(table: str, columns: dict[str, Any]) -> Record:
    source = "events" if "events" in table else table
    values = {k: _text(v) for k, v in columns.items()}
    if isinstance(values.get("state"), dict):
        values["state"] = values["state"]
    text = json.dumps(values, default=str, ensure_ascii=False)
    return Record(source, text, values)


def read_sqlite(path: Path) -> list[Record]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        out = []
        for table in tables:
            cursor = conn.execute(f'SELECT * FROM "{table}"')
            names = [d[0] for d in cursor.description]
            out.extend(_record(table, dict(zip(names, row, strict=True))) for row in cursor)
        if "ballots" in tables:  # WITHOUT ROWID: there is no insertion counter to read
            with pytest.raises(sqlite3.OperationalError):
                conn.execute("SELECT rowid FROM ballots")
        return out
    finally:
        conn.close()


def read_postgres(url: str, schema: str) -> list[Record]:
    with psycopg.connect(url, autocommit=True) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema=%s",
                (schema,),
            )
        ]
        out = []
        for table in tables:
            cursor = conn.execute(
                f'SELECT xmin::text AS xmin, ctid::text AS ctid, * FROM "{schema}"."{table}" '
                "ORDER BY ctid"
            )
            names = [d.name for d in cursor.description or []]
            out.extend(_record(table, dict(zip(names, row, strict=True))) for row in cursor)
        return out


def check_log(server: Server, voters: list[Voter], link: str) -> None:
    log = (server.data_dir / "server.log").read_text(errors="replace")
    routes = set(re.findall(r"route=(\S+)", log))
    assert "/api/votes/{id}/links" in routes  # the officer's request is logged as usual
    quiet = {"/api/votes/{id}/ballots", "/api/votes/{id}/link", "/api/votes/{id}/link/ballots"}
    assert not routes & quiet, routes & quiet
    for voter in voters:
        assert voter.receipt not in log and voter.person not in log and voter.token not in log
    assert link not in log
    assert "python-urllib" not in log.lower()  # the client's user agent
