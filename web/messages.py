"""The message catalogue: what people read when something goes wrong, in Bahasa Indonesia (the
default) and English. Keys are the stable error codes; `{name}` placeholders take params."""

from __future__ import annotations

from typing import Any

from web.budget_messages import BUDGET_MESSAGES
from web.fund_link_messages import FUND_LINK_MESSAGES
from web.fund_messages import FUND_MESSAGES
from web.sms_messages import SMS_CATALOGUE

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
    "too_few": {
        "id": "Kolom {field} berisi terlalu sedikit butir (minimal {min}).",
        "en": "Field {field} has too few items (at least {min}).",
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
    "not_planned": {
        "id": "Aksi sudah {status}; rencana dan lokasinya tidak bisa diubah lagi.",
        "en": "The action is {status}; its plan and sites can no longer change.",
    },
    "unknown_lobby": {
        "id": "Lobi atau audiensi {lobby_id} tidak ada dalam aksi ini.",
        "en": "No lobbying or hearing {lobby_id} in this action.",
    },
    "import_refused": {
        "id": "Berkas tidak diimpor: ada baris yang salah; perbaiki lalu coba lagi.",
        "en": "The file was not imported: some rows are wrong; fix them and try again.",
    },
    "csv_unreadable": {
        "id": "Berkas CSV tidak bisa dibaca ({reason}).",
        "en": "The CSV file cannot be read ({reason}).",
    },
    "csv_empty": {"id": "Berkas CSV kosong.", "en": "The CSV file is empty."},
    "csv_columns": {
        "id": "Baris pertama harus berisi nama kolom: {expected}.",
        "en": "The first line must name the columns: {expected}.",
    },
    "duplicate_in_file": {
        "id": "Nama lokasi ini sudah ada di baris {first_line} berkas ini.",
        "en": "This site name is already on line {first_line} of this file.",
    },
    "site_exists": {
        "id": "Aksi ini sudah punya lokasi bernama {name}.",
        "en": "This action already has a site named {name}.",
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
    "unsupported_media_type": {
        "id": "Kirim isi permintaan sebagai application/json.",
        "en": "Send the request body as application/json.",
    },
    "cross_site": {
        "id": "Permintaan dari situs lain ditolak; buka halaman Posko sendiri.",
        "en": "Requests from other sites are refused; open Posko's own page.",
    },
    "replays_busy": {
        "id": "Server sedang memutar ulang riwayat lain; coba lagi dalam {retry_after} detik.",
        "en": "The server is busy replaying history; try again in {retry_after} seconds.",
    },
    "too_many_requests": {
        "id": "Terlalu banyak permintaan; coba lagi dalam {retry_after} detik.",
        "en": "Too many requests; try again in {retry_after} seconds.",
    },
    "bad_characters": {
        "id": "{field} berisi karakter kendali atau pembalik arah teks; hapus karakter itu.",
        "en": "{field} holds control or text-direction override characters; remove them.",
    },
    "sign_in_busy": {
        "id": "Terlalu banyak yang sedang masuk; coba lagi sebentar lagi.",
        "en": "Too many sign-ins at once; try again in a moment.",
    },
    "invite_used_up": {
        "id": "Tautan undangan ini sudah dipakai {max_uses} kali, batasnya; minta yang baru.",
        "en": "This invite link has been opened {max_uses} times, its limit; ask for a new one.",
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
    # -- legal notices and the evidence log (web/notices.py) --
    "not_date": {
        "id": "Kolom {field} harus berupa tanggal, misalnya 2026-07-06.",
        "en": "Field {field} must be a date, e.g. 2026-07-06.",
    },
    "unknown_field": {
        "id": "Kolom {field} tidak dikenal.",
        "en": "Field {field} is not known.",
    },
    "too_large": {
        "id": "Berkas terlalu besar (maksimal {max} byte).",
        "en": "The file is too large (at most {max} bytes).",
    },
    "unknown_attachment": {
        "id": "Lampiran tidak ditemukan pada aksi ini.",
        "en": "No such attachment in this action.",
    },
    "unknown_notice": {"id": "Surat tidak ditemukan.", "en": "No such notice."},
    "unknown_rulesettext": {
        "id": "Versi aturan hukum surat ini tidak ditemukan.",
        "en": "The legal rule set of this notice was not found.",
    },
    "action_not_strike": {
        "id": "Surat pemberitahuan mogok hanya untuk aksi berjenis mogok (jenis aksi ini: {kind}).",
        "en": "A strike notice needs an action of kind strike (this action: {kind}).",
    },
    "action_has_no_sites": {
        "id": "Surat pemberitahuan aksi memerlukan minimal satu lokasi aksi.",
        "en": "A demonstration notice needs at least one site of the action.",
    },
    "notice_refused": {
        "id": "Surat belum dapat ditandai siap: {count} hal harus diperbaiki.",
        "en": "The notice cannot be marked ready: {count} thing(s) must be fixed.",
    },
    "notice_locked": {
        "id": "Surat berstatus {status} tidak dapat diubah lagi; buat surat baru.",
        "en": "A notice that is {status} can no longer be edited; draft a new one.",
    },
    "not_for_notice_kind": {
        "id": "Tindakan ini tidak berlaku untuk surat jenis {kind}.",
        "en": "This does not apply to a notice of kind {kind}.",
    },
    "notice_not_sent": {
        "id": "Tanda terima hanya dapat dicatat setelah surat dikirim (status: {status}).",
        "en": "A receipt can only be recorded once the notice is sent (status: {status}).",
    },
    "before_sent": {
        "id": "Tanggal tanda terima tidak boleh sebelum tanggal kirim ({sent_on}).",
        "en": "The receipt cannot be dated before the notice was sent ({sent_on}).",
    },
    # strike votes
    "unknown_vote": {"id": "Pemungutan suara tidak ditemukan.", "en": "No such vote."},
    "unknown_voting_link": {
        "id": "Tautan memilih ini tidak dikenal atau sudah diganti.",
        "en": "This voting link is unknown or has been replaced.",
    },
    "already_voted": {
        "id": "Anda sudah memilih. Satu anggota, satu suara.",
        "en": "You have already voted. One member, one vote.",
    },
    "not_on_roll": {
        "id": "Anda tidak ada dalam daftar pemilih pemungutan suara ini.",
        "en": "You are not on this vote's roll.",
    },
    "vote_not_open_yet": {
        "id": "Pemungutan suara belum dibuka.",
        "en": "The vote is not open yet.",
    },
    "vote_closed": {"id": "Pemungutan suara sudah ditutup.", "en": "The vote is closed."},
    "vote_still_open": {
        "id": "Pemungutan suara baru dapat ditutup pada {closes_at} atau setelah semua memilih.",
        "en": "The vote can close at {closes_at}, or once everyone on the roll has voted.",
    },
    "empty_roll": {
        "id": "Tidak ada anggota aktif dalam daftar pemilih; pemungutan suara tidak dapat dibuka.",
        "en": "No member in good standing is on the roll; the vote cannot open.",
    },
    "in_the_past": {
        "id": "Waktu {field} sudah lewat.",
        "en": "Time {field} is already past.",
    },
    "duplicate": {
        "id": "Kolom {field} berisi pilihan yang sama dua kali.",
        "en": "Field {field} lists the same choice twice.",
    },
    "not_an_integer": {
        "id": "Kolom {field} harus bilangan bulat.",
        "en": "Field {field} must be an integer.",
    },
    "not_a_receipt": {
        "id": "Kode tanda terima harus {length} huruf/angka.",
        "en": "A receipt code has {length} letters or digits.",
    },
    "receipt_taken": {
        "id": "Kode tanda terima ini sudah dipakai; muat ulang halaman dan pilih lagi.",
        "en": "This receipt code is taken; reload the page and vote again.",
    },
    "ballot_box_mismatch": {
        "id": "Kotak suara tidak cocok dengan daftar hadir ({problem}); penutupan ditolak.",
        "en": "The ballot box disagrees with the turnout ({problem}); sealing refused.",
    },
    "no_ballot_box": {
        "id": "Kotak suara tidak tersedia di server ini.",
        "en": "This server has no ballot box.",
    },
}

CATALOGUE.update(SMS_CATALOGUE)
CATALOGUE.update(FUND_MESSAGES)
CATALOGUE.update(FUND_LINK_MESSAGES)
CATALOGUE.update(BUDGET_MESSAGES)


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
