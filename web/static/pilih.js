// A member's vote on a phone (/pilih): from a personal link (#<vote id>.<code>, the code never
// leaves the page except to the vote's own endpoints) or signed in (?vote=<id>). Two taps: an
// option, then "Kirim suara". The receipt code is made here before sending, so a resend after
// a lost answer gets the same one; the choice itself is never kept on the phone.
import { api, problemText, whoAmI } from "./api.js";
import { sha256 } from "./sha256.js";

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const POLL_MS = 15000;
const $ = (id) => document.getElementById(id);

const fragment = location.hash.slice(1);
const dot = fragment.indexOf(".");
const voteId = dot > 0 ? fragment.slice(0, dot) : new URLSearchParams(location.search).get("vote");
const linkCode = dot > 0 ? fragment.slice(dot + 1) : null;
let storeKey = null; // per vote and roll entry: a shared phone never shows one member another's code
let vote = null;
let chosen = null;
let sending = false;

function saved() {
  try { return JSON.parse(localStorage.getItem(storeKey)) ?? {}; } catch { return {}; }
}
function save(value) { localStorage.setItem(storeKey, JSON.stringify(value)); }

function newReceipt() {
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  return [...bytes].map((b) => CROCKFORD[b % 32]).join("");
}

function showError(text) {
  $("error").textContent = text;
  $("error").hidden = !text;
}

async function load() {
  if (!voteId) { showError("Tautan pemungutan suara tidak lengkap."); $("loading").hidden = true; return; }
  let reply;
  if (linkCode) {
    reply = await api("POST", `/api/votes/${voteId}/link`, { code: linkCode });
  } else {
    if (!(await whoAmI())) {
      location.assign(`/masuk?next=${encodeURIComponent(`/pilih?vote=${voteId}`)}`);
      return;
    }
    reply = await api("GET", `/api/votes/${voteId}`);
    if (reply.ok) {
      const me = await api("GET", `/api/votes/${voteId}/roll/me`);
      reply.body.me = me.ok ? me.body : { on_roll: false, voted: false };
    }
  }
  $("loading").hidden = true;
  if (!reply.ok) { showError(problemText(reply)); return; }
  showError("");
  vote = reply.body;
  storeKey = `posko-vote:${voteId}:${vote.me.entry ?? "none"}`;
  await render();
}

async function render() {
  $("vote").hidden = false;
  $("question").textContent = vote.question;
  const closes = new Date(vote.closes_at).toLocaleString("id-ID", { dateStyle: "medium", timeStyle: "short" });
  $("window").textContent = `Ditutup ${closes}`;
  $("turnout").textContent = vote.status === "called"
    ? `Jumlah pemilih: ${vote.roll_size || "belum ditetapkan"}`
    : `Sudah memilih: ${vote.turnout} dari ${vote.roll_size} pemilih`;
  const mine = saved();
  const open = vote.status === "open";
  $("on-roll").hidden = !vote.me.on_roll;
  if (vote.me.on_roll) {
    $("on-roll").textContent = `Anda ada di daftar pemilih (${vote.roll_size} orang; sidik jari `
      + `daftar ${vote.roll_hash.slice(0, 12)}…, entri Anda ${vote.me.entry.slice(0, 12)}…).`;
  }
  $("not-open").hidden = vote.status !== "called";
  $("not-on-roll").hidden = !(open && !vote.me.on_roll);
  const voted = vote.me.voted || Boolean(mine.done);
  const showReceipt = Boolean(mine.done && mine.receipt);
  $("ballot").hidden = !(open && vote.me.on_roll && !voted);
  $("receipt").textContent = showReceipt ? mine.receipt : "";
  $("receipt-box").hidden = !showReceipt;
  $("voted").hidden = !(open && voted && !showReceipt);
  if (!$("ballot").hidden && !$("options").childElementCount) drawOptions();
  if (vote.status === "sealed") await showResult(mine.receipt);
}

function drawOptions() {
  vote.options.forEach((label, index) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "option";
    button.setAttribute("role", "radio");
    button.setAttribute("aria-checked", "false");
    button.textContent = label;
    button.addEventListener("click", () => {
      chosen = index;
      for (const b of $("options").children) b.setAttribute("aria-checked", String(b === button));
      $("send").disabled = false;
      $("send").textContent = `Kirim suara: ${label}`;
    });
    $("options").append(button);
  });
}

async function send() {
  if (chosen === null || sending) return;
  sending = true;
  $("send").disabled = true;
  const mine = saved();
  if (!mine.receipt) { mine.receipt = newReceipt(); save(mine); }
  const body = { choice: chosen, receipt: mine.receipt };
  const reply = linkCode
    ? await api("POST", `/api/votes/${voteId}/link/ballots`, { ...body, code: linkCode })
    : await api("POST", `/api/votes/${voteId}/ballots`, body);
  sending = false;
  if (reply.ok) {
    save({ receipt: reply.body.receipt, done: true });
    vote.turnout = reply.body.turnout;
    vote.me.voted = true;
    chosen = null; // nothing of the choice stays on the page
    $("options").replaceChildren();
    showError("");
    await render();
    return;
  }
  if (reply.body?.code === "already_voted") {
    localStorage.removeItem(storeKey);
    vote.me.voted = true;
    await render();
  }
  showError(problemText(reply));
  $("send").disabled = false;
}

async function showResult(receipt) {
  const result = vote.result;
  $("result").hidden = false;
  $("outcome").textContent = !result.quorum_met
    ? "Kuorum tidak tercapai: keputusan tidak sah."
    : result.carried
      ? `Diputuskan: ${vote.options[result.option]}`
      : "Tidak ada pilihan yang mencapai ambang batas.";
  $("tally").replaceChildren(...(result.tally
    ? vote.options.map((label, i) => Object.assign(document.createElement("li"), { textContent: `${label}: ${result.tally[i]}` }))
    : [Object.assign(document.createElement("li"), { textContent: `Rincian per pilihan tidak diumumkan: yang memilih kurang dari ${vote.k} orang.` })]));
  const receipts = vote.receipts ?? [];
  const items = receipts.map((hash) => Object.assign(document.createElement("li"), { textContent: hash.slice(0, 16) }));
  $("receipts").replaceChildren(...items);
  if (receipt) await check(receipt);
}

async function check(code) {
  const clean = code.trim().toUpperCase();
  const hash = await sha256(`posko-receipt:${clean}`);
  const receipts = vote.receipts ?? [];
  const at = receipts.indexOf(hash);
  for (const li of $("receipts").children) li.classList.remove("mine");
  $("found").hidden = at < 0;
  $("not-found").hidden = at >= 0;
  if (at >= 0) {
    $("receipts").children[at].classList.add("mine");
    $("receipts").children[at].scrollIntoView({ block: "nearest" });
    $("found").textContent = `Kode ${clean} ada di daftar (nomor ${at + 1} dari ${receipts.length}): suara Anda terhitung.`;
  } else {
    $("not-found").textContent = `Kode ${clean} tidak ada di daftar.`;
  }
}

$("send").addEventListener("click", send);
$("check").addEventListener("submit", (event) => {
  event.preventDefault();
  if (vote) check($("check-code").value);
});
setInterval(() => {
  if (vote && vote.status !== "sealed" && !sending && chosen === null && !document.hidden) load();
}, POLL_MS);
load();
