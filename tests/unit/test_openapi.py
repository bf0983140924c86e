"""The OpenAPI document matches the routes the aiohttp app really serves."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web

from posko.bootstrap import build, web_services
from posko.settings import Settings
from web.app import PAGES, create_app
from web.openapi import openapi_document

METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}
UNDOCUMENTED = set(PAGES)  # HTML pages, not API; /static is skipped as a static resource


@pytest.fixture
def app(tmp_path: Path) -> Iterator[web.Application]:
    components = build(Settings(data_dir=tmp_path, api_key="k" * 32), runner=False, gateway=False)
    try:
        yield create_app(web_services(components))
    finally:
        components.close()


def served(app: web.Application) -> set[tuple[str, str]]:
    routes = set()
    for route in app.router.routes():
        if isinstance(route.resource, web.StaticResource) or route.method == "HEAD":
            continue
        path = route.resource.canonical if route.resource else ""
        if path not in UNDOCUMENTED:
            routes.add((route.method.lower(), path))
    return routes


def documented() -> set[tuple[str, str]]:
    return {
        (method, path)
        for path, item in openapi_document()["paths"].items()
        for method in item
        if method in METHODS
    }


def operations() -> Iterator[tuple[str, str, dict[str, object]]]:
    for path, item in openapi_document()["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method, path, operation


def test_the_document_lists_exactly_the_routes_the_app_serves(app: web.Application) -> None:
    assert served(app) == documented()


def test_every_operation_has_a_summary_and_responses() -> None:
    for method, path, operation in operations():
        assert operation.get("summary"), (method, path)
        responses = operation.get("responses")
        assert isinstance(responses, dict) and responses, (method, path)
        assert any(status.startswith("2") for status in responses), (method, path)


def test_every_path_parameter_is_declared() -> None:
    for method, path, operation in operations():
        in_path = set(re.findall(r"{(\w+)}", path))
        parameters = operation.get("parameters", [])
        assert isinstance(parameters, list)
        declared = {p["name"] for p in parameters if p["in"] == "path"}
        assert declared == in_path, (method, path)


def test_the_document_is_openapi_3_and_plain_json() -> None:
    document = openapi_document()
    assert document["openapi"].startswith("3.")
    assert json.loads(json.dumps(document)) == document
