// Dues arrears per affiliate on /kas (tunggakan iuran): the table of what each affiliate's
// declared membership made due against what it paid, the treasurer's form to declare a
// membership, and the same table inside the period report. kas.js calls these when a fund is
// loaded, when its channel changes (so the table is live) and when a report is shown.
import { api, problemText } from "./api.js";
import { lang } from "./i18n.js";

const TEXT = {
  id: {
    arrears: "Tunggakan iuran", affiliate: "Afiliasi", members: "Anggota", due: "Wajib",
    paid: "Dibayar", owed: "Tunggakan", credit: "Lebih bayar", behind: "Bulan tertunggak",
    last_payment: "Bayar terakhir", as_of: "per", through: "bulan sampai",
    declare: "Catat keanggotaan (jumlah anggota dan dasar iuran)", affiliate_name: "Nama afiliasi (seperti pada iuran)",
    from_month: "Mulai bulan", base: "Dasar per anggota (UMK / upah, Rp)", save: "Catat",
    undeclared: "belum didaftarkan", no_rule: "Dana ini belum punya aturan iuran.",
    total: "Jumlah", recorded_ok: "Tercatat.", export_arrears: "Unduh tunggakan (CSV)",
    frozen: "dibekukan saat periode ditutup", months: "bulan",
  },
  en: {
    arrears: "Dues arrears", affiliate: "Affiliate", members: "Members", due: "Due",
    paid: "Paid", owed: "Arrears", credit: "Paid ahead", behind: "Months behind",
    last_payment: "Last payment", as_of: "as of", through: "months through",
    declare: "Declare a membership (members and dues base)", affiliate_name: "Affiliate name (as on its dues)",
    from_month: "From month", base: "Base per member (UMK / wage, Rp)", save: "Record",
    undeclared: "not declared", no_rule: "This fund has no dues rule yet.",
    total: "Total", recorded_ok: "Recorded.", export_arrears: "Download arrears (CSV)",
    frozen: "frozen when the period closed", months: "months",
  },
};
const tr = (key) => TEXT[lang][key] ?? key;
const $ = (id) => document.getElementById(id);
const rp = (n) => "Rp" + Number(n).toLocaleString("id-ID");
const thisMonth = () => new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 7); // WIB

let current = { fundPath: null, say: () => {} };

export function applyArrearsWords() {
  for (const el of document.querySelectorAll("[data-ka]")) el.textContent = tr(el.dataset.ka);
  for (const el of document.querySelectorAll("[data-kap]")) el.placeholder = tr(el.dataset.kap);
}

function cell(row, text, cls) {
  const td = row.insertCell();
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

// Rows of an arrears answer (GET .../arrears or a report's `arrears`) into a table's body.
function fill(table, answer) {
  const rows = answer.affiliates.map((a) => {
    const row = document.createElement("tr");
    row.dataset.affiliate = a.affiliate;
    if (a.arrears > 0) row.className = "behind";
    cell(row, a.declared ? a.affiliate : `${a.affiliate} (${tr("undeclared")})`);
    cell(row, a.members ?? "—", "num");
    for (const key of ["due", "paid", "arrears", "credit"]) cell(row, rp(a[key]), "num");
    const months = a.behind ? ` (${a.behind.join(", ")})` : "";
    cell(row, `${a.months_behind}${months}`, "months-behind");
    cell(row, a.last_payment ?? "—");
    return row;
  });
  const total = document.createElement("tr");
  total.className = "total";
  cell(total, tr("total"));
  cell(total, "");
  for (const key of ["due", "paid", "arrears", "credit"]) cell(total, rp(answer.totals[key]), "num");
  cell(total, String(answer.totals.affiliates_behind));
  cell(total, "");
  table.tBodies[0].replaceChildren(...rows, total);
}

function caption(answer) {
  const text = `${tr("as_of")} ${answer.as_of}, ${tr("through")} ${answer.through}`;
  return answer.rule ? text : `${text}. ${tr("no_rule")}`;
}

// The fund's arrears now; kas.js calls it on load and on every change of the fund's channel.
export async function loadArrears(fundPath, position, say) {
  current = { fundPath, say };
  $("export-arrears").href = fundPath("/export/arrears.csv");
  const reply = await api("GET", fundPath(`/arrears?min_position=${position}`));
  if (!reply.ok) return;
  $("arrears-caption").textContent = caption(reply.body);
  fill($("arrears"), reply.body);
}

// The period report's section: the arrears as of the period's end (frozen once it closed).
export function renderReportArrears(section) {
  const table = $("report-arrears");
  table.hidden = false;
  $("report-arrears-caption").textContent =
    caption(section) + (section.frozen ? ` (${tr("frozen")})` : "");
  fill(table, section);
}

export function wireArrears() {
  $("m-from").value = thisMonth();
  $("membership-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const reply = await api("POST", current.fundPath("/memberships"), {
      affiliate: $("m-affiliate").value, effective_from: $("m-from").value,
      members: Number($("m-members").value), base_amount: Number($("m-base").value),
    });
    if (!reply.ok) { current.say(problemText(reply)); return; }
    current.say(tr("recorded_ok"), false);
    event.target.reset();
    $("m-from").value = thisMonth();
  });
}
