"""The annual budget's (APBO) messages for the catalogue (web/messages.py adds them), in Bahasa
Indonesia and English. Keys are the stable error codes core.budget and core.fund raise."""

from __future__ import annotations

BUDGET_MESSAGES: dict[str, dict[str, str]] = {
    "not_a_year": {
        "id": "Kolom {field} harus tahun empat angka, misalnya 2026.",
        "en": "Field {field} must be a four-digit year, e.g. 2026.",
    },
    "not_budget_account": {
        "id": "Akun pada kolom {field} bukan akun pendapatan atau belanja dana ini.",
        "en": "The account in field {field} is not an income or expense account of this fund.",
    },
    "duplicate_account": {
        "id": "Akun {account} disebut lebih dari sekali (kolom {field}).",
        "en": "Account {account} is named more than once (field {field}).",
    },
    "budget_year_closed": {
        "id": "Kedua periode tahun {year} sudah ditutup; anggarannya tidak bisa diubah lagi.",
        "en": "Both periods of {year} are closed; its budget can no longer change.",
    },
}
