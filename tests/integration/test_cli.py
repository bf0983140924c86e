"""`posko user add | passwd` as a script would run them: a real process on a data directory,
the password on stdin or in POSKO_NEW_PASSWORD; the person can then sign in over the API."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from uuid import UUID

import pytest

from core.access import Role
from posko.bootstrap import build
from posko.settings import Settings
from web.sessions import check_credentials

KEY = "c" * 32


def posko(
    data_dir: Path, *args: str, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    environ = {
        **{k: v for k, v in os.environ.items() if k != "POSKO_NEW_PASSWORD"},
        "POSKO_DATA_DIR": str(data_dir),
        "POSKO_API_KEY": KEY,
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "posko", "user", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
    )


def person_can_sign_in(data_dir: Path, login: str, password: str) -> tuple[bool, tuple[Role, ...]]:
    components = build(Settings(data_dir=data_dir, api_key=KEY), runner=False, gateway=False)
    try:
        person = check_credentials(components.app, login, password)
        return person is not None, () if person is None else person.role_objects()
    finally:
        components.close()


ADD = ["add", "--name", "Said Iqbal", "--phone", "0812-1000-2000", "--role", "admin"]


def test_user_add_prints_the_id_of_an_admin_who_can_sign_in(tmp_path: Path) -> None:
    done = posko(tmp_path, *ADD, "--password-stdin", stdin="panjang-sekali-sandinya\n")

    assert done.returncode == 0, done.stderr
    UUID(done.stdout.strip())  # the id and nothing else on stdout, for scripts
    ok, roles = person_can_sign_in(tmp_path, "081210002000", "panjang-sekali-sandinya")
    assert ok
    assert roles == (Role("admin"),)


def test_user_add_twice_is_the_same_person_with_the_latest_password(tmp_path: Path) -> None:
    first = posko(tmp_path, *ADD, "--password-stdin", stdin="panjang-sekali-sandinya\n")
    second = posko(tmp_path, *ADD, POSKO_NEW_PASSWORD="sandi-baru-yang-panjang")

    assert (first.returncode, second.returncode) == (0, 0), second.stderr
    assert first.stdout == second.stdout
    assert person_can_sign_in(tmp_path, "+6281210002000", "sandi-baru-yang-panjang")[0]
    assert not person_can_sign_in(tmp_path, "+6281210002000", "panjang-sekali-sandinya")[0]


def test_a_coordinator_of_one_action_needs_that_action_to_exist(tmp_path: Path) -> None:
    args = ["add", "--name", "Budi", "--phone", "0813-1000-2000", "--role", "coordinator"]
    done = posko(
        tmp_path,
        *args,
        "--action-id",
        "3f2b3c4d-0000-4000-8000-000000000000",
        POSKO_NEW_PASSWORD="panjang-sekali-sandinya",
    )

    assert done.returncode == 1
    assert "No such action." in done.stderr


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--password-stdin"], "pendek\n", "at least 10 characters"),
        ([], "", "No password given"),  # not a terminal, no variable: refuse, do not hang
    ],
    ids=["weak", "missing"],
)
def test_user_add_refuses_a_weak_or_missing_password(
    tmp_path: Path, args: list[str], stdin: str, message: str
) -> None:
    done = posko(tmp_path, *ADD, *args, stdin=stdin)

    assert done.returncode == 1
    assert message in done.stderr
    assert done.stdout == ""


def test_user_passwd_sets_the_password_of_a_login(tmp_path: Path) -> None:
    added = posko(tmp_path, *ADD, POSKO_NEW_PASSWORD="panjang-sekali-sandinya")
    changed = posko(
        tmp_path,
        "passwd",
        "--login",
        "+62 812 1000 2000",
        "--password-stdin",
        stdin="lain-lagi-1234\n",
    )
    unknown = posko(
        tmp_path,
        "passwd",
        "--login",
        "0899-0000-0000",
        "--password-stdin",
        stdin="lain-lagi-1234\n",
    )

    assert changed.returncode == 0, changed.stderr
    assert changed.stdout == added.stdout
    assert person_can_sign_in(tmp_path, "081210002000", "lain-lagi-1234")[0]
    assert unknown.returncode == 1
    assert "No such login." in unknown.stderr


def _run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "POSKO_API_KEY"}
    return subprocess.run(
        [sys.executable, "-m", "posko", *args],
        capture_output=True,
        text=True,
        env={**environ, "POSKO_DATA_DIR": str(data_dir)},
        timeout=60,
    )


def test_a_generated_key_is_never_printed_but_shown_on_demand(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"

    first = _run(data_dir, "key", "path")
    shown = _run(data_dir, "key", "show")

    key = (data_dir / "api_key").read_text().strip()
    assert first.returncode == 0, first.stderr
    assert key not in first.stdout + first.stderr
    assert str(data_dir / "api_key") in first.stdout + first.stderr
    assert shown.stdout.strip() == key
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700


def test_start_warns_when_the_key_file_is_readable_by_others(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    _run(data_dir, "key", "show")
    (data_dir / "api_key").chmod(0o644)

    warned = _run(data_dir, "key", "path")

    assert "readable by others" in warned.stderr
    assert "chmod 600" in warned.stderr
