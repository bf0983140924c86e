"""The SMS replies and SMS errors, in Bahasa Indonesia and English: short, one SMS each where
they can be, each ending with what to send instead. Merged into web.messages.CATALOGUE."""

from __future__ import annotations

SMS_CATALOGUE: dict[str, dict[str, str]] = {
    # errors of the HTTP endpoints
    "sms_signature": {
        "id": "Tanda tangan SMS gateway ({field}) tidak ada atau tidak cocok.",
        "en": "The SMS gateway's signature ({field}) is missing or does not match.",
    },
    "sms_stale_poll": {
        "id": "Permintaan gateway kedaluwarsa atau tanpa waktu ({field}); periksa jam ponsel.",
        "en": "The gateway's request is stale or has no time ({field}); check the phone's clock.",
    },
    "sms_stale": {
        "id": "SMS ini lebih tua dari {max_age_minutes} menit; tidak dicatat.",
        "en": "This text is older than {max_age_minutes} minutes; not recorded.",
    },
    "sms_other_action": {
        "id": "SMS ini bukan dari korlap aksi ini.",
        "en": "This text is not from a korlap of this action.",
    },
    "unknown_smsgateway": {"id": "SMS gateway tidak ditemukan.", "en": "No such SMS gateway."},
    "unknown_smsmessage": {"id": "SMS tidak ditemukan.", "en": "No such text message."},
    # replies: accepted
    "sms_accepted_checkin": {
        "id": "Posko: hadir di {site} tercatat. Kode {code}.",
        "en": "Posko: check-in at {site} recorded. Code {code}.",
    },
    "sms_accepted_headcount": {
        "id": "Posko: jumlah {count} orang di {site} tercatat. Kode {code}.",
        "en": "Posko: headcount {count} at {site} recorded. Code {code}.",
    },
    "sms_accepted_status": {
        "id": "Posko: status {site} tercatat. Kode {code}.",
        "en": "Posko: status of {site} recorded. Code {code}.",
    },
    "sms_accepted_incident": {
        "id": "Posko: insiden tercatat, posko menindaklanjuti. Kode {code}.",
        "en": "Posko: incident recorded, the posko is on it. Code {code}.",
    },
    "sms_accepted_request": {
        "id": "Posko: permintaan bantuan tercatat. Kode {code}. Batal: BATAL {code}",
        "en": "Posko: request for help recorded. Code {code}. To cancel: BATAL {code}",
    },
    "sms_already": {
        "id": "Posko: laporan ini sudah diterima sebelumnya. Kode {code}.",
        "en": "Posko: this report was already received. Code {code}.",
    },
    "sms_cancelled": {
        "id": "Posko: permintaan {code} dibatalkan.",
        "en": "Posko: request {code} cancelled.",
    },
    # replies: who may not
    "sms_unknown_sender": {
        "id": "Posko: nomor ini tidak terdaftar. Minta koordinator mendaftarkan nomor Anda.",
        "en": "Posko: this number is not registered. Ask a coordinator to add your number.",
    },
    "sms_no_role": {
        "id": "Posko: nomor ini tidak punya peran di aksi mana pun. Hubungi koordinator.",
        "en": "Posko: this number has no role in any action. Contact a coordinator.",
    },
    "sms_not_your_site": {
        "id": "Posko: Anda tidak bertugas di {site}. Laporkan dari lokasi Anda.",
        "en": "Posko: you are not assigned to {site}. Report from your own site.",
    },
    # replies: what was wrong, and the right form
    "sms_empty": {
        "id": "Posko: SMS kosong. Format: {form}",
        "en": "Posko: empty text. Forms: {form}",
    },
    "sms_too_long": {
        "id": "Posko: SMS terlalu panjang. Format: {form}",
        "en": "Posko: text too long. Forms: {form}",
    },
    "sms_unknown_keyword": {
        "id": "Posko: kata kunci {word} tidak dikenal. Format: {form}",
        "en": "Posko: unknown keyword {word}. Forms: {form}",
    },
    "sms_needs_site_code": {
        "id": "Posko: kode lokasi kurang. Format: {form}",
        "en": "Posko: site code missing. Form: {form}",
    },
    "sms_needs_number": {
        "id": "Posko: angka kurang. Format: {form}",
        "en": "Posko: number missing. Form: {form}",
    },
    "sms_bad_number": {
        "id": "Posko: {word} bukan angka yang benar. Format: {form}",
        "en": "Posko: {word} is not a valid number. Form: {form}",
    },
    "sms_unknown_phase": {
        "id": "Posko: fase {word} tidak dikenal (KUMPUL/JALAN/BERTAHAN/BUBAR). Format: {form}",
        "en": "Posko: unknown phase {word} (KUMPUL/JALAN/BERTAHAN/BUBAR). Form: {form}",
    },
    "sms_unknown_mood": {
        "id": "Posko: suasana {word} tidak dikenal (AMAN/TEGANG). Format: {form}",
        "en": "Posko: unknown mood {word} (AMAN/TEGANG). Form: {form}",
    },
    "sms_unknown_incident_kind": {
        "id": "Posko: jenis insiden {word} tidak dikenal (TANGKAP/LUKA/POLISI/PROVOKASI/"
        "KEKERASAN/CUACA/LOGISTIK/LAIN). Format: {form}",
        "en": "Posko: unknown incident kind {word} (TANGKAP/LUKA/POLISI/PROVOKASI/"
        "KEKERASAN/CUACA/LOGISTIK/LAIN). Form: {form}",
    },
    "sms_needs_text": {
        "id": "Posko: tulis apa yang terjadi. Format: {form}",
        "en": "Posko: say what happened. Form: {form}",
    },
    "sms_unknown_help_kind": {
        "id": "Posko: jenis bantuan {word} tidak dikenal (MEDIS/AIR/HUKUM/TRANSPORT/SOUND/LAIN). "
        "Format: {form}",
        "en": "Posko: unknown kind of help {word} (MEDIS/AIR/HUKUM/TRANSPORT/SOUND/LAIN). "
        "Form: {form}",
    },
    "sms_bad_quantity": {
        "id": "Posko: jumlah bantuan {word} tidak benar (1 atau lebih). Format: {form}",
        "en": "Posko: quantity {word} is not valid (1 or more). Form: {form}",
    },
    "sms_needs_report_code": {
        "id": "Posko: kode laporan kurang. Format: {form}",
        "en": "Posko: report code missing. Form: {form}",
    },
    "sms_extra_words": {
        "id": "Posko: kata {word} berlebih. Format: {form}",
        "en": "Posko: extra word {word}. Form: {form}",
    },
    "sms_needs_site": {
        "id": "Posko: lokasi Anda belum diketahui. Kirim dulu {form}",
        "en": "Posko: your site is not known yet. First send {form}",
    },
    "sms_unknown_site_code": {
        "id": "Posko: kode lokasi {site_code} tidak ada di aksi Anda. Format: {form}",
        "en": "Posko: site code {site_code} is not in your action. Form: {form}",
    },
    "sms_ambiguous_site_code": {
        "id": "Posko: kode lokasi {site_code} ada di lebih dari satu aksi Anda. Hubungi posko. "
        "Format: {form}",
        "en": "Posko: site code {site_code} is in more than one of your actions. Call the "
        "posko. Form: {form}",
    },
    "sms_unknown_report": {
        "id": "Posko: kode laporan {code} tidak ditemukan di laporan Anda.",
        "en": "Posko: report code {code} is not among your reports.",
    },
    "sms_cannot_cancel": {
        "id": "Posko: laporan {code} tidak bisa dibatalkan; hanya permintaan bantuan.",
        "en": "Posko: report {code} cannot be cancelled; only requests for help can.",
    },
    "sms_not_filed": {
        "id": "Posko: laporan tidak dicatat ({reason}). Hubungi posko.",
        "en": "Posko: report not recorded ({reason}). Contact the posko.",
    },
}
