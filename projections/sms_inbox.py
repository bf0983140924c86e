"""Each action's SMS inbox: texts from its korlaps that no keyword fitted, until a coordinator
files one by hand (then it stays, marked filed, by whom and as what). A private view (its
channels start with "_"): read over HTTP by those who handle the field, never published."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from core.sms import SmsMessage
from projections.rows import Doc, Rows
from projections.text import ident, iso

_INDEX = "_sms_inbox_index"  # message id -> its actions and its key


def channel(action_id: Any) -> str:
    return f"_sms_inbox:{ident(action_id)}"


def waiting(docs: list[Doc]) -> list[Doc]:
    return [d for d in docs if not d["filed"]]


# The events `apply` reacts to (projections.channels calls it for these alone).
EVENTS = (SmsMessage.Received, SmsMessage.Transcribed)


def apply(rows: Rows, event: Any) -> None:
    if isinstance(event, SmsMessage.Received) and event.outcome == "unparsed":
        key = event.sent_at.astimezone(UTC).isoformat() + "|" + ident(event.originator_id)
        doc: Doc = {
            "id": ident(event.originator_id),
            "sender": event.sender,
            "text": event.text,
            "sent_at": iso(event.sent_at),
            "filed": False,
        }
        for action_id in event.action_ids:
            rows.put(channel(action_id), key, dict(doc))
        rows.put(_INDEX, ident(event.originator_id), {"key": key, "action_ids": event.action_ids})
    elif isinstance(event, SmsMessage.Transcribed):
        where = rows.get(_INDEX, ident(event.originator_id))
        if where is None:
            return
        for action_id in where["action_ids"]:
            row = rows.get(channel(action_id), where["key"])
            if row is not None:
                row.update(filed=True, filed_by=event.actor, report_id=ident(event.report_id))
                rows.put(channel(action_id), where["key"], row)
