// Words on the pages, in Bahasa Indonesia (the default) and English (?lang=en). Elements with
// data-i18n get their text from here; the language link keeps the rest of the address.
const TEXT = {
  id: {
    offline: "luring", live: "tersambung", reconnecting: "menyambung ulang…",
    api_key: "Kunci API", connect: "Sambungkan", actions: "Aksi", title: "Judul",
    status: "Status", sites: "Lokasi", headcount: "Massa", target: "Target", map: "Peta",
    site: "Lokasi", reporters: "Pelapor", last_report: "Laporan terakhir",
    other_language: "English", live_page: "Peta langsung", admin: "Admin",
    sign_in: "Masuk", sign_out: "Keluar", sign_in_title: "Masuk ke Posko",
    login: "Nomor HP atau email", password: "Kata sandi", signed_in_as: "Masuk sebagai",
    or_api_key: "atau pakai kunci API",
    people: "Orang", name: "Nama", phone: "Nomor HP", email: "Email", roles: "Peran",
    active: "Aktif", yes: "ya", no: "tidak", deactivate: "Nonaktifkan",
    reactivate: "Aktifkan", sessions: "Sesi", add_person: "Tambah orang",
    add: "Tambah", grant_role: "Beri peran", person: "Orang", role: "Peran",
    action: "Aksi", any_action: "(semua aksi / nasional)", grant: "Beri",
    revoke: "Cabut", invites: "Undangan korlap", label: "Label", any_site: "(semua lokasi)",
    valid_hours: "Berlaku (jam)", create_invite: "Buat undangan", uses: "Dipakai",
    expires: "Kedaluwarsa", copy: "Salin", copied: "Tersalin", share_link: "Tautan untuk dibagikan",
    client: "Perangkat", started: "Mulai", ended: "Berakhir", current: "sesi ini",
    sessions_of: "Sesi milik", active_status: "aktif", revoked_status: "dicabut",
    expired_status: "kedaluwarsa", no_access: "Anda tidak berwenang membuka bagian ini.",
    invite_title: "Undangan korlap", your_name: "Nama Anda", join: "Gabung",
    invite_intro: "Anda diundang melapor dari lapangan. Tulis nama Anda lalu tekan Gabung.",
    youre_in: "Anda sudah masuk", reporting_for: "Anda melapor untuk aksi",
    at_site: "di lokasi", all_sites: "di semua lokasi aksi ini",
    valid_until: "Berlaku sampai", not_you: "Bukan Anda? Tulis nama lagi",
    open_live_page: "Buka peta langsung",
    network_error: "Tidak tersambung ke server; periksa sinyal lalu coba lagi.",
  },
  en: {
    offline: "offline", live: "live", reconnecting: "reconnecting…", api_key: "API key",
    connect: "Connect", actions: "Actions", title: "Title", status: "Status",
    sites: "Sites", headcount: "Headcount", target: "Target", map: "Map", site: "Site",
    reporters: "Reporters", last_report: "Last report",
    other_language: "Bahasa Indonesia", live_page: "Live map", admin: "Admin",
    sign_in: "Sign in", sign_out: "Sign out", sign_in_title: "Sign in to Posko",
    login: "Phone number or email", password: "Password", signed_in_as: "Signed in as",
    or_api_key: "or use an API key",
    people: "People", name: "Name", phone: "Phone", email: "Email", roles: "Roles",
    active: "Active", yes: "yes", no: "no", deactivate: "Deactivate",
    reactivate: "Reactivate", sessions: "Sessions", add_person: "Add a person",
    add: "Add", grant_role: "Grant a role", person: "Person", role: "Role",
    action: "Action", any_action: "(every action / national)", grant: "Grant",
    revoke: "Revoke", invites: "Korlap invites", label: "Label", any_site: "(every site)",
    valid_hours: "Valid (hours)", create_invite: "Create invite", uses: "Uses",
    expires: "Expires", copy: "Copy", copied: "Copied", share_link: "Link to share",
    client: "Device", started: "Started", ended: "Ended", current: "this session",
    sessions_of: "Sessions of", active_status: "active", revoked_status: "revoked",
    expired_status: "expired", no_access: "You may not open this part.",
    invite_title: "Korlap invite", your_name: "Your name", join: "Join",
    invite_intro: "You are invited to report from the field. Enter your name and press Join.",
    youre_in: "You're in", reporting_for: "You report for the action",
    at_site: "at the site", all_sites: "at every site of this action",
    valid_until: "Valid until", not_you: "Not you? Enter a name again",
    open_live_page: "Open the live map",
    network_error: "Cannot reach the server; check the signal and try again.",
  },
};

export const lang = new URLSearchParams(location.search).get("lang") === "en" ? "en" : "id";
export const locale = lang === "en" ? "en-GB" : "id-ID";
export const t = (key) => TEXT[lang][key] ?? key;

// A link within Posko that keeps the chosen language.
export function href(path) {
  if (lang !== "en" || /[?&]lang=/.test(path)) return path;
  return `${path}${path.includes("?") ? "&" : "?"}lang=en`;
}

export function applyText(root = document) {
  document.documentElement.lang = lang;
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  }
  for (const el of root.querySelectorAll("a[data-keep-lang]")) {
    el.href = href(el.getAttribute("href"));
  }
  const toggle = document.getElementById("language");
  if (toggle) {
    const params = new URLSearchParams(location.search);
    if (lang === "en") params.delete("lang"); else params.set("lang", "en");
    const query = params.toString();
    toggle.href = location.pathname + (query ? `?${query}` : "");
    toggle.textContent = t("other_language");
  }
}

export function formatTime(iso) {
  return iso ? new Date(iso).toLocaleString(locale, { dateStyle: "short", timeStyle: "short" })
    : "–";
}
