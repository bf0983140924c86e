"""The strike votes' public view: `vote:<id>` (question, rules, roll size and hash, turnout while
open; result and receipt list once sealed) and the private list `_votes` the API reads. Built
only from what the log holds: a count of turnout, never who voted when, never a ballot before
the seal, and per-option counts only when at least k voted."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from core.vote import Vote
from core.vote_rules import public_result
from projections.rows import Doc, Rows
from projections.text import ident, iso

VOTES = "_votes"
KEY = "vote"


def channel(vote_id: UUID | str) -> str:
    return f"vote:{ident(vote_id)}"


# The events `apply` reacts to (projections.channels calls it for these alone).
EVENTS = (Vote.Called, Vote.Opened, Vote.TurnoutCounted, Vote.Sealed)


def apply(rows: Rows, event: Any) -> None:
    if isinstance(event, Vote.Called):
        _put(
            rows,
            {
                "id": ident(event.originator_id),
                "question": event.question,
                "options": event.options,
                "affiliate_id": event.affiliate_id,
                "branch_id": event.branch_id,
                "opens_at": iso(event.opens_at),
                "closes_at": iso(event.closes_at),
                "quorum": event.quorum,
                "threshold": event.threshold,
                "k": event.k,
                "weighted": event.weights is not None,
                "status": "called",
                "roll_size": 0,
                "roll_hash": None,
                "turnout": 0,
                "result": None,
            },
        )
        return
    if not isinstance(event, Vote.Opened | Vote.TurnoutCounted | Vote.Sealed):
        return
    doc = rows.get(channel(event.originator_id), KEY)
    if doc is None:
        return
    if isinstance(event, Vote.Opened):
        doc.update(status="open", roll_size=len(event.roll), roll_hash=event.roll_hash)
    elif isinstance(event, Vote.TurnoutCounted):
        doc["turnout"] = max(doc["turnout"], event.turnout)
    else:
        doc.update(
            status="sealed",
            turnout=event.turnout,
            result=public_result(event.result, event.tally, event.turnout, doc["k"]),
            receipts=event.receipts,
        )
    _put(rows, doc)


def _put(rows: Rows, doc: Doc) -> None:
    rows.put(channel(doc["id"]), KEY, doc)
    rows.put(VOTES, doc["id"], {k: v for k, v in doc.items() if k != "receipts"})


def snapshot(docs: list[Doc]) -> dict[str, Any]:
    return {"vote": docs[0] if docs else None}


def change(docs: list[Doc]) -> dict[str, Any]:
    return {"vote": docs[-1]}
