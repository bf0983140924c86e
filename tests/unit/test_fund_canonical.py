"""The bytes a fund's hash chain covers, without a store. Stored chains depend on them, so
`ledger.canonical` and the faster writer verification uses must give exactly the bytes of the
first implementation (kept here as the reference) for any value a fund event can carry, and a
chain hashed with those bytes must verify whichever way each of its events is read."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    StoredEvent,
    UUIDAsHex,
)
from eventsourcing.utils import get_topic
from hypothesis import given
from hypothesis import strategies as st

from core import fund_verify, ledger
from core.fund import Fund


def reference(value: Any) -> bytes:
    """core/ledger.py's canonical() as the first chains were hashed with it."""

    def leaf(value: Any) -> Any:
        if isinstance(value, UUID):
            return str(value)
        if isinstance(value, datetime):
            return value.astimezone(UTC).isoformat()
        if isinstance(value, date):
            return value.isoformat()
        raise TypeError(f"not JSON: {type(value).__name__}")

    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=leaf
    ).encode()


EDGE_INTEGERS = [0, -1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**40]
zones = st.one_of(
    st.just(UTC),
    st.builds(
        timezone,
        st.timedeltas(min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23)),
    ),
)
# Inside the years astimezone() can reach from any offset.
moments = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=zones
)
# Any text but lone surrogates (UTF-8 has none: see the last test), control characters and
# non-ASCII included. An object with exactly the keys _type_ and _data_ is how the event store
# writes a UUID or a datetime, so it is not a value an event can hold.
texts = st.text()
keys = st.text(max_size=8).filter(lambda k: k not in ("_type_", "_data_"))
json_leaves = st.one_of(
    texts,
    st.integers(),
    st.sampled_from(EDGE_INTEGERS),
    st.booleans(),
    st.none(),
    st.uuids(),
    moments,
)


def nested(leaves: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
        max_leaves=20,
    )


without_floats = nested(json_leaves)
with_floats = nested(json_leaves | st.floats())


@given(nested(json_leaves | st.floats() | st.dates() | st.tuples(texts, st.integers())))
def test_canonical_writes_the_reference_bytes(value: Any) -> None:
    assert ledger.canonical(value) == reference(value)


def chain(fund_id: UUID, details: list[Any], mapper: Mapper[UUID]) -> list[StoredEvent]:
    """Stored events of a fund, each carrying one of `details`, hashed with the reference."""
    stored, prev = [], ledger.GENESIS
    for version, value in enumerate(details, start=1):
        facts = {"timestamp": datetime.now(UTC), "actor": "bendahara", "details": value}
        body = {**facts, "fund": str(fund_id)}
        digest = hashlib.sha256(prev.encode() + b"\n")
        digest.update(reference({"kind": "CheckpointSigned", "version": version, "body": body}))
        state = {**facts, "prev_hash": prev, "hash": digest.hexdigest()}
        stored.append(
            StoredEvent(
                originator_id=fund_id,
                originator_version=version,
                topic=get_topic(Fund.CheckpointSigned),
                state=mapper.transcoder.encode(state),
            )
        )
        prev = digest.hexdigest()
    return stored


def application_mapper() -> Mapper[UUID]:
    """The mapper eventsourcing's Application makes (Posko registers no transcodings)."""
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        transcoder.register(transcoding)
    return Mapper(transcoder)


@given(st.lists(without_floats, min_size=1, max_size=4))
def test_verification_hashes_events_without_floats_with_the_fast_writer(details: list[Any]) -> None:
    fund_id, mapper = uuid4(), application_mapper()
    stored = chain(fund_id, details, mapper)
    with pytest.MonkeyPatch.context() as patch:  # so the fast writer must have hashed them all
        patch.setattr(ledger, "canonical", None)
        result = fund_verify.verify(fund_id, stored, mapper, [])
    assert result["first_mismatch"] is None
    assert result["ok"]


@given(st.lists(with_floats, min_size=1, max_size=4))
def test_a_chain_of_any_event_values_verifies(details: list[Any]) -> None:
    fund_id, mapper = uuid4(), application_mapper()
    stored = chain(fund_id, details, mapper)
    result = fund_verify.verify(fund_id, stored, mapper, [])
    assert result["first_mismatch"] is None
    assert result["ok"]
    assert result["chain_head"] == json.loads(stored[-1].state)["hash"]


@pytest.mark.parametrize("value", ["\ud800", {"a": "x\udfff"}, {"\udc80": 1}])
def test_a_lone_surrogate_cannot_be_hashed_either_way(value: Any) -> None:
    with pytest.raises(UnicodeEncodeError):
        reference(value)
    with pytest.raises(UnicodeEncodeError):
        ledger.canonical(value)
    with pytest.raises(UnicodeEncodeError):
        ledger.canonical_fast(value)


def test_an_event_the_application_cannot_read_is_undecodable_for_verification_too() -> None:
    # A time stored inside a time: the application's mapper refuses it (a datetime is not the
    # text of one), so verification must not read it as the text its inner value would be.
    fund_id, mapper = uuid4(), application_mapper()
    [item] = chain(fund_id, [None], mapper)
    state = json.loads(item.state)
    state["timestamp"] = {"_type_": "datetime_iso", "_data_": state["timestamp"]}
    forged = StoredEvent(item.originator_id, 1, item.topic, json.dumps(state).encode())
    with pytest.raises(Exception, match="deserialise"):
        mapper.to_domain_event(forged)
    result = fund_verify.verify(fund_id, [forged], mapper, [])
    assert result["first_mismatch"]["problem"] == "undecodable"
