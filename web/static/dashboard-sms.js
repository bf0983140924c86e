// The dashboard's SMS panel: the posko's SMS number and the action's site codes (for invite
// messages and korlaps without data), and the inbox of texts no keyword fitted, each of which a
// coordinator can file by hand as a headcount, an incident or a request (recorded as theirs).
import { t } from "./i18n.js";
import { el, fill } from "./dashboard-util.js";

const REFRESH_MS = 15_000;
const INCIDENTS = ["arrest", "injury", "police", "provocation", "violence", "weather", "logistics", "other"];
const SEVERITIES = ["low", "medium", "high", "critical"];
const HELP = ["medic", "water_food", "legal_aid", "transport", "sound", "other"];

export function createSms({ request, canHandle }) {
  const $ = (id) => document.getElementById(id);
  let actionId = null;
  let sites = [];

  async function load(id) {
    actionId = id;
    const reply = await request("GET", `/api/actions/${id}/sms`);
    if (!reply.ok || actionId !== id) return;
    sites = reply.body.sites;
    $("sms-number").textContent = reply.body.number ?? t("dash_sms_no_number");
    fill($("sms-codes"), ...sites.map((s) => el("li", {}, el("b", { text: s.code }), ` ${s.name}`)));
    await loadInbox();
  }

  async function loadInbox(position = null) {
    if (!actionId || !canHandle()) { $("sms-inbox-section").hidden = true; return; }
    const wait = position ? `?min_position=${position}` : ""; // see one's own filing at once
    const reply = await request("GET", `/api/actions/${actionId}/sms/inbox${wait}`);
    $("sms-inbox-section").hidden = !reply.ok;
    if (!reply.ok) return;
    const open = document.activeElement?.closest?.("#sms-inbox");
    if (open) return; // someone is typing a report: do not redraw under them
    fill($("sms-inbox"), ...reply.body.messages.map(row));
    $("sms-inbox-empty").hidden = reply.body.messages.length > 0;
    $("sms-inbox-count").textContent = String(reply.body.messages.length);
  }

  function options(values, prefix) {
    return values.map((v) => el("option", { value: v, text: t(prefix + v) }));
  }

  function row(message) {
    const type = el("select", { name: "type" },
      el("option", { value: "headcount", text: t("dash_sms_as_headcount") }),
      el("option", { value: "incident", text: t("dash_sms_as_incident") }),
      el("option", { value: "request", text: t("dash_sms_as_request") }));
    const site = el("select", { name: "site" }, ...sites.map((s) => el("option", { value: s.site_id, text: `${s.code} ${s.name}` })));
    const kind = el("select", { name: "kind" });
    const severity = el("select", { name: "severity" }, ...options(SEVERITIES, "dash_severity_"));
    const count = el("input", { name: "count", type: "number", min: "0", value: "1" });
    const words = el("input", { name: "words", value: message.text, maxlength: "200" });
    const error = el("p", { class: "error", hidden: "" });
    const sync = () => {
      const which = type.value;
      fill(kind, ...(which === "incident" ? options(INCIDENTS, "dash_incident_")
        : which === "request" ? options(HELP, "dash_request_") : []));
      kind.hidden = which === "headcount";
      severity.hidden = which !== "incident";
      count.hidden = which === "incident";
    };
    type.addEventListener("change", sync);
    sync();
    const form = el("form", { class: "sms-file" }, type, site, kind, severity, count, words,
      el("button", { type: "submit", text: t("dash_sms_file") }), error);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const which = type.value;
      const body = which === "headcount"
        ? { type: "report", kind: "headcount", site_id: site.value, headcount: Number(count.value) }
        : which === "incident"
          ? { type: "incident", kind: kind.value, severity: severity.value, site_id: site.value,
            description: words.value }
          : { type: "request", kind: kind.value, site_id: site.value, quantity: Number(count.value),
            note: words.value };
      const reply = await request("POST", `/api/actions/${actionId}/sms/inbox/${message.id}/report`, body);
      if (reply.ok) { document.activeElement?.blur?.(); await loadInbox(reply.body.position); return; }
      error.textContent = reply.body?.title ?? `HTTP ${reply.status}`;
      error.hidden = false;
    });
    return el("li", { class: "sms-message", data: { id: message.id } },
      el("div", { class: "sms-head" }, el("b", { text: message.sender }), ` ${new Date(message.sent_at).toLocaleTimeString()}`),
      el("div", { class: "sms-text", text: message.text }), form);
  }

  setInterval(() => loadInbox(), REFRESH_MS);
  return { load };
}
