"""The evidence log of an action, for after a strike: retaliation (intimidation, replacement by
outside workers, adverse transfers, sanctions, arrests: UU 13/2003 Pasal 143-144) and employer
summonses to return to work (KEP.232/MEN/2003 Pasal 6), each entry an event whose digest covers
the one before it, so the legal team (LBH) can check that nothing was altered or removed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from core import values
from core.errors import Conflict, InvalidInput
from core.legal import fields as notice_fields

KINDS = ("retaliation", "summons")
SUMMONS_CALLS = ("first", "second", "other")
GENESIS = "0" * 64
ALGORITHM = "sha256 over canonical JSON of {prev, entry} (keys sorted, no spaces, UTF-8)"
MAX_ENTRIES = 10_000
MAX_ATTACHMENTS = 20


def digest(prev: str, entry: dict[str, Any]) -> str:
    """The link of one entry: what the legal team's verify script recomputes."""
    text = json.dumps(
        {"prev": prev, "entry": entry}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(text.encode()).hexdigest()


def first_broken(links: Sequence[dict[str, Any]]) -> int | None:
    """The index of the first link whose digest or predecessor does not hold, or None."""
    prev = GENESIS
    for i, link in enumerate(links):
        if link.get("prev") != prev or digest(prev, link["entry"]) != link.get("digest"):
            return i
        prev = link["digest"]
    return None


class EvidenceLog(Aggregate):
    """One action's evidence, in the order it was recorded."""

    class Opened(Aggregate.Created):
        action_id: UUID

    class EntryRecorded(Aggregate.Event):
        entry: dict[str, Any]
        prev: str
        digest: str

    @staticmethod
    def id_for(action_id: UUID) -> UUID:
        return uuid5(NAMESPACE_URL, f"posko:evidence:{action_id}")

    @event(Opened)
    def __init__(self, *, id: UUID, action_id: UUID) -> None:
        self.action_id = action_id
        self.links: list[dict[str, Any]] = []  # {"entry", "prev", "digest"}
        self.by_entry_id: dict[str, int] = {}

    @property
    def head(self) -> str:
        return self.links[-1]["digest"] if self.links else GENESIS

    def record(self, entry: dict[str, Any]) -> bool:
        """Appends `entry` (made by `make_entry`); False when its id was recorded with the
        same facts (a resend), Conflict when with other facts."""
        existing = self.by_entry_id.get(entry["id"])
        if existing is not None:
            if _facts(self.links[existing]["entry"]) != _facts(entry):
                raise Conflict("id_reused", field="id", id=entry["id"])
            return False
        if len(self.links) >= MAX_ENTRIES:
            raise Conflict("too_many", field="id", max=MAX_ENTRIES)
        prev = self.head
        self._entry_recorded(entry=entry, prev=prev, digest=digest(prev, entry))
        return True

    @event(EntryRecorded)
    def _entry_recorded(self, *, entry: dict[str, Any], prev: str, digest: str) -> None:
        self.by_entry_id[entry["id"]] = len(self.links)
        self.links.append({"entry": entry, "prev": prev, "digest": digest})


def _facts(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if k not in ("recorded_at", "recorded_by")}


def make_entry(
    *,
    id: UUID,
    affiliate_id: UUID | None,
    kind: str,
    category: str,
    occurred_at: datetime,
    description: str,
    people: str | None,
    place: str | None,
    received_on: str | None,
    return_by: str | None,
    attachments: list[tuple[UUID, str]],
    retaliation_kinds: Sequence[str],
    recorded_at: datetime,
    actor: str,
) -> dict[str, Any]:
    """One entry, checked: a retaliation names its kind, a summons which call it is and the
    day it was received. `attachments` are (id, sha256) of files already stored."""
    kind = values.choice("kind", kind, KINDS)
    allowed = tuple(retaliation_kinds) if kind == "retaliation" else SUMMONS_CALLS
    entry: dict[str, Any] = {
        "id": str(id),
        "affiliate_id": str(affiliate_id) if affiliate_id else None,
        "kind": kind,
        "category": values.choice("category", category, allowed),
        "occurred_at": values.aware("occurred_at", occurred_at).isoformat(),
        "description": values.text("description", description, max_length=notice_fields.LONG_TEXT),
        "people": values.text("people", people, max_length=1_000) if people else None,
        "place": values.text("place", place) if place else None,
        # each file's digest is in the chain too: a swapped file is found, not just a renamed one
        "attachments": [{"id": str(a), "sha256": sha} for a, sha in attachments],
        "recorded_at": recorded_at.isoformat(),
        "recorded_by": actor,
    }
    if len(attachments) > MAX_ATTACHMENTS:
        raise InvalidInput("too_many", field="attachment_ids", max=MAX_ATTACHMENTS)
    if kind == "summons":
        if received_on is None:
            raise InvalidInput("required", field="received_on")
        entry["received_on"] = notice_fields.day("received_on", received_on)
        entry["return_by"] = notice_fields.day("return_by", return_by) if return_by else None
    elif received_on is not None or return_by is not None:
        raise InvalidInput("not_for_kind", field="received_on", kind=kind)
    return entry


def summons_deadline(entry: dict[str, Any], answer_days: int) -> dict[str, Any] | None:
    """When a summons must be answered: the return day the letter names, and at the latest
    `answer_days` days after it was received (KEP.232 Pasal 6: two calls within 7 days, then
    the worker is deemed to have resigned). None for other entries."""
    if entry["kind"] != "summons":
        return None
    window_end = date.fromisoformat(entry["received_on"]) + timedelta(days=answer_days)
    stated = date.fromisoformat(entry["return_by"]) if entry.get("return_by") else None
    answer_by = min(stated, window_end) if stated else window_end
    return {
        "answer_by": answer_by.isoformat(),
        "window_end": window_end.isoformat(),
        "second_call": entry["category"] == "second",
    }
