"""The evidence log after a strike on a real SQLite store: entries chained by digest, summons
deadlines (KEP.232 Pasal 6), idempotent entries, and the legal team's bundle, checked by its own
stand-alone script, which notices a changed entry, a removed one and a swapped file."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from core.application import Posko
from core.errors import Conflict, InvalidInput, NotFound
from core.evidence import GENESIS, first_broken
from posko.persistence import eventsourcing_env
from web import evidence_bundle

WIB = timezone(timedelta(hours=7))
NOW = datetime(2026, 7, 21, 9, 0, tzinfo=WIB)
ACTOR = "person:officer"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Posko]:
    posko = Posko(env=eventsourcing_env("", tmp_path))
    try:
        yield posko
    finally:
        posko.close()


def strike(app: Posko) -> UUID:
    action_id = uuid4()
    starts = datetime(2026, 7, 20, 8, tzinfo=WIB)
    app.plan_action(
        id=action_id,
        title="Mogok",
        kind="strike",
        demands=[],
        starts_at=starts,
        ends_at=starts + timedelta(days=2),
        actor=ACTOR,
    )
    return action_id


def record(app: Posko, action_id: UUID, **overrides: Any) -> Any:
    fields: dict[str, Any] = {
        "id": uuid4(),
        "affiliate_id": None,
        "kind": "retaliation",
        "category": "intimidation",
        "occurred_at": NOW - timedelta(hours=2),
        "description": "Mandor mengancam PHK anggota yang ikut mogok",
        "people": "Budi (anggota)",
        "place": "Gerbang 2",
        "received_on": None,
        "return_by": None,
        "attachment_ids": [],
        "now": NOW,
        "actor": ACTOR,
    }
    return app.record_evidence(action_id=action_id, **{**fields, **overrides})


def test_entries_are_chained_and_summonses_show_their_deadline(app: Posko) -> None:
    action_id = strike(app)
    record(app, action_id)
    record(
        app,
        action_id,
        kind="summons",
        category="first",
        description="Panggilan kerja I",
        received_on="2026-07-21",
        return_by="2026-07-23",
    )
    record(
        app,
        action_id,
        kind="summons",
        category="second",
        description="Panggilan kerja II",
        received_on="2026-07-24",
        return_by=None,
    )
    log = app.evidence(action_id, NOW)
    assert log["count"] == 3 and log["intact"] is True
    links = log["entries"]
    assert links[0]["prev"] == GENESIS
    assert [links[i]["prev"] for i in (1, 2)] == [links[0]["digest"], links[1]["digest"]]
    assert log["head"] == links[2]["digest"]
    assert links[0]["deadline"] is None
    assert links[1]["deadline"]["answer_by"] == "2026-07-23"  # the letter's own day
    assert links[2]["deadline"] == {
        "answer_by": "2026-07-31",  # 7 days at the latest (KEP.232 Pasal 6)
        "window_end": "2026-07-31",
        "second_call": True,
    }
    assert "Pasal 6" in log["summons_rule"]["cites"]


def test_a_resent_entry_is_recorded_once_and_a_reused_id_is_refused(app: Posko) -> None:
    action_id, entry_id = strike(app), uuid4()
    assert record(app, action_id, id=entry_id).created is True
    # A resend later (another recorded_at) is the same entry.
    assert record(app, action_id, id=entry_id, now=NOW + timedelta(minutes=5)).created is False
    with pytest.raises(Conflict):
        record(app, action_id, id=entry_id, description="Lain")
    assert app.evidence(action_id, NOW)["count"] == 1


def test_bad_entries_are_refused_naming_the_field(app: Posko) -> None:
    action_id = strike(app)
    with pytest.raises(InvalidInput) as info:
        record(app, action_id, category="gossip")
    assert info.value.field == "category"
    with pytest.raises(InvalidInput) as info:
        record(app, action_id, kind="summons", category="first")
    assert info.value.field == "received_on"
    with pytest.raises(InvalidInput) as info:
        record(app, action_id, occurred_at=datetime(2026, 7, 21, 9))
    assert info.value.field == "occurred_at"
    with pytest.raises(NotFound) as missing:
        record(app, action_id, attachment_ids=[uuid4()])
    assert missing.value.field == "attachment_ids[0]"
    assert app.evidence(action_id, NOW)["count"] == 0


def test_a_changed_link_is_found() -> None:
    from core.evidence import digest

    entry = {"id": "1", "description": "a"}
    first = {"entry": entry, "prev": GENESIS, "digest": digest(GENESIS, entry)}
    assert first_broken([first]) is None
    assert first_broken([{**first, "entry": {**entry, "description": "b"}}]) == 0


def _bundle(app: Posko, action_id: UUID, folder: Path) -> Path:
    log = app.evidence(action_id, NOW)
    ids = {a["id"] for link in log["entries"] for a in link["entry"]["attachments"]}
    files = [(a, app.attachment(UUID(a))) for a in sorted(ids)]
    data = evidence_bundle.build(log, files, NOW)
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        bundle.extractall(folder)
    return folder


def _verify(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "verify_evidence.py", "."],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_bundle_verifies_and_catches_tampering(app: Posko, tmp_path: Path) -> None:
    action_id = strike(app)
    photo = app.upload_attachment(
        affiliate_id=None,
        action_id=action_id,
        filename="surat.jpg",
        media_type="image/jpeg",
        data=b"\xff\xd8foto",
        actor=ACTOR,
    ).id
    record(app, action_id, attachment_ids=[photo])
    record(app, action_id, category="replacement", description="Pekerja dari luar didatangkan")
    record(app, action_id, kind="summons", category="first", received_on="2026-07-21")

    intact = _bundle(app, action_id, tmp_path / "a")
    result = _verify(intact)
    assert result.returncode == 0, result.stdout
    assert "UTUH / INTACT: 3 entries" in result.stdout

    changed = _bundle(app, action_id, tmp_path / "b")
    doc = json.loads((changed / "evidence.json").read_text())
    doc["entries"][1]["entry"]["description"] = "Tidak ada apa-apa"
    (changed / "evidence.json").write_text(json.dumps(doc))
    assert "entry 2: its content does not match" in _verify(changed).stdout

    removed = _bundle(app, action_id, tmp_path / "c")
    doc = json.loads((removed / "evidence.json").read_text())
    del doc["entries"][1]
    (removed / "evidence.json").write_text(json.dumps(doc))
    assert "entry 2: does not follow" in _verify(removed).stdout

    swapped = _bundle(app, action_id, tmp_path / "d")
    [path] = list((swapped / "attachments").iterdir())
    path.write_bytes(b"other photo")
    result = _verify(swapped)
    assert result.returncode == 1
    assert "the file was changed" in result.stdout
    # A swapped file with its manifest rewritten to match is still found: the chain names it.
    doc = json.loads((swapped / "evidence.json").read_text())
    [meta] = doc["attachments"].values()
    meta["sha256"] = hashlib.sha256(b"other photo").hexdigest()
    (swapped / "evidence.json").write_text(json.dumps(doc))
    assert "is not the file it named" in _verify(swapped).stdout


def test_two_copies_of_a_draft_or_an_entry_at_once_record_once(app: Posko) -> None:
    from tests.integration.test_idempotent_create import together

    action_id = strike(app)
    for _ in range(10):
        notice_id, entry_id = uuid4(), uuid4()

        def draft(notice_id: UUID = notice_id) -> Any:
            return app.draft_notice(
                id=notice_id,
                kind="strike",
                action_id=action_id,
                affiliate_id=action_id,
                fields={"place": "Gerbang"},
                now=NOW,
                actor=ACTOR,
            )

        answers = together(draft, draft)
        assert sorted(a.created for a in answers) == [False, True], answers
        assert answers[0].position == answers[1].position
        answers = together(
            lambda entry_id=entry_id: record(app, action_id, id=entry_id),
            lambda entry_id=entry_id: record(app, action_id, id=entry_id),
        )
        assert sorted(a.created for a in answers) == [False, True], answers
    assert len(app.notices_of(action_id)) == 10
    log = app.evidence(action_id, NOW)
    assert (log["count"], log["intact"]) == (10, True)
