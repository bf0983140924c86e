// The coordinator's planning desk at /rencana: the actions (live, upcoming, past) and a national
// calendar; one action's plan (times in its sites' zone: WIB, WITA or WIT), its sites (by a
// click on the map, by address, or from a CSV file after a preview), targets per site and
// affiliate in one table, korlaps' links made in one go (WhatsApp, SMS, a printable QR sheet)
// and who has opened theirs and checked in, lobbying and outcomes, and the way to its report.
import "./rencana-text.js";
import { api, problemText, whoAmI } from "./api.js";
import { applyText, href, lang, t } from "./i18n.js";
import { createMap } from "./dashboard-map.js";
import { clock, el, fill, locale, number, zoneOfLongitude, ZONES } from "./dashboard-util.js";

const $ = (id) => document.getElementById(id);
const KINDS = ["rally", "strike", "march", "hearing", "other"];
const OUTCOMES = ["hearing_granted", "regulation_withdrawn", "demand_met", "follow_up_promised",
  "refused", "other"];
const OFFSETS = { "Asia/Jakarta": "+07:00", "Asia/Makassar": "+08:00", "Asia/Jayapura": "+09:00" };
const ROSTER_REFRESH_MS = 5000;
const ZONE_OF_OFFSET = Object.fromEntries(Object.entries(OFFSETS).map(([z, o]) => [o, z]));

const state = {
  actions: [], affiliates: [], action: null, features: new Map(), roster: [], preview: null,
  month: null, ready: false,
};
window.rencana = state; // for the browser test: what the page holds

applyText();
const me = await whoAmI();
if (!me) location.replace(href(`/masuk?next=${encodeURIComponent(location.pathname + location.search)}`));
$("me").textContent = me ? `${t("signed_in_as")} ${me.person?.name ?? me.actor}` : "";
// Planning new actions is for national coordinators and administrators (core/access.py).
$("new-action").hidden = !(me?.roles ?? []).some((r) => r.name === "admin"
  || (r.name === "coordinator" && !r.action_id));

let map = null;

// -- messages ------------------------------------------------------------------------------------

function shown(reply) {
  $("error").hidden = reply.ok;
  if (!reply.ok) $("error").textContent = problemText(reply);
  return reply.ok;
}

function notice(text) {
  $("notice").textContent = text;
  $("notice").hidden = !text;
}

const since = (reply) => (reply?.body?.position ? `?min_position=${reply.body.position}` : "");
const format = (key, params) => t(key).replace(/\{(\w+)\}/g, (_, k) => String(params[k] ?? ""));

// -- times in the action's zone ------------------------------------------------------------------

// The zone the action's times are shown in: its first site's, else the zone it was planned in.
function zoneOfAction(action) {
  const site = [...state.features.values()].find((f) => f.properties.kind === "site");
  if (site) return zoneOfLongitude(site.geometry.coordinates[0]);
  const offset = action?.starts_at?.slice(-6);
  return ZONE_OF_OFFSET[offset] ?? "Asia/Jakarta";
}

function toInput(iso, offset) {
  const [sign, hh, mm] = [offset[0], Number(offset.slice(1, 3)), Number(offset.slice(4, 6))];
  const minutes = (sign === "-" ? -1 : 1) * (hh * 60 + mm);
  return new Date(new Date(iso).getTime() + minutes * 60000).toISOString().slice(0, 16);
}

const fromInput = (value, offset) => `${value}:00${offset}`;

const dateFormat = new Intl.DateTimeFormat(locale, { dateStyle: "medium" });
function when(iso, zone) {
  const day = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: zone })
    .format(new Date(iso));
  return `${day} ${clock(iso, zone)}`;
}

// -- the list and the calendar -------------------------------------------------------------------

async function loadActions(query = "") {
  const reply = await api("GET", `/api/actions${query}`);
  if (!shown(reply)) return;
  state.actions = reply.body.actions;
  const now = Date.now();
  const groups = { live: [], upcoming: [], past: [] };
  for (const a of state.actions) {
    if (a.status === "live") groups.live.push(a);
    else if (a.status === "planned") groups.upcoming.push(a);
    else groups.past.push(a);
  }
  groups.past.reverse();
  for (const [name, list] of Object.entries(groups)) {
    fill($(`list-${name}`), list.length ? list.map((a) => actionItem(a, now))
      : el("li", { class: "muted", text: t("plan_none") }));
  }
  drawCalendar();
}

function actionItem(action, now) {
  const zone = ZONE_OF_OFFSET[action.starts_at.slice(-6)] ?? "Asia/Jakarta";
  return el("li", { class: state.action?.id === action.id ? "selected" : "" },
    el("button", {
      type: "button", class: "link", data: { id: action.id },
      onclick: () => select(action.id), text: action.title,
    }),
    el("span", { class: "muted", text: ` ${when(action.starts_at, zone)}` }),
    action.overdue_follow_ups ? el("span", { class: "chip warn",
      text: `${action.overdue_follow_ups} ${t("plan_overdue")}` }) : null,
    action.starts_at && new Date(action.starts_at).getTime() < now && action.status === "planned"
      ? el("span", { class: "chip warn", text: "!" }) : null);
}

function drawCalendar() {
  const first = state.month ?? new Date(new Date().getFullYear(), new Date().getMonth(), 1);
  state.month = first;
  $("cal-month").textContent = new Intl.DateTimeFormat(locale, { month: "long", year: "numeric" })
    .format(first);
  const weekday = new Intl.DateTimeFormat(locale, { weekday: "narrow" });
  const monday = new Date(2024, 0, 1); // a Monday
  fill($("calendar").querySelector("thead"), el("tr", {}, [...Array(7)].map((_, i) =>
    el("th", { text: weekday.format(new Date(monday.getTime() + i * 86400000)) }))));
  const start = new Date(first);
  start.setDate(1 - ((first.getDay() + 6) % 7));
  const rows = [];
  for (let week = 0; week < 6; week += 1) {
    const cells = [];
    for (let d = 0; d < 7; d += 1) {
      const date = new Date(start.getFullYear(), start.getMonth(), start.getDate() + week * 7 + d);
      const key = date.toDateString();
      const on = state.actions.filter((a) => a.status !== "cancelled" &&
        new Date(a.starts_at).toDateString() === key);
      cells.push(el("td", { class: date.getMonth() === first.getMonth() ? "" : "other" },
        el("span", { class: "day", text: String(date.getDate()) }),
        on.map((a) => el("button", { type: "button", class: `cal-action status-${a.status}`,
          title: a.title, text: a.title, onclick: () => select(a.id) }))));
    }
    rows.push(el("tr", {}, cells));
  }
  fill($("calendar").querySelector("tbody"), rows);
}

$("cal-prev").addEventListener("click", () => {
  state.month = new Date(state.month.getFullYear(), state.month.getMonth() - 1, 1);
  drawCalendar();
});
$("cal-next").addEventListener("click", () => {
  state.month = new Date(state.month.getFullYear(), state.month.getMonth() + 1, 1);
  drawCalendar();
});

// -- one action ----------------------------------------------------------------------------------

async function loadAffiliates() {
  const reply = await api("GET", "/api/affiliates");
  if (reply.ok) state.affiliates = reply.body.affiliates;
}

function newAction() {
  state.action = null;
  state.features = new Map();
  history.replaceState(null, "", href("/rencana"));
  showAction();
}

async function select(id, query = "") {
  const [action, features] = await Promise.all([
    api("GET", `/api/actions/${id}${query}`), api("GET", `/api/actions/${id}/map${query}`),
  ]);
  if (!shown(action) || !shown(features)) return;
  state.action = action.body;
  state.features = new Map(features.body.features.map((f) => [f.id, f]));
  const params = new URLSearchParams(location.search);
  params.set("action", id);
  history.replaceState(null, "", `/rencana?${params}`);
  showAction();
  await Promise.all([loadRoster(query), loadActions()]);
}

function showAction() {
  const a = state.action;
  $("choose").hidden = true;
  $("plan-form").hidden = false;
  $("action-parts").hidden = !a;
  const planned = !a || a.status === "planned";
  const offset = OFFSETS[zoneOfAction(a)];
  $("f-title").value = a?.title ?? "";
  $("f-kind").value = a?.kind ?? "rally";
  $("f-demands").value = (a?.demands ?? []).join("\n");
  $("f-zone").value = offset;
  $("f-starts").value = a ? toInput(a.starts_at, offset) : "";
  $("f-ends").value = a ? toInput(a.ends_at, offset) : "";
  $("f-radius").value = a?.checkin_radius_m ?? 500;
  fill($("f-affiliates"), state.affiliates.map((af) => el("label", { class: "check" },
    el("input", { type: "checkbox", value: af.id, checked: (a?.taking_part ?? []).includes(af.id) }),
    ` ${af.name}`)));
  for (const input of $("plan-form").querySelectorAll("input, select, textarea")) {
    if (input.id !== "cancel-reason") input.disabled = !planned;
  }
  $("save-plan").hidden = !planned;
  $("read-only").hidden = planned;
  $("status-chip").textContent = a ? t(`dash_action_${a.status}`) : "";
  $("go-live").hidden = !a || a.status !== "planned";
  $("conclude").hidden = !a || a.status !== "live";
  $("cancel").hidden = !a || !["planned", "live"].includes(a.status);
  $("cancel-reason").hidden = $("cancel").hidden;
  $("report-link").hidden = !a;
  if (a) $("report-link").href = `/api/actions/${a.id}/report.html?lang=${lang}`;
  for (const form of ["site-form"]) {
    for (const input of $(form).querySelectorAll("input, button")) input.disabled = !planned;
  }
  $("csv-box").hidden = !planned;
  if (!a) return;
  if (!map) {
    map = createMap($("plan-map"), {});
    map.map.on("click", (event) => {
      if (state.action?.status !== "planned") return;
      $("s-lat").value = event.latlng.lat.toFixed(6);
      $("s-lon").value = event.latlng.lng.toFixed(6);
      $("s-address").value = "";
      $("s-name").focus();
    });
  }
  map.sync(new Map());
  map.reset();
  map.sync(state.features, { fit: true });
  drawSites();
  drawTargets();
  drawPolitics();
}

function drawSites() {
  const planned = state.action.status === "planned";
  const rows = [...state.features.values()].filter((f) => f.properties.kind === "site")
    .sort((x, y) => x.properties.name.localeCompare(y.properties.name, locale));
  fill($("sites").querySelector("tbody"), rows.map((f) => {
    const [lon, lat] = f.geometry.coordinates;
    const inputs = {
      name: el("input", { value: f.properties.name, disabled: !planned, "aria-label": t("name") }),
      lat: el("input", { type: "number", step: "any", value: lat, disabled: !planned }),
      lon: el("input", { type: "number", step: "any", value: lon, disabled: !planned }),
      target: el("input", { type: "number", min: "0", value: f.properties.target, disabled: !planned }),
    };
    return el("tr", { data: { id: f.id } },
      el("td", {}, inputs.name), el("td", {}, inputs.lat), el("td", {}, inputs.lon),
      el("td", { text: ZONES[zoneOfLongitude(lon)] }), el("td", {}, inputs.target),
      el("td", {}, planned ? el("button", { type: "button", class: "secondary", text: t("plan_adjust"),
        onclick: async () => {
          const reply = await api("PUT", `/api/actions/${state.action.id}/sites/${f.id}`, {
            name: inputs.name.value, lat: Number(inputs.lat.value), lon: Number(inputs.lon.value),
            target: Number(inputs.target.value || 0),
          });
          if (shown(reply)) await select(state.action.id, since(reply));
        } }) : null));
  }));
}

// -- the plan form and the lifecycle -------------------------------------------------------------

$("new-action").addEventListener("click", newAction);

$("plan-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  notice("");
  const offset = $("f-zone").value;
  const body = {
    title: $("f-title").value, kind: $("f-kind").value,
    demands: $("f-demands").value.split("\n").map((d) => d.trim()).filter(Boolean),
    starts_at: fromInput($("f-starts").value, offset), ends_at: fromInput($("f-ends").value, offset),
    checkin_radius_m: Number($("f-radius").value || 500),
    affiliates: [...$("f-affiliates").querySelectorAll("input:checked")].map((i) => i.value),
  };
  const reply = state.action
    ? await api("PUT", `/api/actions/${state.action.id}`, body)
    : await api("POST", "/api/actions", { id: crypto.randomUUID(), ...body });
  if (!shown(reply)) return;
  await select(reply.body.id, since(reply));
  notice(t("plan_saved"));
});

async function moveTo(status, extra = {}) {
  const reply = await api("POST", `/api/actions/${state.action.id}/status`, { status, ...extra });
  if (shown(reply)) await select(state.action.id, since(reply));
}

$("go-live").addEventListener("click", () => moveTo("live"));
$("conclude").addEventListener("click", () => moveTo("concluded"));
$("cancel").addEventListener("click", () => {
  if (!$("cancel-reason").value.trim()) { $("cancel-reason").focus(); return; }
  moveTo("cancelled", { reason: $("cancel-reason").value });
});

// -- sites: by click or address --------------------------------------------------------------------

$("site-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const address = $("s-address").value.trim();
  const body = { id: crypto.randomUUID(), name: $("s-name").value, target: Number($("s-target").value || 0) };
  if (address && !$("s-lat").value) body.address = address;
  else Object.assign(body, { lat: Number($("s-lat").value), lon: Number($("s-lon").value) });
  const reply = await api("POST", `/api/actions/${state.action.id}/sites`, body);
  if (!shown(reply)) return;
  for (const id of ["s-name", "s-lat", "s-lon", "s-address", "s-target"]) $(id).value = "";
  await select(state.action.id, since(reply));
});

// -- sites from a CSV file -----------------------------------------------------------------------

$("csv-file").addEventListener("change", async () => {
  const file = $("csv-file").files[0];
  if (file) $("csv-text").value = await file.text();
  $("csv-import").disabled = true;
});
$("csv-text").addEventListener("input", () => { $("csv-import").disabled = true; });

function drawPreview(answer) {
  $("csv-rows").hidden = false;
  $("csv-summary").textContent = format("plan_preview_summary", answer);
  fill($("csv-rows").querySelector("tbody"), answer.rows.map((row) => el("tr",
    { class: `row-${row.status}` },
    el("td", { text: String(row.line) }), el("td", { text: row.name }),
    el("td", { text: row.lat ?? "–" }), el("td", { text: row.lon ?? "–" }),
    el("td", { class: "num", text: number(row.target) }),
    el("td", { text: [row.korlap_name, row.korlap_phone].filter(Boolean).join(" · ") }),
    el("td", {}, el("span", { class: `chip row-${row.status}`, text: t(`plan_row_${row.status}`) }),
      row.found ? el("div", { class: "muted", text: row.found }) : null,
      row.errors.map((e) => el("div", { class: "error", text: e.message }))))));
}

$("csv-preview").addEventListener("click", async () => {
  const reply = await api("POST", `/api/actions/${state.action.id}/sites/import/preview`,
    { csv: $("csv-text").value });
  if (!shown(reply)) return;
  state.preview = reply.body;
  drawPreview(reply.body);
  $("csv-import").disabled = reply.body.errors > 0 || reply.body.new === 0;
});

$("csv-import").addEventListener("click", async () => {
  const reply = await api("POST", `/api/actions/${state.action.id}/sites/import`,
    { csv: $("csv-text").value });
  if (!reply.ok && reply.body?.params?.rows) {
    drawPreview({ rows: reply.body.params.rows, new: 0, existing: 0,
      errors: reply.body.params.rows.filter((r) => r.status === "error").length });
  }
  if (!shown(reply)) return;
  drawPreview(reply.body);
  $("csv-import").disabled = true;
  await select(state.action.id, since(reply));
  notice(format("plan_imported", { n: reply.body.new }));
});

// -- targets per site and affiliate --------------------------------------------------------------

function drawTargets() {
  const a = state.action;
  const taking = state.affiliates.filter((af) => (a.taking_part ?? []).includes(af.id));
  $("targets-empty").hidden = taking.length > 0;
  $("save-targets").hidden = taking.length === 0;
  const sites = [...state.features.values()].filter((f) => f.properties.kind === "site");
  fill($("targets").querySelector("thead"), el("tr", {}, el("th", { text: t("site") }),
    el("th", { text: t("target") }), taking.map((af) => el("th", { text: af.name }))));
  const cell = (affiliate, site) => el("td", {}, el("input", {
    type: "number", min: "0", class: "target-cell",
    data: { affiliate: affiliate.id, site: site ?? "*" },
    "aria-label": `${affiliate.name} ${site ?? t("plan_whole_action")}`,
  }));
  fill($("targets").querySelector("tbody"),
    sites.map((f) => el("tr", {}, el("th", { text: f.properties.name }),
      el("td", { class: "num", text: number(f.properties.target) }),
      taking.map((af) => cell(af, f.id)))),
    el("tr", { class: "whole" }, el("th", { text: t("plan_whole_action") }),
      el("td", { class: "num", text: number(a.target) }), taking.map((af) => cell(af, null))));
  for (const input of $("targets").querySelectorAll("input")) {
    const known = a.affiliates?.[input.dataset.affiliate];
    if (input.dataset.site === "*" && known) input.placeholder = number(known.target);
  }
}

$("save-targets").addEventListener("click", async () => {
  notice("");
  let last = null;
  for (const input of $("targets").querySelectorAll("input.target-cell")) {
    if (input.value === "") continue;
    const body = { affiliate_id: input.dataset.affiliate, target: Number(input.value) };
    if (input.dataset.site !== "*") body.site_id = input.dataset.site;
    last = await api("POST", `/api/actions/${state.action.id}/targets`, body);
    if (!shown(last)) return;
  }
  if (last) await select(state.action.id, since(last));
  notice(t("plan_saved"));
});

// -- the korlap roster ---------------------------------------------------------------------------

async function loadRoster(query = "") {
  const reply = await api("GET", `/api/actions/${state.action.id}/roster${query}`);
  if (!reply.ok) return;
  state.roster = reply.body.sites;
  fill($("roster").querySelector("tbody"), state.roster.map((site) => {
    const opened = site.invites.filter((i) => i.opened);
    const checked = site.invites.filter((i) => i.checkins > 0);
    return el("tr", { data: { site: site.site_id } },
      el("th", { text: site.name }),
      el("td", {}, el("input", { class: "korlap-name", value: site.korlap?.name ?? "",
        "aria-label": `${t("plan_korlap")} ${site.name}` })),
      el("td", {}, el("input", { class: "korlap-phone", value: site.korlap?.phone ?? "",
        "aria-label": `${t("phone")} ${site.name}` })),
      el("td", { class: "opened" }, site.invites.length === 0 ? "–" : opened.length
        ? opened.map((i) => el("span", { class: "chip ok", text: `${i.opened_by.join(", ")} · ${clock(i.opened_at)}` }))
        : el("span", { class: "muted", text: t("plan_not_yet") })),
      el("td", { class: "checked" }, checked.length
        ? checked.map((i) => el("span", { class: "chip ok", text: `${i.label} ✓ ${clock(i.first_checkin_at)}` }))
        : el("span", { class: "muted", text: site.invites.length ? t("plan_not_yet") : "–" })));
  }));
}

$("make-links").addEventListener("click", async () => {
  const korlaps = [];
  for (const row of $("roster").querySelectorAll("tbody tr")) {
    const name = row.querySelector(".korlap-name").value.trim();
    const phone = row.querySelector(".korlap-phone").value.trim();
    if (name) korlaps.push({ site_id: row.dataset.site, name, ...(phone ? { phone } : {}) });
  }
  if (!korlaps.length) return;
  const reply = await api("POST", `/api/actions/${state.action.id}/roster/invites`, { korlaps });
  if (!shown(reply)) return;
  $("links").hidden = false;
  fill($("link-sheet"), reply.body.invites.map((invite) => el("article", { class: "link-card" },
    el("img", { src: invite.qr_svg, alt: invite.url, class: "qr" }),
    el("div", {},
      el("strong", { text: invite.name }), el("div", { text: invite.site_name }),
      el("a", { class: "invite-url", href: invite.url, text: invite.url }),
      el("div", { class: "no-print" },
        el("a", { class: "button wa", href: invite.wa_url, target: "_blank", rel: "noopener", text: t("plan_send_wa") })),
      el("details", { class: "no-print" }, el("summary", { text: t("plan_sms") }),
        el("textarea", { readonly: true, rows: "3", text: invite.sms }))))));
  await loadRoster(since({ body: { position: Math.max(...reply.body.invites.map((i) => i.position)) } }));
});

$("print-links").addEventListener("click", () => {
  document.body.classList.add("printing-links");
  window.print();
});
window.addEventListener("afterprint", () => document.body.classList.remove("printing-links"));

// -- lobi and politik ----------------------------------------------------------------------------

function drawPolitics() {
  const zone = zoneOfAction(state.action);
  fill($("lobbying"), (state.action.lobbying ?? []).map((l) => el("li", {},
    el("strong", { text: `${t(`plan_lobby_${l.kind}`)}: ${l.with_whom}` }),
    el("span", { class: "muted", text: ` ${when(l.at, zone)}` }),
    l.promised ? el("div", { text: l.promised }) : null)));
  fill($("outcomes"), (state.action.outcomes ?? []).map((o) => el("li", {},
    el("strong", { text: t(`plan_outcome_${o.kind}`) }), ` ${o.description}`,
    o.follow_up_by ? el("span", { class: `chip ${o.overdue ? "warn" : ""}`,
      text: `${dateFormat.format(new Date(o.follow_up_by))}${o.overdue ? ` · ${t("plan_overdue")}` : ""}` })
      : null)));
}

$("lobby-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const reply = await api("POST", `/api/actions/${state.action.id}/lobbying`, {
    id: crypto.randomUUID(), kind: $("l-kind").value, with_whom: $("l-with").value,
    at: fromInput($("l-at").value, OFFSETS[zoneOfAction(state.action)]), promised: $("l-promised").value,
  });
  if (!shown(reply)) return;
  $("lobby-form").reset();
  await select(state.action.id, since(reply));
});

$("outcome-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const follow = $("o-follow").value;
  const reply = await api("POST", `/api/actions/${state.action.id}/outcomes`, {
    id: crypto.randomUUID(), kind: $("o-kind").value, description: $("o-description").value,
    ...(follow ? { follow_up_by: `${follow}T23:59:59${OFFSETS[zoneOfAction(state.action)]}` } : {}),
  });
  if (!shown(reply)) return;
  $("outcome-form").reset();
  await select(state.action.id, since(reply));
});

// -- start ---------------------------------------------------------------------------------------

fill($("f-kind"), KINDS.map((k) => el("option", { value: k, text: t(`plan_kind_${k}`) })));
fill($("l-kind"), ["hearing", "lobby"].map((k) => el("option", { value: k, text: t(`plan_lobby_${k}`) })));
fill($("o-kind"), OUTCOMES.map((k) => el("option", { value: k, text: t(`plan_outcome_${k}`) })));
document.documentElement.lang = lang;
await Promise.all([loadAffiliates(), loadActions()]);
const wanted = new URLSearchParams(location.search).get("action");
if (wanted) await select(wanted);
state.ready = true;
document.documentElement.dataset.ready = "1"; // for tests: the page has loaded what it shows
// While an action is live, who opened their link and checked in keeps changing: look again.
setInterval(() => {
  if (state.action?.status === "live" && document.visibilityState === "visible") loadRoster();
}, ROSTER_REFRESH_MS);
