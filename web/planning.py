"""Planning an action in the browser: edit the plan and its sites while planned, import sites
from a CSV file (a preview that writes nothing, then an all-or-nothing, idempotent import),
lobbying, hearings and outcomes, the korlap roster with invite links made in one go (each with
a WhatsApp link, an SMS text and a QR code), and the action report (laporan aksi)."""

from __future__ import annotations

import secrets
import uuid as uuid_module
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from uuid import UUID

import segno
import weasyprint
from aiohttp import web

from core import site_import, values
from core.access import Permission
from core.errors import InvalidInput, NotFound, PoskoError
from core.planning import ImportedSite
from projections import live_map, overview, report
from projections.people import AFFILIATES, checkins_channel, invites_channel
from web import bodies, parse, report_document
from web.actions import require_action
from web.context import authorise, created, recorded, services, wait_for_min_position
from web.geocoding import geocode
from web.invites import CODE_BYTES, DEFAULT_TTL, invite_url
from web.messages import language, render
from web.services import Services

STATIC = Path(__file__).parent / "static"

MAX_ROSTER = 200  # invite links made in one request


# -- the plan ------------------------------------------------------------------------------------


async def edit_action(request: web.Request) -> web.Response:
    """Change any of title, kind, demands, starts_at, ends_at, checkin_radius_m, affiliates
    while the action is planned; each edit is one event. Fields left out stay as they are."""
    action_id = parse.path_id(request)
    actor = authorise(request, Permission.CHANGE_ACTION, action_id)
    body = await parse.body(request, bodies.ActionEdit)
    svc = services(request)
    result = await svc.port.edit_action(
        action_id=action_id,
        title=body.title,
        kind=body.kind,
        demands=None if body.demands is None else list(body.demands),
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        checkin_radius_m=body.checkin_radius_m,
        affiliates=None if body.affiliates is None else list(body.affiliates),
        actor=actor,
    )
    return recorded(result)


async def adjust_site(request: web.Request) -> web.Response:
    action_id = parse.path_id(request)
    site_id = parse.path_id(request, "site_id")
    actor = authorise(request, Permission.CHANGE_ACTION, action_id)
    body = await parse.body(request, bodies.SiteAdjust)
    svc = services(request)
    result = await svc.port.adjust_site(
        action_id=action_id,
        site_id=site_id,
        name=body.name,
        lat=body.lat,
        lon=body.lon,
        target=body.target,
        actor=actor,
    )
    return recorded(result)


# -- sites from a CSV file -----------------------------------------------------------------------


async def preview_import(request: web.Request) -> web.Response:
    """Each row as it would be imported, with its errors; writes nothing."""
    action_id, _actor, rows = await _checked_rows(request)
    return web.json_response(_import_answer(request, action_id, rows))


async def import_sites(request: web.Request) -> web.Response:
    """All rows or none: any row with an error refuses the file (422 with every row's errors).
    Rows imported before add nothing, so the same file twice adds nothing the second time."""
    action_id, actor, rows = await _checked_rows(request)
    answer = _import_answer(request, action_id, rows)
    if answer["errors"]:
        raise InvalidInput("import_refused", field="csv", rows=answer["rows"])
    sites = [
        ImportedSite(
            site_id=row.site_id,
            name=row.name,
            lat=row.lat,
            lon=row.lon,
            target=row.target,
            korlap_name=row.korlap_name,
            korlap_phone=row.korlap_phone,
        )
        for row in rows
        if row.site_id is not None and row.lat is not None and row.lon is not None
    ]
    svc = services(request)
    result = await svc.port.import_sites(action_id=action_id, sites=sites, actor=actor)
    return web.json_response(
        {"position": result.position, **answer}, status=201 if result.created else 200
    )


async def _checked_rows(request: web.Request) -> tuple[UUID, str, list[site_import.SiteRow]]:
    action_id = parse.path_id(request)
    actor = authorise(request, Permission.CHANGE_ACTION, action_id)
    body = await parse.body(request, bodies.SitesCsv)
    rows = site_import.parse(body.csv, action_id)
    svc = services(request)
    action = await svc.port.action(action_id)
    site_import.check_against(rows, action.sites)
    for row in rows:
        if row.needs_geocoding and row.status == "new":
            await _place(svc, row)
    return action_id, actor, rows


async def _place(svc: Services, row: site_import.SiteRow) -> None:
    assert row.address is not None
    try:
        place = await geocode(svc, row.address)
    except PoskoError as error:
        row.refuse("address", error.code, **error.params)
        return
    row.lat, row.lon, row.found = place.lat, place.lon, place.label


def _import_answer(
    request: web.Request, action_id: UUID, rows: list[site_import.SiteRow]
) -> dict[str, Any]:
    lang = language(request.headers.get("Accept-Language"))
    out = []
    for row in rows:
        out.append(
            {
                "line": row.line,
                "name": row.name,
                "lat": row.lat,
                "lon": row.lon,
                "address": row.address,
                "found": row.found,
                "target": row.target,
                "korlap_name": row.korlap_name,
                "korlap_phone": row.korlap_phone,
                "site_id": None if row.site_id is None else str(row.site_id),
                "status": row.status,
                "errors": [
                    {
                        "field": e.field,
                        "code": e.code,
                        "message": render(e.code, lang, {"field": e.field, **e.params}),
                    }
                    for e in row.errors
                ],
            }
        )
    return {
        "action_id": str(action_id),
        "rows": out,
        "new": sum(r.status == "new" for r in rows),
        "existing": sum(r.status == "exists" for r in rows),
        "errors": sum(r.status == "error" for r in rows),
    }


# -- lobi and politik ----------------------------------------------------------------------------


async def record_lobby(request: web.Request) -> web.Response:
    action_id = parse.path_id(request)
    actor = authorise(request, Permission.CHANGE_ACTION, action_id)
    body = await parse.body(request, bodies.LobbyIn)
    svc = services(request)
    result = await svc.port.record_lobby(
        action_id=action_id,
        lobby_id=body.id or uuid_module.uuid4(),
        kind=body.kind,
        with_whom=body.with_whom,
        at=body.at,
        promised=body.promised or "",
        actor=actor,
    )
    return created(result)


async def record_outcome(request: web.Request) -> web.Response:
    action_id = parse.path_id(request)
    actor = authorise(request, Permission.CHANGE_ACTION, action_id)
    body = await parse.body(request, bodies.OutcomeIn)
    svc = services(request)
    result = await svc.port.record_outcome(
        action_id=action_id,
        outcome_id=body.id or uuid_module.uuid4(),
        kind=body.kind,
        description=body.description,
        follow_up_by=body.follow_up_by,
        lobby_id=body.lobby_id,
        actor=actor,
    )
    return created(result)


# -- the korlap roster ---------------------------------------------------------------------------


async def create_roster_invites(request: web.Request) -> web.Response:
    """Invite links for the korlaps named, in one go: {"korlaps": [{site_id, name, phone?}]}.
    Each comes back with its link, a wa.me link and an SMS text, and a QR code (SVG data URI):
    the codes are shown only now, so print or send them from this answer."""
    action_id = parse.path_id(request)
    actor = authorise(request, Permission.MANAGE_INVITES, action_id)
    body = await parse.body(request, bodies.RosterIn)
    wanted = []
    for i, korlap in enumerate(body.korlaps):
        try:
            wanted.append((korlap.site_id, korlap.name, _phone(korlap.phone)))
        except PoskoError as error:
            error.field = f"korlaps[{i}].{error.field}"  # which korlap of the list
            raise
    svc = services(request)
    action = await svc.port.action(action_id)
    for i, (site_id, _name, _phone_number) in enumerate(wanted):
        if str(site_id) not in action.sites:
            raise InvalidInput("unknown_site", field=f"korlaps[{i}].site_id")
    now = datetime.now(UTC)
    origin = str(request.url.origin())
    out = []
    for site_id, name, phone in wanted:
        code = secrets.token_urlsafe(CODE_BYTES)
        result = await svc.port.create_invite(
            code=code,
            action_id=action_id,
            site_id=site_id,
            label=name,
            expires_at=max(now + DEFAULT_TTL, action.ends_at),
            now=now,
            actor=actor,
        )
        url = origin + invite_url(code)
        site_name = action.sites[str(site_id)]["name"]
        text = sms_text(name, action.title, site_name, url)
        out.append(
            {
                "id": str(result.id),
                "position": result.position,
                "site_id": str(site_id),
                "site_name": site_name,
                "name": name,
                "phone": phone,
                "code": code,
                "url": url,
                "sms": text,
                "wa_url": "https://wa.me/"
                + ("" if phone is None else phone.lstrip("+"))
                + "?text="
                + quote(text, safe=""),
                "qr_svg": segno.make(url, error="m").svg_data_uri(scale=4, border=2),
            }
        )
    return web.json_response({"invites": out}, status=201)


def _phone(value: str | None) -> str | None:
    return None if not value or not value.strip() else values.phone("phone", value)


def sms_text(name: str, title: str, site: str, url: str) -> str:
    """The message a korlap gets (Bahasa Indonesia: it goes to the field as it is)."""
    return (
        f"Halo {name}, Anda korlap {site} untuk aksi {title}. "
        f"Buka tautan ini di ponsel untuk check-in dan lapor: {url}"
    )


async def roster(request: web.Request) -> web.Response:
    """Per site: the korlaps named for it (by import), the invite links made for it, who
    opened theirs (and under what name) and who has checked in (how often, first and last)."""
    action_id = parse.path_id(request)
    authorise(request, Permission.MANAGE_INVITES, action_id)
    svc = services(request)
    await wait_for_min_position(request)
    await require_action(svc, action_id)
    position, sites = await svc.port.snapshot(f"action:{action_id}:map")
    _, invites = await svc.port.snapshot(invites_channel(action_id))
    _, checkins = await svc.port.snapshot(checkins_channel(action_id))
    korlaps = await svc.port.load(report.KORLAPS, str(action_id)) or {}
    by_reporter: dict[str, list[str]] = {}
    for checkin in checkins:  # each opening of an invite reports as invite:<id>/<use>
        reporter = checkin["reporter"].split("/")[0]
        by_reporter.setdefault(reporter, []).append(checkin["at"])
    now = datetime.now(UTC)
    out = []
    for feature in sites:
        if feature["properties"].get("kind") != "site":
            continue
        site_id = feature["id"]
        links = []
        for invite in invites:
            if invite["site_id"] != site_id:
                continue
            times = sorted(by_reporter.get(f"invite:{invite['id']}", []))
            expired = now >= datetime.fromisoformat(invite["expires_at"])
            status = "revoked" if invite["revoked"] else "expired" if expired else "active"
            links.append(
                {
                    "id": invite["id"],
                    "label": invite["label"],
                    "created_at": invite["created_at"],
                    "status": status,
                    "opened": bool(invite["uses"]),
                    "opened_by": [u["name"] for u in invite["uses"]],
                    "opened_at": invite["uses"][0]["at"] if invite["uses"] else None,
                    "checkins": len(times),
                    "first_checkin_at": times[0] if times else None,
                    "last_checkin_at": times[-1] if times else None,
                }
            )
        out.append(
            {
                "site_id": site_id,
                "name": feature["properties"]["name"],
                "korlap": korlaps.get(site_id),
                "invites": links,
            }
        )
    out.sort(key=lambda s: s["name"].casefold())
    return web.json_response({"position": position, "sites": out})


# -- the report ----------------------------------------------------------------------------------


async def action_report(request: web.Request) -> web.Response:
    position, figures, _ = await _report(request)
    return web.json_response({"position": position, **figures})


async def report_page(request: web.Request) -> web.Response:
    """The report as a printable page: the same template as the PDF."""
    _, figures, features = await _report(request)
    text = report_document.render(
        figures, **_document_args(request, features), stylesheet=STYLESHEET, action_links=True
    )
    return web.Response(text=text, content_type="text/html")


async def report_pdf(request: web.Request) -> web.Response:
    """The report as a PDF (WeasyPrint), from the page's template and stylesheet."""
    action_id = parse.path_id(request)
    _, figures, features = await _report(request)
    text = report_document.render(
        figures, **_document_args(request, features), stylesheet=None, action_links=False
    )
    svc = services(request)
    async with svc.replays:  # seconds of CPU: a few at a time, never all of the pool
        pdf = await svc.port.slow(_pdf, text)
    return web.Response(
        body=pdf,
        content_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="laporan-aksi-{action_id}.pdf"'},
    )


STYLESHEET = "/static/laporan.css"


def _pdf(text: str) -> bytes:
    css = weasyprint.CSS(filename=str(STATIC / "laporan.css"))
    document = weasyprint.HTML(string=text, url_fetcher=_no_fetching)
    pdf: bytes = document.write_pdf(stylesheets=[css])
    return pdf


def _no_fetching(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The template links nothing: a PDF never makes Posko fetch a URL."""
    raise ValueError(f"not fetched: {url}")


def _document_args(request: web.Request, features: list[dict[str, Any]]) -> dict[str, Any]:
    lang = request.query.get("lang") or language(request.headers.get("Accept-Language"))
    sites = [f for f in features if f["properties"].get("kind") == "site"]
    lon = sites[0]["geometry"]["coordinates"][0] if sites else 106.8
    return {
        "lang": lang if lang in ("id", "en") else "id",
        "zone": report_document.zone_of_longitude(lon),
        "site_names": {f["id"]: f["properties"]["name"] for f in sites},
    }


async def _report(request: web.Request) -> tuple[int, dict[str, Any], list[dict[str, Any]]]:
    action_id = parse.path_id(request)
    authorise(request, Permission.CHANGE_ACTION, action_id)
    svc = services(request)
    await wait_for_min_position(request)
    position = await svc.port.views_position()
    doc = await svc.port.load(report.REPORT, str(action_id))
    action = await svc.port.load(overview.CHANNEL, str(action_id))
    if doc is None or action is None:
        raise NotFound("unknown_action", field="id")
    _, affiliates = await svc.port.snapshot(AFFILIATES)
    _, features = await svc.port.snapshot(live_map.channel(action_id))
    names = {a["id"]: a["name"] for a in affiliates}
    figures = report.figures(doc, overview.flag_overdue(action, datetime.now(UTC)), names)
    return position, figures, features
