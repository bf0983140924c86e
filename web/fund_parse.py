"""Reading the fund's request bodies field by field, each failure an InvalidInput naming the
field, raised before any command runs. (The rest of the API describes its bodies once as
pydantic models in web/bodies.py; the fund's bodies are still read this way, see the README.)"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from aiohttp import web

from core.errors import InvalidInput

Body = dict[str, Any]


async def json_body(request: web.Request) -> Body:
    raw = await request.read()
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: "[[[[..." nested past the stack
        raise InvalidInput("malformed_json", field="body") from None
    if not isinstance(body, dict):
        raise InvalidInput("not_an_object", field="body")
    return body


async def optional_json_body(request: web.Request) -> Body:
    """A body that may be left out (a click that needs no details): nothing is {}."""
    return await json_body(request) if (await request.read()).strip() else {}


def _get(body: Body, field: str, required: bool) -> Any:
    value = body.get(field)
    if value is None and required:
        raise InvalidInput("required", field=field)
    return value


def required_value(body: Body, field: str) -> Any:
    """A field that must be present, of any JSON type (the command checks its shape)."""
    return _get(body, field, True)


def uuid(body: Body, field: str) -> UUID:
    value = _get(body, field, True)
    if not isinstance(value, str):
        raise InvalidInput("not_uuid", field=field)
    try:
        return UUID(value)
    except ValueError:
        raise InvalidInput("not_uuid", field=field) from None


def optional_uuid(body: Body, field: str) -> UUID | None:
    return None if body.get(field) is None else uuid(body, field)


def string(body: Body, field: str) -> str:
    value = _get(body, field, True)
    if not isinstance(value, str):
        raise InvalidInput("wrong_type", field=field, expected="string")
    return value


def optional_string(body: Body, field: str) -> str | None:
    return None if body.get(field) is None else string(body, field)


def integer(body: Body, field: str) -> int:
    value = _get(body, field, True)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput("wrong_type", field=field, expected="integer")
    return value


def optional_integer(body: Body, field: str) -> int | None:
    return None if body.get(field) is None else integer(body, field)
