"""The national overview (channel `actions`): one row per action with its status, times, and
totals over its sites (targets, latest headcounts, reports)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.action import Action
from core.report import FieldReport
from projections import live_map
from projections.rows import Doc, Rows

CHANNEL = "actions"
_COUNTED = "_counted_headcounts"  # per action: site id -> headcount in the total


def snapshot(docs: list[Doc]) -> dict[str, Any]:
    # By instant, not by text: starts_at keeps the planner's zone (+07:00, +08:00, +09:00).
    return {
        "actions": sorted(docs, key=lambda d: (datetime.fromisoformat(d["starts_at"]), d["id"]))
    }


def change(docs: list[Doc]) -> dict[str, Any]:
    return {"actions": docs}


def apply(rows: Rows, event: Any) -> None:
    """Apply after live_map.apply: the totals read the map rows the same event just changed."""
    if isinstance(event, Action.Planned):
        rows.put(CHANNEL, str(event.originator_id), _planned(event))
        return
    if isinstance(event, FieldReport.Filed):
        _report_filed(rows, event)
        return
    doc = rows.get(CHANNEL, str(event.originator_id))
    if doc is None:
        return
    if isinstance(event, Action.SiteAdded):
        doc["sites"] += 1
        doc["target"] += event.target
    elif isinstance(event, Action.Started):
        doc["status"], doc["started_at"] = "live", event.timestamp.isoformat()
    elif isinstance(event, Action.Concluded):
        doc["status"], doc["concluded_at"] = "concluded", event.timestamp.isoformat()
    elif isinstance(event, Action.Cancelled):
        doc["status"], doc["cancelled_at"] = "cancelled", event.timestamp.isoformat()
        doc["cancel_reason"] = event.reason
    else:
        return
    rows.put(CHANNEL, doc["id"], doc)


def _planned(event: Any) -> Doc:
    return {
        "id": str(event.originator_id),
        "title": event.title,
        "kind": event.kind,
        "demands": event.demands,
        "status": "planned",
        "starts_at": event.starts_at.isoformat(),
        "ends_at": event.ends_at.isoformat(),
        "planned_at": event.timestamp.isoformat(),
        "started_at": None,
        "concluded_at": None,
        "cancelled_at": None,
        "cancel_reason": None,
        "sites": 0,
        "target": 0,
        "headcount": 0,
        "reports": 0,
        "last_report_at": None,
    }


def _report_filed(rows: Rows, event: Any) -> None:
    doc = rows.get(CHANNEL, str(event.action_id))
    if doc is None:
        raise LookupError(f"report {event.originator_id} for unknown action {event.action_id}")
    doc["reports"] += 1
    at = event.at.isoformat()
    if live_map.later(doc["last_report_at"], at):
        doc["last_report_at"] = at
    if event.kind == "headcount":
        # The map row already holds the site's headcount after this report (newest by report
        # time); the total moves by the difference from what this view last counted for it.
        site_id = str(event.site_id)
        feature = rows.get(live_map.channel(event.action_id), site_id)
        counted = rows.get(_COUNTED, doc["id"]) or {}
        now = (feature or {"properties": {"headcount": None}})["properties"]["headcount"] or 0
        if counted.get(site_id, 0) != now:
            doc["headcount"] += now - counted.get(site_id, 0)
            counted[site_id] = now
            rows.put(_COUNTED, doc["id"], counted)
    rows.put(CHANNEL, doc["id"], doc)
