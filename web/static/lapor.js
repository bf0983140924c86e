// The korlap's phone (/lapor): check in, headcount, site status, incidents and requests for help,
// from a crowded street with one bar of signal. Every item gets its id when it is made and stays
// in IndexedDB until the posko has it: queued -> sent (a 2xx) -> received (its id seen on the
// action's feed). Sending again after a lost answer is safe: the server records an id once.
import { api, signOut, useCsrf } from "./api.js";
import { applyText, lang, locale, t } from "./i18n.js";
import { keywordText, newRef, smsHref, smsItemId } from "./lapor-sms.js";

const SEND_TIMEOUT_MS = 30_000; // one bar of signal is slow; past this, try again later
const RETRY_MIN_MS = 2_000; // backoff after no answer or a 5xx: 2 s, 4 s, ... up to a minute
const RETRY_MAX_MS = 60_000;
const TICK_MS = 5_000; // how often queued items and the feed connection are looked at
const FORGET_AFTER_MS = 3 * 24 * 3600 * 1000; // received items older than this are dropped
const POSITIONS_FOR_MS = 24 * 3600 * 1000; // a received item's GPS position is dropped after this
const SHOWN = 30; // items listed on the page
const FRESH_FIX_MS = 5 * 60 * 1000; // a GPS fix younger than this goes with an incident
const SMS_AFTER_MS = 2 * 60 * 1000; // queued this long: offer to send it as a text instead
const RANK = { queued: 0, failed: 0, sent: 1, received: 2 }; // a state never goes back
const VIEWS = { "#lokasi": "view-lokasi", "#massa": "view-massa", "#status": "view-status",
  "#insiden": "view-insiden", "#bantuan": "view-bantuan" };

const $ = (id) => document.getElementById(id);
const number = new Intl.NumberFormat(locale);
const fill = (text, values) => text.replace(/\{(\w+)\}/g, (_, k) => values[k] ?? "");

// ---- what the phone keeps (IndexedDB "posko-lapor": outbox by id, and the context) ------------

const items = new Map(); // id -> item {id, type, path, body, state, created, attempts, error}
let context = { session: null, title: "", sites: [], affiliates: [], siteId: null,
  sms: { number: null, codes: {} } };
let db = null;

function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open("posko-lapor", 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore("outbox", { keyPath: "id" });
      request.result.createObjectStore("meta");
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

// One transaction; resolves once it is committed ("strict": on disk, so a phone that dies right
// after a report was saved still has it).
function store(name, mode, work) {
  if (!db) return Promise.resolve(undefined); // no IndexedDB here: the page still works, unsaved
  return new Promise((resolve, reject) => {
    const tx = db.transaction(name, mode, { durability: "strict" });
    const request = work(tx.objectStore(name));
    tx.oncomplete = () => resolve(request?.result);
    tx.onerror = tx.onabort = () => reject(tx.error);
  });
}

const saveItem = (item) => store("outbox", "readwrite", (s) => s.put(item));
const saveContext = () => store("meta", "readwrite", (s) => s.put(context, "context"));

async function load() {
  db = await openDb();
  const cutoff = Date.now() - FORGET_AFTER_MS;
  const positionsCutoff = Date.now() - POSITIONS_FOR_MS;
  for (const item of await store("outbox", "readonly", (s) => s.getAll())) {
    if (item.state === "received" && item.created < cutoff) {
      store("outbox", "readwrite", (s) => s.delete(item.id));
    } else if (item.state === "received" && item.created < positionsCutoff && "lat" in item.body) {
      // The posko has it: where the phone was need not stay on a phone that may be seized.
      const { lat, lon, accuracy_m, ...rest } = item.body;
      const kept = { ...item, body: rest };
      items.set(item.id, kept);
      await saveItem(kept);
    } else {
      items.set(item.id, item);
    }
  }
  context = (await store("meta", "readonly", (s) => s.get("context"))) ?? context;
}

// Move an item on; never back (an ack on the feed may come before the HTTP answer).
async function advance(item, state, changes = {}) {
  const current = items.get(item.id) ?? item;
  const next = { ...current, ...changes };
  if (RANK[state] >= RANK[current.state] || current.state === "failed") next.state = state;
  items.set(item.id, next);
  await saveItem(next);
  render();
}

// ---- making items ----------------------------------------------------------------------------

const uuid = () => crypto.randomUUID?.() ?? "10000000-1000-4000-8000-100000000000".replace(
  /[018]/g, (c) => (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4))))
    .toString(16));

async function create(type, collection, fields) {
  const { session, siteId } = context;
  // An id the server can make again from the #ref of a text: the item may go by SMS too.
  const ref = newRef();
  const smsId = await smsItemId(session.action_id, ref).catch(() => null);
  const id = smsId ?? uuid();
  const body = { id, ...(siteId ? { site_id: siteId } : {}), ...fields,
    at: new Date().toISOString() };
  const item = { id, type, path: `/api/actions/${session.action_id}/${collection}`, body,
    state: "queued", created: Date.now(), attempts: 0, error: null, ref: smsId ? ref : null };
  items.set(id, item);
  await saveItem(item); // kept before anything is sent: from here on nothing is lost
  render();
  flush(true);
  return item;
}

// ---- sending: in order of making, one at a time, with backoff --------------------------------

let retryAt = 0; // no sending before this (ms), after a failure to get an answer
let failures = 0;
let flushing = null;
let flushAgain = false;
let noAnswer = false; // the last request got no answer at all
let sessionEnded = false;

function flush(force = false) {
  if (force) retryAt = 0;
  if (flushing) {
    flushAgain = true;
    return flushing;
  }
  // Two tabs of the page would send the same items: harmless (ids), but wasteful.
  const run = navigator.locks ? navigator.locks.request("posko-lapor-outbox", drain) : drain();
  flushing = run.catch(() => {}).finally(() => {
    flushing = null;
    if (flushAgain) {
      flushAgain = false;
      flush();
    }
  });
  return flushing;
}

async function drain() {
  let csrfRenewed = false;
  const queue = [...items.values()].filter((i) => i.state === "queued")
    .sort((a, b) => a.created - b.created);
  while (queue.length && context.session && !sessionEnded && Date.now() >= retryAt) {
    // As stored: the feed may have acknowledged it meanwhile, or another tab sent it.
    const stored = await store("outbox", "readonly", (s) => s.get(queue[0].id));
    const item = stored ? { ...items.get(stored.id), ...stored } : items.get(queue[0].id);
    items.set(item.id, item);
    if (item.state !== "queued") {
      queue.shift();
      render();
      continue;
    }
    const reply = await send(item);
    item.attempts += 1;
    if (reply.status >= 200 && reply.status < 300) {
      failures = 0;
      noAnswer = false;
      queue.shift();
      await advance(item, "sent", { attempts: item.attempts, error: null });
    } else if (reply.status === 401) {
      endSession(); // the items wait on the phone for a new session
    } else if (reply.status === 403 && reply.body?.code === "csrf" && !csrfRenewed) {
      csrfRenewed = true; // a token of an older session: fetch this one's and try again
      if (!(await refreshContext())) break;
    } else if (reply.status >= 400 && reply.status < 500 && ![408, 429].includes(reply.status)) {
      noAnswer = false;
      queue.shift();
      await advance(item, "failed", { attempts: item.attempts,
        error: reply.body?.title ?? `HTTP ${reply.status}` });
    } else { // no answer, a timeout, 408, 429 or 5xx: the same request later
      noAnswer = reply.status === 0;
      failures += 1;
      const after = Number(reply.retryAfter) * 1000;
      const backoff = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** (failures - 1));
      retryAt = Date.now() + (after > 0 ? after : backoff * (0.75 + Math.random() / 2));
      await advance(item, "queued", { attempts: item.attempts });
    }
  }
  showNet();
}

async function send(item) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), SEND_TIMEOUT_MS);
  try {
    const response = await fetch(item.path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": context.session.csrf,
        "Accept-Language": lang },
      body: JSON.stringify(item.body), // the same bytes every time: a resend is the same report
      signal: abort.signal,
    });
    const body = await response.json().catch(() => null);
    return { status: response.status, body, retryAfter: response.headers.get("Retry-After") };
  } catch {
    return { status: 0 };
  } finally {
    clearTimeout(timer);
  }
}

function endSession() {
  sessionEnded = true;
  closeFeed();
  notice(t("lapor_session_ended"));
}

// ---- the posko's acknowledgement: the action's feed over the websocket -----------------------

let socket = null;
let socketLive = false;
let connecting = false;
let socketDelay = 1_000;
let socketTimer = 0;
let feedPosition = null;
let wsUrl = null;
let config = null; // GET /api/config in flight: asked at start, beside the session

async function connectFeed(now = false) {
  if (now) {
    clearTimeout(socketTimer);
    socketTimer = 0;
    socketDelay = 1_000;
  }
  if (socket || connecting || !context.session || sessionEnded) return;
  connecting = true;
  try {
    if (!wsUrl) {
      config ??= api("GET", "/api/config");
      const answer = await config;
      config = null;
      if (!answer.ok) return retryFeed();
      wsUrl = answer.body.ws_url;
    }
    openFeed(`action:${context.session.action_id}:feed`);
  } finally {
    connecting = false;
  }
}

function openFeed(channel) {
  const ws = new WebSocket(wsUrl); // the session cookie authenticates the handshake
  socket = ws;
  ws.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "ready") {
      ws.send(JSON.stringify({ type: "subscribe", channel, since: feedPosition }));
    } else if (message.channel === channel && message.position != null) {
      feedPosition = message.position;
      socketLive = true;
      socketDelay = 1_000;
      if (message.data?.items) received(message.data.items);
      showNet();
    }
  };
  ws.onclose = () => {
    if (socket !== ws) return;
    socket = null;
    socketLive = false;
    showNet();
    retryFeed();
  };
}

function retryFeed() {
  clearTimeout(socketTimer);
  socketTimer = setTimeout(() => {
    socketTimer = 0;
    connectFeed();
  }, socketDelay * (0.75 + Math.random() / 2));
  socketDelay = Math.min(socketDelay * 2, RETRY_MAX_MS);
}

function closeFeed() {
  const ws = socket;
  socket = null;
  socketLive = false;
  ws?.close();
}

async function received(feedItems) {
  for (const { id } of feedItems) {
    const item = items.get(id);
    if (item && item.state !== "received") await advance(item, "received", { error: null });
  }
}

// ---- the session, action and sites: from the server when it answers, else from the phone -----

async function refreshContext() {
  const me = await api("GET", "/api/session");
  if (me.status === 401 || (me.ok && !me.body.actor)) { // ended, or never signed in here
    if (context.session) endSession(); else showSignedOut();
    return false;
  }
  if (!me.ok) return false; // no signal: what the phone kept stands
  // ?action=<id>: a coordinator reporting for one of their actions (an id, nothing else: it
  // goes into the paths the page posts to).
  const asked = new URLSearchParams(location.search).get("action");
  const wanted = /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i.test(asked ?? "") ? asked : null;
  const role = me.body.roles?.find((r) => r.action_id && (!wanted || r.action_id === wanted));
  const actionId = wanted ?? me.body.action_id ?? role?.action_id;
  if (!actionId) {
    showSignedOut();
    return false;
  }
  const fixedSite = me.body.site_id ?? role?.site_id ?? null;
  const changed = context.session?.action_id !== actionId;
  context.session = { action_id: actionId, site_id: fixedSite, csrf: me.body.csrf_token };
  sessionEnded = false;
  notice("");
  const [action, map, sms] = await Promise.all([
    api("GET", `/api/actions/${actionId}`), api("GET", `/api/actions/${actionId}/map`),
    api("GET", `/api/actions/${actionId}/sms`)]);
  if (sms.ok) {
    context.sms = { number: sms.body.number,
      codes: Object.fromEntries(sms.body.sites.map((s) => [s.site_id, s.code])) };
  }
  if (action.ok) {
    context.title = action.body.title;
    context.affiliates = await affiliatesOf(action.body.affiliates ?? {});
  }
  if (map.ok) {
    context.sites = map.body.features
      .filter((f) => (f.properties.kind ?? "site") === "site")
      .map((f) => ({ id: f.id, name: f.properties.name, lon: f.geometry.coordinates[0],
        lat: f.geometry.coordinates[1], headcount: f.properties.headcount }));
  }
  const known = context.sites.some((s) => s.id === context.siteId);
  if (fixedSite) context.siteId = fixedSite;
  else if (!known || changed) context.siteId = context.sites.length === 1 ? context.sites[0].id : null;
  await saveContext();
  renderContext();
  if (changed) {
    closeFeed();
    feedPosition = null;
  }
  return true;
}

// The affiliates mobilised for this action, by name, for the headcount's breakdown: names come
// with the action, or from the affiliates list when this session may read it.
async function affiliatesOf(byId) {
  const names = Object.fromEntries(Object.entries(byId).map(([id, a]) => [id, a.name]));
  if (Object.values(names).some((n) => !n)) {
    const list = await api("GET", "/api/affiliates");
    for (const a of list.ok ? list.body.affiliates : []) if (a.id in names) names[a.id] ??= a.name;
  }
  return Object.entries(names).filter(([, n]) => n).map(([id, name]) => ({ id, name }));
}

// ---- GPS -------------------------------------------------------------------------------------

let fix = null; // {lat, lon, accuracy, at}

function locate(precise) {
  return new Promise((resolve, reject) => {
    if (!navigator.geolocation) {
      reject(new Error("GPS"));
      return;
    }
    navigator.geolocation.getCurrentPosition((p) => {
      fix = { lat: p.coords.latitude, lon: p.coords.longitude, accuracy: p.coords.accuracy,
        at: Date.now() };
      resolve(fix);
    }, reject, { enableHighAccuracy: precise, timeout: 20_000, maximumAge: precise ? 0 : 60_000 });
  });
}

const round = (x, digits = 6) => Math.round(x * 10 ** digits) / 10 ** digits; // ~10 cm

function metres(a, b) {
  const rad = Math.PI / 180;
  const h = Math.sin((b.lat - a.lat) * rad / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad)
    * Math.sin((b.lon - a.lon) * rad / 2) ** 2;
  return 12_742_000 * Math.asin(Math.sqrt(h));
}

const distanceText = (m) => (m < 1000 ? `${number.format(Math.round(m / 10) * 10)} m`
  : `${new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(m / 1000)} km`);

// GeolocationPositionError codes 1-3 (denied, unavailable, timeout), in the page's language.
const gpsFailed = (error) => toast(fill(t("lapor_gps_failed"),
  { why: [1, 2, 3].includes(error.code) ? t(`lapor_gps_${error.code}`) : error.message }));

async function checkIn() {
  if (!requireSite()) return;
  const button = $("checkin");
  button.disabled = true;
  $("checkin-hint").textContent = t("lapor_locating");
  try {
    const at = await locate(true);
    await create("report", "reports", { kind: "checkin", lat: round(at.lat), lon: round(at.lon),
      accuracy_m: Math.round(at.accuracy) });
    toast(fill(t("lapor_checked_in"), { m: number.format(Math.round(at.accuracy)) }));
  } catch (error) {
    gpsFailed(error);
  } finally {
    button.disabled = false;
    $("checkin-hint").textContent = t("lapor_checkin_hint");
  }
}

// ---- forms -----------------------------------------------------------------------------------

function requireSite() {
  if (context.siteId) return true;
  toast(t("lapor_need_site"));
  location.hash = "#lokasi";
  return false;
}

function formError(form, key) {
  const line = form.querySelector(".error");
  line.textContent = key ? t(key) : "";
  line.hidden = !key;
  return !key;
}

const whole = (value) => (/^\d+$/.test(value.trim()) ? Number(value) : NaN);

const FORMS = {
  "form-headcount": (form) => {
    const total = whole(form.headcount.value);
    if (!formError(form, Number.isNaN(total) ? "lapor_need_number" : null)) return null;
    const breakdown = {};
    for (const input of form.querySelectorAll("[data-affiliate]")) {
      const n = whole(input.value);
      if (!Number.isNaN(n) && n > 0) breakdown[input.dataset.affiliate] = n;
    }
    const sum = Object.values(breakdown).reduce((a, b) => a + b, 0);
    if (!formError(form, sum > total ? "lapor_breakdown_too_big" : null)) return null;
    return ["report", "reports", { kind: "headcount", headcount: total,
      ...(sum ? { by_affiliate: breakdown } : {}) }];
  },
  "form-status": (form) => {
    const phase = form.phase.value;
    const mood = form.mood.value;
    if (!formError(form, phase || mood ? null : "lapor_need_phase_or_mood")) return null;
    return ["report", "reports", { kind: "status", ...(phase ? { phase } : {}),
      ...(mood ? { mood } : {}) }];
  },
  "form-incident": (form) => {
    const description = form.description.value.trim();
    const missing = !form.kind.value ? "lapor_need_kind" : !form.severity.value
      ? "lapor_need_severity" : !description ? "lapor_need_description" : null;
    if (!formError(form, missing)) return null;
    const near = fix && Date.now() - fix.at < FRESH_FIX_MS
      ? { lat: round(fix.lat), lon: round(fix.lon) } : {};
    return ["incident", "incidents", { kind: form.kind.value, severity: form.severity.value,
      description, ...near }];
  },
  "form-help": (form) => {
    const quantity = whole(form.quantity.value);
    const note = form.note.value.trim();
    if (!formError(form, !form.kind.value ? "lapor_need_kind" : null)) return null;
    return ["request", "requests", { kind: form.kind.value,
      quantity: Number.isNaN(quantity) || quantity < 1 ? 1 : quantity, ...(note ? { note } : {}) }];
  },
};

async function submit(event) {
  event.preventDefault();
  const form = event.target;
  const made = FORMS[form.id](form);
  if (!made || (form.id !== "form-incident" && !requireSite())) return;
  await create(...made);
  form.reset();
  syncChoices(form);
  goHome();
  toast(t("lapor_saved"));
}

// Radio buttons drawn as big buttons: .on marks the chosen one (older phones lack :has()).
function syncChoices(root) {
  for (const label of root.querySelectorAll(".choices label")) {
    label.classList.toggle("on", label.querySelector("input").checked);
  }
}

function step(button) {
  const input = button.closest("form").querySelector(".big-number");
  const min = Number(input.min);
  input.value = Math.max(min, (whole(input.value) || 0) + Number(button.dataset.step));
}

// ---- views (#massa, #lokasi... so the phone's back button works) ------------------------------

let openedFromHome = false;
let signedOut = false;

function route() {
  const view = signedOut ? "signed-out" : VIEWS[location.hash] ?? "home";
  for (const section of document.querySelectorAll(".view")) section.hidden = section.id !== view;
  if (view === "view-lokasi") {
    renderSites();
    if (!fix) locate(false).then(renderSites, () => {});
  }
  if (view === "view-massa" && !$("headcount").value) {
    const site = context.sites.find((s) => s.id === context.siteId);
    const mine = [...items.values()].filter((i) => i.body.kind === "headcount"
      && i.body.site_id === context.siteId).sort((a, b) => b.created - a.created)[0];
    const last = mine?.body.headcount ?? site?.headcount;
    if (last != null) $("headcount").value = last;
  }
  window.scrollTo(0, 0);
}

function goHome() {
  if (location.hash && openedFromHome) {
    openedFromHome = false;
    history.back();
  } else {
    history.replaceState(null, "", location.pathname + location.search);
    route();
  }
}

function showSignedOut() {
  signedOut = !context.session;
  if (signedOut) route();
  else endSession();
}

// ---- drawing ---------------------------------------------------------------------------------

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
}

const kindName = (prefix, kind) => (kind === "other" ? t("lapor_other") : t(prefix + kind));

function describe(item) {
  const b = item.body;
  if (item.type === "incident") {
    return `${t("lapor_incident")}: ${kindName("lapor_incident_", b.kind)} `
      + `(${t(`lapor_severity_${b.severity}`)})`;
  }
  if (item.type === "request") {
    return `${t("lapor_kind_request")}: ${kindName("lapor_help_", b.kind)} `
      + `× ${number.format(b.quantity)}`;
  }
  if (b.kind === "checkin") return `${t("lapor_kind_checkin")} · GPS ± ${number.format(b.accuracy_m)} m`;
  if (b.kind === "headcount") return `${t("lapor_kind_headcount")} ${number.format(b.headcount)}`;
  const parts = [b.phase && t(`lapor_phase_${b.phase}`), b.mood && t(`lapor_mood_${b.mood}`)];
  return `${t("lapor_kind_status")}: ${parts.filter(Boolean).join(" · ")}`;
}

function render() {
  const all = [...items.values()].sort((a, b) => b.created - a.created);
  const count = (state) => all.filter((i) => i.state === state).length;
  $("counts").textContent = ["queued", "sent", "received", "failed"]
    .filter((s) => count(s)).map((s) => `${count(s)} ${t(`lapor_state_${s}`)}`).join(" · ");
  $("empty").hidden = all.length > 0;
  const siteName = Object.fromEntries(context.sites.map((s) => [s.id, s.name]));
  $("outbox").replaceChildren(...all.slice(0, SHOWN).map((item) => {
    const li = element("li", `item item-${item.state}`);
    li.dataset.id = item.id;
    li.dataset.state = item.state;
    const time = new Date(item.body.at).toLocaleTimeString(locale,
      { hour: "2-digit", minute: "2-digit" });
    const where = context.sites.length > 1 ? siteName[item.body.site_id] : null;
    li.append(element("span", "what", describe(item)),
      element("span", "when", [time, where].filter(Boolean).join(" · ")),
      element("span", "state", t(`lapor_state_${item.state}`)));
    if (item.smsAt) li.append(element("span", "by-sms", t("lapor_sms_prepared")));
    if (offerSms(item)) {
      const link = element("a", "send-sms", t("lapor_send_sms"));
      link.href = smsHref(context.sms.number, keywordText(item, context.sms.codes));
      link.dataset.sms = item.id;
      li.append(link);
    }
    if (item.state === "failed") {
      const retry = element("button", "retry", t("lapor_retry"));
      retry.type = "button";
      retry.dataset.retry = item.id;
      li.append(element("p", "why", item.error), retry);
    }
    return li;
  }));
}

// A queued item that has waited long enough, which a text can carry: the posko has a number,
// the item an SMS ref, and (for those that name one) its site a code.
function offerSms(item) {
  if (item.state !== "queued" || !item.ref || !context.sms?.number) return false;
  if (Date.now() - item.created < SMS_AFTER_MS) return false;
  const needsCode = item.type === "report" && ["checkin", "headcount"].includes(item.body.kind);
  return !needsCode || Boolean(context.sms.codes[item.body.site_id]);
}

function renderContext() {
  $("action-title").textContent = context.title || "Posko";
  const site = context.sites.find((s) => s.id === context.siteId);
  $("site-name").textContent = site ? site.name : t("lapor_pick_site");
  $("site-button").classList.toggle("fixed", Boolean(context.session?.site_id));
  const breakdown = $("affiliates");
  breakdown.replaceChildren(...context.affiliates.flatMap(({ id, name }) => {
    const label = element("label", null, name);
    const input = element("input");
    Object.assign(input, { type: "number", inputMode: "numeric", min: 0, id: `aff-${id}` });
    input.dataset.affiliate = id;
    label.htmlFor = input.id;
    return [label, input];
  }));
  $("by-affiliate").hidden = context.affiliates.length === 0;
  render();
}

function renderSites() {
  const sites = context.sites.map((s) => ({ ...s, distance: fix ? metres(fix, s) : null }));
  if (fix) sites.sort((a, b) => a.distance - b.distance);
  else sites.sort((a, b) => a.name.localeCompare(b.name, locale));
  $("sites-hint").textContent = t(fix ? "lapor_sites_hint" : "lapor_sites_no_gps");
  $("sites").replaceChildren(...sites.map((s) => {
    const button = element("button", null);
    button.type = "button";
    button.dataset.site = s.id;
    button.setAttribute("aria-pressed", String(s.id === context.siteId));
    button.append(element("span", null, s.name),
      element("span", "distance", fix ? distanceText(s.distance) : ""));
    const li = element("li");
    li.append(button);
    return li;
  }));
}

function showNet() {
  const net = $("net");
  const state = noAnswer || !navigator.onLine ? "offline" : socketLive ? "live" : "wait";
  net.className = `net net-${state}`;
  net.textContent = t(`lapor_net_${state}`);
}

function notice(text) {
  $("notice").textContent = text;
  $("notice").hidden = !text;
}

let toastTimer = 0;
function toast(text) {
  const box = $("toast");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, 4_000);
}

// ---- wiring ----------------------------------------------------------------------------------

// A phone that may be taken: end the session on the server (when there is signal) and erase
// everything the page kept, queued reports included. Two taps, so a stray one loses nothing.
async function wipe() {
  if (context.session?.csrf) useCsrf(context.session.csrf);
  if (navigator.onLine) await signOut().catch(() => {});
  closeFeed();
  items.clear();
  await store("outbox", "readwrite", (s) => s.clear());
  await store("meta", "readwrite", (s) => s.clear());
  context = { session: null, title: "", sites: [], affiliates: [], siteId: null };
  sessionEnded = true;
  $("wipe-sure").hidden = true;
  render();
  renderContext();
  notice(t("lapor_wiped"));
  document.documentElement.dataset.wiped = "1";
}

function wire() {
  if (lang === "en") $("language").textContent = "Indonesia"; // the bar is narrow
  $("wipe").addEventListener("click", () => { $("wipe-sure").hidden = false; });
  $("wipe-sure").addEventListener("click", wipe);
  $("toast").addEventListener("click", () => { $("toast").hidden = true; });
  $("checkin").addEventListener("click", checkIn);
  $("site-button").addEventListener("click", () => {
    if (!context.session?.site_id) location.hash = "#lokasi";
  });
  $("locate").addEventListener("click", () => locate(false).then(renderSites, gpsFailed));
  $("sites").addEventListener("click", async (event) => {
    const button = event.target.closest("[data-site]");
    if (!button) return;
    context.siteId = button.dataset.site;
    await saveContext();
    renderContext();
    goHome();
  });
  $("outbox").addEventListener("click", async (event) => {
    const smsId = event.target.dataset?.sms;
    if (smsId) { // the link opens the SMS app; the item stays queued for its upload too
      await advance(items.get(smsId), items.get(smsId).state, { smsAt: Date.now() });
      return;
    }
    const id = event.target.dataset?.retry;
    if (!id) return;
    await advance(items.get(id), "queued", { error: null });
    flush(true);
  });
  for (const form of document.querySelectorAll("form")) {
    form.addEventListener("submit", submit);
    form.addEventListener("change", () => syncChoices(form));
    form.addEventListener("focusin", (e) => e.target.closest(".choices label")
      ?.classList.add("focus"));
    form.addEventListener("focusout", (e) => e.target.closest(".choices label")
      ?.classList.remove("focus"));
  }
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-back]")) goHome();
    const stepper = event.target.closest("[data-step]");
    if (stepper) step(stepper);
  });
  addEventListener("hashchange", (event) => {
    openedFromHome = !new URL(event.oldURL).hash && Boolean(location.hash);
    route();
  });
  addEventListener("online", () => {
    noAnswer = false;
    flush(true);
    connectFeed(true);
    showNet();
  });
  addEventListener("offline", showNet);
  document.addEventListener("visibilitychange", () => {
    if (document.hidden) return;
    flush();
    connectFeed();
  });
  setInterval(() => {
    flush();
    if ([...items.values()].some(offerSms)) render(); // items come of age for SMS
    if (!socket && !socketTimer && !connecting) connectFeed();
  }, TICK_MS);
}

function offlineShell() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("/sw.js", { scope: "/lapor" }).catch(() => {});
  const ready = () => {
    $("offline-ready").hidden = false;
    document.documentElement.dataset.offlineReady = "1";
  };
  // Ready for no signal once the worker has the shell and serves this page (its first visit
  // is claimed when the worker activates).
  navigator.serviceWorker.ready.then(() => {
    if (navigator.serviceWorker.controller) ready();
    else navigator.serviceWorker.addEventListener("controllerchange", ready, { once: true });
  });
  navigator.storage?.persist?.().catch(() => {}); // ask the phone not to evict the queue
}

applyText();
wire();
offlineShell();
try {
  await load();
} catch {
  db = null;
}
renderContext();
route();
showNet();
// Usable at once with what the phone kept (a second visit, or no signal); a first visit waits
// for the server to say which action and sites.
const usable = () => { document.documentElement.dataset.ready = "1"; };
if (context.session) usable();
if (context.session) config = api("GET", "/api/config"); // a phone signed in before: ask early
flush();
connectFeed();
const hadSite = Boolean(context.siteId);
if (await refreshContext()) {
  flush();
  connectFeed();
  if (!hadSite && !context.siteId && context.sites.length > 1 && !location.hash) {
    location.hash = "#lokasi";
  }
}
usable();
