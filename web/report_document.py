"""The action report (laporan aksi) as one HTML document: the page a coordinator prints and,
through WeasyPrint, the PDF, from this one template. Every value from the store is escaped;
times are shown in the zone of the action's sites (WIB, WITA, WIT)."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

WORDS: dict[str, dict[str, str]] = {
    "id": {
        "title": "Laporan aksi",
        "print": "Cetak",
        "pdf": "Unduh PDF",
        "back": "Kembali ke rencana",
        "summary": "Ringkasan",
        "target": "Target",
        "peak": "Puncak",
        "final": "Akhir",
        "checkins": "Absen",
        "checked_in": "Korlap absen",
        "by_site": "Per lokasi",
        "by_affiliate": "Per afiliasi",
        "site": "Lokasi",
        "affiliate": "Afiliasi",
        "incidents": "Insiden",
        "requests": "Permintaan bantuan",
        "resolved_of": "selesai dari",
        "fulfilled_of": "terpenuhi dari",
        "when": "Kapan",
        "kind": "Jenis",
        "severity": "Tingkat",
        "quantity": "Jumlah",
        "status": "Status",
        "ack_min": "Ditangani (menit)",
        "resolve_min": "Selesai (menit)",
        "fulfil_min": "Terpenuhi (menit)",
        "lobbying": "Lobi dan audiensi",
        "outcomes": "Hasil dan tindak lanjut",
        "follow_up_by": "tindak lanjut paling lambat",
        "overdue": "lewat tenggat",
        "none": "Tidak ada.",
        "generated": "Dibuat",
        "demands": "Tuntutan",
        "action_planned": "direncanakan",
        "action_live": "berlangsung",
        "action_concluded": "selesai",
        "action_cancelled": "batal",
        "kind_rally": "Unjuk rasa",
        "kind_strike": "Mogok",
        "kind_march": "Long march",
        "kind_hearing": "Audiensi",
        "kind_other": "Lainnya",
        "lobby_lobby": "Lobi",
        "lobby_hearing": "Audiensi",
        "outcome_hearing_granted": "Audiensi dikabulkan",
        "outcome_regulation_withdrawn": "Aturan dicabut",
        "outcome_demand_met": "Tuntutan dipenuhi",
        "outcome_follow_up_promised": "Dijanjikan tindak lanjut",
        "outcome_refused": "Ditolak",
        "outcome_other": "Lainnya",
        "incident_arrest": "Penangkapan",
        "incident_injury": "Korban luka",
        "incident_police": "Tindakan aparat",
        "incident_provocation": "Provokasi",
        "incident_violence": "Kekerasan",
        "incident_weather": "Cuaca",
        "incident_logistics": "Logistik",
        "incident_other": "Lainnya",
        "severity_low": "ringan",
        "severity_medium": "sedang",
        "severity_high": "berat",
        "severity_critical": "kritis",
        "request_medic": "Tim medis",
        "request_water_food": "Air & makanan",
        "request_legal_aid": "Bantuan hukum",
        "request_transport": "Transportasi",
        "request_sound": "Pengeras suara",
        "request_other": "Lainnya",
        "request_open": "terbuka",
        "request_committed": "disanggupi",
        "request_fulfilled": "terpenuhi",
        "request_cancelled": "dibatalkan",
    },
    "en": {
        "title": "Action report",
        "print": "Print",
        "pdf": "Download PDF",
        "back": "Back to the plan",
        "summary": "Summary",
        "target": "Target",
        "peak": "Peak",
        "final": "Final",
        "checkins": "Check-ins",
        "checked_in": "Korlaps checked in",
        "by_site": "By site",
        "by_affiliate": "By affiliate",
        "site": "Site",
        "affiliate": "Affiliate",
        "incidents": "Incidents",
        "requests": "Requests for help",
        "resolved_of": "resolved of",
        "fulfilled_of": "fulfilled of",
        "when": "When",
        "kind": "Kind",
        "severity": "Severity",
        "quantity": "Quantity",
        "status": "Status",
        "ack_min": "Acknowledged (min)",
        "resolve_min": "Resolved (min)",
        "fulfil_min": "Fulfilled (min)",
        "lobbying": "Lobbying and hearings",
        "outcomes": "Outcomes and follow-up",
        "follow_up_by": "follow up by",
        "overdue": "overdue",
        "none": "None.",
        "generated": "Generated",
        "demands": "Demands",
        "action_planned": "planned",
        "action_live": "live",
        "action_concluded": "concluded",
        "action_cancelled": "cancelled",
        "kind_rally": "Rally",
        "kind_strike": "Strike",
        "kind_march": "March",
        "kind_hearing": "Hearing",
        "kind_other": "Other",
        "lobby_lobby": "Lobbying",
        "lobby_hearing": "Hearing",
        "outcome_hearing_granted": "Hearing granted",
        "outcome_regulation_withdrawn": "Regulation withdrawn",
        "outcome_demand_met": "Demand met",
        "outcome_follow_up_promised": "Follow-up promised",
        "outcome_refused": "Refused",
        "outcome_other": "Other",
        "incident_arrest": "Arrest",
        "incident_injury": "Injury",
        "incident_police": "Police action",
        "incident_provocation": "Provocation",
        "incident_violence": "Violence",
        "incident_weather": "Weather",
        "incident_logistics": "Logistics",
        "incident_other": "Other",
        "severity_low": "low",
        "severity_medium": "medium",
        "severity_high": "high",
        "severity_critical": "critical",
        "request_medic": "Medic",
        "request_water_food": "Water & food",
        "request_legal_aid": "Legal aid",
        "request_transport": "Transport",
        "request_sound": "Sound system",
        "request_other": "Other",
        "request_open": "open",
        "request_committed": "committed",
        "request_fulfilled": "fulfilled",
        "request_cancelled": "cancelled",
    },
}
DASH = "\u2013"  # what a missing figure or a time span shows
ZONES = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}
_MONTHS = {
    "id": ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"],
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
}


def zone_of_longitude(lon: float) -> str:
    """Indonesia's zones by longitude, as the pages place a site (dashboard-util.js)."""
    if lon >= 125:
        return "Asia/Jayapura"
    if lon >= 114.5:
        return "Asia/Makassar"
    return "Asia/Jakarta"


def number(value: Any, lang: str) -> str:
    if value is None:
        return DASH
    if isinstance(value, float) and not value.is_integer():
        text = f"{value:,.1f}"
    else:
        text = f"{int(value):,}"
    if lang == "id":  # 1.234,5
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def render(
    report: dict[str, Any],
    *,
    lang: str,
    zone: str,
    site_names: dict[str, str],
    stylesheet: str | None,
    action_links: bool,
    now: datetime | None = None,
) -> str:
    """The whole document. `stylesheet` is linked when given (the page); the PDF is handed
    the same stylesheet's text by its renderer instead. `action_links`: the page's print and
    PDF links (not in the PDF itself)."""
    w = WORDS[lang]
    tz = ZoneInfo(zone)

    def e(value: Any) -> str:
        return escape(str(value))

    def n(value: Any) -> str:
        return number(value, lang)

    def when(iso: str | None) -> str:
        if not iso:
            return DASH
        at = datetime.fromisoformat(iso).astimezone(tz)
        hour_sep = "." if lang == "id" else ":"
        return (
            f"{at.day} {_MONTHS[lang][at.month - 1]} {at.year} "
            f"{at.hour:02d}{hour_sep}{at.minute:02d} {ZONES.get(zone, zone)}"
        )

    def word(key: str) -> str:
        return e(w.get(key, key.split("_", 1)[-1]))

    def cells(values: list[tuple[str, bool]]) -> str:
        return "".join(f'<td class="num">{v}</td>' if num else f"<td>{v}</td>" for v, num in values)

    def rows(items: list[str], columns: int) -> str:
        if not items:
            return f'<tr><td colspan="{columns}">{e(w["none"])}</td></tr>'
        return "".join(items)

    def below(value: Any, target: int) -> str:
        cls = "num below" if (value or 0) < target else "num"
        return f'<td class="{cls}">{n(value)}</td>'

    action = report["action"]
    totals = report["totals"]
    site_rows = [
        f'<tr><td>{e(s["name"])}</td><td class="num">{n(s["target"])}</td>'
        f"{below(s['peak'], s['target'])}{below(s['final'], s['target'])}"
        f'<td class="num">{n(s["checkins"])}</td><td class="num">{n(s["checked_in"])}</td></tr>'
        for s in report["sites"]
    ]
    affiliate_rows = [
        f'<tr><td>{e(a["name"])}</td><td class="num">{n(a["target"])}</td>'
        f"{below(a['peak'], a['target'])}{below(a['final'], a['target'])}</tr>"
        for a in report["affiliates"]
    ]
    incident_rows = [
        "<tr>"
        + cells(
            [
                (e(when(i["at"])), False),
                (word(f"incident_{i['kind']}"), False),
                (word(f"severity_{i['severity']}"), False),
                (e(site_names.get(i["site_id"] or "", DASH)), False),
                (n(i["minutes_to_acknowledge"]), True),
                (n(i["minutes_to_resolve"]), True),
            ]
        )
        + "</tr>"
        for i in report["incidents"]
    ]
    request_rows = [
        "<tr>"
        + cells(
            [
                (e(when(r["at"])), False),
                (word(f"request_{r['kind']}"), False),
                (n(r["quantity"]), True),
                (e(site_names.get(r["site_id"] or "", DASH)), False),
                (word(f"request_{r['status']}"), False),
                (n(r["minutes_to_fulfil"]), True),
            ]
        )
        + "</tr>"
        for r in report["requests"]
    ]
    lobbying = [
        f"<li><strong>{word('lobby_' + item['kind'])}: {e(item['with_whom'])}</strong> · "
        f"{e(when(item['at']))}"
        + (f'<div class="muted">{e(item["promised"])}</div>' if item["promised"] else "")
        + "</li>"
        for item in report["lobbying"]
    ]
    outcomes = [
        f"<li><strong>{word('outcome_' + o['kind'])}</strong> {e(o['description'])}"
        + (
            f' <span class="chip{" warn" if o.get("overdue") else ""}">{e(w["follow_up_by"])} '
            f"{e(when(o['follow_up_by']))}"
            + (f" · {e(w['overdue'])}" if o.get("overdue") else "")
            + "</span>"
            if o["follow_up_by"]
            else ""
        )
        + "</li>"
        for o in report["outcomes"]
    ]

    def total(label: str, value: str, extra: str = "") -> str:
        more = f'<div class="muted">{extra}</div>' if extra else ""
        return (
            f'<div class="total"><div class="label">{e(label)}</div>'
            f'<div class="value">{value}</div>{more}</div>'
        )

    def share(part: int, whole: int) -> str:
        return f"{round(100 * part / whole)}%" if whole else ""

    none = f'<li class="muted">{e(w["none"])}</li>'
    head_link = f'<link rel="stylesheet" href="{e(stylesheet)}">' if stylesheet else ""
    links = (
        f'<nav class="no-print"><a href="/rencana?action={e(action["id"])}">{e(w["back"])}</a>'
        f' <button id="print" type="button">{e(w["print"])}</button>'
        f' <a id="pdf-link" class="button" href="report.pdf?lang={lang}">{e(w["pdf"])}</a></nav>'
        if action_links
        else ""
    )
    script = '<script type="module" src="/static/laporan.js"></script>' if action_links else ""
    demands = "".join(f"<li>{e(d)}</li>" for d in action.get("demands") or [])
    generated = (now or datetime.now(UTC)).isoformat()
    checked_in = f"{n(totals['checked_in'])} {e(w['checked_in'])}"
    resolved = f"{n(totals['incidents_resolved'])} {e(w['resolved_of'])} {n(totals['incidents'])}"
    fulfilled = f"{n(totals['requests_fulfilled'])} {e(w['fulfilled_of'])} {n(totals['requests'])}"
    return f"""<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(w["title"])}: {e(action["title"])}</title>
{head_link}
{script}
</head>
<body class="report">
<main id="sheet" class="sheet">
{links}
<p class="muted">Posko · {e(w["title"])}</p>
<h2 id="r-title">{e(action["title"])}</h2>
<p id="r-when" class="muted">{word("kind_" + str(action["kind"]))} · {e(when(action["starts_at"]))}
 {DASH} {e(when(action["ends_at"]))} · {word("action_" + str(action["status"]))}</p>
<ul id="r-demands" class="demands">{demands}</ul>
<section><h3>{e(w["summary"])}</h3><div id="r-totals" class="totals">
{total(w["target"], n(totals["target"]))}
{total(w["peak"], n(totals["peak"]), share(totals["peak"], totals["target"]))}
{total(w["final"], n(totals["final"]), share(totals["final"], totals["target"]))}
{total(w["checkins"], n(totals["checkins"]), checked_in)}
{total(w["incidents"], n(totals["incidents"]), resolved)}
{total(w["requests"], n(totals["requests"]), fulfilled)}
</div></section>
<section><h3>{e(w["by_site"])}</h3><table id="r-sites"><thead><tr><th>{e(w["site"])}</th>
<th class="num">{e(w["target"])}</th><th class="num">{e(w["peak"])}</th>
<th class="num">{e(w["final"])}</th><th class="num">{e(w["checkins"])}</th>
<th class="num">{e(w["checked_in"])}</th></tr></thead>
<tbody>{rows(site_rows, 6)}</tbody></table></section>
<section><h3>{e(w["by_affiliate"])}</h3><table id="r-affiliates"><thead><tr>
<th>{e(w["affiliate"])}</th><th class="num">{e(w["target"])}</th>
<th class="num">{e(w["peak"])}</th><th class="num">{e(w["final"])}</th></tr></thead>
<tbody>{rows(affiliate_rows, 4)}</tbody></table></section>
<section><h3>{e(w["incidents"])}</h3><table id="r-incidents"><thead><tr><th>{e(w["when"])}</th>
<th>{e(w["kind"])}</th><th>{e(w["severity"])}</th><th>{e(w["site"])}</th>
<th class="num">{e(w["ack_min"])}</th><th class="num">{e(w["resolve_min"])}</th></tr></thead>
<tbody>{rows(incident_rows, 6)}</tbody></table></section>
<section><h3>{e(w["requests"])}</h3><table id="r-requests"><thead><tr><th>{e(w["when"])}</th>
<th>{e(w["kind"])}</th><th class="num">{e(w["quantity"])}</th><th>{e(w["site"])}</th>
<th>{e(w["status"])}</th><th class="num">{e(w["fulfil_min"])}</th></tr></thead>
<tbody>{rows(request_rows, 6)}</tbody></table></section>
<section><h3>{e(w["lobbying"])}</h3>
<ul id="r-lobbying" class="plain">{"".join(lobbying) or none}</ul>
<h3>{e(w["outcomes"])}</h3>
<ul id="r-outcomes" class="plain">{"".join(outcomes) or none}</ul></section>
<p id="r-generated" class="muted">{e(w["generated"])}: {e(when(generated))}</p>
</main>
</body>
</html>
"""
