"""Reading request bodies: JSON objects and their typed fields. Each failure is an InvalidInput
naming the field, raised before any command runs, so bad input never writes anything."""

from __future__ import annotations

import types
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin
from uuid import UUID

import annotated_types
from aiohttp import web
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from core import values
from core.errors import InvalidInput, NotFound, UnsupportedMediaType
from web.bodies import PasswordRule, ReceiptRule

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

# pydantic's error types (a documented, stable list) as our codes, with what each expects.
_WRONG_TYPE = {
    "string_type": "string",
    "int_type": "integer",
    "int_from_float": "integer",
    "float_type": "number",
    "bool_type": "boolean",
    "list_type": "array",
    "dict_type": "object",
    "model_type": "object",
}


JSON_TYPES = ("application/json",)


async def body(request: web.Request, model: type[M], *, optional: bool = False) -> M:
    """The request's JSON body as `model` (web/bodies.py), or InvalidInput naming the first
    field that is wrong, before any command runs. `optional`: no body at all reads as {}.
    Only as application/json (415 otherwise): a cross-site HTML form can send text/plain or a
    form encoding without asking first, never JSON."""
    raw = await request.read()
    json_type = request.content_type in JSON_TYPES or request.content_type.endswith("+json")
    if not json_type and not (optional and not raw.strip()):
        raise UnsupportedMediaType(field="Content-Type", expected="application/json")
    return validated(b"{}" if optional and not raw.strip() else raw, model)


def validated(raw: bytes, model: type[M]) -> M:
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        raise _invalid(model, error.errors(include_url=False)[0]) from None


def _invalid(model: type[BaseModel], error: ErrorDetails) -> InvalidInput:
    kind, loc, ctx = error["type"], error["loc"], error.get("ctx", {})
    if kind == "json_invalid":
        return InvalidInput("malformed_json", field="body")
    if not loc:
        return InvalidInput("not_an_object", field="body")
    field = _field_name(loc)
    if kind == "missing" or error["input"] is None:
        return InvalidInput("required", field=field)
    receipt = _marker(model, loc, ReceiptRule) if kind.startswith("string_") else None
    if receipt is not None and kind != "string_type":
        return InvalidInput("not_a_receipt", field=field, length=receipt.length)
    if kind == "string_pattern_mismatch" and values.has_bad_characters(str(error["input"])):
        return InvalidInput("bad_characters", field=field)
    if kind in ("string_too_short", "string_pattern_mismatch"):  # blank, as the core says
        rule = _marker(model, loc, PasswordRule)
        if rule is not None:
            return InvalidInput("weak_password", field=field, min=rule.min_length)
        return InvalidInput("required", field=field)
    if kind == "string_too_long":
        return InvalidInput("too_long", field=field, max=ctx["max_length"])
    if kind == "too_long":
        return InvalidInput("too_many", field=field, max=ctx["max_length"])
    if kind == "too_short":
        return InvalidInput("too_few", field=field, min=ctx["min_length"])
    if kind in ("uuid_type", "uuid_parsing", "uuid_version"):
        return InvalidInput("not_uuid", field=field)
    if kind == "timezone_aware":
        return InvalidInput("needs_timezone", field=field)
    if kind.startswith("datetime"):
        return InvalidInput("not_datetime", field=field)
    if kind == "literal_error" and not isinstance(error["input"], str):
        return InvalidInput("wrong_type", field=field, expected="string")
    if kind == "literal_error":
        return InvalidInput("not_one_of", field=field, allowed=_choices(model, loc))
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        low, high = _bounds(model, loc)
        return InvalidInput("out_of_range", field=field, min=low, max=high)
    if kind in _WRONG_TYPE:
        return InvalidInput("wrong_type", field=field, expected=_WRONG_TYPE[kind])
    return InvalidInput("invalid", field=field)


def _field_name(loc: tuple[int | str, ...]) -> str:
    """("demands", 3) -> "demands[3]"; ("by_affiliate", "<key>") -> "by_affiliate.<key>";
    a bad key of a map names the map."""
    if loc[-1] == "[key]":
        loc = loc[:-2]
    name = str(loc[0])
    for part in loc[1:]:
        name += f"[{part}]" if isinstance(part, int) else f".{part}"
    return name


def _annotation_parts(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[Any]:
    """Everything the field's annotation is made of: types, Literal values, metadata. A field
    of a nested body (("legs", 0, "side")) is looked up in that body's model."""
    names = [part for part in loc if isinstance(part, str)]
    info = model.model_fields.get(names[0]) if names else None
    for name in names[1:]:
        inner = [p for p in _parts(info) if isinstance(p, type) and issubclass(p, BaseModel)]
        if info is None or not inner:
            break
        info = inner[0].model_fields.get(name)
    return _parts(info)


def _parts(info: FieldInfo | None) -> list[Any]:
    if info is None:
        return []
    parts: list[Any] = list(info.metadata)
    pending: list[Any] = [info.annotation]
    while pending:
        hint = pending.pop()
        parts.append(hint)
        origin = get_origin(hint)
        if origin is Annotated:
            pending.append(get_args(hint)[0])
            for meta in hint.__metadata__:  # a Field(...) holds its constraints in turn
                parts.extend([meta, *meta.metadata] if isinstance(meta, FieldInfo) else [meta])
        elif origin in (Union, types.UnionType, list, dict):
            pending.extend(get_args(hint))
    return parts


def _marker(model: type[BaseModel], loc: tuple[int | str, ...], kind: type[T]) -> T | None:
    return next((p for p in _annotation_parts(model, loc) if isinstance(p, kind)), None)


def _choices(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[Any]:
    for part in _annotation_parts(model, loc):
        if get_origin(part) is Literal:
            return list(get_args(part))
    return []


def _bounds(model: type[BaseModel], loc: tuple[int | str, ...]) -> tuple[Any, Any]:
    low = high = None
    for part in _annotation_parts(model, loc):
        if isinstance(part, annotated_types.Ge | annotated_types.Gt) and low is None:
            low = part.ge if isinstance(part, annotated_types.Ge) else part.gt
        if isinstance(part, annotated_types.Le | annotated_types.Lt) and high is None:
            high = part.le if isinstance(part, annotated_types.Le) else part.lt
    return low, high


def path_id(request: web.Request, name: str = "id") -> UUID:
    """A UUID from the path; anything else names no resource, so it is a 404."""
    try:
        return UUID(request.match_info[name])
    except ValueError:
        raise NotFound("not_found", field=name) from None


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
