// What the notices page (/surat) and the dashboard's notices panel share: their words in
// Bahasa Indonesia and English, the countdown to a notice's next deadline, and a finding as a
// line coloured by its level (refuse red, warn red, amber, info grey).
import { lang } from "./i18n.js";

const TEXT = {
  id: {
    page_title: "Surat pemberitahuan", dashboard: "Dasbor", sign_in_first: "Masuk dulu",
    need_action: "Buka halaman ini dari dasbor aksi (?action=…).", notices_of: "Surat untuk aksi",
    no_notices: "Belum ada surat.", union: "Serikat", new_strike: "Buat surat mogok kerja",
    new_demo: "Buat surat pemberitahuan aksi", print: "Cetak (A4)", pdf: "Unduh PDF",
    save: "Simpan", saved: "Tersimpan.", mark_ready: "Tandai siap", sent_on: "Dikirim tanggal",
    mark_sent: "Tandai terkirim", recipient: "Penerima", received: "Diterima",
    received_by: "Diterima oleh", scan: "Pindaian / foto", record_receipt: "Catat tanda terima",
    kind_strike: "Surat pemberitahuan mogok kerja", kind_demo: "Surat pemberitahuan aksi",
    status_draft: "draf", status_ready: "siap", status_sent: "terkirim",
    status_withdrawn: "ditarik", status_cancelled: "dibatalkan",
    rules_version: "aturan versi", employer: "pengusaha", disnaker: "Disnaker", police: "Polri (STTP)",
    deadline_receipts: "Batas tanda terima", deadline_start: "Mogok dimulai",
    deadline_sttp: "Batas STTP (3×24 jam)", deadline_cancellation: "Batas pembatalan (24 jam)",
    left: "sisa", passed: "sudah lewat", days: "hari", received_on_by: "diterima",
    by: "oleh", not_yet: "belum", notices_panel: "Surat pemberitahuan", open_notices: "Kelola surat",
    refused: "Belum bisa ditandai siap:",
    // fields
    employer_name: "Nama perusahaan", employer_address: "Alamat perusahaan",
    disnaker_name: "Instansi ketenagakerjaan (Disnaker kab/kota)", disnaker_address: "Alamat Disnaker",
    starts_at: "Mulai", ends_at: "Selesai", zone: "Zona", place: "Tempat mogok",
    reasons: "Alasan dan sebab-sebab", signatories: "Penanda tangan (Pasal 140 ayat 2 huruf d)",
    sig_union: "Nama serikat", sig_chair: "Ketua",
    sig_secretary: "Sekretaris", sig_coordinator: "Koordinator (bila bukan anggota serikat)",
    public_service: "Perusahaan pelayanan umum / membahayakan jiwa (Pasal 139)",
    staffing_plan: "Rencana pekerja yang tetap bertugas", week: "Hari kerja seminggu",
    city: "Kota", letter_number: "Nomor surat", police_unit: "Kesatuan Polri yang dituju",
    scope: "Cakupan", purpose: "Maksud dan tujuan", route: "Rute", form: "Bentuk",
    indoor: "Di tempat tertutup", responsible: "Penanggung jawab (satu per baris: nama, HP)",
    organisation_name: "Nama organisasi", organisation_address: "Alamat organisasi",
    props: "Alat peraga", participants: "Perkiraan peserta",
    scope_subdistrict: "satu kecamatan (Polsek)", scope_district: "beberapa kecamatan (Polres)",
    scope_province: "beberapa kab/kota (Polda)", scope_national: "lintas provinsi (Mabes)",
    form_unjuk_rasa: "unjuk rasa", form_pawai: "pawai", form_rapat_umum: "rapat umum",
    form_mimbar_bebas: "mimbar bebas",
  },
  en: {
    page_title: "Legal notices", dashboard: "Dashboard", sign_in_first: "Sign in first",
    need_action: "Open this page from an action's dashboard (?action=…).", notices_of: "Notices for",
    no_notices: "No notices yet.", union: "Union", new_strike: "New strike notice",
    new_demo: "New demonstration notice", print: "Print (A4)", pdf: "Download PDF",
    save: "Save", saved: "Saved.", mark_ready: "Mark ready", sent_on: "Sent on",
    mark_sent: "Mark sent", recipient: "Recipient", received: "Received",
    received_by: "Received by", scan: "Scan / photo", record_receipt: "Record receipt",
    kind_strike: "Strike notice", kind_demo: "Demonstration notice",
    status_draft: "draft", status_ready: "ready", status_sent: "sent",
    status_withdrawn: "withdrawn", status_cancelled: "cancelled",
    rules_version: "rules version", employer: "employer", disnaker: "manpower office",
    police: "police (STTP)", deadline_receipts: "Receipts due by", deadline_start: "Strike starts",
    deadline_sttp: "STTP due (3×24 h)", deadline_cancellation: "Cancellation deadline (24 h)",
    left: "left", passed: "passed", days: "days", received_on_by: "received",
    by: "by", not_yet: "not yet", notices_panel: "Legal notices", open_notices: "Manage notices",
    refused: "Cannot be marked ready yet:",
    employer_name: "Employer", employer_address: "Employer's address",
    disnaker_name: "Manpower office (Disnaker)", disnaker_address: "Manpower office's address",
    starts_at: "Starts", ends_at: "Ends", zone: "Zone", place: "Place of the strike",
    reasons: "Reasons and causes", signatories: "Signatories (Pasal 140(2)(d))", sig_union: "Union", sig_chair: "Chair",
    sig_secretary: "Secretary", sig_coordinator: "Coordinator (workers who are not members)",
    public_service: "Public-service or life-critical workplace (Pasal 139)",
    staffing_plan: "Staffing plan for workers on duty", week: "Working days a week",
    city: "City", letter_number: "Letter number", police_unit: "Police unit addressed",
    scope: "Scope", purpose: "Purpose", route: "Route", form: "Form",
    indoor: "In a closed place", responsible: "Responsible persons (one per line: name, phone)",
    organisation_name: "Organisation", organisation_address: "Organisation's address",
    props: "Props", participants: "Expected participants",
    scope_subdistrict: "one sub-district (Polsek)", scope_district: "several sub-districts (Polres)",
    scope_province: "several districts (Polda)", scope_national: "several provinces (Mabes)",
    form_unjuk_rasa: "demonstration", form_pawai: "march", form_rapat_umum: "public meeting",
    form_mimbar_bebas: "open forum",
  },
};

export const n = (key) => TEXT[lang][key] ?? key;

export function applyWords(root = document) {
  for (const node of root.querySelectorAll("[data-n]")) node.textContent = n(node.dataset.n);
}

const locale = lang === "en" ? "en-GB" : "id-ID";

// "Rabu, 8 Juli 2026 00.00" in the zone the time was written in (its own offset).
export function when(iso) {
  const offset = iso.slice(-6);
  const local = new Date(`${iso.slice(0, 19)}Z`);
  const zone = { "+07:00": "WIB", "+08:00": "WITA", "+09:00": "WIT" }[offset] ?? `UTC${offset}`;
  const text = local.toLocaleString(locale, {
    timeZone: "UTC", weekday: "long", day: "numeric", month: "long", year: "numeric",
    hour: "2-digit", minute: "2-digit",
  });
  return `${text} ${zone}`;
}

// "sisa 2 hari 03:12:05" or "sudah lewat", counted from `now` (ms).
export function remaining(iso, now = Date.now()) {
  const ms = Date.parse(iso) - now;
  if (ms <= 0) return n("passed");
  const s = Math.floor(ms / 1000);
  const days = Math.floor(s / 86400);
  const hms = [Math.floor((s % 86400) / 3600), Math.floor((s % 3600) / 60), s % 60]
    .map((v) => String(v).padStart(2, "0")).join(":");
  return `${n("left")} ${days ? `${days} ${n("days")} ` : ""}${hms}`;
}

export function countdownText(deadline, now) {
  if (!deadline) return "";
  return `${n(`deadline_${deadline.kind}`)}: ${when(deadline.at)} · ${remaining(deadline.at, now)}`;
}

export function findingItem(finding) {
  const li = document.createElement("li");
  li.className = `finding level-${finding.level}`;
  li.dataset.code = finding.code;
  li.textContent = finding.title ?? finding.code;
  return li;
}
