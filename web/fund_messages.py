"""The solidarity fund's messages for the catalogue (web/messages.py adds them), in Bahasa
Indonesia and English. Keys are the stable error codes core.fund and friends raise."""

from __future__ import annotations

FUND_MESSAGES: dict[str, dict[str, str]] = {
    "whole_rupiah": {
        "id": "Kolom {field} harus bilangan bulat rupiah (tanpa desimal).",
        "en": "Field {field} must be a whole number of rupiah (no decimals).",
    },
    "legs_count": {
        "id": "Jurnal harus punya {min} sampai {max} baris.",
        "en": "An entry needs {min} to {max} legs.",
    },
    "unknown_account": {
        "id": "Akun pada kolom {field} tidak ada di dana ini.",
        "en": "The account in field {field} does not exist in this fund.",
    },
    "unbalanced": {
        "id": "Debit ({debits}) dan kredit ({credits}) tidak seimbang.",
        "en": "Debits ({debits}) and credits ({credits}) do not balance.",
    },
    "not_a_date": {
        "id": "Kolom {field} harus tanggal, misalnya 2026-11-02.",
        "en": "Field {field} must be a date, e.g. 2026-11-02.",
    },
    "date_in_future": {
        "id": "Tanggal pada kolom {field} belum tiba.",
        "en": "The date in field {field} is in the future.",
    },
    "not_a_period": {
        "id": "Periode harus seperti 2026-H1 (Januari-Juni) atau 2026-H2.",
        "en": "A period looks like 2026-H1 (January-June) or 2026-H2.",
    },
    "not_a_month": {
        "id": "Kolom {field} harus bulan, misalnya 2026-11.",
        "en": "Field {field} must be a month, e.g. 2026-11.",
    },
    "bad_account_code": {
        "id": "Kode akun hanya huruf kecil, angka dan : _ - . (maksimal 60).",
        "en": "An account code is lower-case letters, digits and : _ - . (at most 60).",
    },
    "account_exists": {
        "id": "Akun {account} sudah ada dengan nama atau jenis lain.",
        "en": "Account {account} already exists with another name or type.",
    },
    "own_level_not_in_split": {
        "id": "Tingkat sendiri (own_level) harus ada dalam pembagian.",
        "en": "The fund's own level (own_level) must be one of the split's levels.",
    },
    "split_levels": {
        "id": "Pembagian iuran harus punya {min} sampai {max} tingkat.",
        "en": "The dues split needs {min} to {max} levels.",
    },
    "bad_level": {
        "id": "Nama tingkat dalam pembagian tidak valid.",
        "en": "A level name in the split is not valid.",
    },
    "split_not_whole": {
        "id": "Pembagian iuran harus berjumlah 10000 basis poin (sekarang {total}).",
        "en": "The dues split must add up to 10000 basis points (it is {total}).",
    },
    "dues_zero": {
        "id": "Iuran dari dasar ini nol rupiah.",
        "en": "The dues on this base come to zero rupiah.",
    },
    "no_dues_rule": {
        "id": "Dana ini belum punya aturan iuran.",
        "en": "This fund has no dues rule yet.",
    },
    "unit_id_for_kind": {
        "id": "Unit konfederasi tanpa unit_id; federasi dan cabang wajib unit_id.",
        "en": "A confederation fund has no unit_id; affiliates and branches need one.",
    },
    "period_closed": {
        "id": "Periode {period} sudah ditutup; catat koreksi di periode berjalan.",
        "en": "Period {period} is closed; record the correction in the open period.",
    },
    "period_not_over": {
        "id": "Periode belum berakhir (berakhir {ends}).",
        "en": "The period is not over yet (it ends {ends}).",
    },
    "period_open": {
        "id": "Periode ini belum ditutup.",
        "en": "This period is not closed yet.",
    },
    "insufficient_funds": {
        "id": "Saldo tidak cukup (tersedia Rp{available} setelah dana yang dicadangkan).",
        "en": "Not enough money (Rp{available} available after reservations).",
    },
    "unknown_disbursement": {
        "id": "Pengeluaran tidak ditemukan.",
        "en": "No such disbursement.",
    },
    "disbursement_paid": {
        "id": "Pengeluaran ini sudah dibayar.",
        "en": "This disbursement is already paid.",
    },
    "disbursement_rejected": {
        "id": "Pengeluaran ini sudah ditolak.",
        "en": "This disbursement was rejected.",
    },
    "disbursement_expired": {
        "id": "Pengeluaran ini sudah kedaluwarsa.",
        "en": "This disbursement has expired.",
    },
    "requester_cannot_approve": {
        "id": "Pengaju tidak boleh menyetujui atau menolak pengajuannya sendiri.",
        "en": "The requester cannot approve or reject their own request.",
    },
    "already_approved": {
        "id": "Pengeluaran ini sudah disetujui.",
        "en": "This disbursement is already approved.",
    },
    "only_requester_changes": {
        "id": "Hanya pengaju yang boleh mengubah jumlah.",
        "en": "Only the requester may change the amount.",
    },
    "not_expired_yet": {
        "id": "Pengeluaran ini belum kedaluwarsa (sampai {expires_at}).",
        "en": "This disbursement has not expired yet (until {expires_at}).",
    },
    "already_paid": {
        "id": "Pengeluaran ini sudah dibayar; pembayaran kedua ditolak.",
        "en": "This disbursement is already paid; a second payment is refused.",
    },
    "not_approved": {
        "id": "Pengeluaran ini belum disetujui.",
        "en": "This disbursement is not approved.",
    },
    "payer_not_requester_or_approver": {
        "id": "Pembayar tidak boleh pengaju atau penyetuju.",
        "en": "The payer cannot be the requester or an approver.",
    },
    "already_signed": {
        "id": "Peran ini sudah menandatangani titik periksa.",
        "en": "This role has already signed the checkpoint.",
    },
    "one_signature_each": {
        "id": "Bendahara dan ketua harus dua orang berbeda.",
        "en": "The treasurer and the chair must be two different people.",
    },
    "role_not_held": {
        "id": "Anda tidak memegang peran itu di dana ini.",
        "en": "You do not hold that role in this fund.",
    },
    "unknown_entry": {
        "id": "Jurnal tidak ditemukan di dana ini.",
        "en": "No such entry in this fund.",
    },
    "already_reversed": {
        "id": "Jurnal ini sudah dibalik.",
        "en": "This entry has already been reversed.",
    },
    "unknown_receipt": {
        "id": "Kuitansi tidak ditemukan.",
        "en": "No such receipt.",
    },
    "help_not_committed": {
        "id": "Permintaan bantuan itu belum disanggupi posko.",
        "en": "That request for help has not been committed to by the posko.",
    },
    "unknown_fund": {
        "id": "Dana tidak ditemukan.",
        "en": "No such fund.",
    },
}
