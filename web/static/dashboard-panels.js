// The dashboard's side panels: the action's totals, what needs a coordinator (open incidents
// and requests for help, with the buttons to handle them), the live feed, and mobilisation per
// affiliate. Lists are keyed by id and updated in place, so a note being typed survives the
// feed moving underneath it.
import { t } from "./i18n.js";
import "./rencana-text.js"; // words for lobbying and outcomes on the feed
import { SEVERITIES } from "./dashboard-map.js";
import { clock, el, fill, number, percent, shortId } from "./dashboard-util.js";

const $ = (id) => document.getElementById(id);
const OPEN = { incident: ["open", "acknowledged"], request: ["open", "committed"] };

export function createPanels({ siteName, zoneOf, focusSite, act, affiliateName, me, payoutLabel }) {
  const tasks = new Map(); // item id -> {root, update}
  const rows = new Map(); // feed item id -> {item, root}
  let filter = "all";
  let lastFeed = new Map();

  for (const button of document.querySelectorAll("#feed-filter button")) {
    button.addEventListener("click", () => {
      filter = button.dataset.filter;
      for (const b of document.querySelectorAll("#feed-filter button")) {
        b.setAttribute("aria-pressed", String(b === button));
      }
      renderFeed(lastFeed, true);
    });
  }

  function siteLink(siteId) {
    if (!siteId) return el("span", { class: "muted", text: t("dash_no_site") });
    return el("button", {
      type: "button", class: "link site-link", text: siteName(siteId) ?? shortId(siteId),
      onclick: () => focusSite(siteId),
    });
  }

  function renderSummary(s) {
    $("action-title").textContent = s.title ?? "";
    $("action-status").textContent = s.status ? t(`dash_action_${s.status}`) : "";
    $("action-status").className = `chip status-${s.status ?? "none"}`;
    $("total-headcount").textContent = number(s.headcount);
    $("total-target").textContent = number(s.target);
    $("total-percent").textContent = percent(s.headcount, s.target);
    $("total-fill").style.width = `${Math.min(100, (100 * s.headcount) / Math.max(1, s.target))}%`;
    $("total-sites").textContent = number(s.sites);
    $("total-reports").textContent = number(s.reports);
    $("total-incidents").textContent = number(s.openIncidents);
    $("total-requests").textContent = number(s.openRequests);
    $("stat-incidents").classList.toggle("alert", s.openIncidents > 0);
    $("stat-requests").classList.toggle("alert", s.openRequests > 0);
  }

  // Open incidents (from the map, which holds every incident, and the feed) and open requests.
  function renderTasks(items, readOnly) {
    const list = $("tasks");
    const open = [...items.values()].filter((i) => OPEN[i.type]?.includes(i.status));
    open.sort((a, b) => rank(b) - rank(a) || (a.at < b.at ? 1 : -1));
    const keep = new Set(open.map((i) => i.id));
    for (const [id, task] of tasks) if (!keep.has(id)) { task.root.remove(); tasks.delete(id); }
    open.forEach((item, index) => {
      let task = tasks.get(item.id);
      if (!task) { task = taskElement(item); tasks.set(item.id, task); }
      task.update(item, readOnly);
      if (list.children[index] !== task.root) list.insertBefore(task.root, list.children[index] ?? null);
    });
    $("tasks-empty").hidden = open.length > 0;
    $("tasks-count").textContent = number(open.length);
    $("tasks-readonly").hidden = !readOnly;
  }

  function taskElement(first) {
    const head = el("div", { class: "task-head" });
    const text = el("p", { class: "task-text" });
    const meta = el("div", { class: "task-meta" });
    const buttons = el("div", { class: "task-actions" });
    const input = el("input", { class: "task-input", maxlength: 500 });
    const form = el("form", { class: "task-form", hidden: true },
      input, el("button", { type: "submit", class: "primary", text: t("dash_save") }),
      el("button", { type: "button", class: "secondary", text: t("dash_cancel"),
        onclick: () => { form.hidden = true; } }));
    const error = el("p", { class: "task-error", role: "alert", hidden: true });
    const root = el("li", { class: "task", data: { id: first.id, type: first.type } },
      head, text, meta, buttons, form, error);
    let current = first;
    let pending = null;
    let formVerb = null;

    async function run(verb, body) {
      pending = verb;
      error.hidden = true;
      update(current, false);
      const reply = await act(current.type, current.id, verb, body);
      pending = null;
      if (!reply.ok) { error.textContent = reply.message; error.hidden = false; }
      else form.hidden = true;
      update(current, false);
    }

    function ask(verb, placeholder, value) {
      formVerb = verb;
      input.placeholder = placeholder;
      input.value = value;
      input.required = true;
      form.hidden = false;
      input.focus();
    }

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const value = input.value.trim();
      if (!value) return;
      run(formVerb, formVerb === "resolve" ? { note: value } : { by: value });
    });

    function button(verb, label, onClick, primary) {
      return el("button", {
        type: "button", class: primary ? "primary" : "secondary", data: { do: verb },
        disabled: pending !== null, text: pending === verb ? "…" : label, onclick: onClick,
      });
    }

    // Only when something shown changed: rebuilding the buttons under a pointer loses clicks.
    let shown = "";
    function update(item, readOnly) {
      current = item;
      const zone = zoneOf(item.site_id);
      const signature = JSON.stringify([item.status, item.severity, item.kind, item.description,
        item.note, item.quantity, item.committed_by, item.legal, item.at, siteName(item.site_id),
        zone, readOnly, pending, me.canHandle, (item.payouts ?? []).map(payoutLabel)]);
      if (signature === shown) return;
      shown = signature;
      const incident = item.type === "incident";
      root.className = `task type-${item.type} status-${item.status} ${incident ? `sev-${item.severity}` : ""}`;
      fill(head,
        incident ? el("span", { class: `sev sev-${item.severity}`, text: t(`dash_severity_${item.severity}`) })
          : el("span", { class: "sev req", text: t("dash_request") }),
        el("strong", { text: t(`dash_${item.type}_${item.kind}`) }),
        item.legal ? el("span", { class: "chip legal", text: "LBH" }) : null,
        item.via === "sms" ? el("span", { class: "chip sms", text: "SMS", title: t("dash_via_sms") }) : null,
        el("span", { class: `chip status status-${item.status}`, text: t(`dash_status_${item.status}`) }),
        ...payoutChips(item));
      fill(text, incident ? item.description ?? ""
        : item.quantity === undefined ? t("dash_legal_item")
        : [`${number(item.quantity)} × `, item.note || t(`dash_request_${item.kind}`)].join(""));
      text.hidden = !text.textContent;
      fill(meta, siteLink(item.site_id), " · ", clock(item.at, zone),
        item.committed_by ? ` · ${t("dash_committed_by")} ${item.committed_by}` : "");
      buttons.hidden = readOnly || !me.canHandle;
      if (readOnly) form.hidden = true;
      if (incident) {
        fill(buttons,
          item.status === "open" ? button("acknowledge", t("dash_acknowledge"), () => run("acknowledge", {}), true) : null,
          button("resolve", t("dash_resolve"), () => ask("resolve", t("dash_resolve_note"), ""), item.status !== "open"));
      } else {
        fill(buttons,
          item.status === "open"
            ? button("commit", t("dash_commit"), () => ask("commit", t("dash_commit_by"), me.name ?? ""), true)
            : button("fulfil", t("dash_fulfil"), () => run("fulfil", {}), true));
      }
    }
    return { root, update };
  }

  function renderFeed(items, force = false) {
    lastFeed = items;
    const list = $("feed");
    const shown = [...items.values()].filter((i) => filter === "all" || i.type === filter);
    shown.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : a.id < b.id ? 1 : -1));
    shown.length = Math.min(shown.length, 150);
    const keep = new Set(shown.map((i) => i.id));
    for (const [id, row] of rows) if (!keep.has(id)) { row.root.remove(); rows.delete(id); }
    shown.forEach((item, index) => {
      let row = rows.get(item.id);
      if (!row || row.item !== item || force) {
        const root = feedRow(item);
        row?.root.replaceWith(root);
        row = { item, root };
        rows.set(item.id, row);
      }
      if (list.children[index] !== row.root) list.insertBefore(row.root, list.children[index] ?? null);
    });
    $("feed-empty").hidden = shown.length > 0;
  }

  function feedRow(item) {
    let head;
    if (item.type === "report" && item.kind === "headcount") {
      head = [el("b", { text: number(item.headcount) }), t("dash_people")];
    } else if (item.type === "report" && item.kind === "checkin") {
      head = [el("b", { text: t("dash_checkin") }), item.far
        ? el("span", { class: "chip warn", text: `${t("dash_far")} ${number(item.distance_m)} m` }) : null];
    } else if (item.type === "report") {
      const parts = [item.phase && t(`dash_phase_${item.phase}`), item.mood && t(`dash_mood_${item.mood}`)];
      head = [el("b", { text: parts.filter(Boolean).join(", ") })];
    } else if (item.legal && !("reporter" in item)) { // only that it exists: not ours to read
      head = [el("b", { text: `${t("dash_legal_item")}: ${t(`dash_${item.type}_${item.kind}`)}` })];
    } else if (item.type === "incident") {
      head = [el("span", { class: `sev sev-${item.severity}`, text: t(`dash_severity_${item.severity}`) }),
        el("b", { text: t(`dash_incident_${item.kind}`) })];
    } else if (item.type === "lobby") { // lobbying and hearings (rencana.js records them)
      head = [el("b", { text: `${t(`plan_lobby_${item.kind}`)}: ${item.with_whom}` })];
    } else if (item.type === "outcome") {
      head = [el("b", { text: t(`plan_outcome_${item.kind}`) }), item.follow_up_by
        && new Date(item.follow_up_by) < new Date()
        ? el("span", { class: "chip warn", text: t("plan_overdue") }) : null];
    } else {
      head = [el("b", { text: `${t(`dash_request_${item.kind}`)} × ${number(item.quantity)}` })];
    }
    const text = { incident: item.description, request: item.note, lobby: item.promised,
      outcome: item.description }[item.type] ?? null;
    return el("li", {
      class: `feed-item type-${item.type} ${item.severity ? `sev-${item.severity}` : ""}`,
      data: { id: item.id, type: item.type },
    }, el("time", { datetime: item.at, text: clock(item.at, zoneOf(item.site_id)) }),
    el("span", { class: `feed-icon icon-${item.type === "report" ? item.kind : item.type}`, "aria-hidden": "true" }),
    el("div", { class: "feed-body" },
      el("div", { class: "feed-head" }, ...head, el("span", { class: "feed-chips" },
        item.legal ? el("span", { class: "chip legal", text: "LBH" }) : null,
        item.via === "sms" ? el("span", { class: "chip sms", text: "SMS", title: t("dash_via_sms") }) : null,
        item.status ? el("span", { class: `chip status status-${item.status}`,
          text: t(`dash_status_${item.status}`) }) : null, ...payoutChips(item))),
      el("div", { class: "feed-site" }, siteLink(item.site_id)),
      text ? el("div", { class: "feed-desc", text }) : null));
  }

  // A request for help's payouts from a solidarity fund and their state (the link back).
  function payoutChips(item) {
    return (item.payouts ?? []).map((p) => el("span", { class: `chip payout payout-${p.status}`,
      data: { payout: p.id }, text: payoutLabel(p) }));
  }

  function renderAffiliates(affiliates) {
    const list = $("affiliates");
    const entries = Object.entries(affiliates ?? {})
      .sort(([, a], [, b]) => b.target - a.target || b.headcount - a.headcount);
    fill(list, ...entries.map(([id, a]) => {
      const done = el("span", { class: "bar-fill" });
      done.style.width = `${Math.min(100, (100 * a.headcount) / Math.max(1, a.target))}%`;
      return el("li", { class: a.target && a.headcount >= a.target ? "reached" : "", data: { id } },
        el("span", { class: "aff-name", text: affiliateName(id) }),
        el("span", { class: "aff-count" }, el("b", { text: number(a.headcount) }),
          ` / ${number(a.target)}`, el("span", { class: "muted", text: ` ${percent(a.headcount, a.target)}` })),
        el("span", { class: "bar" }, done));
    }));
    $("affiliates-empty").hidden = entries.length > 0;
  }

  // Times are shown in each site's zone; once the province outlines are in, draw rows afresh.
  function forget() {
    for (const row of rows.values()) row.root.remove();
    rows.clear();
  }

  return { renderSummary, renderFeed, renderTasks, renderAffiliates, forget };
}

function rank(item) {
  if (item.type === "incident") return 10 + SEVERITIES.indexOf(item.severity) * 2 + (item.status === "open" ? 1 : 0);
  return item.status === "open" ? 5 : 4;
}
