// The minimal live page: the national overview and one action's sites, kept current over the
// gateway's websocket (snapshot, then changes; reconnects with `since` after a blip). Signed in,
// the session cookie authenticates both the API and the websocket handshake; the API key box
// stays as a fallback for machines and for gateways reached on another site.
import { signOut, whoAmI } from "./api.js";
import { applyText, href, lang, t } from "./i18n.js";

const number = new Intl.NumberFormat(lang === "en" ? "en-US" : "id-ID");
const time = new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "id-ID",
  { hour: "2-digit", minute: "2-digit", second: "2-digit" });

const state = { actions: new Map(), features: new Map(), positions: {}, selected: null };
window.posko = state;

function setConnection(kind) {
  const el = document.getElementById("connection");
  el.className = `state ${kind}`;
  el.textContent = t(kind);
}

function cell(text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

function renderActions() {
  const body = document.querySelector("#actions tbody");
  body.replaceChildren(...[...state.actions.values()].map((a) => {
    const tr = document.createElement("tr");
    tr.dataset.id = a.id;
    if (a.id === state.selected) tr.className = "selected";
    tr.append(cell(a.title), cell(a.status), cell(number.format(a.sites), "num"),
      cell(number.format(a.headcount), "num"), cell(number.format(a.target), "num"));
    tr.addEventListener("click", () => select(a.id));
    return tr;
  }));
}

// Equirectangular projection over Indonesia and its neighbours (lon 94..142, lat -11..7).
const project = ([lon, lat]) => [((lon - 94) / 48) * 1000, ((7 - lat) / 18) * 420];

function renderMap() {
  const svg = document.getElementById("map");
  const body = document.querySelector("#sites tbody");
  const features = [...state.features.values()].sort((a, b) =>
    a.properties.name.localeCompare(b.properties.name));
  svg.replaceChildren(...features.flatMap((f) => {
    const [x, y] = project(f.geometry.coordinates);
    const ns = "http://www.w3.org/2000/svg";
    const dot = document.createElementNS(ns, "circle");
    const filled = (f.properties.headcount ?? 0) / Math.max(1, f.properties.target);
    dot.setAttribute("cx", x); dot.setAttribute("cy", y);
    dot.setAttribute("r", 4 + Math.min(12, 12 * filled));
    const label = document.createElementNS(ns, "text");
    label.setAttribute("x", x + 8); label.setAttribute("y", y + 4);
    label.classList.add("site-label");
    label.dataset.id = f.id;
    label.textContent = number.format(f.properties.headcount ?? 0);
    return [dot, label];
  }));
  body.replaceChildren(...features.map((f) => {
    const tr = document.createElement("tr");
    const p = f.properties;
    tr.append(cell(p.name), cell(number.format(p.headcount ?? 0), "num headcount"),
      cell(number.format(p.target), "num"), cell(number.format(p.reporters), "num"),
      cell(p.last_report_at ? time.format(new Date(p.last_report_at)) : "–"));
    return tr;
  }));
}

let socket = null;
let retry = 500;

function subscribe(channel) {
  socket?.readyState === WebSocket.OPEN && socket.send(JSON.stringify(
    { type: "subscribe", channel, since: state.positions[channel] ?? null }));
}

function select(id) {
  if (state.selected) socket?.send(JSON.stringify(
    { type: "unsubscribe", channel: `action:${state.selected}:map` }));
  state.selected = id;
  state.features.clear();
  delete state.positions[`action:${id}:map`];
  renderActions();
  renderMap();
  subscribe(`action:${id}:map`);
}

function onMessage(msg) {
  if (msg.type === "ready") {
    setConnection("live");
    retry = 500;
    subscribe("actions");
    if (state.selected) subscribe(`action:${state.selected}:map`);
    return;
  }
  if (msg.type === "error") {
    // The live overview is for national coordinators; others get their own actions, once.
    if (msg.code === "forbidden" && msg.channel === "actions") loadOwnActions();
    else console.warn("posko:", msg.code, msg.message);
    return;
  }
  if (msg.type !== "snapshot" && msg.type !== "change") return;
  state.positions[msg.channel] = msg.position;
  if (msg.channel === "actions") {
    if (msg.type === "snapshot") state.actions.clear();
    for (const a of msg.data.actions) state.actions.set(a.id, a);
    renderActions();
    if (!state.selected && state.actions.size) select(state.actions.keys().next().value);
  } else if (msg.channel === `action:${state.selected}:map`) {
    if (msg.type === "snapshot") state.features.clear();
    for (const f of msg.data.features) state.features.set(f.id, f);
    renderMap();
  }
}

let headers = {};  // how API reads authenticate: the key typed in, else the session cookie

async function loadOwnActions() {
  const reply = await fetch("/api/actions", { headers, credentials: "same-origin" });
  if (!reply.ok) return;
  onMessage({ type: "snapshot", channel: "actions", position: 0, data: await reply.json() });
}

// `key` is the API key typed in the box, or null when the session cookie signs us in.
async function connect(key) {
  headers = key ? { Authorization: `Bearer ${key}` } : {};
  const config = await fetch("/api/config", { headers, credentials: "same-origin" });
  if (!config.ok) { sessionStorage.removeItem("posko-key"); showSignin(); return; }
  const { ws_url } = await config.json();
  document.getElementById("board").hidden = false;
  document.getElementById("signin").hidden = true;
  const open = () => {
    socket = new WebSocket(ws_url);
    socket.onopen = () => { if (key) socket.send(JSON.stringify({ type: "auth", token: key })); };
    socket.onmessage = (event) => onMessage(JSON.parse(event.data));
    socket.onclose = (event) => {
      if (event.code === 1008) {  // refused: a wrong key, an ended session, or no cookie
        setConnection("offline");
        sessionStorage.removeItem("posko-key");
        showSignin();
        return;
      }
      setConnection(navigator.onLine ? "reconnecting" : "offline");
      setTimeout(open, retry);
      retry = Math.min(retry * 2, 10000);
    };
  };
  open();
}

function showSignin() {
  const form = document.getElementById("signin");
  form.hidden = false;
  form.onsubmit = (event) => {
    event.preventDefault();
    const key = document.getElementById("key").value.trim();
    sessionStorage.setItem("posko-key", key);
    connect(key);
  };
}

function showMe(me) {
  const link = document.getElementById("account");
  if (!me) { link.href = href("/masuk"); link.textContent = t("sign_in"); return; }
  document.getElementById("me").textContent =
    `${t("signed_in_as")} ${me.person?.name ?? me.actor}`;
  link.href = "#";
  link.textContent = t("sign_out");
  link.addEventListener("click", async (event) => {
    event.preventDefault();
    await signOut();
    location.assign(href("/masuk"));
  });
}

applyText();
const me = await whoAmI();
showMe(me);
const saved = sessionStorage.getItem("posko-key");
if (me) connect(null); else if (saved) connect(saved); else showSignin();
