"""`posko fund verify` as an auditor runs it: a real process on a data directory. A clean fund
exits 0; an event edited in the SQLite file exits 1 naming it; a checkpoint kept by an
affiliate is checked too; an unknown fund exits 2."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path
from uuid import UUID, uuid4

from posko.bootstrap import build
from posko.settings import Settings

KEY = "f" * 32


def posko(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "POSKO_DATA_DIR": str(data_dir), "POSKO_API_KEY": KEY}
    return subprocess.run(
        [sys.executable, "-m", "posko", "fund", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
    )


def make_fund(data_dir: Path) -> tuple[UUID, UUID]:
    components = build(Settings(data_dir=data_dir, api_key=KEY), runner=False, gateway=False)
    app = components.app
    fund_id, entry_id = uuid4(), uuid4()
    try:
        app.open_fund(
            id=fund_id,
            name="Dana Mogok",
            unit_kind="confederation",
            unit_id=None,
            threshold=1_000_000,
            actor="t",
        )
        for n, day in enumerate((date(2026, 2, 1), date(2026, 11, 2))):
            app.record_contribution(
                id=entry_id if n == 0 else uuid4(),
                fund_id=fund_id,
                source="donor",
                payer="Donatur",
                channel="qris",
                reference=None,
                amount=250_000,
                income_account="income:donation",
                asset_account="bank",
                effective_date=day,
                actor="t",
            )
        app.close_period(fund_id=fund_id, period="2026-H1", actor="t")
    finally:
        components.close()
    return fund_id, entry_id


def test_verify_a_clean_fund_then_locate_an_edited_event(tmp_path: Path) -> None:
    fund_id, entry_id = make_fund(tmp_path)
    clean = posko(tmp_path, "verify", str(fund_id))
    assert clean.returncode == 0, clean.stderr
    result = json.loads(clean.stdout)
    assert result["ok"] and result["entries"] == 2
    kept = tmp_path / "kept.json"
    kept.write_text(json.dumps(result))  # what an affiliate keeps: the checkpoints in it

    with sqlite3.connect(tmp_path / "events.db") as conn:
        rowid, state = next(
            (rowid, state)
            for rowid, state in conn.execute("SELECT rowid, state FROM stored_events")
            if str(entry_id) in state.decode() and b'"legs"' in state
        )
        conn.execute(
            "UPDATE stored_events SET state = ? WHERE rowid = ?",
            (state.replace(b'"Donatur"', b'"Orang lain"'), rowid),
        )

    tampered = posko(tmp_path, "verify", str(fund_id), "--checkpoints", str(kept))
    assert tampered.returncode == 1
    found = json.loads(tampered.stdout)["first_mismatch"]
    assert found["problem"] == "hash_mismatch" and found["entry_id"] == str(entry_id)


def test_verify_an_unknown_fund_exits_2(tmp_path: Path) -> None:
    make_fund(tmp_path)
    assert posko(tmp_path, "verify", str(uuid4())).returncode == 2
