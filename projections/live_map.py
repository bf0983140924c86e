"""The live map of one action (channel `action:<id>:map`): each site as a GeoJSON feature with
its target, latest headcount, last check-in and how many people reported from it.

A site's headcount is that of its latest headcount report by the report's own time, so a report
that arrives late from a phone that was offline never overwrites a newer one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.action import Action
from core.report import FieldReport
from projections.rows import Doc, Rows


def channel(action_id: Any) -> str:
    return f"action:{action_id}:map"


def _reporters_channel(action_id: Any) -> str:
    return f"_reporters:{action_id}"


def snapshot(docs: list[Doc]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": docs}


def change(docs: list[Doc]) -> dict[str, Any]:
    return {"features": docs}


def later(a: str | None, b: str) -> bool:
    """True when ISO time `b` is not earlier than ISO time `a` (None counts as earliest)."""
    return a is None or datetime.fromisoformat(b) >= datetime.fromisoformat(a)


def apply(rows: Rows, event: Any) -> None:
    if isinstance(event, Action.SiteAdded):
        _site_added(rows, event)
    elif isinstance(event, FieldReport.Filed):
        _report_filed(rows, event)


def _site_added(rows: Rows, event: Any) -> None:
    site_id = str(event.site_id)
    rows.put(
        channel(event.originator_id),
        site_id,
        {
            "type": "Feature",
            "id": site_id,
            "geometry": {"type": "Point", "coordinates": [event.lon, event.lat]},
            "properties": {
                "name": event.name,
                "target": event.target,
                "headcount": None,
                "headcount_at": None,
                "last_report_at": None,
                "last_checkin_at": None,
                "reports": 0,
                "reporters": 0,
            },
        },
    )


def _report_filed(rows: Rows, event: Any) -> None:
    map_channel, site_id = channel(event.action_id), str(event.site_id)
    feature = rows.get(map_channel, site_id)
    if feature is None:  # the command checked the site exists; a missing row is a view bug
        raise LookupError(f"report {event.originator_id} for unknown site {site_id}")
    props = feature["properties"]
    at = event.at.isoformat()
    props["reports"] += 1
    if later(props["last_report_at"], at):
        props["last_report_at"] = at
    if event.kind == "checkin" and later(props["last_checkin_at"], at):
        props["last_checkin_at"] = at
    if event.kind == "headcount" and later(props["headcount_at"], at):
        props["headcount"] = event.headcount
        props["headcount_at"] = at

    reporters_doc = rows.get(_reporters_channel(event.action_id), site_id) or {"ids": []}
    if event.actor not in reporters_doc["ids"]:
        reporters_doc["ids"].append(event.actor)
        rows.put(_reporters_channel(event.action_id), site_id, reporters_doc)
    props["reporters"] = len(reporters_doc["ids"])
    rows.put(map_channel, site_id, feature)
