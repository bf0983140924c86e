"""The message catalogue: what people read when something goes wrong, in Bahasa Indonesia (the
default) and English. Keys are the stable error codes; `{name}` placeholders take params."""

from __future__ import annotations

from typing import Any

from web.fund_messages import FUND_MESSAGES

LANGUAGES = ("id", "en")

CATALOGUE: dict[str, dict[str, str]] = {
    "invalid": {"id": "Nilai tidak valid.", "en": "Invalid value."},
    "required": {"id": "Kolom {field} wajib diisi.", "en": "Field {field} is required."},
    "too_long": {
        "id": "Kolom {field} terlalu panjang (maksimal {max} karakter).",
        "en": "Field {field} is too long (at most {max} characters).",
    },
    "too_many": {
        "id": "Kolom {field} berisi terlalu banyak butir (maksimal {max}).",
        "en": "Field {field} has too many items (at most {max}).",
    },
    "not_one_of": {
        "id": "Kolom {field} harus salah satu dari: {allowed}.",
        "en": "Field {field} must be one of: {allowed}.",
    },
    "out_of_range": {
        "id": "Kolom {field} harus antara {min} dan {max}.",
        "en": "Field {field} must be between {min} and {max}.",
    },
    "needs_timezone": {
        "id": "Kolom {field} harus memuat zona waktu, misalnya 2026-05-01T10:00:00+07:00.",
        "en": "Field {field} must include a time zone, e.g. 2026-05-01T10:00:00+07:00.",
    },
    "ends_before_start": {
        "id": "Waktu selesai harus setelah waktu mulai.",
        "en": "The end time must be after the start time.",
    },
    "in_future": {
        "id": "Waktu {field} lebih dari {max_skew_minutes} menit ke depan; periksa jam ponsel.",
        "en": "Time {field} is over {max_skew_minutes} minutes ahead; check the phone's clock.",
    },
    "lat_lon_together": {
        "id": "Lintang (lat) dan bujur (lon) harus dikirim bersama.",
        "en": "Latitude (lat) and longitude (lon) must be sent together.",
    },
    "not_for_kind": {
        "id": "Kolom {field} tidak berlaku untuk laporan jenis {kind}.",
        "en": "Field {field} does not apply to reports of kind {kind}.",
    },
    "malformed_json": {
        "id": "Isi permintaan bukan JSON yang valid.",
        "en": "The request body is not valid JSON.",
    },
    "not_an_object": {
        "id": "Isi permintaan harus berupa objek JSON.",
        "en": "The request body must be a JSON object.",
    },
    "wrong_type": {
        "id": "Kolom {field} harus bertipe {expected}.",
        "en": "Field {field} must be of type {expected}.",
    },
    "not_uuid": {
        "id": "Kolom {field} harus berupa UUID.",
        "en": "Field {field} must be a UUID.",
    },
    "not_datetime": {
        "id": "Kolom {field} harus berupa waktu ISO 8601, misalnya 2026-05-01T10:00:00+07:00.",
        "en": "Field {field} must be an ISO 8601 time, e.g. 2026-05-01T10:00:00+07:00.",
    },
    "body_too_large": {
        "id": "Isi permintaan terlalu besar (maksimal {max} bita).",
        "en": "The request body is too large (at most {max} bytes).",
    },
    "not_found": {"id": "Tidak ditemukan.", "en": "Not found."},
    "unknown_action": {"id": "Aksi tidak ditemukan.", "en": "No such action."},
    "unknown_site": {
        "id": "Lokasi tidak ditemukan dalam aksi ini.",
        "en": "No such site in this action.",
    },
    "unknown_id": {"id": "Id tidak ditemukan.", "en": "No such id."},
    "id_reused": {
        "id": "Id {id} sudah dipakai untuk data lain; buat id baru.",
        "en": "Id {id} was already used for something else; make a new id.",
    },
    "action_closed": {
        "id": "Aksi sudah {status}; lokasi tidak bisa ditambah.",
        "en": "The action is {status}; sites can no longer be added.",
    },
    "action_cancelled": {
        "id": "Aksi ini dibatalkan; laporan tidak diterima.",
        "en": "This action was cancelled; reports are not accepted.",
    },
    "too_many_sites": {
        "id": "Aksi ini sudah punya {max} lokasi.",
        "en": "This action already has {max} sites.",
    },
    "bad_transition": {
        "id": "Status tidak bisa diubah dari {status} ke {to}.",
        "en": "The status cannot change from {status} to {to}.",
    },
    "conflict": {
        "id": "Permintaan ini bertentangan dengan data yang sudah tercatat.",
        "en": "This request contradicts what is already recorded.",
    },
    "busy": {
        "id": "Data ini sedang diubah orang lain; coba lagi.",
        "en": "Someone else is changing this right now; try again.",
    },
    "not_a_phone": {
        "id": "Kolom {field} harus nomor telepon, misalnya 0812-3456-7890 atau +62 812 3456 7890.",
        "en": "Field {field} must be a phone number, e.g. 0812-3456-7890 or +62 812 3456 7890.",
    },
    "not_an_email": {
        "id": "Kolom {field} harus alamat email yang valid.",
        "en": "Field {field} must be a valid email address.",
    },
    "login_taken": {
        "id": "Nomor telepon atau email di kolom {field} sudah dipakai orang lain.",
        "en": "The phone number or email in {field} is already used by someone else.",
    },
    "unknown_branch": {
        "id": "Serikat/cabang tidak ditemukan di federasi ini.",
        "en": "No such union or branch in this affiliate.",
    },
    "unknown_affiliate": {"id": "Federasi tidak ditemukan.", "en": "No such affiliate."},
    "unknown_person": {"id": "Orang tidak ditemukan.", "en": "No such person."},
    "unknown_session": {"id": "Sesi tidak ditemukan.", "en": "No such session."},
    "unknown_invite": {"id": "Undangan tidak ditemukan.", "en": "No such invite."},
    "unknown_login": {"id": "Login tidak ditemukan.", "en": "No such login."},
    "invite_unusable": {
        "id": "Tautan undangan ini tidak berlaku lagi (dicabut atau kedaluwarsa); minta yang baru.",
        "en": "This invite link no longer works (revoked or expired); ask for a new one.",
    },
    "bad_credentials": {
        "id": "Nomor telepon/email atau kata sandi salah.",
        "en": "Wrong phone number/email or password.",
    },
    "too_many_attempts": {
        "id": "Terlalu banyak percobaan masuk; coba lagi dalam {retry_after} detik.",
        "en": "Too many sign-in attempts; try again in {retry_after} seconds.",
    },
    "csrf": {
        "id": "Permintaan ini tidak membawa token CSRF yang benar; muat ulang halaman.",
        "en": "This request lacks the right CSRF token; reload the page.",
    },
    "password_needed": {
        "id": "Kata sandi belum diberikan: pakai --password-stdin atau POSKO_NEW_PASSWORD.",
        "en": "No password given: use --password-stdin or POSKO_NEW_PASSWORD.",
    },
    "passwords_differ": {
        "id": "Kedua kata sandi tidak sama.",
        "en": "The two passwords differ.",
    },
    "wrong_password": {
        "id": "Kata sandi saat ini salah.",
        "en": "The current password is wrong.",
    },
    "weak_password": {
        "id": "Kata sandi minimal {min} karakter.",
        "en": "The password needs at least {min} characters.",
    },
    "breakdown_exceeds_total": {
        "id": "Jumlah per federasi melebihi jumlah total massa.",
        "en": "The per-affiliate counts add up to more than the total headcount.",
    },
    "no_sites": {
        "id": "Aksi ini belum punya lokasi.",
        "en": "This action has no sites yet.",
    },
    "choose_site": {
        "id": "Pilih lokasi (site_id). Lokasi terdekat: {suggestion[name]}, "
        "{suggestion[distance_m]} m dari sini.",
        "en": "Choose a site (site_id). The nearest is {suggestion[name]}, "
        "{suggestion[distance_m]} m from here.",
    },
    "address_or_position": {
        "id": "Kirim alamat (address) atau lintang dan bujur (lat, lon), jangan keduanya.",
        "en": "Send an address or a latitude and longitude (lat, lon), not both.",
    },
    "geocoding_off": {
        "id": "Pencarian alamat tidak diaktifkan di posko ini; kirim lat dan lon.",
        "en": "Address lookup is off on this posko; send lat and lon instead.",
    },
    "address_not_found": {
        "id": "Alamat tidak ditemukan; perjelas alamatnya atau kirim lat dan lon.",
        "en": "The address was not found; make it more precise or send lat and lon.",
    },
    "geocoder_unavailable": {
        "id": "Layanan pencarian alamat tidak menjawab; coba lagi, atau kirim lat dan lon.",
        "en": "The address lookup service did not answer; try again, or send lat and lon.",
    },
    "unknown_incident": {"id": "Insiden tidak ditemukan.", "en": "No such incident."},
    "unknown_helprequest": {
        "id": "Permintaan bantuan tidak ditemukan.",
        "en": "No such request for help.",
    },
    "unauthenticated": {
        "id": "Masuk dulu (di /masuk), atau kirim header Authorization: Bearer <kunci atau token>.",
        "en": "Sign in first (at /masuk), or send an Authorization: Bearer <key or token> header.",
    },
    "forbidden": {
        "id": "Anda tidak berwenang melakukan ini.",
        "en": "You are not allowed to do this.",
    },
    "method_not_allowed": {
        "id": "Metode HTTP ini tidak didukung di alamat ini.",
        "en": "This HTTP method is not supported here.",
    },
    "internal": {
        "id": "Terjadi kesalahan di server; data Anda tidak tersimpan sebagian. Coba lagi.",
        "en": "Something went wrong on the server; nothing was partially saved. Try again.",
    },
    "unavailable": {
        "id": "Layanan sedang tidak tersedia; coba lagi sebentar lagi.",
        "en": "The service is unavailable right now; try again shortly.",
    },
}

CATALOGUE.update(FUND_MESSAGES)


def language(accept_language: str | None) -> str:
    """The caller's language from an Accept-Language header: English if preferred, else id."""
    best, best_q = "id", -1.0
    for part in (accept_language or "").split(","):
        tag, _, q = part.strip().partition(";q=")
        lang = tag.split("-")[0].strip().lower()
        if lang not in LANGUAGES:
            continue
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            continue
        if weight > best_q and weight > 0:  # q=0 means "not this one"
            best, best_q = lang, weight
    return best


def render(code: str, lang: str, params: dict[str, Any]) -> str:
    entry = CATALOGUE.get(code) or CATALOGUE["invalid"]
    template = entry.get(lang) or entry["id"]
    shown = {k: ", ".join(map(str, v)) if isinstance(v, list) else v for k, v in params.items()}
    try:
        return template.format(**shown)
    except (KeyError, IndexError):
        return template
