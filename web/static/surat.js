// The officer's page for an action's legal notices (/surat?action=<id>[&notice=<id>]): draft a
// strike or demonstration notice, fill it in, see what the rules say (refusals, warnings, the
// amber safety margin, each citing its article), mark it ready and sent, record each receipt
// with a scan or photo, print it or download the PDF. Everything goes through the API.
import { api, whoAmI } from "./api.js";
import { href, lang } from "./i18n.js";
import { applyWords, countdownText, findingItem, n, when } from "./notice-util.js";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const actionId = params.get("action");
let noticeId = params.get("notice");
let who = null;
let csrf = null;
let current = null; // the notice report shown
let tick = null;

const STRIKE = [
  ["employer_name", "text"], ["employer_address", "text"], ["disnaker_name", "text"],
  ["disnaker_address", "text"], ["starts_at", "time"], ["ends_at", "time"],
  ["place", "area"], ["reasons", "area"], ["signatories", "signatories"],
  ["public_service", "check"], ["staffing_plan", "area"], ["week", "week"],
  ["city", "text"], ["letter_number", "text"],
];
const DEMO = [
  ["police_unit", "text"], ["scope", "scope"], ["purpose", "area"], ["route", "text"],
  ["starts_at", "time"], ["ends_at", "time"], ["form", "form"], ["indoor", "check"],
  ["responsible", "responsible"], ["organisation_name", "text"],
  ["organisation_address", "text"], ["props", "text"], ["participants", "number"],
  ["city", "text"], ["letter_number", "text"],
];
const ZONE_OFFSETS = ["+07:00", "+08:00", "+09:00"];

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

function showError(id, reply) {
  const box = $(id);
  box.textContent = reply ? reply.body?.title ?? `HTTP ${reply.status}` : "";
  box.hidden = !reply;
}

// -- the list of the action's notices ----------------------------------------------------------------

async function loadList() {
  const reply = await api("GET", `/api/actions/${actionId}/notices`);
  if (!reply.ok) { showError("new-error", reply); return; }
  const list = $("notices");
  list.replaceChildren(...reply.body.notices.map((r) => el("li", {},
    el("a", { href: href(`/surat?action=${actionId}&notice=${r.id}`), "data-notice": r.id,
      text: `${n(`kind_${r.kind}`)} · ${n(`status_${r.status}`)}` }))));
  $("no-notices").hidden = reply.body.notices.length > 0;
  $("action-title").textContent = reply.body.notices[0]?.action_title ?? "";
}

async function loadAffiliates() {
  const own = (who?.roles ?? []).filter((r) => r.name === "officer" && r.affiliate_id);
  const reply = await api("GET", "/api/affiliates");
  const all = reply.ok ? reply.body.affiliates : [];
  const choices = own.length ? all.filter((a) => own.some((r) => r.affiliate_id === a.id)) : all;
  $("affiliate").replaceChildren(...choices.map((a) => el("option", { value: a.id, text: a.name })));
}

$("new-notice").addEventListener("submit", async (event) => {
  event.preventDefault();
  const kind = event.submitter?.value ?? "strike";
  const reply = await api("POST", `/api/actions/${actionId}/notices`, {
    id: crypto.randomUUID(), kind, affiliate_id: $("affiliate").value, fields: {},
  });
  showError("new-error", reply.ok ? null : reply);
  if (!reply.ok) return;
  noticeId = reply.body.id;
  history.replaceState(null, "", href(`/surat?action=${actionId}&notice=${noticeId}`));
  await loadList();
  await loadNotice();
});

// -- one notice ----------------------------------------------------------------------------------------

async function loadNotice() {
  loadList(); // the list shows each notice's state too
  const reply = await api("GET", `/api/notices/${noticeId}`);
  if (!reply.ok) { showError("notice-error", reply); return; }
  current = reply.body;
  $("notice").hidden = false;
  $("notice-heading").textContent = n(`kind_${current.kind}`);
  $("notice-status").textContent = n(`status_${current.status}`);
  $("notice-status").dataset.status = current.status;
  $("notice-rules").textContent = `${n("rules_version")} ${current.rules.version}`;
  $("print-link").href = `/api/notices/${current.id}/html`;
  $("pdf-link").href = `/api/notices/${current.id}/pdf`;
  $("findings").replaceChildren(...current.findings.map(findingItem));
  renderFields();
  renderReceipts();
  const editable = ["draft", "ready"].includes(current.status);
  $("fields").querySelector("button[type=submit]").disabled = !editable;
  $("mark-ready").disabled = current.status !== "draft";
  $("mark-sent").disabled = current.status !== "ready";
  $("record-receipt").disabled = current.status !== "sent";
  clearInterval(tick);
  const show = () => { $("countdown").textContent = countdownText(current.deadline); };
  show();
  tick = setInterval(show, 1000);
}

function splitTime(iso) {
  return iso ? [iso.slice(0, 16), iso.slice(-6)] : ["", "+07:00"];
}

function fieldInput(name, type, value) {
  const id = `f-${name}`;
  const label = el("label", { for: id, text: n(name) });
  if (type === "area") return el("div", { class: "field" }, label, el("textarea", { id, name, rows: 3 }, value ?? ""));
  if (type === "check") {
    return el("div", { class: "field check" },
      el("input", { id, name, type: "checkbox", checked: Boolean(value) }), label);
  }
  if (type === "time") {
    const [local, offset] = splitTime(value);
    return el("div", { class: "field" }, label,
      el("input", { id, name, type: "datetime-local", value: local }),
      el("select", { id: `${id}-zone`, "aria-label": n("zone") },
        ...ZONE_OFFSETS.map((o) => el("option", { value: o, selected: o === offset,
          text: { "+07:00": "WIB", "+08:00": "WITA", "+09:00": "WIT" }[o] }))));
  }
  if (type === "week" || type === "scope" || type === "form") {
    const options = { week: ["5", "6"], scope: ["subdistrict", "district", "province", "national"],
      form: ["unjuk_rasa", "pawai", "rapat_umum", "mimbar_bebas"] }[type];
    return el("div", { class: "field" }, label, el("select", { id, name },
      el("option", { value: "", text: "–" }),
      ...options.map((o) => el("option", { value: o, selected: String(value ?? "") === o,
        text: type === "week" ? o : n(`${type}_${o}`) }))));
  }
  if (type === "signatories") {
    const first = (value ?? []).find((s) => !s.coordinator) ?? {};
    const coordinator = (value ?? []).find((s) => s.coordinator)?.coordinator ?? "";
    return el("fieldset", { class: "field" }, el("legend", { text: n("signatories") }),
      ...["union", "chair", "secretary"].map((k) => el("label", {}, n(`sig_${k}`),
        el("input", { id: `f-sig-${k}`, value: first[k] ?? "" }))),
      el("label", {}, n("sig_coordinator"), el("input", { id: "f-sig-coordinator", value: coordinator })));
  }
  if (type === "responsible") {
    const lines = (value ?? []).map((r) => [r.name, r.phone].filter(Boolean).join(", ")).join("\n");
    return el("div", { class: "field" }, label, el("textarea", { id, name, rows: 3 }, lines));
  }
  return el("div", { class: "field" }, label,
    el("input", { id, name, type: type === "number" ? "number" : "text", min: type === "number" ? 0 : null, value: value ?? "" }));
}

function renderFields() {
  const spec = current.kind === "strike" ? STRIKE : DEMO;
  $("field-inputs").replaceChildren(...spec.map(([name, type]) => fieldInput(name, type, current.fields[name])));
  if (current.place_hint) {
    $("f-place").setAttribute("placeholder", current.place_hint);
    $("f-place").title = current.place_hint;
  }
}

function readFields() {
  const spec = current.kind === "strike" ? STRIKE : DEMO;
  const out = {};
  for (const [name, type] of spec) {
    const input = $(`f-${name}`);
    if (type === "check") out[name] = input.checked;
    else if (type === "time") out[name] = input.value ? `${input.value}:00${$(`f-${name}-zone`).value}` : null;
    else if (type === "week") out[name] = input.value ? Number(input.value) : null;
    else if (type === "number") out[name] = input.value === "" ? null : Number(input.value);
    else if (type === "signatories") {
      const sig = Object.fromEntries(["union", "chair", "secretary"].map((k) => [k, $(`f-sig-${k}`).value.trim()]));
      const list = [];
      if (sig.union || sig.chair || sig.secretary) list.push(Object.fromEntries(Object.entries(sig).filter(([, v]) => v)));
      const coordinator = $("f-sig-coordinator").value.trim();
      if (coordinator) list.push({ coordinator });
      out[name] = list.length ? list : null;
    } else if (type === "responsible") {
      const people = input.value.split("\n").map((l) => l.trim()).filter(Boolean).map((l) => {
        const [name_, phone] = l.split(",").map((p) => p.trim());
        return phone ? { name: name_, phone } : { name: name_ };
      });
      out[name] = people.length ? people : null;
    } else out[name] = input.value.trim() || null;
  }
  return out;
}

$("fields").addEventListener("submit", async (event) => {
  event.preventDefault();
  const reply = await api("PUT", `/api/notices/${noticeId}`, { fields: readFields() });
  showError("notice-error", reply.ok ? null : reply);
  $("saved").hidden = !reply.ok;
  if (reply.ok) { $("refusals").replaceChildren(); await loadNotice(); }
});

$("mark-ready").addEventListener("click", async () => {
  const reply = await api("POST", `/api/notices/${noticeId}/ready`, {});
  showError("notice-error", reply.ok ? null : reply);
  const refused = reply.ok ? [] : reply.body?.params?.findings ?? [];
  // The refusal's findings have no words yet: the notice's own findings (with words) say them.
  const words = new Map((current?.findings ?? []).map((f) => [`${f.code}:${JSON.stringify(f.params)}`, f]));
  $("refusals").replaceChildren(...refused.map((f) =>
    findingItem(words.get(`${f.code}:${JSON.stringify(f.params)}`) ?? f)));
  await loadNotice();
});

$("sent-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const reply = await api("POST", `/api/notices/${noticeId}/sent`, { sent_on: $("sent-on").value });
  showError("notice-error", reply.ok ? null : reply);
  await loadNotice();
});

function renderReceipts() {
  const recipients = current.kind === "strike" ? ["employer", "disnaker"] : ["police"];
  $("recipient").replaceChildren(...recipients.map((r) => el("option", { value: r, text: n(r) })));
  $("received").type = current.kind === "strike" ? "date" : "datetime-local";
  $("receipts").tBodies[0].replaceChildren(...recipients.map((r) => {
    const got = current.receipts[r];
    const day = got ? (got.received_on ?? when(got.received_at)) : n("not_yet");
    return el("tr", { "data-recipient": r }, el("th", { text: n(r) }),
      el("td", { text: got ? `${n("received_on_by")} ${day} ${n("by")} ${got.received_by}` : day }),
      el("td", {}, got ? el("a", { href: `/api/attachments/${got.attachment_id}`, target: "_blank", text: n("scan") }) : ""));
  }));
}

$("receipt-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const file = $("scan").files[0];
  const upload = await fetch(
    `/api/actions/${current.action_id}/attachments?filename=${encodeURIComponent(file.name)}&affiliate_id=${current.affiliate_id}`,
    { method: "POST", body: file, credentials: "same-origin",
      headers: { "Content-Type": file.type, "X-CSRF-Token": csrf ?? "", "Accept-Language": lang } });
  const uploaded = await upload.json();
  if (!upload.ok) { showError("notice-error", { status: upload.status, body: uploaded }); return; }
  let received = $("received").value;
  if (current.kind === "demo") received = `${received}:00${splitTime(current.fields.starts_at)[1]}`;
  const reply = await api("POST", `/api/notices/${noticeId}/receipts`, {
    recipient: $("recipient").value, received, received_by: $("received-by").value,
    attachment_id: uploaded.id,
  });
  showError("notice-error", reply.ok ? null : reply);
  if (reply.ok) event.target.reset();
  await loadNotice();
});

// -- start -----------------------------------------------------------------------------------------------

applyWords();
const other = new URL(location.href);
if (lang === "en") other.searchParams.delete("lang"); else other.searchParams.set("lang", "en");
$("language").href = other.pathname + other.search;
$("language").textContent = lang === "en" ? "Bahasa Indonesia" : "English";
who = await whoAmI();
csrf = who?.csrf_token ?? null;
if (!who) {
  $("need-signin").hidden = false;
  $("need-signin").querySelector("a").href = href(`/masuk?next=${encodeURIComponent(location.pathname + location.search)}`);
} else if (!actionId) {
  $("need-action").hidden = false;
} else {
  $("me").textContent = who.person?.name ?? who.actor;
  $("list-section").hidden = false;
  $("sent-on").value = new Date().toISOString().slice(0, 10);
  await Promise.all([loadList(), loadAffiliates()]);
  if (noticeId) await loadNotice();
}
window.poskoNotices = { get current() { return current; } }; // for the tests
