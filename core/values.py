"""Checks for the values commands take: coordinates, counts, text and times. Each raises
InvalidInput naming the field, so the caller can point at what to fix."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

from core.errors import InvalidInput

MAX_TEXT = 200
MAX_HEADCOUNT = 10_000_000  # more people than any rally; a larger figure is a typo
_EARLIEST, _LATEST = (
    datetime.min.replace(tzinfo=UTC).isoformat(),
    datetime.max.replace(tzinfo=UTC).isoformat(),
)


# Control characters (but line breaks and tabs) and the bidirectional overrides and isolates,
# which make text read otherwise on screen than it is stored ("Aman\u202egnal").
# Control and bidirectional-override characters, as a regex class body (escapes, not the
# characters themselves, so that JSON Schema, Python and pydantic's Rust engine read it alike).
BAD_CHARACTERS = r"\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
_BAD_CHARACTERS = re.compile(f"[{BAD_CHARACTERS}]")
# Text as the core takes it: something that is not blank, and none of those characters.
TEXT_PATTERN = f"^[^{BAD_CHARACTERS}]*[^\\s{BAD_CHARACTERS}][^{BAD_CHARACTERS}]*$"


def text(field: str, value: str, *, max_length: int = MAX_TEXT) -> str:
    value = value.strip()
    if not value:
        raise InvalidInput("required", field=field)
    if len(value) > max_length:
        raise InvalidInput("too_long", field=field, max=max_length)
    return clean(field, value)


def has_bad_characters(value: str) -> bool:
    return _BAD_CHARACTERS.search(value) is not None


def clean(field: str, value: str) -> str:
    """`value`, unless it holds control or bidirectional-override characters (422)."""
    if _BAD_CHARACTERS.search(value):
        raise InvalidInput("bad_characters", field=field)
    return value


def choice(field: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise InvalidInput("not_one_of", field=field, allowed=list(allowed))
    return value


def latitude(field: str, value: float) -> float:
    if not math.isfinite(value) or not -90.0 <= value <= 90.0:
        raise InvalidInput("out_of_range", field=field, min=-90, max=90)
    return float(value)


def longitude(field: str, value: float) -> float:
    if not math.isfinite(value) or not -180.0 <= value <= 180.0:
        raise InvalidInput("out_of_range", field=field, min=-180, max=180)
    return float(value)


def count(field: str, value: int, *, maximum: int = MAX_HEADCOUNT) -> int:
    if not 0 <= value <= maximum:
        raise InvalidInput("out_of_range", field=field, min=0, max=maximum)
    return value


def accuracy(field: str, value: float) -> float:
    if not math.isfinite(value) or not 0.0 <= value <= 100_000.0:
        raise InvalidInput("out_of_range", field=field, min=0, max=100_000)
    return float(value)


def aware(field: str, value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput("needs_timezone", field=field)
    try:
        value.astimezone(UTC)  # 0001-01-01T00:00+05:00 has no UTC equivalent
    except OverflowError:
        raise InvalidInput("out_of_range", field=field, min=_EARLIEST, max=_LATEST) from None
    return value


def phone(field: str, value: str) -> str:
    """An Indonesian (or international) phone number in E.164: 0812-3456-7890 -> +6281234567890."""
    digits = "".join(c for c in value if c.isdigit())
    stripped = value.strip()
    if stripped.startswith("+") or digits.startswith("62"):
        number = "+" + digits
    elif digits.startswith("0"):
        number = "+62" + digits[1:]
    else:
        raise InvalidInput("not_a_phone", field=field)
    if not all(c.isdigit() or c in " +-().\u00a0" for c in stripped) or not 9 <= len(number) <= 16:
        raise InvalidInput("not_a_phone", field=field)
    return number


def email(field: str, value: str) -> str:
    value = value.strip().lower()
    local, at, domain = value.partition("@")
    if not at or not local or "." not in domain or " " in value or len(value) > 254:
        raise InvalidInput("not_an_email", field=field)
    return value
