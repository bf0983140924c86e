// The coordinators' dashboard at `/`: one action's sites on a map, its live feed, what needs
// handling and mobilisation per affiliate, kept current over the gateway's websocket (snapshot,
// then changes; after a blip it reconnects by itself and resumes with `since`). A timeline shows
// the action as of any moment of its day. Signed in, the session cookie authenticates the API
// and the websocket handshake; the API key box stays as a fallback for machines.
import { api, signOut, whoAmI } from "./api.js";
import { applyText, href, t } from "./i18n.js";
import { createMap } from "./dashboard-map.js";
import { createPanels } from "./dashboard-panels.js";
import { createSms } from "./dashboard-sms.js";
import { createTimeline } from "./dashboard-timeline.js";
import { createNoticesPanel } from "./dashboard-notices.js";
import { createVotes } from "./dashboard-votes.js";
import { createFundPanel } from "./dashboard-fund.js";
import { el, fill, number, shortId } from "./dashboard-util.js";

const $ = (id) => document.getElementById(id);
const FEED_KEEP = 600; // items kept in memory; the snapshot brings the latest 200

const state = {
  actions: new Map(), features: new Map(), feed: new Map(), legal: new Map(), positions: {}, selected: null,
  replay: null, connection: "offline", wsMessages: 0, affiliateNames: new Map(),
};
window.posko = state; // for the tests and the bench: what the page holds

let key = null; // the API key typed in the box, else null: the session cookie signs us in
const me = { canHandle: false, name: null }; // filled in once we know who signed in
let socket = null;
let retry = 500;
let retryTimer = null;
let map = null;
let panels = null;
let votes = null; // the strike votes of the action's unions (dashboard-votes.js)
let funds = null; // the solidarity funds linked to the action (dashboard-fund.js)
let timeline = null;
let notices = null; // the chosen action's legal notices (dashboard-notices.js)
let sms = null; // the SMS panel: number, site codes, the inbox of unread texts
let nationalOverview = true; // false: the `actions` channel was refused, read our own actions

// Follow-ups promised at a hearing whose date has passed (the overview row lists outcomes).
function overdue(action) {
  const late = (action.outcomes ?? []).filter((o) => o.follow_up_by
    && new Date(o.follow_up_by) < new Date()).length;
  return late ? el("span", { class: "chip warn", text: `${late} ${t("plan_overdue")}` }) : null;
}

// -- talking to the API ----------------------------------------------------------------------------

async function request(method, path, body) {
  if (!key) return api(method, path, body);
  try {
    const reply = await fetch(path, {
      method, headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json",
        Accept: "application/json", "Accept-Language": document.documentElement.lang },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await reply.text();
    let parsed = null;
    try { parsed = text ? JSON.parse(text) : null; } catch { parsed = { title: text }; }
    return { ok: reply.ok, status: reply.status, body: parsed };
  } catch {
    return { ok: false, status: 0, body: { title: t("network_error") } };
  }
}

async function act(type, id, verb, body) {
  const path = `/api/${type === "incident" ? "incidents" : "requests"}/${id}/${verb}`;
  const reply = await request("POST", path, body);
  return { ok: reply.ok, message: reply.body?.title ?? `HTTP ${reply.status}` };
}

// -- connection ------------------------------------------------------------------------------------

function setConnection(kind) {
  state.connection = kind;
  const badge = $("connection");
  badge.className = `state ${kind}`;
  badge.textContent = t(kind);
}

function send(message) {
  if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function subscribe(channel) {
  send({ type: "subscribe", channel, since: state.positions[channel] ?? null });
}

// The feed shows a legal item only as its kind and time; those who may read legal items get
// them whole from the legal channel (a refusal of it is expected and quiet).
function channelsOf(id) {
  return [`action:${id}:map`, `action:${id}:feed`, `action:${id}:legal`];
}

function open(wsUrl) {
  clearTimeout(retryTimer);
  socket = new WebSocket(wsUrl);
  const mine = socket;
  socket.onopen = () => { if (key) send({ type: "auth", token: key }); };
  socket.onmessage = (event) => { state.wsMessages += 1; onMessage(JSON.parse(event.data)); };
  socket.onclose = (event) => {
    if (socket !== mine) return;
    if (event.code === 1008) { // refused: a wrong key, an ended session, or no cookie
      setConnection("offline");
      sessionStorage.removeItem("posko-key");
      location.assign(href(`/masuk?next=${encodeURIComponent("/")}`));
      return;
    }
    setConnection(navigator.onLine ? "reconnecting" : "offline");
    retryTimer = setTimeout(() => open(wsUrl), retry * (0.75 + Math.random() / 2));
    retry = Math.min(retry * 2, 10_000);
  };
  window.onoffline = () => setConnection("offline");
  // Back on the network: start afresh at once rather than wait out the backoff, and resume with
  // `since` (a socket that looks open may have lost frames while the network was away).
  window.ononline = () => {
    retry = 500;
    socket.onclose = null;
    socket.close();
    setConnection("reconnecting");
    open(wsUrl);
  };
}

function onMessage(msg) {
  if (msg.type === "ready") {
    setConnection("live");
    retry = 500;
    if (nationalOverview) subscribe("actions"); else loadOwnActions();
    if (state.selected) channelsOf(state.selected).forEach(subscribe);
    votes?.resubscribe();
    funds?.resubscribe();
    return;
  }
  if (votes?.onMessage(msg)) return;
  if (funds?.onMessage(msg)) return;
  if (msg.type === "error") {
    if (msg.code === "forbidden" && msg.channel === "actions") { nationalOverview = false; loadOwnActions(); }
    else if (msg.code === "forbidden" && msg.channel?.endsWith(":legal")) return;
    else console.warn("posko:", msg.code, msg.message, msg.channel ?? "");
    return;
  }
  if (msg.type === "subscribed") { state.positions[msg.channel] = msg.position; return; }
  if (msg.type !== "snapshot" && msg.type !== "change") return;
  state.positions[msg.channel] = msg.position;
  const snapshot = msg.type === "snapshot";
  if (msg.channel === "actions") {
    if (snapshot) state.actions.clear();
    for (const a of msg.data.actions) state.actions.set(a.id, a);
    actionsChanged();
  } else if (msg.channel === `action:${state.selected}:map`) {
    if (snapshot) state.features.clear();
    for (const f of msg.data.features) state.features.set(f.id, f);
    if (!nationalOverview) refreshOwnAction();
    schedule("map", "tasks", "summary");
  } else if (msg.channel === `action:${state.selected}:feed`) {
    if (snapshot) state.feed.clear();
    for (const item of msg.data.items) state.feed.set(item.id, state.legal.get(item.id) ?? item);
    trimFeed();
    schedule("feed", "tasks");
  } else if (msg.channel === `action:${state.selected}:legal`) {
    if (snapshot) state.legal.clear();
    for (const item of msg.data.items) {
      state.legal.set(item.id, item);
      if (state.feed.has(item.id) || !snapshot) state.feed.set(item.id, item);
    }
    trimFeed();
    schedule("feed", "tasks");
  }
}

function trimFeed() {
  if (state.feed.size <= FEED_KEEP) return;
  const oldest = [...state.feed.values()].sort((a, b) => (a.at < b.at ? -1 : 1));
  for (const item of oldest.slice(0, state.feed.size - FEED_KEEP)) state.feed.delete(item.id);
}

// Coordinators of some actions only (no national overview): their rows, read over HTTP.
async function loadOwnActions() {
  const reply = await request("GET", "/api/actions");
  if (!reply.ok) return;
  state.actions = new Map(reply.body.actions.map((a) => [a.id, a]));
  actionsChanged();
}

let ownActionTimer = null;
function refreshOwnAction() {
  if (ownActionTimer) return;
  ownActionTimer = setTimeout(async () => {
    ownActionTimer = null;
    const reply = await request("GET", `/api/actions/${state.selected}`);
    if (reply.ok) { state.actions.set(reply.body.id, reply.body); schedule("summary", "affiliates"); }
  }, 2000);
}

// -- the action on screen --------------------------------------------------------------------------

// Every action we may see, in the "all actions" menu: the national overview at a glance.
function actionsChanged() {
  votes?.actionChanged(); // the action's unions may have changed
  const rows = [...state.actions.values()];
  if (!state.selected || !state.actions.has(state.selected)) {
    const wanted = location.hash.slice(1) || sessionStorage.getItem("posko-action");
    const pick = state.actions.has(wanted) ? wanted
      : (rows.find((a) => a.status === "live") ?? rows[rows.length - 1])?.id;
    if (pick) choose(pick);
  }
  $("actions-count").textContent = number(rows.length);
  fill($("actions").tBodies[0], ...rows.map((a) => el("tr", {
    data: { id: a.id }, class: a.id === state.selected ? "selected" : "",
    onclick: () => { choose(a.id); $("actions-menu").open = false; },
  }, el("td", {}, el("button", { type: "button", class: "link", text: a.title }), overdue(a)),
  el("td", {}, el("span", { class: `chip status-${a.status}`, text: t(`dash_action_${a.status}`) })),
  el("td", { class: "num", text: `${number(a.headcount)} / ${number(a.target)}` }),
  el("td", { class: "num", text: number(a.sites) }),
  el("td", { class: `num ${a.open_incidents ? "alert" : ""}`, text: number(a.open_incidents) }))));
  $("no-actions").hidden = rows.length > 0;
  updateWindow();
  schedule("summary", "affiliates");
}

function choose(id) {
  if (state.selected === id) return;
  if (state.selected) for (const c of channelsOf(state.selected)) send({ type: "unsubscribe", channel: c });
  state.selected = id;
  sessionStorage.setItem("posko-action", id); // a reload comes back to it
  for (const row of $("actions").tBodies[0].rows) row.classList.toggle("selected", row.dataset.id === id);
  for (const link of document.querySelectorAll("#export a[data-export]")) {
    link.href = `/api/actions/${id}/${link.dataset.export}`;
  }
  $("export").hidden = Boolean(key); // downloads go with the session cookie, not a typed key
  state.features = new Map();
  state.feed = new Map();
  state.legal = new Map();
  for (const c of channelsOf(id)) delete state.positions[c];
  timeline?.stop();
  state.replay = null;
  map?.reset();
  channelsOf(id).forEach(subscribe);
  notices?.show(id);
  funds?.show(id);
  sms?.load(id);
  votes?.actionChanged();
  updateWindow();
  schedule("map", "feed", "tasks", "summary", "affiliates");
}

function updateWindow() {
  const action = state.actions.get(state.selected);
  if (!action || !timeline) return;
  // The past is told by when the posko recorded things: nothing of the action exists before it
  // was planned, and late reports can follow its end.
  const now = Date.now();
  const planned = Date.parse(action.planned_at) || 0;
  const start = Math.max(Date.parse(action.starts_at) || 0, planned);
  const last = Math.max(Date.parse(action.ends_at) || 0, Date.parse(action.concluded_at) || 0,
    Date.parse(action.last_report_at) || 0);
  const end = Math.min(now, last || now);
  timeline.setWindow(Math.min(start >= now ? planned : start, end - 60_000), end);
}

// -- time travel -----------------------------------------------------------------------------------

let replaySeq = 0;
async function showAt(ms) {
  const seq = ++replaySeq;
  const at = encodeURIComponent(new Date(ms).toISOString());
  const id = state.selected;
  // Two replays at once (the server's slots), then the legal channel's; a 429 (every slot
  // busy with someone else's replay) is tried again after the Retry-After it names.
  const [mapReply, feedReply] = await Promise.all([
    replayed(`/api/actions/${id}/map?at=${at}`), replayed(`/api/actions/${id}/feed?at=${at}`),
  ]);
  const legalReply = me.canHandle && mapReply.ok && feedReply.ok
    ? await replayed(`/api/actions/${id}/legal?at=${at}`) : null;
  if (seq !== replaySeq || timeline.live || id !== state.selected) return;
  if (!mapReply.ok || !feedReply.ok) {
    $("replay-error").textContent = (mapReply.ok ? feedReply : mapReply).body?.title ?? t("network_error");
    $("replay-error").hidden = false;
    return;
  }
  $("replay-error").hidden = true;
  state.replay = {
    at: ms,
    features: new Map(mapReply.body.features.map((f) => [f.id, f])),
    feed: new Map(feedReply.body.items.map((i) => [i.id, i])),
  };
  for (const item of legalReply?.ok ? legalReply.body.items : []) {
    if (state.replay.feed.has(item.id)) state.replay.feed.set(item.id, item);
  }
  schedule("map", "feed", "tasks", "summary", "affiliates");
}

async function replayed(path) {
  let reply = await request("GET", path);
  for (let tries = 1; reply.status === 429 && tries < 5; tries += 1) {
    const wait = Number(reply.body?.params?.retry_after) || 1;
    await new Promise((resolve) => setTimeout(resolve, wait * 1000));
    reply = await request("GET", path);
  }
  return reply;
}

function goLive() {
  replaySeq += 1;
  state.replay = null;
  $("replay-error").hidden = true;
  updateWindow();
  schedule("map", "feed", "tasks", "summary", "affiliates");
}

// -- rendering, at most once a frame ---------------------------------------------------------------

const dirty = new Set();
let frame = 0;
let fallback = 0;

function schedule(...parts) {
  for (const p of parts) dirty.add(p);
  if (frame) return;
  frame = requestAnimationFrame(flush);
  fallback = setTimeout(flush, 250); // a hidden tab gets no frames; keep it roughly current
}

function flush() {
  cancelAnimationFrame(frame);
  clearTimeout(fallback);
  frame = 0;
  if (!map) { dirty.clear(); return; }
  const view = state.replay ?? state;
  const readOnly = state.replay !== null;
  if (dirty.has("map")) map.sync(view.features);
  if (dirty.has("feed")) panels.renderFeed(view.feed);
  if (dirty.has("tasks")) panels.renderTasks(openItems(view), readOnly);
  if (dirty.has("summary")) panels.renderSummary(summary(view));
  if (dirty.has("affiliates")) panels.renderAffiliates(affiliates(view));
  dirty.clear();
}

// Incidents come from the map (it keeps every one, the feed only the latest items), with the
// feed's richer row when it has one; requests come from the feed.
function openItems(view) {
  const items = new Map();
  for (const f of view.features.values()) {
    const p = f.properties;
    if (p.kind === "incident") {
      items.set(f.id, { id: f.id, type: "incident", kind: p.incident_kind, severity: p.severity,
        description: p.description, site_id: p.site_id, status: p.status, at: p.at, legal: p.legal });
    } else if (p.kind === "request") { // every request is on the map: none drops out of view
      items.set(f.id, { id: f.id, type: "request", kind: p.request_kind, quantity: p.quantity,
        site_id: p.site_id, status: p.status, at: p.at, legal: p.legal });
    }
  }
  for (const item of view.feed.values()) {
    if (item.type === "incident" || item.type === "request") {
      items.set(item.id, { ...item, status: items.get(item.id)?.status ?? item.status });
    }
  }
  return items;
}

function summary(view) {
  const action = state.actions.get(state.selected) ?? {};
  const s = { title: action.title, status: action.status, headcount: 0, target: 0, sites: 0,
    reports: 0, openIncidents: 0, openRequests: 0 };
  for (const f of view.features.values()) {
    const p = f.properties;
    if (p.kind === "site") {
      s.sites += 1; s.headcount += p.headcount ?? 0; s.target += p.target; s.reports += p.reports;
      s.openRequests += p.open_requests;
    } else if (p.kind === "incident" && p.status !== "resolved") s.openIncidents += 1;
  }
  return s;
}

// Live: the overview row's mobilisation; as of a past moment: the sites' breakdowns then.
function affiliates(view) {
  const action = state.actions.get(state.selected);
  if (!state.replay) return action?.affiliates ?? {};
  const out = {};
  for (const [id, a] of Object.entries(action?.affiliates ?? {})) out[id] = { target: a.target, headcount: 0 };
  for (const f of view.features.values()) {
    for (const [id, n] of Object.entries(f.properties.by_affiliate ?? {})) {
      out[id] ??= { target: 0, headcount: 0 };
      out[id].headcount += n;
    }
  }
  return out;
}

// -- start -----------------------------------------------------------------------------------------

function siteName(id) {
  return (state.replay?.features.get(id) ?? state.features.get(id))?.properties.name;
}

async function loadAffiliateNames() {
  const reply = await request("GET", "/api/affiliates");
  if (!reply.ok) return; // only some may list them; ids stand in for names then
  for (const a of reply.body.affiliates ?? []) state.affiliateNames.set(a.id, a.name);
  schedule("affiliates");
}

async function start(config) {
  $("signin").hidden = true;
  $("board").hidden = false;
  map = createMap($("map"), {
    tileUrl: config.tile_url, tileAttribution: config.tile_attribution,
    onZones: () => { panels.forget(); schedule("feed", "tasks"); },
  });
  funds = createFundPanel({ request, send, changed: () => { panels.forget(); schedule("feed", "tasks"); } });
  panels = createPanels({
    siteName, zoneOf: (id) => (id ? map.zoneOf(id) : undefined), focusSite: (id) => map.focusSite(id),
    act, me, affiliateName: (id) => state.affiliateNames.get(id) ?? `${t("dash_affiliate")} ${shortId(id)}`,
    payoutLabel: (p) => funds.payoutLabel(p),
  });
  timeline = createTimeline({ showAt, goLive });
  notices = createNoticesPanel();
  if (state.selected) notices.show(state.selected);
  if (state.selected) funds.show(state.selected);
  sms = createSms({ request, canHandle: () => me.canHandle });
  state.map = map;
  window.addEventListener("hashchange", () => {
    const id = location.hash.slice(1);
    if (state.actions.has(id)) choose(id);
  });
  setInterval(updateWindow, 30_000);
  votes = createVotes({
    request, send,
    affiliatesOfAction: () => Object.keys(state.actions.get(state.selected)?.affiliates ?? {}),
    affiliateName: (id) => state.affiliateNames.get(id) ?? `${t("dash_affiliate")} ${shortId(id)}`,
  });
  loadAffiliateNames();
  open(config.ws_url);
  schedule("map", "feed", "tasks", "summary", "affiliates");
}

function showSignin() {
  $("board").hidden = true;
  const form = $("signin");
  form.hidden = false;
  $("signin-link").href = href(`/masuk?next=${encodeURIComponent("/")}`);
  form.onsubmit = async (event) => {
    event.preventDefault();
    key = $("key").value.trim();
    if (!(await begin())) { key = null; $("signin-error").hidden = false; }
    else sessionStorage.setItem("posko-key", key);
  };
}

function showMe(who) {
  const link = $("account");
  if (!who) { link.href = href("/masuk"); link.textContent = t("sign_in"); return; }
  $("me").textContent = `${t("signed_in_as")} ${who.person?.name ?? (who.actor === "api-key" ? t("api_key") : who.actor)}`;
  link.href = "#";
  link.textContent = t("sign_out");
  link.onclick = async (event) => {
    event.preventDefault();
    sessionStorage.removeItem("posko-key");
    if (!key) await signOut();
    location.assign(href("/masuk"));
  };
}

// Who we are and where the gateway is, read together; false when neither cookie nor key works.
async function begin() {
  const who = key ? await request("GET", "/api/session").then((r) => (r.ok ? r.body : null))
    : await whoAmI();
  if (!who) return false; // signed out: nothing else to ask (and no 401 to log)
  const config = await request("GET", "/api/config");
  if (!config.ok) return false;
  const roles = who?.roles ?? [];
  Object.assign(me, {
    name: who?.person?.name ?? null,
    canHandle: who?.actor === "api-key" || roles.some((r) => ["admin", "coordinator"].includes(r.name)),
  });
  showMe(who);
  await start(config.body);
  return true;
}

applyText();
$("timeline-speed").setAttribute("aria-label", t("dash_speed"));
$("timeline-range").setAttribute("aria-label", t("dash_timeline"));
setConnection("offline");
key = sessionStorage.getItem("posko-key");
if (!(await begin())) {
  if (key) { sessionStorage.removeItem("posko-key"); key = null; }
  showMe(null);
  showSignin();
}
