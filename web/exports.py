"""Exports of one action for spreadsheets and GIS: its reports, incidents and requests as CSV
(UTF-8, a header row, times in UTC) and its sites as GeoJSON.

They are built from the views (the feed's rows, every one of them, joined with the map's sites),
not by replaying the event log: a view read costs the action's own rows, a replay the whole log
of every action. Exact GPS positions come only to callers who may read them, and that read is
recorded, as for GET /checkins.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from aiohttp import web

from core.access import Permission, may
from projections import feed, live_map
from projections.people import checkins_channel
from projections.rows import Doc
from web import parse
from web.actions import require_action
from web.context import PRINCIPAL, authorise, services, wait_for_min_position

COMMON = ["id", "at", "recorded_at", "site_id", "site", "reporter", "kind"]
REPORT_COLUMNS = [*COMMON, "headcount", "by_affiliate", "phase", "mood", "distance_m", "far"]
EXACT_COLUMNS = ["lat", "lon", "accuracy_m"]
INCIDENT_COLUMNS = [
    *COMMON,
    "severity",
    "description",
    "legal",
    "status",
    "lat",
    "lon",
    "acknowledged_at",
    "acknowledged_by",
    "resolved_at",
    "resolved_by",
    "resolution",
    "reopened_at",
    "reopened_because",
    "updated_at",
]
REQUEST_COLUMNS = [
    *COMMON,
    "quantity",
    "note",
    "legal",
    "status",
    "committed_at",
    "committed_by",
    "fulfilled_at",
    "fulfilled_by",
    "cancelled_at",
    "cancel_reason",
    "updated_at",
]
_FORMULA = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run text starting so


async def reports_csv(request: web.Request) -> web.Response:
    action_id = parse.path_id(request)
    actor = authorise(request, Permission.READ_ACTION, action_id)
    exact = may(request[PRINCIPAL], Permission.READ_EXACT_POSITIONS, action_id)
    svc = services(request)
    await wait_for_min_position(request)
    await require_action(svc, action_id)
    names = [feed.channel(action_id), live_map.channel(action_id)]
    items, features, *checkins = await svc.port.snapshots(
        *names, *([checkins_channel(action_id)] if exact else [])
    )
    rows = _with_sites([i for i in items if i["type"] == "report"], features)
    columns = REPORT_COLUMNS
    if exact:
        positions = {c["id"]: c for c in checkins[0]}
        rows = [{**row, **_exact(positions.get(row["id"]))} for row in rows]
        columns = [*REPORT_COLUMNS, *EXACT_COLUMNS]
        count = sum(1 for row in rows if row.get("lat") is not None)
        await svc.port.record_positions_read(action_id=action_id, count=count, actor=actor)
    return _csv(action_id, "reports", columns, rows)


async def incidents_csv(request: web.Request) -> web.Response:
    return await _items_csv(request, "incident", "incidents", INCIDENT_COLUMNS)


async def requests_csv(request: web.Request) -> web.Response:
    return await _items_csv(request, "request", "requests", REQUEST_COLUMNS)


async def _items_csv(
    request: web.Request, item_type: str, name: str, columns: list[str]
) -> web.Response:
    action_id = parse.path_id(request)
    authorise(request, Permission.READ_ACTION, action_id)
    svc = services(request)
    await wait_for_min_position(request)
    await require_action(svc, action_id)
    items, features = await svc.port.snapshots(feed.channel(action_id), live_map.channel(action_id))
    places = {f["id"]: f["geometry"] for f in features if f["properties"]["kind"] == "incident"}
    rows = [
        {**row, **_point(places.get(row["id"]))}
        for row in _with_sites([i for i in items if i["type"] == item_type], features)
    ]
    return _csv(action_id, name, columns, rows)


async def sites_geojson(request: web.Request) -> web.Response:
    action_id = parse.path_id(request)
    authorise(request, Permission.READ_ACTION, action_id)
    svc = services(request)
    await wait_for_min_position(request)
    await require_action(svc, action_id)
    (features,) = await svc.port.snapshots(live_map.channel(action_id))
    sites = [f for f in features if f["properties"]["kind"] == "site"]
    return web.Response(
        text=json.dumps({"type": "FeatureCollection", "features": sites}, ensure_ascii=False),
        content_type="application/geo+json",
        charset="utf-8",
        headers={"Content-Disposition": _attachment(action_id, "sites.geojson")},
    )


# -- rows to CSV ---------------------------------------------------------------------------------


def _with_sites(items: list[Doc], features: list[Doc]) -> list[Doc]:
    names = {
        f["id"]: f["properties"]["name"] for f in features if f["properties"]["kind"] == "site"
    }
    return [{**item, "site": names.get(item["site_id"] or "")} for item in items]


def _exact(checkin: Doc | None) -> Doc:
    if checkin is None:
        return {}
    return {"lat": checkin["lat"], "lon": checkin["lon"], "accuracy_m": checkin["accuracy_m"]}


def _point(geometry: Doc | None) -> Doc:
    if geometry is None:
        return {}
    lon, lat = geometry["coordinates"]
    return {"lat": lat, "lon": lon}


def _cell(column: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    if column == "at" or column.endswith("_at"):
        return datetime.fromisoformat(value).astimezone(UTC).isoformat()
    text = str(value)
    if isinstance(value, str) and text.startswith(_FORMULA):
        return "'" + text  # shown as text, never evaluated (OWASP: CSV injection)
    return text


def _lines(columns: list[str], rows: Iterable[Doc]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(c, row.get(c)) for c in columns])
    return out.getvalue()


def _attachment(action_id: UUID, name: str) -> str:
    return f'attachment; filename="posko-{action_id}-{name}"'


def _csv(action_id: UUID, name: str, columns: list[str], rows: list[Doc]) -> web.Response:
    return web.Response(
        body=_lines(columns, rows).encode("utf-8"),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": _attachment(action_id, f"{name}.csv")},
    )
