"""Validating a field report's body: the pydantic model Posko uses (web/bodies.py, through
web/parse.validated) against `json.loads` alone (the yardstick: parsing without checking) and,
when installed, an equivalent msgspec Struct, measured in the same run.

    .venv/bin/python bench/bodies.py [--n 20000] [--runs 5]

msgspec is not a dependency; `pip install msgspec` to include it in the comparison.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from web import bodies
from web.parse import validated

BODY = json.dumps(
    {
        "id": str(uuid.uuid4()),
        "site_id": str(uuid.uuid4()),
        "kind": "headcount",
        "at": "2026-05-01T09:00:00+07:00",
        "headcount": 1200,
        "by_affiliate": {str(uuid.uuid4()): 300},
        "lat": -6.2,
        "lon": 106.8,
        "accuracy_m": 12.0,
    }
).encode()


def msgspec_decoder() -> Callable[[bytes], Any] | None:
    try:
        import msgspec
    except ImportError:
        return None

    class Report(msgspec.Struct):
        id: UUID
        kind: Literal["checkin", "headcount", "status"]
        at: datetime
        site_id: UUID | None = None
        lat: float | None = None
        lon: float | None = None
        accuracy_m: float | None = None
        headcount: int | None = None
        by_affiliate: dict[UUID, int] | None = None
        phase: Literal["assembling", "marching", "holding", "dispersed"] | None = None
        mood: Literal["calm", "tense"] | None = None

    return msgspec.json.Decoder(Report).decode


def per_call(fn: Callable[[], Any], n: int, runs: int) -> tuple[float, float, float]:
    """Median, min and max microseconds per call over `runs` runs of `n` calls."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        for _ in range(n):
            fn()
        times.append((time.perf_counter() - started) / n * 1e6)
    return statistics.median(times), min(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    candidates: list[tuple[str, Callable[[], Any]]] = [
        ("json.loads (yardstick)", lambda: json.loads(BODY)),
        ("pydantic ReportIn (Posko)", lambda: validated(BODY, bodies.ReportIn)),
    ]
    decode = msgspec_decoder()
    if decode is not None:
        candidates.append(("msgspec Struct", lambda: decode(BODY)))
    results = {name: per_call(fn, args.n, args.runs) for name, fn in candidates}
    yardstick = results["json.loads (yardstick)"][0]
    print(f"{'body validation':28s} {'us/body':>9s} {'min-max':>15s} {'x json.loads':>13s}")
    for name, (median, low, high) in results.items():
        print(f"{name:28s} {median:9.2f} {low:7.2f}-{high:<7.2f} {median / yardstick:13.2f}")
    ours = results["pydantic ReportIn (Posko)"][0]
    print(f"SUMMARY bodies pydantic_us={ours:.2f} json_loads_us={yardstick:.2f}")


if __name__ == "__main__":
    main()
