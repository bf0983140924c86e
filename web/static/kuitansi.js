// A receipt (kuitansi) to print: its number, payer, amount in digits and in Indonesian words
// (terbilang, made by the server with num2words), date, and the entry it acknowledges. A voided
// receipt says so, with the number of the one that replaces it.
import { api, whoAmI, problemText } from "./api.js";
import { lang, href } from "./i18n.js";

const TEXT = {
  id: { print: "Cetak", heading: "KUITANSI", number: "Nomor", fund: "Dana",
    received_from: "Telah terima dari", amount: "Uang sejumlah", in_words: "Terbilang",
    date: "Tanggal", entry: "Jurnal", replaces: "Pengganti kuitansi", treasurer: "Bendahara",
    voided: "DIBATALKAN", replaced_by: "diganti dengan", other_language: "English" },
  en: { print: "Print", heading: "RECEIPT", number: "Number", fund: "Fund",
    received_from: "Received from", amount: "The sum of", in_words: "In words (Indonesian)",
    date: "Date", entry: "Entry", replaces: "Replaces receipt", treasurer: "Treasurer",
    voided: "VOID", replaced_by: "replaced by", other_language: "Bahasa Indonesia" },
};
const tr = (key) => TEXT[lang][key] ?? key;
const $ = (id) => document.getElementById(id);

async function main() {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll("[data-k]")) el.textContent = tr(el.dataset.k);
  const params = new URLSearchParams(location.search);
  const toggle = $("language");
  const other = new URLSearchParams(params);
  if (lang === "en") other.delete("lang"); else other.set("lang", "en");
  toggle.href = `${location.pathname}?${other}`;
  toggle.textContent = tr("other_language");
  $("print").addEventListener("click", () => window.print());
  if (!(await whoAmI())) {
    location.assign(href(`/masuk?next=${encodeURIComponent(location.pathname + location.search)}`));
    return;
  }
  const reply = await api("GET", `/api/funds/${params.get("fund")}/receipts/${params.get("no")}`);
  if (!reply.ok) { $("message").textContent = problemText(reply); return; }
  const r = reply.body;
  $("number").textContent = r.number;
  $("fund").textContent = r.fund.name;
  $("payer").textContent = r.payer;
  $("amount").textContent = "Rp" + Number(r.amount).toLocaleString("id-ID");
  $("words").textContent = r.amount_words;
  $("date").textContent = new Date(r.issued_at).toLocaleDateString("id-ID", { dateStyle: "long", timeZone: "Asia/Jakarta" });
  $("entry").textContent = r.entry_id;
  $("replaces").textContent = r.replaces ?? "–";
  $("issued-by").textContent = r.issued_by;
  if (r.voided) {
    const line = $("void");
    line.hidden = false;
    line.textContent = `${tr("voided")}: ${r.voided.reason}` + (r.replaced_by ? ` (${tr("replaced_by")} ${r.replaced_by})` : "");
  }
  $("sheet").hidden = false;
}

main();
