"""The gateway's wire protocol: JSON text frames parsed into typed client messages, the frames
the server sends, and the credentials a handshake carries. Pure: no sockets, no clock, no store."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final, Literal

ErrorCode = Literal["forbidden", "unknown_channel", "bad_request", "unauthenticated", "too_many"]

MAX_CHANNEL_LENGTH: Final = 200  # longer names exist nowhere; refusing them keeps errors small
MAX_TOKEN_LENGTH: Final = 4096
SESSION_COOKIE: Final = "posko_session"  # the web app's session cookie, sent on handshakes too


class ProtocolError(Exception):
    """A client message the server refuses; `code` goes on the wire in an error frame."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: ErrorCode = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Auth:
    token: str | None  # None (JSON null) asks to be let in anonymously


@dataclass(frozen=True, slots=True)
class Subscribe:
    channel: str
    since: int | None = None  # the last position the client has on this channel, if any


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    channel: str


ClientMessage = Auth | Subscribe | Unsubscribe


def parse_client(text: str | bytes) -> ClientMessage:
    """The message in one client frame; raises ProtocolError("bad_request") when malformed.

    Unknown extra fields are ignored so that newer clients can talk to older gateways.
    """
    try:
        raw = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:  # decode errors are ValueErrors
        raise ProtocolError("bad_request", "the frame is not valid JSON") from error
    if not isinstance(raw, dict):
        raise ProtocolError("bad_request", "a message must be a JSON object")
    kind = raw.get("type")
    if kind == "auth":
        return Auth(None if raw.get("token") is None else _string(raw, "token", MAX_TOKEN_LENGTH))
    if kind == "subscribe":
        return Subscribe(_string(raw, "channel", MAX_CHANNEL_LENGTH), _since(raw))
    if kind == "unsubscribe":
        return Unsubscribe(_string(raw, "channel", MAX_CHANNEL_LENGTH))
    if not isinstance(kind, str):
        raise ProtocolError("bad_request", "a message needs a string 'type'")
    raise ProtocolError("bad_request", "unknown message type")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _string(raw: dict[str, Any], field: str, max_length: int) -> str:
    value = raw.get(field)
    if not isinstance(value, str) or not value:
        raise ProtocolError("bad_request", f"'{field}' must be a non-empty string")
    if len(value) > max_length:
        raise ProtocolError("bad_request", f"'{field}' is too long")
    return value


def _since(raw: dict[str, Any]) -> int | None:
    since = raw.get("since")
    if since is None:
        return None
    # bool is an int subclass, but `true` is no position.
    if isinstance(since, bool) or not isinstance(since, int) or since < 0:
        raise ProtocolError("bad_request", "'since' must be a non-negative integer or null")
    return since


# -- server frames --------------------------------------------------------------------------------


def _dumps(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False)


def ready() -> str:
    return _dumps({"type": "ready"})


def snapshot(channel: str, position: int, data: dict[str, Any]) -> str:
    return _dumps({"type": "snapshot", "channel": channel, "position": position, "data": data})


def change(channel: str, position: int, data: dict[str, Any]) -> str:
    return _dumps({"type": "change", "channel": channel, "position": position, "data": data})


def subscribed(channel: str, position: int) -> str:
    """After a resume: the client has every change on `channel` up to `position`."""
    return _dumps({"type": "subscribed", "channel": channel, "position": position})


def error(code: ErrorCode, message: str, channel: str | None = None) -> str:
    body: dict[str, Any] = {"type": "error", "code": code, "message": message}
    if channel is not None:
        body["channel"] = channel
    return _dumps(body)


# -- handshake ------------------------------------------------------------------------------------


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header value, if that is what it is."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def cookie(headers: Iterable[str], name: str) -> str | None:
    """The value of cookie `name` in the given Cookie header values; None when absent or empty.

    Parsed by hand: http.cookies gives up on the whole header at one malformed cookie, and a
    browser sends every cookie of the site, other applications' included.
    """
    for header in headers:
        for pair in header.split(";"):
            key, sep, value = pair.partition("=")
            if sep and key.strip() == name:
                value = value.strip()
                if len(value) >= 2 and value[0] == value[-1] == '"':  # RFC 6265 allows quotes
                    value = value[1:-1]
                return value or None
    return None


def normalise_origin(origin: str) -> str:
    """An origin as browsers send it (`scheme://host[:port]`, lower case), from one as people
    configure it (`https://Posko.example/`)."""
    return origin.strip().rstrip("/").lower()


def page_origin(host: str | None, scheme: str, port: int) -> str | None:
    """The origin of our own pages as seen by a client that dialled `host` (the handshake's
    Host header, "name[:port]" or "[v6]:port"): the same host name, the HTTP server's port."""
    if not host:
        return None
    name = host.strip().lower()
    v6 = name.startswith("[")
    name = name[: name.find("]") + 1] if v6 else name.partition(":")[0]
    default = {"http": 80, "https": 443}[scheme]
    return f"{scheme}://{name}" + ("" if port == default else f":{port}")
