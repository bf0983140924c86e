// The action report at /laporan?action=<id>: the figures of GET /api/actions/{id}/report laid
// out on one printable page (peak and final headcount per site and per affiliate against
// target, check-ins, incidents and requests with their handling times, lobbying and outcomes).
import "./rencana-text.js";
import { api, problemText, whoAmI } from "./api.js";
import { applyText, href, t } from "./i18n.js";
import { clock, el, fill, locale, number, percent, zoneOfLongitude } from "./dashboard-util.js";

const $ = (id) => document.getElementById(id);
applyText();
window.laporan = { ready: false };
const actionId = new URLSearchParams(location.search).get("action");
const me = await whoAmI();
if (!me) location.replace(href(`/masuk?next=${encodeURIComponent(location.pathname + location.search)}`));

$("print").addEventListener("click", () => window.print());
if (actionId) $("back").href = href(`/rencana?action=${actionId}`);

const minutes = (m) => (m === null || m === undefined ? "–" : number(m));

async function load() {
  const [reply, mapReply] = await Promise.all([
    api("GET", `/api/actions/${actionId}/report`), api("GET", `/api/actions/${actionId}/map`),
  ]);
  if (!reply.ok) {
    $("error").hidden = false;
    $("error").textContent = problemText(reply);
    return;
  }
  const r = reply.body;
  const sites = new Map((mapReply.ok ? mapReply.body.features : [])
    .filter((f) => f.properties.kind === "site").map((f) => [f.id, f]));
  const first = sites.values().next().value;
  const zone = first ? zoneOfLongitude(first.geometry.coordinates[0]) : "Asia/Jakarta";
  const date = (iso) => (iso ? `${new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: zone })
    .format(new Date(iso))} ${clock(iso, zone)}` : "–");
  const siteName = (id) => sites.get(id)?.properties.name ?? "–";
  $("r-title").textContent = r.action.title;
  $("r-when").textContent = `${t(`plan_kind_${r.action.kind}`)} · ${date(r.action.starts_at)} – ${date(r.action.ends_at)}`
    + ` · ${t(`dash_action_${r.action.status}`)}`;
  fill($("r-demands"), (r.action.demands ?? []).map((d) => el("li", { text: d })));
  const total = (label, value, extra) => el("div", { class: "total" },
    el("div", { class: "label", text: label }), el("div", { class: "value", text: value }),
    extra ? el("div", { class: "muted", text: extra }) : null);
  fill($("r-totals"),
    total(t("report_target"), number(r.totals.target)),
    total(t("report_peak"), number(r.totals.peak), percent(r.totals.peak, r.totals.target)),
    total(t("report_final"), number(r.totals.final), percent(r.totals.final, r.totals.target)),
    total(t("report_checkins"), number(r.totals.checkins)),
    total(t("report_incidents"), `${number(r.totals.incidents_resolved)} / ${number(r.totals.incidents)}`),
    total(t("report_requests"), `${number(r.totals.requests_fulfilled)} / ${number(r.totals.requests)}`));
  const row = (cells) => el("tr", {}, cells.map(([text, cls]) => el("td", { class: cls, text })));
  const vs = (value, target) => ((value ?? 0) < target ? "num below" : "num");
  fill($("r-sites").querySelector("tbody"), r.sites.length ? r.sites.map((s) => row([
    [s.name], [number(s.target), "num"], [number(s.peak), vs(s.peak, s.target)],
    [number(s.final), vs(s.final, s.target)], [number(s.checkins), "num"], [number(s.checked_in), "num"],
  ])) : row([[t("report_none")]]));
  fill($("r-affiliates").querySelector("tbody"), r.affiliates.length ? r.affiliates.map((a) => row([
    [a.name], [number(a.target), "num"], [number(a.peak), vs(a.peak, a.target)],
    [number(a.final), vs(a.final, a.target)],
  ])) : row([[t("report_none")]]));
  fill($("r-incidents").querySelector("tbody"), r.incidents.length ? r.incidents.map((i) => row([
    [date(i.at)], [t(`dash_incident_${i.kind}`)], [t(`dash_severity_${i.severity}`)], [siteName(i.site_id)],
    [minutes(i.minutes_to_acknowledge), "num"], [minutes(i.minutes_to_resolve), "num"],
  ])) : row([[t("report_none")]]));
  fill($("r-requests").querySelector("tbody"), r.requests.length ? r.requests.map((q) => row([
    [date(q.at)], [t(`dash_request_${q.kind}`)], [number(q.quantity), "num"], [siteName(q.site_id)],
    [t(`dash_status_${q.status}`)], [minutes(q.minutes_to_fulfil), "num"],
  ])) : row([[t("report_none")]]));
  fill($("r-lobbying"), r.lobbying.length ? r.lobbying.map((l) => el("li", {},
    el("strong", { text: `${t(`plan_lobby_${l.kind}`)}: ${l.with_whom}` }), ` · ${date(l.at)}`,
    l.promised ? el("div", { class: "muted", text: l.promised }) : null))
    : el("li", { class: "muted", text: t("report_none") }));
  fill($("r-outcomes"), r.outcomes.length ? r.outcomes.map((o) => el("li", {},
    el("strong", { text: t(`plan_outcome_${o.kind}`) }), ` ${o.description}`,
    o.follow_up_by ? el("span", { class: `chip ${o.overdue ? "warn" : ""}`,
      text: ` ${t("plan_follow_up_by")}: ${date(o.follow_up_by)}${o.overdue ? ` · ${t("plan_overdue")}` : ""}` }) : null))
    : el("li", { class: "muted", text: t("report_none") }));
  $("r-generated").textContent = `${t("report_generated")}: ${date(new Date().toISOString())}`;
  $("sheet").hidden = false;
}

if (actionId) await load();
window.laporan.ready = true;
document.documentElement.dataset.ready = "1"; // for tests: the page shows the report
