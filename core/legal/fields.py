"""The fields of a strike notice and of a demonstration notice, checked one by one: a draft may
leave any of them out (completeness is judged when it is marked ready), but what it gives must
be well formed. Each failure is an InvalidInput naming the field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from core import values
from core.errors import InvalidInput

LONG_TEXT = 4_000
MAX_PEOPLE = 20
SCOPES = ("subdistrict", "district", "province", "national")
NEGOTIATION_KINDS = ("request", "minutes", "deadlock", "refusal", "other")
RECIPIENTS = ("employer", "disnaker")


def _text(limit: int = values.MAX_TEXT) -> Callable[[str, Any], str]:
    def clean(field: str, value: Any) -> str:
        if not isinstance(value, str):
            raise InvalidInput("wrong_type", field=field, expected="string")
        return values.text(field, value, max_length=limit)

    return clean


def _time(field: str, value: Any) -> str:
    """An aware ISO time, kept as its ISO text (with the zone the organisers gave)."""
    if not isinstance(value, str):
        raise InvalidInput("not_datetime", field=field)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput("not_datetime", field=field) from None
    return values.aware(field, parsed).isoformat()


moment = _time


def _flag(field: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput("wrong_type", field=field, expected="boolean")
    return value


def _week(field: str, value: Any) -> int:
    if value not in (5, 6) or isinstance(value, bool):
        raise InvalidInput("not_one_of", field=field, allowed=[5, 6])
    return int(value)


def _people_count(field: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput("wrong_type", field=field, expected="integer")
    return values.count(field, value)


def _scope(field: str, value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidInput("wrong_type", field=field, expected="string")
    return values.choice(field, value, SCOPES)


def _objects(keys: dict[str, bool]) -> Callable[[str, Any], list[dict[str, str]]]:
    """A list of small objects of text, e.g. signatories {union, chair, secretary}; `keys`
    says which keys exist (True: required in every entry)."""

    def clean(field: str, value: Any) -> list[dict[str, str]]:
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise InvalidInput("wrong_type", field=field, expected="array of objects")
        if len(value) > MAX_PEOPLE:
            raise InvalidInput("too_many", field=field, max=MAX_PEOPLE)
        out = []
        for i, entry in enumerate(value):
            unknown = set(entry) - set(keys)
            if unknown:
                raise InvalidInput("unknown_field", field=f"{field}[{i}].{sorted(unknown)[0]}")
            item = {}
            for key, needed in keys.items():
                raw = entry.get(key)
                if raw is None or raw == "":
                    if needed:
                        raise InvalidInput("required", field=f"{field}[{i}].{key}")
                    continue
                item[key] = _text()(f"{field}[{i}].{key}", raw)
            out.append(item)
        return out

    return clean


def _uuids(field: str, value: Any) -> list[str]:
    from uuid import UUID

    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput("wrong_type", field=field, expected="array of strings")
    try:
        return [str(UUID(v)) for v in value]
    except ValueError:
        raise InvalidInput("not_uuid", field=field) from None


STRIKE: dict[str, Callable[[str, Any], Any]] = {
    "employer_name": _text(),
    "employer_address": _text(500),
    "disnaker_name": _text(),
    "disnaker_address": _text(500),
    "starts_at": _time,
    "ends_at": _time,
    "place": _text(1_000),
    "reasons": _text(LONG_TEXT),
    # every union involved: its chair and secretary; for workers who are not members, one
    # entry with only `coordinator` (UU 13/2003 Pasal 140 ayat (3))
    "signatories": _objects(
        {"union": False, "chair": False, "secretary": False, "coordinator": False}
    ),
    "public_service": _flag,
    "staffing_plan": _text(LONG_TEXT),
    "week": _week,
    "city": _text(),
    "letter_number": _text(),
}

DEMO: dict[str, Callable[[str, Any], Any]] = {
    "police_unit": _text(),
    "scope": _scope,
    "purpose": _text(LONG_TEXT),
    "route": _text(1_000),
    "site_ids": _uuids,
    "starts_at": _time,
    "ends_at": _time,
    "form": _text(50),
    "indoor": _flag,
    "responsible": _objects({"name": True, "phone": False, "address": False}),
    "organisation_name": _text(),
    "organisation_address": _text(500),
    "props": _text(1_000),
    "participants": _people_count,
    "city": _text(),
    "letter_number": _text(),
}


def clean(schema: dict[str, Callable[[str, Any], Any]], raw: dict[str, Any]) -> dict[str, Any]:
    """The given fields, checked; null removes a field (a draft may be emptied again)."""
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in schema:
            raise InvalidInput("unknown_field", field=key)
        out[key] = None if value is None else schema[key](key, value)
    starts, ends = out.get("starts_at"), out.get("ends_at")
    if starts and ends and datetime.fromisoformat(ends) <= datetime.fromisoformat(starts):
        raise InvalidInput("ends_before_start", field="ends_at")
    return out


def day(field: str, value: Any) -> str:
    """A calendar day, YYYY-MM-DD (a receipt's date, a negotiation's date)."""
    if not isinstance(value, str):
        raise InvalidInput("not_date", field=field)
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise InvalidInput("not_date", field=field) from None
