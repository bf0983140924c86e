"""The one error tree of Posko. Each error has a stable code and structured params; the words
people read come from the message catalogue, never from here."""

from __future__ import annotations

from typing import Any


class PoskoError(Exception):
    """Base of every error Posko raises on purpose."""

    status = 400
    code = "error"

    def __init__(self, code: str | None = None, *, field: str | None = None, **params: Any):
        self.code = code or type(self).code
        self.field = field
        self.params = params
        super().__init__(self.code, field, params)

    def __str__(self) -> str:
        where = f" ({self.field})" if self.field else ""
        return f"{self.code}{where} {self.params}" if self.params else f"{self.code}{where}"


class InvalidInput(PoskoError):
    """A value a caller sent is malformed or out of range; `field` names it."""

    status = 422
    code = "invalid"


class NotFound(PoskoError):
    status = 404
    code = "not_found"


class Forbidden(PoskoError):
    status = 403
    code = "forbidden"


class Unauthenticated(PoskoError):
    status = 401
    code = "unauthenticated"


class Unavailable(PoskoError):
    """Something Posko depends on for this request (a geocoder) did not answer; try later."""

    status = 503
    code = "unavailable"


class Conflict(PoskoError):
    """The request is valid but contradicts what is already recorded."""

    status = 409
    code = "conflict"


class UnsupportedMediaType(PoskoError):
    """A body in a format the endpoint does not take (JSON endpoints take application/json)."""

    status = 415
    code = "unsupported_media_type"


class TooManyRequests(PoskoError):
    """Costly work is at its bound right now; `retry_after` says when to come back (429)."""

    status = 429
    code = "too_many_requests"
