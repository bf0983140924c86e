"""Casting into the ballot box as turnout grows: milliseconds per cast on SQLite and PostgreSQL.
On PostgreSQL every cast rewrites its vote's rows in key order (so no xmin or physical order
tells the new ballot apart), which costs O(turnout); this shows what that costs.

    .venv/bin/python bench/ballot_box.py [--casts 1000] [--database sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

import psycopg

from posko.ballot_box import PostgresBallotBox, SQLiteBallotBox

URL = "postgresql://postgres@127.0.0.1:5432/test"


def run(box: SQLiteBallotBox | PostgresBallotBox, casts: int) -> dict[int, float]:
    vote = uuid.uuid4()
    box.open(vote)
    window: list[float] = []
    out = {}
    for n in range(1, casts + 1):
        started = time.perf_counter()
        box.cast(
            vote,
            person_id=str(uuid.uuid4()),
            choice=n % 2,
            weight=1,
            receipt_hash=secrets.token_hex(32),
            on=date.today(),
        )
        window.append((time.perf_counter() - started) * 1000)
        if n % max(1, casts // 4) == 0:
            out[n] = statistics.median(window)
            window.clear()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--casts", type=int, default=1000)
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    args = parser.parse_args()
    if args.database in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            box = SQLiteBallotBox(Path(tmp) / "ballots.db")
            report("sqlite", run(box, args.casts))
            box.close()
    if args.database in ("postgres", "both"):
        schema = "bench_" + secrets.token_hex(4)
        with psycopg.connect(URL, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        try:
            pg = PostgresBallotBox(URL, schema=schema)
            report("postgres", run(pg, args.casts))
            pg.close()
        finally:
            with psycopg.connect(URL, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA {schema} CASCADE")


def report(name: str, medians: dict[int, float]) -> None:
    shown = ", ".join(f"up to {n}: {ms:.1f} ms" for n, ms in medians.items())
    print(f"SUMMARY ballot_box {name}: median ms per cast by turnout: {shown}")


if __name__ == "__main__":
    main()
