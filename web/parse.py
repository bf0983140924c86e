"""Reading request bodies: JSON objects and their typed fields. Each failure is an InvalidInput
naming the field, raised before any command runs, so bad input never writes anything."""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any
from uuid import UUID

from aiohttp import web

from core import values
from core.access import ROLE_NAMES, SCOPE_KEYS, Role
from core.errors import InvalidInput, NotFound

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


def path_id(request: web.Request, name: str = "id") -> UUID:
    """A UUID from the path; anything else names no resource, so it is a 404."""
    try:
        return UUID(request.match_info[name])
    except ValueError:
        raise NotFound("not_found", field=name) from None


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


def string_list(body: Body, field: str) -> list[str]:
    value = _get(body, field, False)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput("wrong_type", field=field, expected="array of strings")
    return value


def integer(body: Body, field: str) -> int:
    value = _get(body, field, True)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput("wrong_type", field=field, expected="integer")
    return value


def optional_integer(body: Body, field: str) -> int | None:
    return None if body.get(field) is None else integer(body, field)


def number(body: Body, field: str) -> float:
    value = _get(body, field, True)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput("wrong_type", field=field, expected="number")
    try:
        return float(value)
    except OverflowError:  # an integer literal too large for a float: as out of range as inf
        return math.inf if value > 0 else -math.inf


def optional_number(body: Body, field: str) -> float | None:
    return None if body.get(field) is None else number(body, field)


def timestamp(body: Body, field: str) -> datetime:
    value = _get(body, field, True)
    if not isinstance(value, str):
        raise InvalidInput("not_datetime", field=field)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput("not_datetime", field=field) from None
    if parsed.tzinfo is None:
        raise InvalidInput("needs_timezone", field=field)
    return parsed


def optional_timestamp(body: Body, field: str) -> datetime | None:
    return None if body.get(field) is None else timestamp(body, field)


def counts_by_id(body: Body, field: str) -> dict[str, int] | None:
    """{"<uuid>": <int>, ...} (a headcount per affiliate), keys in canonical UUID form."""
    value = body.get(field)
    if value is None:
        return None
    if not isinstance(value, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value.values()
    ):
        raise InvalidInput("wrong_type", field=field, expected="object of integers")
    try:
        return {str(UUID(key)): count for key, count in value.items()}
    except ValueError:
        raise InvalidInput("not_uuid", field=field) from None


# -- the query string ----------------------------------------------------------------------------


def query_timestamp(request: web.Request, field: str) -> datetime | None:
    """An ISO time with a zone from the query (?at=...), or None when absent. An unencoded
    "+07:00" arrives as " 07:00" (a + in a query is a space); it is read as meant."""
    raw = request.query.get(field)
    if raw is None:
        return None
    head, space, zone = raw.rpartition(" ")
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        if not space:
            raise InvalidInput("not_datetime", field=field) from None
        try:
            parsed = datetime.fromisoformat(f"{head}+{zone}")
        except ValueError:
            raise InvalidInput("not_datetime", field=field) from None
    if parsed.tzinfo is None:
        raise InvalidInput("needs_timezone", field=field)
    return values.aware(field, parsed)


def query_number(request: web.Request, field: str) -> float:
    raw = request.query.get(field)
    if raw is None or not raw.strip():
        raise InvalidInput("required", field=field)
    try:
        return float(raw)
    except ValueError:
        raise InvalidInput("wrong_type", field=field, expected="number") from None


def role(body: Body) -> Role:
    """A role with its scope: {"name", "action_id"?, "site_id"?, "fund_id"?, ...}."""
    name = string(body, "name")
    if name not in ROLE_NAMES:
        raise InvalidInput("not_one_of", field="name", allowed=list(ROLE_NAMES))
    scope = {key: optional_uuid(body, key) for key in SCOPE_KEYS}
    return Role(name, **{key: str(value) for key, value in scope.items() if value is not None})
