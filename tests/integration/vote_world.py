"""A union with members, a Posko app with its ballot box, on SQLite or PostgreSQL: shared by the
strike-vote tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from core.access import Role
from core.application import Posko
from posko.ballot_box import PostgresBallotBox, SQLiteBallotBox
from posko.persistence import eventsourcing_env


@dataclass
class World:
    app: Posko
    box: SQLiteBallotBox | PostgresBallotBox
    backend: str
    affiliate: UUID
    branch: UUID
    members: list[UUID] = field(default_factory=list)
    outsider: UUID | None = None
    idle: UUID | None = None
    url: str = ""
    schema: str = ""
    data_dir: Path | None = None

    def call(self, **over: Any) -> UUID:
        now = datetime.now(UTC)
        args: dict[str, Any] = {
            "id": uuid4(),
            "question": "Apakah kita mogok kerja pada 1 Mei?",
            "options": ["Setuju", "Tidak setuju"],
            "affiliate_id": self.affiliate,
            "branch_id": None,
            "opens_at": now - timedelta(minutes=1),
            "closes_at": now + timedelta(hours=1),
            "quorum": {"num": 1, "den": 2},
            "threshold": {"num": 1, "den": 2, "rule": "more_than"},
            "k": 3,
            "actor": "person:officer",
        }
        args.update(over)
        self.app.call_vote(**args)
        return UUID(str(args["id"]))


def make_world(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    if backend == "sqlite":
        env = eventsourcing_env("", tmp_path)
        box: SQLiteBallotBox | PostgresBallotBox = SQLiteBallotBox(tmp_path / "ballots.db")
        url = schema = ""
    else:
        url = request.getfixturevalue("postgres_url")
        schema = request.getfixturevalue("postgres_schema")
        env = {**eventsourcing_env(url, tmp_path, schema), "CREATE_TABLE": "y"}
        box = PostgresBallotBox(url, schema=schema)
    app = Posko(env=env)
    app.attach_ballot_box(box)
    affiliate, branch = uuid4(), uuid4()
    app.register_affiliate(id=affiliate, name="SPAMK", actor="t")
    app.add_branch(affiliate_id=affiliate, branch_id=branch, name="PUK Cikarang", actor="t")
    world = World(app, box, backend, affiliate, branch, url=url, schema=schema, data_dir=tmp_path)
    for i in range(5):
        world.members.append(add_member(app, affiliate, branch, i))
    other = uuid4()
    app.register_affiliate(id=other, name="Lain", actor="t")
    world.outsider = add_member(app, other, None, 50)
    idle = add_member(app, affiliate, branch, 60)
    app.deactivate_person(person_id=idle, actor="t")
    world.idle = idle
    try:
        yield world
    finally:
        box.close()
        app.close()


def add_member(app: Posko, affiliate: UUID, branch: UUID | None, n: int) -> UUID:
    person = uuid4()
    app.register_person(
        id=person,
        name=f"Anggota {n}",
        phone=f"08123{n:06d}",
        affiliate_id=affiliate,
        branch_id=branch,
        actor="t",
    )
    role = Role(
        "member", affiliate_id=str(affiliate), branch_id=None if branch is None else str(branch)
    )
    app.grant_role(person_id=person, role=role, actor="t")
    return person
