"""Messages of funds linked to actions and of the ledger's pages, for the catalogue (web/messages.py
adds them), in Bahasa Indonesia and English."""

from __future__ import annotations

FUND_LINK_MESSAGES: dict[str, dict[str, str]] = {
    "fund_not_linked": {
        "id": "Dana ini tidak terhubung dengan aksi dari permintaan bantuan itu.",
        "en": "This fund is not linked to the action of that request for help.",
    },
    "bad_cursor": {
        "id": "Kolom {field} harus kursor dari halaman sebelumnya (next_cursor).",
        "en": "Field {field} must be the cursor of the page before (next_cursor).",
    },
}
