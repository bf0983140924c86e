"""What officers read about a notice's findings, in Bahasa Indonesia (default) and English: one
entry per finding code of core.legal.checks, `{name}` placeholders taking the finding's params.
Every text ends with the article its rule cites (added when rendered), never a bare verdict."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from web.messages import LANGUAGES
from web.notice_pages import long_date, moment

DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?[+-]\d{2}:\d{2}")

FINDINGS: dict[str, dict[str, str]] = {
    "missing_recipient": {
        "id": "Penerima wajib belum diisi: {field}.",
        "en": "A required recipient is missing: {field}.",
    },
    "missing_content": {
        "id": "Isi wajib belum diisi: {field}.",
        "en": "Required content is missing: {field}.",
    },
    "missing_signatory": {
        "id": "Penanda tangan belum lengkap: {field}.",
        "en": "A signatory is incomplete: {field}.",
    },
    "staffing_plan_needed": {
        "id": "Perusahaan pelayanan umum: lampirkan rencana pengaturan pekerja yang bertugas.",
        "en": "Public-service workplace: attach the staffing plan for workers on duty.",
    },
    "no_failed_negotiation": {
        "id": "Belum ada bukti gagalnya perundingan (risalah, deadlock, penolakan berunding).",
        "en": "No evidence yet that negotiations failed (minutes, deadlock, refusal).",
    },
    "too_close": {
        "id": "Terlalu dekat: mogok paling cepat {earliest_lawful} bila surat diterima hari ini "
        "({working_days} hari kerja penuh).",
        "en": "Too close: the strike may start {earliest_lawful} at the earliest if received "
        "today ({working_days} full working days).",
    },
    "receipt_too_late": {
        "id": "Tanda terima terakhir ({counted_from}) terlambat: hanya {working_days} hari kerja "
        "penuh sebelum mogok; paling cepat {earliest_lawful}. Mogok berisiko tidak sah.",
        "en": "The later receipt ({counted_from}) came too late: only {working_days} full working "
        "days before the strike; earliest {earliest_lawful}. The strike risks being unlawful.",
    },
    "inside_margin": {
        "id": "Sah, tetapi dalam margin keamanan: {working_days} hari kerja penuh; aman mulai "
        "{earliest_safe}.",
        "en": "Lawful but inside the safety margin: {working_days} full working days; safe from "
        "{earliest_safe}.",
    },
    "counting": {
        "id": "Dihitung dari {counted_from}: {working_days} hari kerja penuh (hari tanda terima "
        "dan hari mogok tidak dihitung; libur nasional dan cuti bersama tidak dihitung). Batas "
        "tanda terima: {receipt_deadline}.",
        "en": "Counted from {counted_from}: {working_days} full working days (neither end day, "
        "no holidays or cuti bersama). Last day for the receipts: {receipt_deadline}.",
    },
    "receipt_missing": {
        "id": "Tanda terima dari {recipient} belum dicatat.",
        "en": "No receipt recorded yet from {recipient}.",
    },
    "calendar_missing_year": {
        "id": "Kalender hari libur {year} tidak tersedia: hanya akhir pekan yang dihitung.",
        "en": "No holiday calendar for {year}: only weekends are counted.",
    },
    "calendar_unverified": {
        "id": "Kalender {year} belum terverifikasi: {source}",
        "en": "The {year} calendar is not verified: {source}",
    },
    "action_start_before_deadline": {
        "id": "Mulai aksi dipindah ke {action_starts_at}, sebelum hari mogok paling cepat yang sah "
        "({earliest_lawful}). Surat menyebut {notice_starts_at}.",
        "en": "The action's start moved to {action_starts_at}, before the earliest lawful day "
        "({earliest_lawful}). The notice says {notice_starts_at}.",
    },
    "action_start_differs": {
        "id": "Mulai aksi ({action_starts_at}) berbeda dengan surat ({notice_starts_at}).",
        "en": "The action's start ({action_starts_at}) differs from the notice "
        "({notice_starts_at}).",
    },
    "unknown_form": {
        "id": "Bentuk kegiatan harus salah satu dari: {allowed}.",
        "en": "The form must be one of: {allowed}.",
    },
    "sttp_too_late": {
        "id": "STTP diterima hanya {hours_left} jam sebelum aksi (minimal {hours} jam).",
        "en": "The STTP was received only {hours_left} hours before (at least {hours}).",
    },
    "national_holiday": {
        "id": "{day} adalah hari libur nasional ({name}): unjuk rasa tidak dibolehkan.",
        "en": "{day} is a national holiday ({name}): no demonstrations.",
    },
    "outside_hours": {
        "id": "Di luar jam yang dibolehkan ({opens}-{closes}).",
        "en": "Outside the allowed hours ({opens}-{closes}).",
    },
    "near_forbidden_place": {
        "id": "Lokasi {site} berjarak {distance_m} m dari {place} (batas {limit_m} m).",
        "en": "Site {site} is {distance_m} m from {place} (limit {limit_m} m).",
    },
    "responsible_ratio": {
        "id": "Penanggung jawab {given} orang; untuk peserta ini perlu {needed_min}-{needed_max}.",
        "en": "{given} responsible person(s); this many participants need {needed_min}-"
        "{needed_max}.",
    },
    "cancelled_late": {
        "id": "Pembatalan setelah batas {deadline}.",
        "en": "Cancelled after the deadline {deadline}.",
    },
    "sttp_missing": {
        "id": "STTP dari Polri belum dicatat.",
        "en": "No STTP from the police recorded yet.",
    },
}

STATUS_WORDS = {
    "verified": {"id": "terverifikasi", "en": "verified"},
    "partly": {"id": "sebagian terverifikasi", "en": "partly verified"},
    "unverified": {"id": "BELUM TERVERIFIKASI", "en": "UNVERIFIED"},
    "policy": {"id": "kebijakan Posko", "en": "Posko policy"},
}


def title(finding: dict[str, Any], lang: str) -> str:
    """The finding in words, followed by the article its rule cites and how sure that is."""
    lang = lang if lang in LANGUAGES else "id"
    template = FINDINGS[finding["code"]][lang]
    params = {k: _shown(v, lang) for k, v in finding["params"].items()}
    try:
        text = template.format(**params)
    except (KeyError, IndexError):
        text = template
    status = STATUS_WORDS.get(finding["status"], {}).get(lang, finding["status"])
    return f"{text} [{finding['cites']}; {status}]"


def _shown(value: Any, lang: str) -> Any:
    """A param as people read it: lists joined; in Bahasa Indonesia, ISO days and times as
    "Rabu, 16 Desember 2026" and "... pukul 08.00 WIB"."""
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if lang == "id" and isinstance(value, str):
        if DAY.fullmatch(value):
            return long_date(date.fromisoformat(value))
        if MOMENT.fullmatch(value):
            return moment(value)
    return value
