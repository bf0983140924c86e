// The treasurer's page (/kas): a fund's balances (now and as of a date), contributions in,
// disbursements with the two-person rule, the ledger, the period report, receipts and the
// integrity check; the annual budget (APBO) is kas-budget.js. Live over the fund's channel
// `fund:<id>` (an open period report reloads on every change); every write carries a client id
// made once per form, so a resend after a timeout never records twice.
import { api, whoAmI, problemText } from "./api.js";
import { lang, href } from "./i18n.js";
import { createLinks } from "./kas-links.js";
import { applyArrearsWords, loadArrears, renderReportArrears, wireArrears } from "./kas-arrears.js";
import * as budget from "./kas-budget.js";

const TEXT = {
  id: {
    title: "Kas solidaritas", balances: "Saldo", account: "Akun", name: "Nama", balance: "Saldo",
    reserved: "Dicadangkan", available: "Tersedia", totals: "Total debit / kredit",
    as_of: "Saldo per tanggal", known_at: "menurut catatan tanggal (opsional)", show: "Tampilkan",
    record_contribution: "Catat iuran / sumbangan masuk", record: "Catat", payer: "Dari (pembayar)",
    amount: "Jumlah (Rp)", reference: "Referensi", pending: "Pengeluaran menunggu",
    two_person: "Dua orang berbeda: pengaju tidak boleh menyetujui; pembayar bukan pengaju atau penyetuju. Di atas ambang, dua penyetuju.",
    threshold: "Ambang dua penyetuju", purpose: "Keperluan", beneficiary: "Penerima",
    requester: "Pengaju", approvals: "Persetujuan", status: "Status", request: "Ajukan pengeluaran",
    evidence: "Bukti / catatan", submit_request: "Ajukan", ledger: "Buku besar",
    all_accounts: "semua akun", all_kinds: "semua jenis", filter: "Saring", date: "Tanggal",
    search: "cari uraian, referensi, pembayar", more: "Muat lebih banyak",
    help_request: "ID permintaan bantuan (opsional)",
    kind: "Jenis", memo: "Uraian", legs: "Debit / kredit", recorded: "Dicatat",
    report: "Laporan periode (6 bulan)", opening: "Saldo awal", inflows: "Masuk",
    outflows: "Keluar", closing: "Saldo akhir", receipts: "Kuitansi", number: "Nomor",
    integrity: "Keutuhan catatan", verify: "Periksa rantai hash", period: "Periode",
    chain_head: "Kepala rantai", merkle_root: "Akar Merkle", signatures: "Tanda tangan",
    close_period: "Tutup periode", export_csv: "Unduh jurnal (CSV)",
    export_json: "Unduh kejadian (JSON)", approve: "Setujui", reject: "Tolak", pay: "Bayar",
    payment_ref: "No. bukti bayar", needs_more: "perlu", of: "dari", print: "Cetak",
    valid: "berlaku", voided: "dibatalkan", report_ok: "Cocok: saldo awal + masuk − keluar = saldo akhir untuk setiap akun.",
    report_bad: "TIDAK COCOK: periksa akun", verify_ok: "Utuh: semua kejadian cocok dengan rantai hash dan titik periksa.",
    verify_bad: "TIDAK UTUH: ketidakcocokan pertama pada kejadian", events: "kejadian",
    sign_treasurer: "Tanda tangan bendahara", sign_chair: "Tanda tangan ketua",
    fund_money: "Uang dana (kas + bank)", no_funds: "Anda belum memegang peran di dana mana pun.",
    live: "tersambung", offline: "luring", reconnecting: "menyambung ulang…",
    reject_reason: "Alasan penolakan", recorded_ok: "Tercatat.", other_language: "English",
    requested: "diajukan", approved: "disetujui (dana dicadangkan)", paid: "dibayar",
    rejected: "ditolak", expired: "kedaluwarsa",
  },
  en: {
    title: "Solidarity fund", balances: "Balances", account: "Account", name: "Name",
    balance: "Balance", reserved: "Reserved", available: "Available",
    totals: "Total debits / credits", as_of: "Balance as of", known_at: "as recorded on (optional)",
    show: "Show", record_contribution: "Record dues / a contribution", record: "Record",
    payer: "From (payer)", amount: "Amount (Rp)", reference: "Reference",
    pending: "Pending disbursements",
    two_person: "Two different people: the requester cannot approve; the payer is neither requester nor approver. Above the threshold, two approvers.",
    threshold: "Two-approver threshold", purpose: "Purpose", beneficiary: "Beneficiary",
    requester: "Requester", approvals: "Approvals", status: "Status",
    request: "Request a disbursement", evidence: "Evidence / note", submit_request: "Request",
    ledger: "Ledger", all_accounts: "all accounts", all_kinds: "all kinds", filter: "Filter",
    search: "search description, reference, payer", more: "Load more",
    help_request: "Request for help id (optional)",
    date: "Date", kind: "Kind", memo: "Description", legs: "Debit / credit",
    recorded: "Recorded", report: "Period report (6 months)", opening: "Opening",
    inflows: "In", outflows: "Out", closing: "Closing", receipts: "Receipts", number: "Number",
    integrity: "Integrity", verify: "Check the hash chain", period: "Period",
    chain_head: "Chain head", merkle_root: "Merkle root", signatures: "Signatures",
    close_period: "Close period", export_csv: "Download entries (CSV)",
    export_json: "Download events (JSON)", approve: "Approve", reject: "Reject", pay: "Pay",
    payment_ref: "Payment reference", needs_more: "needs", of: "of", print: "Print",
    valid: "valid", voided: "voided", report_ok: "Adds up: opening + in − out = closing for every account.",
    report_bad: "DOES NOT ADD UP: check account", verify_ok: "Intact: every event matches the hash chain and the checkpoints.",
    verify_bad: "NOT INTACT: first mismatch at event", events: "events",
    sign_treasurer: "Sign as treasurer", sign_chair: "Sign as chair",
    fund_money: "The fund's money (cash + bank)", no_funds: "You hold no role in any fund yet.",
    live: "live", offline: "offline", reconnecting: "reconnecting…",
    reject_reason: "Reason for rejecting", recorded_ok: "Recorded.", other_language: "Bahasa Indonesia",
    requested: "requested", approved: "approved (money reserved)", paid: "paid",
    rejected: "rejected", expired: "expired",
  },
};
const tr = (key) => TEXT[lang][key] ?? budget.WORDS[lang][key] ?? key;
const $ = (id) => document.getElementById(id);
const rp = (n) => "Rp" + Number(n).toLocaleString("id-ID");
const today = () => new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10); // WIB

const state = {
  me: null, fundId: null, summary: null, entries: new Map(), disbursements: new Map(),
  filter: {}, position: 0, socket: null, retry: 500, reportPeriod: null, reports: 0,
  nextCursor: null,
};
const LEDGER_PAGE = 50; // entries per page of the ledger, newest first
const pendingIds = {}; // form -> the client id kept until that form's write succeeds
const links = createLinks({ fundPath: (rest) => fundPath(rest), say,
  canChange: () => mine("treasurer") || mine("officer") });

function clientId(form) {
  pendingIds[form] ??= crypto.randomUUID();
  return pendingIds[form];
}

function say(text, error = true) {
  const line = $("message");
  line.textContent = text;
  line.className = error ? "error" : "muted";
}

function applyWords() {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll("[data-k]")) el.textContent = tr(el.dataset.k);
  for (const el of document.querySelectorAll("[data-kp]")) el.placeholder = tr(el.dataset.kp);
  const toggle = $("language");
  const params = new URLSearchParams(location.search);
  if (lang === "en") params.delete("lang"); else params.set("lang", "en");
  toggle.href = location.pathname + "?" + params.toString();
  toggle.textContent = tr("other_language");
  applyArrearsWords();
}

async function write(path, body) {
  const reply = await api("POST", path, body);
  if (!reply.ok) { say(problemText(reply)); return null; }
  say(tr("recorded_ok"), false);
  state.position = Math.max(state.position, reply.body.position ?? 0);
  return reply.body;
}

const fundPath = (rest = "") => `/api/funds/${state.fundId}${rest}`;
const mine = (role) => (state.me?.roles ?? []).some((r) => r.name === "admin" ||
  (r.name === role && (role !== "treasurer" || r.fund_id === state.fundId)));

// -- rendering ------------------------------------------------------------------------------

function accountsOf(type) {
  return Object.entries(state.summary.accounts).filter(([, a]) => a.type === type);
}

function fillSelect(select, options, keep = false) {
  const before = select.value;
  const first = keep ? [...select.options].slice(0, 1) : [];
  select.replaceChildren(...first, ...options.map(([code, a]) => new Option(`${a.name} (${code})`, code)));
  if (before) select.value = before;
}

function renderSummary() {
  const s = state.summary;
  const rows = Object.entries(s.accounts).map(([code, a]) => {
    const tr_ = document.createElement("tr");
    tr_.dataset.account = code;
    for (const [text, num] of [[code], [a.name], [rp(a.balance), 1], [rp(a.reserved), 1],
      [rp(a.balance - a.reserved), 1]]) {
      const td = tr_.insertCell(); td.textContent = text; if (num) td.className = "num";
    }
    return tr_;
  });
  $("balances").tBodies[0].replaceChildren(...rows);
  $("totals").textContent = `${rp(s.debits)} / ${rp(s.credits)}`;
  $("threshold").textContent = rp(s.threshold);
  fillSelect($("c-income"), accountsOf("income"));
  fillSelect($("c-asset"), accountsOf("asset"));
  fillSelect($("r-expense"), accountsOf("expense"));
  fillSelect($("r-from"), accountsOf("asset"));
  fillSelect($("f-account"), Object.entries(s.accounts), true);
  renderCheckpoints();
}

function renderPending() {
  const rows = [...state.disbursements.values()]
    .filter((d) => d.status === "requested" || d.status === "approved")
    .map((d) => {
      const row = document.createElement("tr");
      row.dataset.id = d.id;
      for (const [text, cls] of [[d.purpose], [d.beneficiary], [rp(d.amount), "num"], [d.requester]]) {
        const td = row.insertCell(); td.textContent = text; if (cls) td.className = cls;
      }
      const rule = row.insertCell();
      rule.className = "rule";
      rule.append(`${d.approvers.length} ${tr("of")} ${d.approvals_needed}`);
      for (const who of d.approvers) {
        const span = document.createElement("span"); span.className = "approver"; span.textContent = `✓ ${who}`;
        rule.append(span);
      }
      if (d.approvers.length < d.approvals_needed) {
        const span = document.createElement("span"); span.className = "needs";
        span.textContent = ` (${tr("needs_more")} ${d.approvals_needed - d.approvers.length})`;
        rule.append(span);
      }
      row.insertCell().textContent = tr(d.status);
      const act = row.insertCell();
      if (d.status === "requested" && mine("officer")) {
        act.append(button(tr("approve"), "approve", () => step(d, "approve")));
        act.append(button(tr("reject"), "reject", () => {
          const reason = act.querySelector("input.reason")?.value || tr("reject");
          step(d, "reject", { reason });
        }));
      }
      if (d.status === "approved" && mine("treasurer")) {
        const ref = document.createElement("input");
        ref.className = "payment-ref"; ref.placeholder = tr("payment_ref");
        act.append(ref, button(tr("pay"), "pay", () =>
          step(d, "pay", { payment_ref: ref.value || "-", effective_date: today() })));
      }
      return row;
    });
  $("pending").tBodies[0].replaceChildren(...rows);
}

function button(text, cls, onClick) {
  const b = document.createElement("button");
  b.type = "button"; b.textContent = text; b.className = cls;
  b.addEventListener("click", onClick);
  return b;
}

async function step(d, what, body) {
  await write(fundPath(`/disbursements/${d.id}/${what}`), body);
}

function matches(entry) {
  const f = state.filter;
  return (!f.account || entry.legs.some((l) => l.account === f.account))
    && (!f.kind || entry.kind === f.kind)
    && (!f.from || entry.effective_date >= f.from)
    && (!f.to || entry.effective_date <= f.to)
    && (!f.q || searchable(entry).includes(f.q.toLowerCase()));
}

// What ?q= searches (projections/fund_ledger.py says the same): memo, reference, payment, payer.
function searchable(entry) {
  const d = entry.details ?? {};
  return [entry.memo, d.reference, d.payment_ref, d.payer].filter((w) => typeof w === "string")
    .join("\n").toLowerCase();
}

function renderLedger(fresh = new Set()) {
  const entries = [...state.entries.values()].filter(matches)
    .sort((a, b) => b.version - a.version);
  const rows = entries.map((e) => {
    const row = document.createElement("tr");
    row.dataset.entry = e.entry_id;
    if (fresh.has(e.entry_id)) row.className = "fresh";
    if (e.reversed_by) row.classList.add("reversed");
    row.insertCell().textContent = e.effective_date;
    row.insertCell().textContent = e.kind;
    const d = e.details ?? {};
    row.insertCell().textContent = [e.memo, d.payer, d.reference ?? d.payment_ref].filter(Boolean).join(" — ");
    const legs = row.insertCell(); legs.className = "legs";
    for (const l of e.legs) {
      const span = document.createElement("span");
      span.textContent = `${l.side === "debit" ? "D" : "K"} ${l.account} ${rp(l.amount)}`;
      legs.append(span);
    }
    const amount = row.insertCell(); amount.className = "num"; amount.textContent = rp(e.amount);
    row.insertCell().textContent = new Date(e.recorded_at).toLocaleString(lang === "en" ? "en-GB" : "id-ID");
    return row;
  });
  $("ledger").tBodies[0].replaceChildren(...rows);
}

function renderCheckpoints() {
  const rows = Object.entries(state.summary.periods).map(([period, c]) => {
    const row = document.createElement("tr");
    row.insertCell().textContent = period;
    for (const h of [c.chain_head, c.merkle_root]) {
      const code = document.createElement("code"); code.className = "hash"; code.textContent = h;
      row.insertCell().append(code);
    }
    row.insertCell().textContent = Object.entries(c.signatures).map(([r, who]) => `${r}: ${who}`).join(", ");
    const act = row.insertCell();
    for (const role of ["treasurer", "chair"]) {
      if (!c.signatures[role] && mine(role === "chair" ? "officer" : "treasurer")) {
        act.append(button(tr(`sign_${role}`), `sign-${role}`, () =>
          write(fundPath(`/periods/${period}/sign`), { role })));
      }
    }
    return row;
  });
  $("checkpoints").tBodies[0].replaceChildren(...rows);
}

async function loadReceipts() {
  const reply = await api("GET", fundPath(`/receipts?min_position=${state.position}`));
  if (!reply.ok) return;
  const rows = reply.body.receipts.slice().reverse().map((r) => {
    const row = document.createElement("tr");
    row.insertCell().textContent = r.number;
    row.insertCell().textContent = r.payer;
    const amount = row.insertCell(); amount.className = "num"; amount.textContent = rp(r.amount);
    row.insertCell().textContent = r.voided ? `${tr("voided")}: ${r.voided.reason}` : tr("valid");
    const link = document.createElement("a");
    link.href = href(`/kas/kuitansi?fund=${state.fundId}&no=${r.number}`);
    link.target = "_blank"; link.textContent = tr("print"); link.className = "print";
    row.insertCell().append(link);
    return row;
  });
  $("receipts").tBodies[0].replaceChildren(...rows);
}

// -- loading and live updates -------------------------------------------------------------------

async function loadFund(fundId) {
  state.fundId = fundId;
  state.entries.clear(); state.disbursements.clear();
  const [summary, disbursements] = await Promise.all([
    api("GET", fundPath()), api("GET", fundPath("/disbursements")),
  ]);
  if (!summary.ok) { say(problemText(summary)); return; }
  state.summary = summary.body;
  if (disbursements.ok) for (const d of disbursements.body.disbursements) state.disbursements.set(d.id, d);
  $("export-csv").href = fundPath("/export/entries.csv");
  $("export-json").href = fundPath("/export/events.json");
  for (const el of document.querySelectorAll("[data-needs=record]")) el.hidden = !mine("treasurer");
  renderSummary(); renderPending();
  budget.fundChanged();
  await loadLedger();
  await loadReceipts();
  await links.load();
  await loadArrears(fundPath, state.position, say);
  subscribe();
}

// The ledger a page at a time, newest first, filtered by the server; `more` continues from the
// last page's cursor. Entries posted meanwhile arrive live on the fund's channel.
async function loadLedger(more = false) {
  const params = new URLSearchParams(Object.entries(state.filter).filter(([, v]) => v));
  params.set("order", "desc");
  params.set("limit", String(LEDGER_PAGE));
  if (more) params.set("cursor", state.nextCursor);
  const reply = await api("GET", fundPath(`/ledger?${params}`));
  if (!reply.ok) { say(problemText(reply)); return; }
  if (!more) state.entries.clear(); // a new filter: older pages of the last one would leave gaps
  for (const e of reply.body.entries) state.entries.set(e.entry_id, e);
  state.nextCursor = reply.body.next_cursor;
  $("ledger-more").hidden = !state.nextCursor;
  renderLedger();
}

function setConnection(kind) {
  const badge = $("connection");
  badge.className = `state ${kind}`;
  badge.textContent = tr(kind);
}

function subscribe() {
  if (state.socket?.readyState === WebSocket.OPEN && state.fundId) {
    state.socket.send(JSON.stringify({ type: "subscribe", channel: `fund:${state.fundId}`, since: null }));
  }
}

function connect(wsUrl) {
  const socket = new WebSocket(wsUrl);
  state.socket = socket;
  socket.addEventListener("message", (event) => onMessage(JSON.parse(event.data)));
  socket.addEventListener("close", () => {
    if (state.socket !== socket) return;
    setConnection("reconnecting");
    setTimeout(() => connect(wsUrl), state.retry);
    state.retry = Math.min(state.retry * 2, 10_000);
  });
}

function onMessage(msg) {
  if (msg.type === "ready") { setConnection("live"); state.retry = 500; subscribe(); return; }
  if (msg.type === "error") { console.warn("posko:", msg.code, msg.message); return; }
  if ((msg.type !== "snapshot" && msg.type !== "change") || msg.channel !== `fund:${state.fundId}`) return;
  const data = msg.data;
  const fresh = new Set();
  if (data.summary) { state.summary = data.summary; renderSummary(); }
  for (const d of data.disbursements) state.disbursements.set(d.id, d);
  for (const e of data.entries) {
    if (msg.type === "change" && !state.entries.has(e.entry_id)) fresh.add(e.entry_id);
    state.entries.set(e.entry_id, e);
  }
  renderPending(); renderLedger(fresh);
  if (msg.type === "change" && data.entries.length) loadReceipts();
  if (msg.type === "change") {
    budget.load(msg.position); loadArrears(fundPath, msg.position, say);
    if (state.reportPeriod) loadReport(msg.position);
  }
}

// -- forms --------------------------------------------------------------------------------------

function wireForms() {
  $("contribution-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const done = await write(fundPath("/contributions"), {
      id: clientId("contribution"), payer: $("c-payer").value, source: $("c-source").value,
      channel: $("c-channel").value, amount: Number($("c-amount").value),
      income_account: $("c-income").value, asset_account: $("c-asset").value,
      effective_date: $("c-date").value, reference: $("c-reference").value || null,
    });
    if (done) { delete pendingIds.contribution; event.target.reset(); $("c-date").value = today(); }
  });
  $("request-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const done = await write(fundPath("/disbursements"), {
      id: clientId("request"), purpose: $("r-purpose").value, beneficiary: $("r-beneficiary").value,
      amount: Number($("r-amount").value), expense_account: $("r-expense").value,
      pay_from: $("r-from").value, evidence: $("r-evidence").value,
      help_request_id: $("r-help").value.trim() || undefined, // pays for a request of a linked action
    });
    if (done) { delete pendingIds.request; event.target.reset(); }
  });
  $("ledger-filter").addEventListener("submit", async (event) => {
    event.preventDefault();
    state.filter = { account: $("f-account").value, kind: $("f-kind").value,
      from: $("f-from").value, to: $("f-to").value, q: $("f-q").value.trim() };
    await loadLedger();
  });
  $("ledger-more").addEventListener("click", () => loadLedger(true));
  $("asof-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const params = new URLSearchParams({ as_of: $("as-of").value });
    if ($("known-at").value) params.set("known_at", $("known-at").value);
    const reply = await api("GET", fundPath(`/balances?${params}`));
    if (!reply.ok) { say(problemText(reply)); return; }
    const table = $("asof-result");
    table.hidden = false;
    table.tBodies[0].replaceChildren(...Object.entries(reply.body.accounts).map(([code, a]) => {
      const row = document.createElement("tr"); row.dataset.account = code;
      row.insertCell().textContent = `${a.name} (${code})`;
      const td = row.insertCell(); td.className = "num"; td.textContent = rp(a.balance);
      return row;
    }));
  });
  $("report-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    state.reportPeriod = $("report-period").value;
    await loadReport(state.position);
  });
  $("verify-button").addEventListener("click", async () => {
    const reply = await api("GET", fundPath("/verify"));
    const line = $("verify-result");
    if (!reply.ok) { say(problemText(reply)); return; }
    const r = reply.body;
    line.className = r.ok ? "ok" : "bad";
    line.textContent = r.ok ? `${tr("verify_ok")} (${r.events} ${tr("events")}, ${r.chain_head.slice(0, 16)}…)`
      : `${tr("verify_bad")} ${r.first_mismatch.version ?? ""} ${r.first_mismatch.entry_id ?? r.first_mismatch.period ?? ""} (${r.first_mismatch.problem})`;
  });
  $("close-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    await write(fundPath(`/periods/${$("close-period").value}/close`));
  });
}

// The period report, again after every change on the fund's channel (the older answer dropped).
async function loadReport(position) {
  const mine = ++state.reports;
  const reply = await api("GET", fundPath(`/periods/${state.reportPeriod}/report?min_position=${position}`));
  if (mine !== state.reports) return;
  if (!reply.ok) { say(problemText(reply)); return; }
  renderReport(reply.body);
}

function renderReport(report) {
  const lines = [...Object.entries(report.accounts), [tr("fund_money"), report.fund]];
  const bad = lines.filter(([, l]) => l.opening + l.inflows - l.outflows !== l.closing);
  const table = $("report");
  table.hidden = false;
  table.tBodies[0].replaceChildren(...lines.map(([code, l]) => {
    const row = document.createElement("tr"); row.dataset.account = code;
    row.insertCell().textContent = l.name ? `${l.name} (${code})` : code;
    for (const key of ["opening", "inflows", "outflows", "closing"]) {
      const td = row.insertCell(); td.className = "num"; td.textContent = rp(l[key]);
    }
    return row;
  }));
  const check = $("report-check");
  check.className = bad.length ? "bad" : "ok";
  check.textContent = bad.length ? `${tr("report_bad")} ${bad.map(([c]) => c).join(", ")}` : tr("report_ok");
  budget.renderReport(report.budget);
  renderReportArrears(report.arrears);
}

async function main() {
  applyWords();
  state.me = await whoAmI();
  if (!state.me) { location.assign(href(`/masuk?next=${encodeURIComponent("/kas")}`)); return; }
  $("me").textContent = state.me.person?.name ?? state.me.actor;
  $("kas").hidden = false;
  $("c-date").value = today(); $("as-of").value = today();
  const half = new Date().getMonth() < 6 ? "H1" : "H2";
  $("report-period").value = `${new Date().getFullYear()}-${half}`;
  wireForms();
  wireArrears();
  budget.setup({ fundPath, mine, say, write, position: () => state.position });
  const funds = await api("GET", "/api/funds");
  const list = funds.ok ? funds.body.funds : [];
  if (!list.length) { say(tr("no_funds")); return; }
  const select = $("fund-select");
  select.replaceChildren(...list.map((f) => new Option(f.name, f.id)));
  const wanted = new URLSearchParams(location.search).get("fund");
  select.value = list.some((f) => f.id === wanted) ? wanted : list[0].id;
  select.addEventListener("change", () => loadFund(select.value));
  const config = await api("GET", "/api/config");
  await loadFund(select.value);
  if (config.ok) connect(config.body.ws_url);
}

main();
