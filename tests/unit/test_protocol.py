"""The websocket wire protocol, without sockets: client frames in, typed messages out, and the
frames the server builds."""

from __future__ import annotations

import json

import pytest

from realtime import protocol
from realtime.protocol import Auth, ProtocolError, Subscribe, Unsubscribe, parse_client

CHANNEL = "action:0b7c8a2e-9d44-4f7e-a3c1-5d2f6e8b9a01:map"


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        ('{"type":"auth","token":"s3cret"}', Auth("s3cret")),
        ('{"type":"auth","token":null}', Auth(None)),
        ('{"type":"auth"}', Auth(None)),
        (f'{{"type":"subscribe","channel":"{CHANNEL}","since":null}}', Subscribe(CHANNEL, None)),
        (f'{{"type":"subscribe","channel":"{CHANNEL}"}}', Subscribe(CHANNEL, None)),
        (f'{{"type":"subscribe","channel":"{CHANNEL}","since":0}}', Subscribe(CHANNEL, 0)),
        (
            '{"type":"subscribe","channel":"actions","since":123456789012}',
            Subscribe("actions", 123456789012),
        ),
        ('{"type":"unsubscribe","channel":"actions"}', Unsubscribe("actions")),
        ('{"type":"unsubscribe","channel":"actions","extra":[1,2]}', Unsubscribe("actions")),
        (b'{"type":"subscribe","channel":"actions","since":7}', Subscribe("actions", 7)),
    ],
)
def test_parses_well_formed_client_messages(frame: str | bytes, message: object) -> None:
    assert parse_client(frame) == message


@pytest.mark.parametrize(
    "frame",
    [
        "",
        "not json",
        "{",
        b"\xff\xfe\x00",
        "[]",
        '"auth"',
        "null",
        "{}",
        '{"type":null}',
        '{"type":5}',
        '{"type":"hello"}',
        '{"type":"AUTH","token":"x"}',
        '{"type":"auth","token":5}',
        '{"type":"auth","token":""}',
        '{"type":"subscribe"}',
        '{"type":"subscribe","channel":""}',
        '{"type":"subscribe","channel":7}',
        '{"type":"subscribe","channel":"actions","since":-1}',
        '{"type":"subscribe","channel":"actions","since":1.5}',
        '{"type":"subscribe","channel":"actions","since":2.0}',
        '{"type":"subscribe","channel":"actions","since":"12"}',
        '{"type":"subscribe","channel":"actions","since":true}',
        '{"type":"subscribe","channel":"actions","since":false}',
        '{"type":"subscribe","channel":"actions","since":NaN}',
        '{"type":"subscribe","channel":"actions","since":Infinity}',
        '{"type":"unsubscribe","channel":["actions"]}',
        '{"type":"unsubscribe"}',
        '{"type":"subscribe","channel":"' + "x" * (protocol.MAX_CHANNEL_LENGTH + 1) + '"}',
        "[" * 100_000 + "]" * 100_000,
    ],
)
def test_refuses_malformed_client_frames_as_bad_request(frame: str | bytes) -> None:
    with pytest.raises(ProtocolError) as refused:
        parse_client(frame)
    assert refused.value.code == "bad_request"
    assert refused.value.message


def test_server_frames_are_compact_json_with_a_type() -> None:
    frames = {
        "ready": protocol.ready(),
        "snapshot": protocol.snapshot(CHANNEL, 12, {"type": "FeatureCollection", "features": []}),
        "change": protocol.change(CHANNEL, 13, {"features": [{"id": "s1"}]}),
        "subscribed": protocol.subscribed(CHANNEL, 13),
        "error": protocol.error("forbidden", "no", CHANNEL),
    }
    for kind, frame in frames.items():
        assert ": " not in frame and ", " not in frame
        assert json.loads(frame)["type"] == kind


def test_server_frames_carry_the_contracted_fields() -> None:
    assert json.loads(protocol.ready()) == {"type": "ready"}
    assert json.loads(protocol.snapshot("actions", 12, {"actions": []})) == {
        "type": "snapshot",
        "channel": "actions",
        "position": 12,
        "data": {"actions": []},
    }
    assert json.loads(protocol.change("actions", 13, {"actions": [{"id": "a"}]})) == {
        "type": "change",
        "channel": "actions",
        "position": 13,
        "data": {"actions": [{"id": "a"}]},
    }
    assert json.loads(protocol.subscribed("actions", 13)) == {
        "type": "subscribed",
        "channel": "actions",
        "position": 13,
    }


def test_error_frames_name_the_channel_only_when_given() -> None:
    assert json.loads(protocol.error("unauthenticated", "log in")) == {
        "type": "error",
        "code": "unauthenticated",
        "message": "log in",
    }
    assert json.loads(protocol.error("unknown_channel", "no such channel", "nope")) == {
        "type": "error",
        "code": "unknown_channel",
        "message": "no such channel",
        "channel": "nope",
    }


def test_frames_keep_non_ascii_text_as_utf8() -> None:
    frame = protocol.change("actions", 1, {"actions": [{"title": "Aksi Buruh — Sidoarjo"}]})
    assert "Aksi Buruh — Sidoarjo" in frame


# -- handshake ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer s3cret", "s3cret"),
        ("bearer  s3cret ", "s3cret"),
        ("Basic czNjcmV0", None),
        ("Bearer", None),
        ("Bearer   ", None),
        ("", None),
        (None, None),
    ],
)
def test_reads_a_bearer_token_from_the_authorization_header(
    header: str | None, token: str | None
) -> None:
    assert protocol.bearer_token(header) == token


@pytest.mark.parametrize(
    ("headers", "token"),
    [
        (["posko_session=s3cret"], "s3cret"),
        (["theme=dark; posko_session=s3cret; lang=id"], "s3cret"),
        (["theme=dark", "posko_session=s3cret"], "s3cret"),  # split over two headers
        (['posko_session="s3cret"'], "s3cret"),
        (["bad cookie without equals; posko_session=s3cret"], "s3cret"),
        (["my_posko_session=other; posko_session_old=x"], None),
        (["posko_session="], None),
        (["theme=dark"], None),
        ([], None),
    ],
)
def test_reads_the_session_cookie_among_others(headers: list[str], token: str | None) -> None:
    assert protocol.cookie(headers, protocol.SESSION_COOKIE) == token


def test_origins_are_compared_as_browsers_send_them() -> None:
    assert protocol.normalise_origin(" HTTPS://Posko.Example/ ") == "https://posko.example"
    assert protocol.normalise_origin("http://127.0.0.1:8080") == "http://127.0.0.1:8080"


@pytest.mark.parametrize(
    ("host", "scheme", "port", "origin"),
    [
        ("127.0.0.1:8081", "http", 8080, "http://127.0.0.1:8080"),
        ("Posko.Local:8081", "https", 8443, "https://posko.local:8443"),
        ("posko.example.org", "https", 443, "https://posko.example.org"),
        ("[::1]:8081", "http", 8080, "http://[::1]:8080"),
        (None, "http", 8080, None),
    ],
)
def test_our_page_origin_is_the_dialled_host_on_the_http_port(
    host: str | None, scheme: str, port: int, origin: str | None
) -> None:
    assert protocol.page_origin(host, scheme, port) == origin
