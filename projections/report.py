"""The figures of the action report (laporan aksi), kept up to date as events arrive (a private
row per action, read by the API only): per site and per affiliate the target, the peak and the
final headcount; the action's total peak; check-ins; each incident with when it was reported,
acknowledged and resolved; each request with when it was made, committed and fulfilled; and the
korlaps named for each site (for the roster).

Final headcounts follow the live map: a site's latest headcount report by the report's own time.
A peak is the largest figure seen as the reports arrived: for a site, its largest report; for an
affiliate or the whole action, the largest sum over the sites' headcounts at the time.
"""

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

REPORT = "_report"  # action id -> its figures
KORLAPS = "_korlaps"  # action id -> {site id: {name, phone}}


# The events `apply` reacts to (projections.channels calls it for these alone).
EVENTS = (
    FieldReport.Filed,
    Action.Planned,
    Action.KorlapNamed,
    Action.SiteAdded,
    Action.SiteAdjusted,
    Action.TargetSet,
    Incident.Event,
    HelpRequest.Event,
)


def apply(rows: Rows, event: Any) -> None:
    """Apply after live_map.apply: an incident's or request's later steps name only the item,
    and live_map keeps which action it belongs to."""
    if isinstance(event, FieldReport.Filed):  # most events are reports: asked first
        _report(rows, event)
    elif isinstance(event, Action.Planned):
        rows.put(REPORT, ident(event.originator_id), _empty())
    elif isinstance(event, Action.KorlapNamed):
        korlaps = rows.get(KORLAPS, ident(event.originator_id)) or {}
        korlaps[ident(event.site_id)] = {"name": event.name, "phone": event.phone}
        rows.put(KORLAPS, ident(event.originator_id), korlaps)
    elif isinstance(event, Action.SiteAdded | Action.SiteAdjusted | Action.TargetSet):
        _structure(rows, event)
    elif isinstance(event, Incident.Reported | HelpRequest.Requested):
        _item_made(rows, event)
    elif isinstance(event, Incident.Event | HelpRequest.Event):
        _item_step(rows, event)


def _empty() -> Doc:
    return {
        "sites": {},
        "targets": {},  # "<affiliate>:<site or *>" -> target
        "current": {},  # site id -> {"at", "headcount", "by_affiliate"} of its latest report
        "peak": 0,
        "peak_at": None,
        "affiliate_peaks": {},
        "incidents": {},
        "requests": {},
    }


def _structure(rows: Rows, event: Any) -> None:
    doc = rows.get(REPORT, ident(event.originator_id))
    if doc is None:
        return
    if isinstance(event, Action.TargetSet):
        doc["targets"][f"{event.affiliate_id}:{event.site_id or '*'}"] = event.target
    else:
        site = doc["sites"].setdefault(
            ident(event.site_id), {"peak": None, "checkins": 0, "checkers": []}
        )
        site.update(name=event.name, target=event.target)
    rows.put(REPORT, ident(event.originator_id), doc)


def _report(rows: Rows, event: Any) -> None:
    action_id = ident(event.action_id)
    doc = rows.get(REPORT, action_id)
    if doc is None:
        return
    site_id = ident(event.site_id)
    site = doc["sites"].get(site_id)
    if site is None:
        return
    if event.kind == "checkin":
        site["checkins"] += 1
        if event.actor not in site["checkers"]:
            site["checkers"].append(event.actor)
    elif event.kind == "headcount" and event.headcount is not None:
        if site["peak"] is None or event.headcount > site["peak"]:
            site["peak"] = event.headcount
        current = doc["current"].get(site_id)
        if current is None or live_map.later(current["at"], event.at):
            latest = {
                "at": iso(event.at),
                "headcount": event.headcount,
                "by_affiliate": dict(event.by_affiliate or {}),
            }
            totals = _totals(rows, action_id, doc)
            totals.replace(current, latest)
            doc["current"][site_id] = latest
            # Only this site's figures moved: the other sums are still at or below their peaks.
            if totals.headcount > doc["peak"]:
                doc["peak"], doc["peak_at"] = totals.headcount, iso(event.timestamp)
            for affiliate in latest["by_affiliate"]:
                count = totals.by_affiliate[affiliate]
                if count > doc["affiliate_peaks"].get(affiliate, 0):
                    doc["affiliate_peaks"][affiliate] = count
    rows.put(REPORT, action_id, doc)


def _item_made(rows: Rows, event: Any) -> None:
    doc = rows.get(REPORT, ident(event.action_id))
    if doc is None:
        return
    item = {
        "kind": event.kind,
        "site_id": None if event.site_id is None else ident(event.site_id),
        "at": iso(event.at),
        "recorded_at": iso(event.timestamp),
    }
    if isinstance(event, Incident.Reported):
        doc["incidents"][ident(event.originator_id)] = item | {
            "severity": event.severity,
            "acknowledged_at": None,
            "resolved_at": None,
        }
    else:
        doc["requests"][ident(event.originator_id)] = item | {
            "quantity": event.quantity,
            "status": "open",
            "committed_at": None,
            "fulfilled_at": None,
        }
    rows.put(REPORT, ident(event.action_id), doc)


class _Totals:
    """The sums over the sites' current headcounts (in all and per affiliate) of one report row,
    summed once per batch and then moved by each site's change."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.headcount = 0
        self.by_affiliate: dict[str, int] = {}
        for current in doc["current"].values():
            self.replace(None, current)

    def replace(self, before: Doc | None, after: Doc) -> None:
        if before is not None:
            self.headcount -= before["headcount"]
            for affiliate, count in before["by_affiliate"].items():
                self.by_affiliate[affiliate] -= count
        self.headcount += after["headcount"]
        for affiliate, count in after["by_affiliate"].items():
            self.by_affiliate[affiliate] = self.by_affiliate.get(affiliate, 0) + count


def _totals(rows: Rows, action_id: str, doc: Doc) -> _Totals:
    totals = rows.derived.get((REPORT, action_id))
    if totals is None or totals.doc is not doc:  # the first headcount of the batch
        totals = rows.derived[(REPORT, action_id)] = _Totals(doc)
    assert isinstance(totals, _Totals)
    return totals


_STEPS: dict[type[Any], tuple[str, str | None]] = {
    Incident.Acknowledged: ("incidents", "acknowledged_at"),
    Incident.Resolved: ("incidents", "resolved_at"),
    Incident.Reopened: ("incidents", None),
    HelpRequest.Committed: ("requests", "committed_at"),
    HelpRequest.Fulfilled: ("requests", "fulfilled_at"),
    HelpRequest.Cancelled: ("requests", None),
}


def _item_step(rows: Rows, event: Any) -> None:
    step = _STEPS.get(type(event))
    where = rows.get(live_map.ITEM_ACTION, ident(event.originator_id))
    if step is None or where is None:
        return
    doc = rows.get(REPORT, where["action_id"])
    if doc is None:
        return
    kind, stamp = step
    item = doc[kind].get(ident(event.originator_id))
    if item is None:
        return
    when = iso(event.timestamp)
    if isinstance(event, Incident.Reopened):
        item["resolved_at"] = None  # handled again: its handling time runs on
    elif isinstance(event, HelpRequest.Cancelled):
        item["status"] = "cancelled"
    elif stamp is not None and (stamp != "acknowledged_at" or item[stamp] is None):
        item[stamp] = when
        if kind == "requests":
            item["status"] = "fulfilled" if stamp == "fulfilled_at" else "committed"
    rows.put(REPORT, where["action_id"], doc)


# -- reading -------------------------------------------------------------------------------------


def _minutes(start: str, end: str | None) -> float | None:
    if end is None:
        return None
    delta = datetime.fromisoformat(end) - datetime.fromisoformat(start)
    return round(delta.total_seconds() / 60, 1)


def affiliate_target(targets: dict[str, int], affiliate_id: str) -> int:
    """The affiliate's target for the whole action when set, else the sum of its site targets."""
    whole = targets.get(f"{affiliate_id}:*")
    if whole is not None:
        return whole
    return sum(t for key, t in targets.items() if key.startswith(affiliate_id + ":"))


def figures(doc: Doc, action: Doc, affiliate_names: dict[str, str]) -> dict[str, Any]:
    """The report as the page shows it, from the private row and the action's overview row."""
    sites = []
    for site_id, site in doc["sites"].items():
        current = doc["current"].get(site_id)
        sites.append(
            {
                "id": site_id,
                "name": site["name"],
                "target": site["target"],
                "peak": site["peak"],
                "final": None if current is None else current["headcount"],
                "checkins": site["checkins"],
                "checked_in": len(site["checkers"]),
            }
        )
    sites.sort(key=lambda s: s["name"].casefold())
    finals: dict[str, int] = {}
    for current in doc["current"].values():
        for affiliate, count in current["by_affiliate"].items():
            finals[affiliate] = finals.get(affiliate, 0) + count
    named = {key.split(":")[0] for key in doc["targets"]} | set(finals)
    named |= set(action.get("taking_part") or [])
    affiliates = [
        {
            "id": a,
            "name": affiliate_names.get(a, a),
            "target": affiliate_target(doc["targets"], a),
            "peak": doc["affiliate_peaks"].get(a, 0),
            "final": finals.get(a, 0),
        }
        for a in named
    ]
    affiliates.sort(key=lambda a: a["name"].casefold())
    incidents = [
        {
            "id": i,
            **item,
            "minutes_to_acknowledge": _minutes(item["recorded_at"], item["acknowledged_at"]),
            "minutes_to_resolve": _minutes(item["recorded_at"], item["resolved_at"]),
        }
        for i, item in doc["incidents"].items()
    ]
    requests = [
        {
            "id": r,
            **item,
            "minutes_to_fulfil": _minutes(item["recorded_at"], item["fulfilled_at"]),
        }
        for r, item in doc["requests"].items()
    ]
    incidents.sort(key=lambda i: (i["recorded_at"], i["id"]))
    requests.sort(key=lambda r: (r["recorded_at"], r["id"]))
    return {
        "action": {
            k: action.get(k)
            for k in (
                "id",
                "title",
                "kind",
                "demands",
                "status",
                "starts_at",
                "ends_at",
                "started_at",
                "concluded_at",
                "cancelled_at",
                "cancel_reason",
            )
        },
        "totals": {
            "target": sum(s["target"] for s in sites),
            "peak": doc["peak"],
            "peak_at": doc["peak_at"],
            "final": sum(c["headcount"] for c in doc["current"].values()),
            "checkins": sum(s["checkins"] for s in sites),
            "checked_in": sum(s["checked_in"] for s in sites),
            "incidents": len(incidents),
            "incidents_resolved": sum(i["resolved_at"] is not None for i in incidents),
            "requests": len(requests),
            "requests_fulfilled": sum(r["fulfilled_at"] is not None for r in requests),
        },
        "sites": sites,
        "affiliates": affiliates,
        "incidents": incidents,
        "requests": requests,
        "lobbying": action.get("lobbying") or [],
        "outcomes": action.get("outcomes") or [],
    }
