"""The live map of one action (channel `action:<id>:map`): each site as a GeoJSON feature with
its target, latest headcount (in total and per affiliate), status, last check-in, how many
people reported from it, far-away check-ins and open incidents and requests; and each incident
as a feature of its own, placed at its site (never where the phone was: exact points live in
the private rows of `incident_points_channel`, read only by those who may read exact positions).
An arrest shows only its kind, severity and time here; its text is for the legal channel.

A site's headcount is that of its latest headcount report by the report's own time, so a report
that arrives late from a phone that was offline never overwrites a newer one; the same holds
for its status.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core import geo, help_request
from core.action import Action
from core.help_request import HelpRequest
from core.incident import LEGAL_KINDS, SEVERITIES, Incident
from core.report import FieldReport
from projections.rows import Doc, Rows
from projections.text import ident, iso

OPEN_REQUEST = ("open", "committed")


def channel(action_id: Any) -> str:
    return f"action:{ident(action_id)}:map"


def incident_points_channel(action_id: Any) -> str:
    """Private rows (never published): where each incident of the action was reported."""
    return f"_incident_points:{ident(action_id)}"


def _reporters_channel(action_id: Any) -> str:
    return f"_reporters:{ident(action_id)}"


_SETTINGS = "_action_settings"  # per action: its check-in radius
ITEM_ACTION = "_item_action"  # incident or request id -> its action (events after the first
# name only the item; the feed view reads this too)


def snapshot(docs: list[Doc]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": docs}


def change(docs: list[Doc]) -> dict[str, Any]:
    return {"features": docs}


def later(a: str | None, b: datetime) -> bool:
    """True when `b` is not earlier than ISO time `a` (None counts as earliest)."""
    return a is None or b >= datetime.fromisoformat(a)


# The events `apply` reacts to (projections.channels calls it for these alone).
EVENTS = (
    FieldReport.Filed,
    Action.Planned,
    Action.SiteAdded,
    Action.SiteAdjusted,
    Action.Edited,
    Incident.Reported,
    Incident.Acknowledged,
    Incident.Resolved,
    Incident.Reopened,
    HelpRequest.Requested,
    HelpRequest.Committed,
    HelpRequest.Fulfilled,
    HelpRequest.Cancelled,
)


def apply(rows: Rows, event: Any) -> None:
    if isinstance(event, FieldReport.Filed):  # most events are reports: asked first
        _report_filed(rows, event)
    elif isinstance(event, Action.Planned):
        rows.put(_SETTINGS, ident(event.originator_id), {"radius_m": event.checkin_radius_m})
    elif isinstance(event, Action.SiteAdded):
        _site_added(rows, event)
    elif isinstance(event, Action.SiteAdjusted):
        _site_adjusted(rows, event)
    elif isinstance(event, Action.Edited) and event.checkin_radius_m is not None:
        rows.put(_SETTINGS, ident(event.originator_id), {"radius_m": event.checkin_radius_m})
    elif isinstance(event, Incident.Reported):
        _incident_reported(rows, event)
    elif isinstance(event, Incident.Acknowledged | Incident.Resolved | Incident.Reopened):
        _incident_changed(rows, event)
    elif isinstance(event, HelpRequest.Requested):
        _request_made(rows, event)
    elif isinstance(event, HelpRequest.Committed | HelpRequest.Fulfilled | HelpRequest.Cancelled):
        _request_changed(rows, event)


def _site_added(rows: Rows, event: Any) -> None:
    site_id = ident(event.site_id)
    rows.put(
        channel(event.originator_id),
        site_id,
        {
            "type": "Feature",
            "id": site_id,
            "geometry": {"type": "Point", "coordinates": [event.lon, event.lat]},
            "properties": {
                "kind": "site",
                "name": event.name,
                "target": event.target,
                "headcount": None,
                "headcount_at": None,
                "by_affiliate": {},
                "phase": None,
                "mood": None,
                "status_at": None,
                "last_report_at": None,
                "last_checkin_at": None,
                "reports": 0,
                "reporters": 0,
                "far_checkins": 0,
                "open_incidents": 0,
                "max_severity": None,
                "open_requests": 0,
            },
        },
    )


def _site_adjusted(rows: Rows, event: Any) -> None:
    feature = _site(rows, event.originator_id, event.site_id)
    feature["geometry"]["coordinates"] = [event.lon, event.lat]
    feature["properties"].update(name=event.name, target=event.target)
    rows.put(channel(event.originator_id), ident(event.site_id), feature)


def _site(rows: Rows, action_id: Any, site_id: Any) -> Doc:
    feature = rows.get(channel(action_id), ident(site_id))
    if feature is None:  # commands check the site exists; a missing row is a view bug
        raise LookupError(f"unknown site {site_id} in action {action_id}")
    return feature


def distance_from_site(feature: Doc, lat: float, lon: float) -> float:
    site_lon, site_lat = feature["geometry"]["coordinates"]
    return geo.distance_m(lat, lon, site_lat, site_lon)


def is_far(rows: Rows, action_id: Any, distance_m: float) -> bool:
    settings = rows.get(_SETTINGS, ident(action_id)) or {"radius_m": 500}
    return distance_m > float(settings["radius_m"])


def _report_filed(rows: Rows, event: Any) -> None:
    action_id, site_id = ident(event.action_id), ident(event.site_id)
    feature = _site(rows, action_id, site_id)
    props = feature["properties"]
    at = iso(event.at)
    props["reports"] += 1
    if later(props["last_report_at"], event.at):
        props["last_report_at"] = at
    if event.kind == "checkin":
        if later(props["last_checkin_at"], event.at):
            props["last_checkin_at"] = at
        if is_far(rows, action_id, distance_from_site(feature, event.lat, event.lon)):
            props["far_checkins"] += 1
    if event.kind == "headcount" and later(props["headcount_at"], event.at):
        props["headcount"] = event.headcount
        props["headcount_at"] = at
        props["by_affiliate"] = event.by_affiliate or {}
    if event.kind == "status" and later(props["status_at"], event.at):
        props["phase"] = event.phase or props["phase"]
        props["mood"] = event.mood or props["mood"]
        props["status_at"] = at

    reporters = rows.get(_reporters_channel(action_id), site_id) or {"ids": []}
    if event.actor not in reporters["ids"]:
        reporters["ids"].append(event.actor)
        rows.put(_reporters_channel(action_id), site_id, reporters)
    props["reporters"] = len(reporters["ids"])
    rows.put(channel(action_id), site_id, feature)


def _incident_reported(rows: Rows, event: Any) -> None:
    site = None if event.site_id is None else _site(rows, event.action_id, event.site_id)
    coordinates = None if site is None else site["geometry"]["coordinates"]
    if event.lat is not None:
        rows.put(
            incident_points_channel(event.action_id),
            ident(event.originator_id),
            {"id": ident(event.originator_id), "lat": event.lat, "lon": event.lon},
        )
    legal = event.kind in LEGAL_KINDS
    rows.put(
        channel(event.action_id),
        ident(event.originator_id),
        {
            "type": "Feature",
            "id": ident(event.originator_id),
            "geometry": None
            if coordinates is None
            else {"type": "Point", "coordinates": coordinates},
            "properties": {
                "kind": "incident",
                "incident_kind": event.kind,
                "severity": event.severity,
                "legal": legal,
                **({} if legal else {"description": event.description}),
                "site_id": None if event.site_id is None else ident(event.site_id),
                "status": "open",
                "at": iso(event.at),
            },
        },
    )
    rows.put(ITEM_ACTION, ident(event.originator_id), {"action_id": ident(event.action_id)})
    if event.site_id is not None:
        index_key = f"{event.action_id}:{event.site_id}"
        index = rows.get("_site_incidents", index_key) or {"ids": []}
        index["ids"].append(ident(event.originator_id))
        rows.put("_site_incidents", index_key, index)
        _recount_site_incidents(rows, event.action_id, event.site_id)


def _incident_changed(rows: Rows, event: Any) -> None:
    action_id = _incident_action(rows, event.originator_id)
    if action_id is None:
        return
    feature = rows.get(channel(action_id), ident(event.originator_id))
    if feature is None:
        return
    status = {Incident.Acknowledged: "acknowledged", Incident.Resolved: "resolved"}.get(
        type(event), "open"
    )
    feature["properties"]["status"] = status
    rows.put(channel(action_id), ident(event.originator_id), feature)
    if feature["properties"]["site_id"] is not None:
        _recount_site_incidents(rows, action_id, feature["properties"]["site_id"])


def _incident_action(rows: Rows, incident_id: Any) -> str | None:
    doc = rows.get(ITEM_ACTION, ident(incident_id))
    return None if doc is None else str(doc["action_id"])


def _recount_site_incidents(rows: Rows, action_id: Any, site_id: Any) -> None:
    """Keep the site's open-incident count and worst open severity in step."""
    index = rows.get("_site_incidents", f"{ident(action_id)}:{site_id}") or {"ids": []}
    map_channel = channel(action_id)
    open_severities = []
    for incident_id in index["ids"]:
        incident = rows.get(map_channel, incident_id)
        if incident is not None and incident["properties"]["status"] != "resolved":
            open_severities.append(incident["properties"]["severity"])
    site = _site(rows, action_id, site_id)
    site["properties"]["open_incidents"] = len(open_severities)
    site["properties"]["max_severity"] = max(open_severities, key=SEVERITIES.index, default=None)
    rows.put(map_channel, ident(site_id), site)


def _request_made(rows: Rows, event: Any) -> None:
    site = _site(rows, event.action_id, event.site_id)
    site["properties"]["open_requests"] += 1
    rows.put(channel(event.action_id), ident(event.site_id), site)
    # Each request as a feature at its site, so open ones stay in view however long the feed
    # grows (the dashboard's "Perlu tindakan" reads them here); a legal-aid request only as
    # its kind and time, like an arrest.
    legal = event.kind in help_request.LEGAL_KINDS
    rows.put(
        channel(event.action_id),
        ident(event.originator_id),
        {
            "type": "Feature",
            "id": ident(event.originator_id),
            # Its own copy: a site moved later in the same batch must not move it (it would in
            # a rebuild and not live, where the request's row was written before).
            "geometry": {"type": "Point", "coordinates": list(site["geometry"]["coordinates"])},
            "properties": {
                "kind": "request",
                "request_kind": event.kind,
                "legal": legal,
                **({} if legal else {"quantity": event.quantity}),
                "site_id": ident(event.site_id),
                "status": "open",
                "at": iso(event.at),
            },
        },
    )
    rows.put(ITEM_ACTION, ident(event.originator_id), {"action_id": ident(event.action_id)})
    rows.put(
        "_requests",
        ident(event.originator_id),
        {"action_id": ident(event.action_id), "site_id": ident(event.site_id), "status": "open"},
    )


def _request_changed(rows: Rows, event: Any) -> None:
    request = rows.get("_requests", ident(event.originator_id))
    if request is None:
        return
    status = {
        HelpRequest.Committed: "committed",
        HelpRequest.Fulfilled: "fulfilled",
        HelpRequest.Cancelled: "cancelled",
    }[type(event)]
    was_open, is_open = request["status"] in OPEN_REQUEST, status in OPEN_REQUEST
    request["status"] = status
    rows.put("_requests", ident(event.originator_id), request)
    feature = rows.get(channel(request["action_id"]), ident(event.originator_id))
    if feature is not None:  # requests made before requests were on the map have none
        feature["properties"]["status"] = status
        rows.put(channel(request["action_id"]), ident(event.originator_id), feature)
    if was_open != is_open:
        site = _site(rows, request["action_id"], request["site_id"])
        site["properties"]["open_requests"] += 1 if is_open else -1
        rows.put(channel(request["action_id"]), request["site_id"], site)
