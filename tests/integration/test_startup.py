"""Start-up against PostgreSQL: a POSKO_DATABASE_SCHEMA that does not exist yet is created; one
that cannot be created (POSKO_VIEWS_SCHEMA too), and a database that cannot be reached, stop
start-up with one line naming the setting (no traceback)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

API_KEY = "startup-key-" + "s" * 20


def posko(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "posko", *args],
        env={**os.environ, "POSKO_DATA_DIR": str(tmp_path), "POSKO_API_KEY": API_KEY, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_schema_that_does_not_exist_is_created(tmp_path: Path, postgres_url: str) -> None:
    schema = "t_new_" + secrets.token_hex(5)
    try:
        result = posko(
            tmp_path, "rebuild", POSKO_DATABASE_URL=postgres_url, POSKO_DATABASE_SCHEMA=schema
        )
        assert result.returncode == 0, result.stderr
        assert "rebuilt views up to position 0" in result.stdout
        with psycopg.connect(postgres_url) as conn:
            tables = {
                row[0]
                for row in conn.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                    (schema,),
                )
            }
        assert {"posko_events", "view_rows", "store_identity"} <= tables
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def test_a_database_that_cannot_be_reached_stops_with_one_line(tmp_path: Path) -> None:
    result = posko(tmp_path, "web", POSKO_DATABASE_URL="postgresql://posko@127.0.0.1:1/posko")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("posko: POSKO_DATABASE_URL: cannot connect")
    assert "Traceback" not in result.stderr


@pytest.fixture
def unprivileged_url(postgres_url: str) -> Iterator[str]:
    """The test database as a role that may connect but not create schemas (PostgreSQL grants
    no CREATE on a database by default)."""
    role = "t_role_" + secrets.token_hex(5)
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")
    parts = urlsplit(postgres_url)
    host = parts.netloc.rpartition("@")[2]
    try:
        yield urlunsplit(parts._replace(netloc=f"{role}@{host}"))
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f"DROP ROLE {role}")


@pytest.mark.parametrize("setting", ["POSKO_DATABASE_SCHEMA", "POSKO_VIEWS_SCHEMA"])
def test_a_schema_that_cannot_be_created_stops_with_one_line_naming_its_setting(
    tmp_path: Path, unprivileged_url: str, setting: str
) -> None:
    schema = "t_missing_" + secrets.token_hex(5)
    result = posko(tmp_path, "web", POSKO_DATABASE_URL=unprivileged_url, **{setting: schema})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"posko: {setting}={schema}: the schema does not exist"), lines
    assert "Traceback" not in result.stderr
