"""The feed of one action (channel `action:<id>:feed`): reports, incidents and requests for
help in the order they happened, each row updated as it is handled. Items for the legal team
(arrests, legal aid) also go to `action:<id>:legal`.

The feed is read by korlaps too: a legal item appears in it only as `public(item)` (that it
exists, its kind, time, site and status); its text, names and notes are in the legal channel
alone, which only those who may read legal items can read.

Rows are keyed by time then id, so the latest items are the last keys; a snapshot carries the
latest FEED_SNAPSHOT of them. Exact GPS positions never appear here (only a check-in's distance
from its site): organisers read the feed too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from core import help_request, incident
from core.action import Action
from core.help_request import HelpRequest
from core.incident import Incident
from core.report import FieldReport
from core.sms import SmsMark
from projections import live_map
from projections.rows import Doc, Rows
from projections.text import ident, iso

FEED_SNAPSHOT = 200
_KEYS = "_feed_key"  # item id -> where its row is
PUBLIC_LEGAL_FIELDS = ("id", "type", "kind", "at", "site_id", "legal", "status")


def channel(action_id: Any) -> str:
    return f"action:{ident(action_id)}:feed"


def legal_channel(action_id: Any) -> str:
    return f"action:{ident(action_id)}:legal"


def snapshot(docs: list[Doc]) -> dict[str, Any]:
    return {"items": docs}


def change(docs: list[Doc]) -> dict[str, Any]:
    return {"items": docs}


def public(doc: Doc) -> Doc:
    """What the feed shows of an item: all of it, or of a legal item only that it exists."""
    if not doc["legal"]:
        return doc
    return {name: doc[name] for name in PUBLIC_LEGAL_FIELDS if name in doc}


def _key(at: datetime, item_id: Any) -> str:
    """The time in UTC as strftime("%Y-%m-%dT%H:%M:%S.%fZ") writes it, then the id. Most times
    are in UTC already: their text (made once per event for the rows) gives the key's."""
    text = iso(at)
    if text.endswith("+00:00"):
        moment = text[:-6] if len(text) > 25 else text[:-6] + ".000000"  # no fraction: .000000
    else:
        moment = at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")
    return moment + "Z|" + ident(item_id)


# The events `apply` reacts to (projections.channels calls it for these alone).
EVENTS = (
    FieldReport.Filed,
    Incident.Reported,
    Incident.Acknowledged,
    Incident.Resolved,
    Incident.Reopened,
    HelpRequest.Requested,
    HelpRequest.Committed,
    HelpRequest.Fulfilled,
    HelpRequest.Cancelled,
    SmsMark.Marked,
    Action.LobbyRecorded,
    Action.OutcomeRecorded,
)


def apply(rows: Rows, event: Any) -> None:
    """Apply after live_map.apply: reads the site rows and item index it keeps."""
    if isinstance(event, FieldReport.Filed):
        _add(rows, event, _report(rows, event))
    elif isinstance(event, Incident.Reported):
        _add(rows, event, _incident(event))
    elif isinstance(event, HelpRequest.Requested):
        _add(rows, event, _request(event))
    elif isinstance(event, Incident.Acknowledged):
        _update(rows, event, "acknowledged", acknowledged_by=event.actor)
    elif isinstance(event, Incident.Resolved):
        _update(rows, event, "resolved", resolution=event.note, resolved_by=event.actor)
    elif isinstance(event, Incident.Reopened):
        _update(rows, event, "open", reopened_because=event.reason, reopened_at=_when(event))
    elif isinstance(event, HelpRequest.Committed):
        _update(rows, event, "committed", committed_by=event.by)
    elif isinstance(event, HelpRequest.Fulfilled):
        _update(rows, event, "fulfilled", fulfilled_by=event.actor)
    elif isinstance(event, HelpRequest.Cancelled):
        _update(rows, event, "cancelled", cancel_reason=event.reason)
    elif isinstance(event, SmsMark.Marked):
        _came_by_sms(rows, event)
    elif isinstance(event, Action.LobbyRecorded | Action.OutcomeRecorded):
        _politics(rows, event)


def _politics(rows: Rows, event: Any) -> None:
    """Lobbying, hearings and their outcomes on the action's timeline: a hearing at its own
    time, an outcome when it was recorded."""
    lobby = isinstance(event, Action.LobbyRecorded)
    item_id = event.lobby_id if lobby else event.outcome_id
    at = event.at if lobby else event.timestamp
    doc: Doc = {
        "id": ident(item_id),
        "type": "lobby" if lobby else "outcome",
        "at": iso(at),
        "site_id": None,
        "reporter": event.actor,
        "recorded_at": iso(event.timestamp),
        "kind": event.kind,
        "legal": False,
    }
    if lobby:
        doc.update(with_whom=event.with_whom, promised=event.promised)
    else:
        doc.update(
            description=event.description,
            follow_up_by=None if event.follow_up_by is None else iso(event.follow_up_by),
            lobby_id=None if event.lobby_id is None else ident(event.lobby_id),
        )
    rows.put(channel(event.originator_id), _key(at, item_id), doc)


def _common(event: Any, item_type: str) -> Doc:
    return {
        "id": ident(event.originator_id),
        "type": item_type,
        "at": iso(event.at),
        "site_id": None if event.site_id is None else ident(event.site_id),
        "reporter": event.actor,
        "recorded_at": iso(event.timestamp),
    }


def _report(rows: Rows, event: Any) -> Doc:
    doc = _common(event, "report") | {"kind": event.kind, "legal": False}
    if event.kind == "checkin":
        action_id = ident(event.action_id)
        feature = rows.get(live_map.channel(action_id), doc["site_id"])
        if feature is not None:
            distance = live_map.distance_from_site(feature, event.lat, event.lon)
            doc["distance_m"] = round(distance)
            doc["far"] = live_map.is_far(rows, action_id, distance)
    elif event.kind == "headcount":
        doc["headcount"] = event.headcount
        doc["by_affiliate"] = event.by_affiliate
    else:
        doc["phase"], doc["mood"] = event.phase, event.mood
    return doc


def _incident(event: Any) -> Doc:
    return _common(event, "incident") | {
        "kind": event.kind,
        "severity": event.severity,
        "description": event.description,
        "status": "open",
        "legal": event.kind in incident.LEGAL_KINDS,
    }


def _request(event: Any) -> Doc:
    return _common(event, "request") | {
        "kind": event.kind,
        "quantity": event.quantity,
        "note": event.note,
        "status": "open",
        "legal": event.kind in help_request.LEGAL_KINDS,
    }


def _add(rows: Rows, event: Any, doc: Doc) -> None:
    action_id, key = ident(event.action_id), _key(event.at, doc["id"])
    rows.put(channel(action_id), key, public(doc))
    if doc["legal"]:
        rows.put(legal_channel(action_id), key, doc)
    if doc["type"] != "report":  # only incidents and requests change after they are made
        rows.put(_KEYS, doc["id"], {"action_id": action_id, "key": key})


def _when(event: Any) -> str:
    return iso(event.timestamp)


def _update(rows: Rows, event: Any, status: str, **changes: Any) -> None:
    """The item's new status, who did it, and when (`<status>_at`, for response times)."""
    where = rows.get(_KEYS, ident(event.originator_id))
    if where is None:
        return
    doc = rows.get(channel(where["action_id"]), where["key"])
    if doc is None:
        return
    if doc["legal"]:  # the whole item is in the legal channel
        doc = rows.get(legal_channel(where["action_id"]), where["key"])
        if doc is None:
            return
    if status != "open":
        changes[f"{status}_at"] = _when(event)
    doc.update(changes, status=status, updated_at=_when(event))
    rows.put(channel(where["action_id"]), where["key"], public(doc))
    if doc["legal"]:
        rows.put(legal_channel(where["action_id"]), where["key"], doc)


def amend(rows: Rows, item_id: str, change: Callable[[Doc], None]) -> str | None:
    """Change an incident's or request's row without a new status (the feed's public row, the
    legal channel's whole one); returns the item's action id, or None for an item not here."""
    where = rows.get(_KEYS, item_id)
    if where is None:
        return None
    name = channel(where["action_id"])
    doc = rows.get(name, where["key"])
    if doc is not None and doc["legal"]:
        doc = rows.get(legal_channel(where["action_id"]), where["key"])
    if doc is None:
        return None
    change(doc)
    rows.put(name, where["key"], public(doc))
    if doc["legal"]:
        rows.put(legal_channel(where["action_id"]), where["key"], doc)
    return str(where["action_id"])


def _came_by_sms(rows: Rows, event: Any) -> None:
    """The item came by SMS (saved with its mark, or filed by hand from a text): `via: sms`."""
    key = _key(event.at, event.report_id)
    for name in (channel(event.action_id), legal_channel(event.action_id)):
        doc = rows.get(name, key)  # each channel its own row: the legal one has the details
        if doc is not None:
            rows.put(name, key, {**doc, "via": "sms"})
