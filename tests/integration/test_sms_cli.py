"""`posko sms gateway add | list | remove` as a real process: the secret is printed once and
is the one the server derives; Posko's store never holds it; a removed gateway is refused."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from uuid import UUID

from core.sms import fingerprint, gateway_secret
from posko.bootstrap import build
from posko.settings import Settings

KEY = "s" * 32


def posko_sms(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "POSKO_DATA_DIR": str(data_dir), "POSKO_API_KEY": KEY}
    return subprocess.run(
        [sys.executable, "-m", "posko", "sms", "gateway", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
    )


def test_add_prints_a_secret_the_store_does_not_hold_and_list_and_remove_work(
    tmp_path: Path,
) -> None:
    added = posko_sms(tmp_path, "add", "--name", "HP posko Jakarta")
    assert added.returncode == 0, added.stderr
    printed = dict(line.split(" ", 1) for line in added.stdout.strip().splitlines())
    gateway_id, secret = UUID(printed["id"]), printed["secret"]

    components = build(Settings(data_dir=tmp_path, api_key=KEY), runner=False, gateway=False)
    try:
        gateway = components.app.sms_gateway(gateway_id)
        assert gateway is not None
        assert gateway_secret(KEY, gateway_id, gateway.salt) == secret
        assert gateway.fingerprint == fingerprint(secret)
        events = components.app.recorder.select_events(gateway_id)
        assert all(secret.encode() not in e.state for e in events)  # never stored
    finally:
        components.close()
    assert secret not in "".join(p.read_text(errors="replace") for p in tmp_path.glob("*.db*"))

    listed = posko_sms(tmp_path, "list")
    assert listed.stdout.split("\t")[:2] == [str(gateway_id), "HP posko Jakarta"]
    assert listed.stdout.strip().endswith("active")
    removed = posko_sms(tmp_path, "remove", "--id", str(gateway_id))
    assert removed.returncode == 0, removed.stderr
    assert posko_sms(tmp_path, "list").stdout.strip().endswith("removed")

    components = build(Settings(data_dir=tmp_path, api_key=KEY), runner=False, gateway=False)
    try:
        assert components.app.sms_gateway(gateway_id) is None
    finally:
        components.close()


def test_removing_an_unknown_gateway_fails_saying_why(tmp_path: Path) -> None:
    done = posko_sms(tmp_path, "remove", "--id", "3f6c2a1e-0000-4000-8000-000000000001")
    assert done.returncode == 1
    assert "gateway" in done.stderr.lower()
