// The annual budget (APBO) on /kas: a year's planned income and spending per account against
// what the ledger shows (the treasurer edits the plan here), and budget against actual in the
// period report. kas.js hands over its helpers (setup) and tells it of every change on the
// fund's channel, so what is shown reloads live; figures a treasurer is typing stay as typed.
import { api, problemText } from "./api.js";
import { lang } from "./i18n.js";

export const WORDS = {
  id: {
    budget: "Anggaran tahunan (APBO)", budget_year: "Tahun anggaran",
    planned_year: "Anggaran setahun", actual_to_date: "Realisasi s.d. hari ini",
    difference: "Selisih", realised: "% realisasi", save_budget: "Simpan anggaran",
    budget_note: "Catatan (mis. disahkan rapat pleno)", income_total: "Jumlah pendapatan",
    expense_total: "Jumlah belanja", revisions: "Riwayat revisi", no_budget: "Belum ada anggaran untuk tahun ini.",
    by: "oleh", export_budget: "Unduh anggaran vs realisasi (CSV)",
    budget_vs_actual: "Anggaran vs realisasi", planned_period: "Anggaran periode",
    actual_period: "Realisasi periode", actual_ytd: "Realisasi s.d. akhir periode",
    half_rule: "Anggaran semester = setengah anggaran setahun: semester 1 = anggaran ÷ 2 dibulatkan ke bawah, semester 2 = sisanya (jadi keduanya berjumlah tepat setahun). Selisih = realisasi − anggaran.",
    frozen: "Periode ini sudah ditutup: angka anggarannya dibekukan menurut revisi yang berlaku saat ditutup",
    budget_ok: "Cocok: jumlah tiap akun = total pendapatan dan belanja.",
    budget_bad: "TIDAK COCOK: total tidak sama dengan jumlah akun",
    nothing_changed: "Tidak ada angka yang berubah.",
  },
  en: {
    budget: "Annual budget (APBO)", budget_year: "Budget year",
    planned_year: "Planned for the year", actual_to_date: "Actual to date",
    difference: "Difference", realised: "% realised", save_budget: "Save the budget",
    budget_note: "Note (e.g. approved by the plenary)", income_total: "Total income",
    expense_total: "Total spending", revisions: "Revisions", no_budget: "No budget for this year yet.",
    by: "by", export_budget: "Download budget vs actual (CSV)",
    budget_vs_actual: "Budget vs actual", planned_period: "Planned for the period",
    actual_period: "Actual in the period", actual_ytd: "Actual to the period's end",
    half_rule: "A half year's plan is half the year's: the first half is the year ÷ 2 rounded down, the second the rest (so the two add up to the year exactly). Difference = actual − planned.",
    frozen: "This period is closed: its budget figures are frozen as of the revision in force when it closed",
    budget_ok: "Adds up: the accounts sum to the income and spending totals.",
    budget_bad: "DOES NOT ADD UP: totals differ from the accounts' sum",
    nothing_changed: "No figure changed.",
  },
};
const tr = (key) => WORDS[lang][key] ?? key;
const $ = (id) => document.getElementById(id);
const rp = (n) => (n < 0 ? "−Rp" : "Rp") + Math.abs(Number(n)).toLocaleString("id-ID");
const pct = (p) => (p === null ? "–" : p.toLocaleString(lang === "en" ? "en-GB" : "id-ID",
  { minimumFractionDigits: 1, maximumFractionDigits: 1 }) + "%");

let ctx = null; // from kas.js: fundPath, mine, say, write, position
let current = null; // the year's budget as last loaded
let typed = {}; // account -> what the treasurer typed and has not saved yet
let revisionId = null; // kept until the save succeeds, so a resend records once
let loads = 0; // answers to older loads are dropped

export function setup(context) {
  ctx = context;
  $("budget-year").value = String(new Date().getFullYear());
  $("budget-form").addEventListener("submit", (event) => { event.preventDefault(); reset(); load(); });
  $("budget-save-form").addEventListener("submit", (event) => { event.preventDefault(); save(); });
}

function reset() {
  typed = {};
  revisionId = null;
}

// (Re)load the year shown, after the views have caught up with `position`.
export async function load(position = ctx.position()) {
  const year = $("budget-year").value;
  $("export-budget").href = ctx.fundPath("/export/budget.csv");
  const mine = ++loads;
  const reply = await api("GET", ctx.fundPath(`/budgets/${year}?min_position=${position}`));
  if (mine !== loads) return;
  if (!reply.ok) { ctx.say(problemText(reply)); return; }
  current = reply.body;
  render();
}

export function fundChanged() {
  reset();
  current = null;
  load();
}

function cell(row, text, cls = "num") {
  const td = row.insertCell();
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

function figuresCells(row, f) {
  cell(row, rp(f.actual));
  cell(row, rp(f.difference), f.difference < 0 ? "num under" : "num");
  cell(row, pct(f.realised_pct));
}

function render() {
  const editing = ctx.mine("treasurer");
  const rows = [];
  for (const kind of ["income", "expense"]) {
    for (const [code, line] of Object.entries(current.lines ?? {}).filter(([, l]) => l.type === kind)) {
      const row = document.createElement("tr");
      row.dataset.account = code;
      cell(row, `${line.name} (${code})`, "");
      const planned = row.insertCell();
      planned.className = "num";
      if (editing) {
        const input = document.createElement("input");
        input.type = "number"; input.min = "0"; input.step = "1"; input.className = "planned";
        input.setAttribute("aria-label", `${tr("planned_year")} ${code}`);
        input.value = typed[code] ?? String(line.annual);
        input.addEventListener("input", () => { typed[code] = input.value; });
        planned.append(input);
      } else {
        planned.textContent = rp(line.annual);
      }
      figuresCells(row, line.year);
      rows.push(row);
    }
    const total = document.createElement("tr");
    total.className = "total"; total.dataset.total = kind;
    cell(total, tr(`${kind}_total`), "");
    cell(total, rp(current.totals[kind].annual));
    figuresCells(total, current.totals[kind].year);
    rows.push(total);
  }
  $("budget").tBodies[0].replaceChildren(...rows);
  $("budget-save-form").hidden = !editing;
  const list = $("budget-revisions");
  list.replaceChildren(...(current.revisions ?? []).slice().reverse().map((r) => {
    const item = document.createElement("li");
    const changes = Object.entries(r.lines).map(([code, l]) =>
      `${code}: ${l.previous === null ? "–" : rp(l.previous)} → ${rp(l.amount)}`).join("; ");
    const at = new Date(r.at).toLocaleString(lang === "en" ? "en-GB" : "id-ID");
    item.textContent = `#${r.revision} · ${at} ${tr("by")} ${r.by} · ${changes}${r.note ? ` · ${r.note}` : ""}`;
    return item;
  }));
  $("budget-empty").hidden = current.revision > 0;
}

async function save() {
  const lines = Object.entries(typed)
    .filter(([code, value]) => value !== "" && Number(value) !== current.lines[code]?.annual)
    .map(([code, value]) => ({ account: code, amount: Number(value) }));
  if (!lines.length) { ctx.say(tr("nothing_changed"), false); return; }
  revisionId ??= crypto.randomUUID();
  const note = $("budget-note").value.trim();
  const done = await ctx.write(ctx.fundPath(`/budgets/${current.year}`),
    { id: revisionId, lines, note: note || null });
  if (done) { reset(); $("budget-note").value = ""; await load(done.position); }
}

// The period report's `budget` section: the period and the year to date per account.
export function renderReport(section) {
  const table = $("budget-report");
  table.hidden = false;
  const rows = [];
  const sums = {};
  for (const kind of ["income", "expense"]) {
    const mine = Object.entries(section.lines).filter(([, l]) => l.type === kind);
    for (const [code, line] of mine) {
      const row = document.createElement("tr");
      row.dataset.account = code;
      cell(row, `${line.name} (${code})`, "");
      for (const part of ["period", "year_to_date"]) {
        cell(row, rp(line[part].planned));
        figuresCells(row, line[part]);
      }
      rows.push(row);
    }
    const total = document.createElement("tr");
    total.className = "total"; total.dataset.total = kind;
    cell(total, tr(`${kind}_total`), "");
    for (const part of ["period", "year_to_date"]) {
      const t = section.totals[kind][part];
      cell(total, rp(t.planned));
      figuresCells(total, t);
      for (const key of ["planned", "actual"]) {
        const sum = mine.reduce((acc, [, l]) => acc + l[part][key], 0);
        if (sum !== t[key]) sums[`${kind} ${part} ${key}`] = true;
      }
    }
    rows.push(total);
  }
  table.tBodies[0].replaceChildren(...rows);
  const bad = Object.keys(sums);
  const check = $("budget-check");
  check.className = bad.length ? "bad" : "ok";
  check.textContent = bad.length ? `${tr("budget_bad")}: ${bad.join(", ")}` : tr("budget_ok");
  const rule = $("budget-rule");
  rule.textContent = tr("half_rule") +
    (section.frozen ? ` ${tr("frozen")} (#${section.revision}).` : "");
}
