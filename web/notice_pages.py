"""The notices as letters: printable A4 HTML in Bahasa Indonesia with the union's letterhead,
and the same HTML as a PDF (WeasyPrint). Pure string building from a notice report (what
`Posko.notice_report` returns); every value is escaped."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any

DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
ZONES = (("WIB", 7), ("WITA", 8), ("WIT", 9))  # Indonesia's zones by UTC offset
FORMS = {
    "unjuk_rasa": "Unjuk rasa / demonstrasi",
    "pawai": "Pawai",
    "rapat_umum": "Rapat umum",
    "mimbar_bebas": "Mimbar bebas",
}
BLANK = "…………………………"

LETTER_CSS = Path(__file__).parent / "static" / "letter.css"
CSS_URL = "/static/letter.css"


def long_date(day: date) -> str:
    return f"{DAYS[day.weekday()]}, {day.day} {MONTHS[day.month - 1]} {day.year}"


def short_date(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def moment(value: str | None) -> str:
    """ "Senin, 20 Juli 2026 pukul 08.00 WIB" in the zone the time was given in."""
    if not value:
        return BLANK
    at = datetime.fromisoformat(value)
    offset = at.utcoffset() or timedelta(0)
    hours = int(offset.total_seconds() // 3600)
    zone = next((name for name, h in ZONES if h == hours), f"UTC{hours:+d}")
    return f"{long_date(at.date())} pukul {at:%H.%M} {zone}"


def _e(value: Any) -> str:
    return escape(str(value)) if value not in (None, "") else BLANK


def _letter_day(report: dict[str, Any]) -> date:
    if report.get("sent_on"):
        return date.fromisoformat(report["sent_on"])
    starts = report["fields"].get("starts_at")
    drafted = datetime.fromisoformat(report["drafted_at"])
    if starts:
        tz = datetime.fromisoformat(starts).tzinfo
        return drafted.astimezone(tz).date()
    return drafted.date()


def _letterhead(letterhead: dict[str, str]) -> str:
    lines = [f"<h1>{_e((letterhead.get('name') or '').upper())}</h1>"]
    for key in ("address", "contact"):
        if letterhead.get(key):
            lines.append(f"<p>{escape(letterhead[key])}</p>")
    return f'<header class="kop">{"".join(lines)}</header>'


def _meta(number: str | None, subject: str) -> str:
    rows = [("Nomor", _e(number)), ("Lampiran", "—"), ("Perihal", f"<b>{escape(subject)}</b>")]
    cells = "".join(f"<tr><td>{k}</td><td>:</td><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="meta">{cells}</table>'


def _signature(role: str, name: str | None, union: str | None = None) -> str:
    under = f"<div>{escape(union)}</div>" if union else ""
    return (
        f'<section><div>{escape(role)}</div><div class="ruang"></div>'
        f'<div class="nama">{_e(name)}</div>{under}</section>'
    )


def _page(title: str, body: str, report: dict[str, Any], letterhead: dict[str, str]) -> str:
    rules = report["rules"]
    return (
        "<!doctype html>\n"
        f'<html lang="id"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f'<link rel="stylesheet" href="{CSS_URL}"></head><body><main>'
        f"{_letterhead(letterhead)}{body}"
        f"<footer>Disusun dengan Posko; aturan hukum versi {escape(rules['version'])}. "
        "Bukan nasihat hukum: periksa bersama bagian hukum serikat.</footer>"
        "</main></body></html>\n"
    )


def strike(report: dict[str, Any], letterhead: dict[str, str]) -> str:
    f = report["fields"]
    signers = f.get("signatories") or []
    blocks = []
    for s in signers:
        if s.get("coordinator"):
            blocks.append(_signature("Koordinator / penanggung jawab", s["coordinator"]))
        else:
            blocks.append(_signature("Ketua", s.get("chair"), s.get("union")))
            blocks.append(_signature("Sekretaris", s.get("secretary"), s.get("union")))
    responsible = "; ".join(
        f"{s['coordinator']} (koordinator)"
        if s.get("coordinator")
        else f"{s.get('chair', BLANK)} (Ketua) dan {s.get('secretary', BLANK)} (Sekretaris), "
        f"{s.get('union', BLANK)}"
        for s in signers
    )
    staffing = ""
    if f.get("public_service"):
        staffing = (
            "<p>Perusahaan ini melayani kepentingan umum. Sesuai Pasal 139 UU 13/2003, pengaturan "
            f"pekerja yang tetap bertugas selama mogok kerja: {_e(f.get('staffing_plan'))}</p>"
        )
    body = (
        _meta(f.get("letter_number"), "Pemberitahuan Mogok Kerja")
        + "<p>Kepada Yth.</p><ol>"
        + f"<li>Pimpinan {_e(f.get('employer_name'))}<br>{_e(f.get('employer_address'))}</li>"
        + f"<li>Kepala {_e(f.get('disnaker_name'))}<br>{_e(f.get('disnaker_address'))}</li>"
        + "</ol><p>di tempat</p><p>Dengan hormat,</p>"
        + "<p>Berdasarkan Pasal 137, Pasal 140 dan Pasal 141 Undang-Undang Nomor 13 Tahun 2003 "
        "tentang Ketenagakerjaan, dengan ini kami memberitahukan bahwa pekerja/buruh dan "
        "serikat pekerja/serikat buruh yang kami pimpin akan melaksanakan mogok kerja sebagai "
        "akibat gagalnya perundingan, dengan keterangan sebagai berikut:</p>"
        + '<ol class="isi" type="a">'
        + f"<li>Waktu dimulai: {moment(f.get('starts_at'))};<br>"
        f"waktu diakhiri: {moment(f.get('ends_at'))}.</li>"
        + f"<li>Tempat mogok kerja: {_e(f.get('place'))}.</li>"
        + f"<li>Alasan dan sebab-sebab mogok kerja:<dl><dd>{_e(f.get('reasons'))}</dd></dl></li>"
        + f"<li>Penanggung jawab mogok kerja: {escape(responsible) or BLANK}.</li>"
        + "</ol>"
        + staffing
        + "<p>Mogok kerja akan dilaksanakan secara sah, tertib dan damai. Sesuai Pasal 141 "
        "ayat (1), kami mohon tanda terima atas pemberitahuan ini.</p>"
        + "<p>Demikian pemberitahuan ini kami sampaikan. Atas perhatiannya kami ucapkan terima "
        "kasih.</p>"
        + f'<p class="tanggal">{_e(f.get("city"))}, {short_date(_letter_day(report))}</p>'
        + f'<div class="ttd">{"".join(blocks)}</div>'
    )
    return _page("Pemberitahuan Mogok Kerja", body, report, letterhead)


def demo(report: dict[str, Any], letterhead: dict[str, str]) -> str:
    f = report["fields"]
    sites = report.get("sites") or []
    places = "".join(
        f"<li>{escape(s['name'])} ({s['lat']:.5f}, {s['lon']:.5f})</li>" for s in sites
    )
    route = f"<br>Rute: {escape(f['route'])}" if f.get("route") else ""
    responsible = f.get("responsible") or []
    people = "; ".join(
        escape(r["name"] + (f", {r['phone']}" if r.get("phone") else "")) for r in responsible
    )
    level = report.get("police_level") or ""
    body = (
        _meta(f.get("letter_number"), "Pemberitahuan Penyampaian Pendapat di Muka Umum")
        + f"<p>Kepada Yth.<br>Kepala {_e(f.get('police_unit'))}"
        + (f" ({escape(level)})" if level else "")
        + "<br>di tempat</p><p>Dengan hormat,</p>"
        + "<p>Berdasarkan Pasal 10 dan Pasal 11 Undang-Undang Nomor 9 Tahun 1998 tentang "
        "Kemerdekaan Menyampaikan Pendapat di Muka Umum, dengan ini kami memberitahukan "
        "kegiatan penyampaian pendapat di muka umum sebagai berikut:</p>"
        + '<ol class="isi" type="a">'
        + f"<li>Maksud dan tujuan:<dl><dd>{_e(f.get('purpose'))}</dd></dl></li>"
        + f"<li>Tempat, lokasi dan rute:<ul>{places}</ul>{route}</li>"
        + f"<li>Waktu dan lamanya: {moment(f.get('starts_at'))} sampai "
        f"{moment(f.get('ends_at'))}.</li>"
        + f"<li>Bentuk: {escape(FORMS.get(f.get('form', ''), f.get('form') or BLANK))}.</li>"
        + f"<li>Penanggung jawab: {people or BLANK}.</li>"
        + f"<li>Nama dan alamat organisasi: {_e(f.get('organisation_name'))}, "
        f"{_e(f.get('organisation_address'))}.</li>"
        + f"<li>Alat peraga: {_e(f.get('props'))}.</li>"
        + f"<li>Jumlah peserta: ± {_e(f.get('participants'))} orang.</li>"
        + "</ol>"
        + "<p>Kegiatan akan dilaksanakan secara aman, tertib dan damai. Kami mohon Surat Tanda "
        "Terima Pemberitahuan (STTP) sesuai Pasal 13.</p>"
        + f'<p class="tanggal">{_e(f.get("city"))}, {short_date(_letter_day(report))}</p>'
        + '<div class="ttd">'
        + "".join(_signature("Penanggung jawab", r["name"]) for r in responsible[:4])
        + "</div>"
    )
    return _page("Pemberitahuan Penyampaian Pendapat di Muka Umum", body, report, letterhead)


def render(report: dict[str, Any], letterhead: dict[str, str]) -> str:
    return strike(report, letterhead) if report["kind"] == "strike" else demo(report, letterhead)


def pdf(page: str) -> bytes:
    """The page as PDF (WeasyPrint; needs pango). Slow: call it in a worker thread. The only
    resource it may load is the letter's stylesheet, from the package: never the network."""
    from weasyprint import HTML  # imported on use: loading pango takes a moment

    data: bytes = HTML(string=page, base_url="file:///", url_fetcher=_fetcher()).write_pdf()
    return data


def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalOnly(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.endswith(CSS_URL):
                css = LETTER_CSS.read_text("utf-8")
                return URLFetcherResponse(url, css, {"Content-Type": "text/css"})
            raise ValueError(f"the letter may not load {url}")

    return LocalOnly()
