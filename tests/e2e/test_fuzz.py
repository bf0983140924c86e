"""Property-based fuzzing of the whole HTTP API from its own OpenAPI document, against a live
`posko serve`: no response may be a 5xx, and every response must match the document.

Each operation's cases come from schemathesis' Hypothesis strategy; the pytest plugin is not
used because schemathesis 4.32 does not run under pytest 9.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.e2e.process import API_KEY, Server

EXAMPLES_PER_OPERATION = 15


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = Server(Path(tmp_path_factory.mktemp("fuzz")))
    server.start()
    yield server
    server.stop()


def operations(server: Server) -> list[Any]:
    schema = schemathesis.openapi.from_url(server.http + "/api/openapi.json")
    return [result.ok() for result in schema.get_all_operations()]


def test_every_operation_survives_fuzzing_without_5xx_or_schema_violations(live: Server) -> None:
    ops = operations(live)
    _, document = live.request("GET", "/api/openapi.json")
    listed = {
        f"{method.upper()} {path}"
        for path, methods in document["paths"].items()
        for method in methods
        if path != "/api/openapi.json"  # schemathesis leaves out the document it was read from
    }
    assert {op.label for op in ops} == listed
    headers = {"Authorization": f"Bearer {API_KEY}"}
    for operation in ops:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case: Any) -> None:
            # Rules across fields (an end after the start, lat with lon, a report time not in
            # the future, a site of this action) are beyond JSON Schema, so a request valid by
            # the schema may rightly be refused with a 4xx: that check is left out.
            case.call_and_validate(
                base_url=live.http, headers=headers, excluded_checks=[positive_data_acceptance]
            )

        try:
            fuzz()
        except Exception as error:
            raise AssertionError(f"{operation.label}: {error}") from error
