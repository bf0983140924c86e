"""The national overview (channel `actions`): one row per action with its status, times and
totals over its sites (targets, latest headcounts, reports), its open incidents and requests,
and mobilisation per affiliate: each affiliate's target against the people it brought."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.action import Action
from core.help_request import HelpRequest
from core.incident import Incident
from core.report import FieldReport
from projections import live_map
from projections.rows import Doc, Rows
from projections.text import ident, iso

CHANNEL = "actions"
_COUNTED = "_counted_headcounts"  # per action: site id -> headcount in the total
_COUNTED_AFFILIATES = "_counted_affiliates"  # per action: site id -> {affiliate: headcount}
_TARGETS = "_affiliate_targets"  # per action: "<affiliate>:<site or *>" -> target
_ITEMS = "_overview_items"  # incident or request id -> {action_id, open}
_SITE_TARGETS = "_overview_site_targets"  # per action: site id -> its target in the total
_EDITABLE = ("title", "kind", "demands", "checkin_radius_m")


def snapshot(docs: list[Doc]) -> dict[str, Any]:
    # By instant, not by text: starts_at keeps the planner's zone (+07:00, +08:00, +09:00).
    return {
        "actions": sorted(docs, key=lambda d: (datetime.fromisoformat(d["starts_at"]), d["id"]))
    }


def change(docs: list[Doc]) -> dict[str, Any]:
    return {"actions": docs}


# The events `apply` reacts to (projections.channels calls it for these alone): an action's
# steps only change its own row.
EVENTS = (Action.Event, FieldReport.Filed, Incident.Event, HelpRequest.Event)


def apply(rows: Rows, event: Any) -> None:
    """Apply after live_map.apply: the totals read the map rows the same event just changed."""
    if isinstance(event, Action.Planned):
        rows.put(CHANNEL, ident(event.originator_id), _planned(event))
    elif isinstance(event, FieldReport.Filed):
        _report_filed(rows, event)
    elif isinstance(event, Incident.Event | HelpRequest.Event):
        _item_changed(rows, event)
    else:
        _action_changed(rows, event)


def _action_changed(rows: Rows, event: Any) -> None:
    doc = rows.get(CHANNEL, ident(event.originator_id))
    if doc is None:
        return
    if isinstance(event, Action.SiteAdded | Action.SiteAdjusted):
        targets = rows.get(_SITE_TARGETS, doc["id"]) or {}
        if isinstance(event, Action.SiteAdded):
            doc["sites"] += 1
        doc["target"] += event.target - targets.get(ident(event.site_id), 0)
        targets[ident(event.site_id)] = event.target
        rows.put(_SITE_TARGETS, doc["id"], targets)
    elif isinstance(event, Action.Edited):
        for name in _EDITABLE:
            if getattr(event, name) is not None:
                doc[name] = getattr(event, name)
        for name in ("starts_at", "ends_at"):
            if getattr(event, name) is not None:
                doc[name] = getattr(event, name).isoformat()
        if event.affiliates is not None:
            doc["taking_part"] = event.affiliates
        doc["edited_at"] = iso(event.timestamp)
    elif isinstance(event, Action.LobbyRecorded):
        doc.setdefault("lobbying", []).append(lobby_doc(event))
    elif isinstance(event, Action.OutcomeRecorded):
        doc.setdefault("outcomes", []).append(outcome_doc(event))
    elif isinstance(event, Action.TargetSet):
        targets = rows.get(_TARGETS, doc["id"]) or {}
        targets[f"{event.affiliate_id}:{event.site_id or '*'}"] = event.target
        rows.put(_TARGETS, doc["id"], targets)
        affiliate = _affiliate(doc, ident(event.affiliate_id))
        affiliate["target"] = _affiliate_target(targets, ident(event.affiliate_id))
    elif isinstance(event, Action.Started):
        doc["status"], doc["started_at"] = "live", iso(event.timestamp)
    elif isinstance(event, Action.Concluded):
        doc["status"], doc["concluded_at"] = "concluded", iso(event.timestamp)
    elif isinstance(event, Action.Cancelled):
        doc["status"], doc["cancelled_at"] = "cancelled", iso(event.timestamp)
        doc["cancel_reason"] = event.reason
    else:
        return
    rows.put(CHANNEL, doc["id"], doc)


def lobby_doc(event: Any) -> Doc:
    return {
        "id": ident(event.lobby_id),
        "kind": event.kind,
        "with_whom": event.with_whom,
        "at": iso(event.at),
        "promised": event.promised,
        "recorded_at": iso(event.timestamp),
    }


def outcome_doc(event: Any) -> Doc:
    return {
        "id": ident(event.outcome_id),
        "kind": event.kind,
        "description": event.description,
        "follow_up_by": None if event.follow_up_by is None else iso(event.follow_up_by),
        "lobby_id": None if event.lobby_id is None else ident(event.lobby_id),
        "recorded_at": iso(event.timestamp),
    }


def flag_overdue(doc: Doc, now: datetime) -> Doc:
    """The row as read at `now`: each outcome says whether its follow-up date has passed, and
    the row counts them (a view cannot read the clock; whoever reads it can)."""
    outcomes = [
        {
            **o,
            "overdue": o["follow_up_by"] is not None
            and datetime.fromisoformat(o["follow_up_by"]) < now,
        }
        for o in doc.get("outcomes", [])
    ]
    return {**doc, "outcomes": outcomes, "overdue_follow_ups": sum(o["overdue"] for o in outcomes)}


def _affiliate(doc: Doc, affiliate_id: str) -> Doc:
    entry: Doc = doc["affiliates"].setdefault(affiliate_id, {"target": 0, "headcount": 0})
    return entry


def _affiliate_target(targets: dict[str, int], affiliate_id: str) -> int:
    """The affiliate's target for the whole action when set, else the sum of its site targets."""
    whole = targets.get(f"{affiliate_id}:*")
    if whole is not None:
        return whole
    return sum(t for key, t in targets.items() if key.startswith(affiliate_id + ":"))


def _planned(event: Any) -> Doc:
    return {
        "id": ident(event.originator_id),
        "title": event.title,
        "kind": event.kind,
        "demands": event.demands,
        "status": "planned",
        "starts_at": iso(event.starts_at),
        "ends_at": iso(event.ends_at),
        "checkin_radius_m": event.checkin_radius_m,
        "planned_at": iso(event.timestamp),
        "started_at": None,
        "concluded_at": None,
        "cancelled_at": None,
        "cancel_reason": None,
        "sites": 0,
        "target": 0,
        "headcount": 0,
        "reports": 0,
        "last_report_at": None,
        "open_incidents": 0,
        "open_requests": 0,
        "affiliates": {},
        "taking_part": [],
        "lobbying": [],
        "outcomes": [],
        "edited_at": None,
    }


def _report_filed(rows: Rows, event: Any) -> None:
    action_id = ident(event.action_id)
    doc = rows.get(CHANNEL, action_id)
    if doc is None:
        raise LookupError(f"report {event.originator_id} for unknown action {action_id}")
    doc["reports"] += 1
    if live_map.later(doc["last_report_at"], event.at):
        doc["last_report_at"] = iso(event.at)
    if event.kind == "headcount":
        # The map row already holds the site's headcount after this report (newest by report
        # time); the totals move by the difference from what this view last counted for it.
        site_id = ident(event.site_id)
        feature = rows.get(live_map.channel(action_id), site_id)
        props = (feature or {"properties": {"headcount": None, "by_affiliate": {}}})["properties"]
        counted = rows.get(_COUNTED, doc["id"]) or {}
        now = props["headcount"] or 0
        if counted.get(site_id, 0) != now:
            doc["headcount"] += now - counted.get(site_id, 0)
            counted[site_id] = now
            rows.put(_COUNTED, doc["id"], counted)
        by_site = rows.get(_COUNTED_AFFILIATES, doc["id"]) or {}
        before, after = by_site.get(site_id, {}), props.get("by_affiliate") or {}
        if before != after:
            for affiliate_id in set(before) | set(after):
                entry = _affiliate(doc, affiliate_id)
                entry["headcount"] += after.get(affiliate_id, 0) - before.get(affiliate_id, 0)
            by_site[site_id] = after
            rows.put(_COUNTED_AFFILIATES, doc["id"], by_site)
    rows.put(CHANNEL, doc["id"], doc)


_OPENS = (Incident.Reported, Incident.Reopened, HelpRequest.Requested)
_CLOSES = (Incident.Resolved, HelpRequest.Fulfilled, HelpRequest.Cancelled)


def _item_changed(rows: Rows, event: Any) -> None:
    """Open incidents and requests per action: count what opens and what closes."""
    item_id = ident(event.originator_id)
    item = rows.get(_ITEMS, item_id)
    if item is None:
        if not isinstance(event, Incident.Reported | HelpRequest.Requested):
            return  # a later step of an item this view never saw made
        item = {"action_id": ident(event.action_id), "open": False}
    opens = isinstance(event, _OPENS)
    if not opens and not isinstance(event, _CLOSES):
        return
    if item["open"] == opens:
        return
    doc = rows.get(CHANNEL, item["action_id"])
    if doc is None:
        return
    field = "open_incidents" if isinstance(event, Incident.Event) else "open_requests"
    doc[field] += 1 if opens else -1
    item["open"] = opens
    rows.put(_ITEMS, item_id, item)
    rows.put(CHANNEL, doc["id"], doc)
