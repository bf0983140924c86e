"""Verification of a fund's history, recomputed from the stored events alone: the version
sequence has no holes, every event names the hash before it and hashes to what it says, every
entry balances, every closed period's checkpoint (chain head, Merkle root, entry count) matches
what the events make, and so does every checkpoint an affiliate kept and hands in. The first
thing that does not match is named: its version, its kind and its entry."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    DatetimeAsISO,
    JSONTranscoder,
    Mapper,
    Transcoding,
    UUIDAsHex,
)

from core import ledger
from core.fund import Fund, event_body


class _Moment(datetime):
    """A datetime as verification decodes it: msgspec writes a datetime itself (as ...Z),
    but hands a subclass to `ledger.canonical_fast`'s hook, which writes it as `canonical`."""

    __slots__ = ()


class _NotFast(Exception):
    """A stored value `ledger.canonical_fast` would not write as `canonical` does."""


def _refuse(value: Any) -> Any:
    raise _NotFast(value)


class _MomentAsISO(DatetimeAsISO):
    def decode(self, data: str) -> datetime:
        assert isinstance(data, str)  # as DatetimeAsISO's: a nested transcoding fails alike
        return _Moment.fromisoformat(data)


class _Refused(Transcoding):
    def __init__(self, transcoding: Transcoding) -> None:
        self.type = transcoding.type
        self.name = transcoding.name

    def encode(self, obj: Any) -> Any:
        return _refuse(obj)

    def decode(self, data: Any) -> Any:
        return _refuse(data)


class _FastTranscoder(JSONTranscoder):
    """Decodes as the application's transcoder does, into the same values but datetimes as
    `_Moment`s, and refuses what `ledger.canonical_fast` would write otherwise: a float (NaN
    and Infinity too) or the value of another transcoding than UUIDs and datetimes."""

    def __init__(self, transcoder: JSONTranscoder) -> None:
        super().__init__()
        self.decoder = json.JSONDecoder(
            object_hook=self._decode_obj, parse_float=_refuse, parse_constant=_refuse
        )
        for transcoding in transcoder.names.values():
            self.register(_Refused(transcoding))
        if type(transcoder.names.get(UUIDAsHex.name)) is UUIDAsHex:
            self.register(UUIDAsHex())
        if type(transcoder.names.get(DatetimeAsISO.name)) is DatetimeAsISO:
            self.register(_MomentAsISO())


def _decoded(
    item: Any, fast: Mapper[UUID] | None, mapper: Mapper[UUID]
) -> tuple[Any, Callable[[Any], bytes]]:
    """A stored event, and what writes the bytes its hash covers: most events come through
    `fast`; one it refuses (or cannot read) is read by the application's `mapper` and hashed
    with `ledger.canonical`, as they all were before."""
    if fast is not None:
        try:
            return fast.to_domain_event(item), ledger.canonical_fast
        except Exception:  # the application's mapper decides, as before
            pass
    return mapper.to_domain_event(item), ledger.canonical


def verify(
    fund_id: UUID,
    stored: Sequence[Any],
    mapper: Mapper[UUID],
    given: list[dict[str, Any]],
) -> dict[str, Any]:
    fast = None
    if isinstance(mapper.transcoder, JSONTranscoder):
        fast = Mapper[UUID](_FastTranscoder(mapper.transcoder), mapper.compressor, mapper.cipher)
    fund = str(fund_id)
    head = ledger.GENESIS
    leaves: dict[str, list[str]] = {}
    checkpoints: dict[str, dict[str, Any]] = {}
    entries = 0
    debits = credits = 0
    mismatch: dict[str, Any] | None = None

    def fail(version: int, problem: str, event: Any = None, **more: Any) -> dict[str, Any]:
        found: dict[str, Any] = {"version": version, "problem": problem, **more}
        if event is not None:
            found["event"] = type(event).__name__
            found["recorded_at"] = event.timestamp.isoformat()
            for key in ("entry_id", "disbursement_id", "number", "period"):
                if key in vars(event):
                    found[key] = vars(event)[key]
        return found

    for expected, item in enumerate(stored, start=1):
        version = int(item.originator_version)
        if version != expected:
            mismatch = fail(expected, "missing_event", found_version=version)
            break
        try:
            event, encode = _decoded(item, fast, mapper)
        except Exception as error:  # an edit that broke the stored JSON itself
            mismatch = fail(version, "undecodable", error=type(error).__name__)
            break
        fields = vars(event)
        if fields.get("prev_hash") != head:
            mismatch = fail(version, "broken_link", event)
            break
        body = event_body(fund, fields)
        recomputed = ledger.chain_hash(head, type(event).__name__, version, body, encode)
        if recomputed != fields.get("hash"):
            mismatch = fail(version, "hash_mismatch", event)
            break
        if isinstance(event, Fund.EntryPosted):
            entry_debits = sum(leg["amount"] for leg in event.legs if leg["side"] == "debit")
            entry_credits = sum(leg["amount"] for leg in event.legs if leg["side"] == "credit")
            if entry_debits != entry_credits or len(event.legs) < 2:
                mismatch = fail(version, "unbalanced", event)
                break
            debits += entry_debits
            credits += entry_credits
            entries += 1
            period = ledger.period_of(date.fromisoformat(event.effective_date))
            if period in checkpoints:
                mismatch = fail(version, "entry_in_closed_period", event)
                break
            leaves.setdefault(period, []).append(event.hash)
        elif isinstance(event, Fund.PeriodClosed):
            period_leaves = leaves.get(event.period, [])
            expected_checkpoint = {
                "chain_head": head,
                "version": version - 1,
                "entries": len(period_leaves),
                "merkle_root": ledger.merkle_root(period_leaves),
            }
            stated = {k: event.checkpoint.get(k) for k in expected_checkpoint}
            if stated != expected_checkpoint:
                mismatch = fail(version, "checkpoint_mismatch", event)
                break
            checkpoints[event.period] = {"period": event.period, **expected_checkpoint}
        head = recomputed

    given_results = []
    for i, kept in enumerate(given):
        kept_period = kept.get("period")
        ours = checkpoints.get(kept_period) if isinstance(kept_period, str) else None
        ok = (
            ours is not None
            and kept.get("chain_head") == ours["chain_head"]
            and kept.get("merkle_root", ours["merkle_root"]) == ours["merkle_root"]
        )
        given_results.append({"index": i, "period": kept_period, "ok": ok})
        if not ok and mismatch is None:
            mismatch = {"problem": "checkpoint_differs", "period": kept_period, "index": i}

    return {
        "ok": mismatch is None and debits == credits,
        "fund_id": str(fund_id),
        "events": len(stored),
        "entries": entries,
        "chain_head": head,
        "debits": debits,
        "credits": credits,
        "checkpoints": list(checkpoints.values()),
        "given": given_results,
        "first_mismatch": mismatch,
    }
