// The timeline under the map: a slider over the action's day. Moving it shows the action as it
// stood at that moment (the app fetches /past?at=: map, feed and legal in one request); Play runs
// the day forward at the chosen speed, one request a frame, one after another; "Langsung" (or
// reaching now) goes back to live.
import { t } from "./i18n.js";
import { clock, day } from "./dashboard-util.js";

const $ = (id) => document.getElementById(id);
const FRAME_MS = 400; // playback asks for a new moment at most this often

export function createTimeline({ showAt, goLive }) {
  const range = $("timeline-range");
  const label = $("timeline-time");
  const play = $("timeline-play");
  const speed = $("timeline-speed");
  const live = $("timeline-live");
  let start = Date.now() - 3600_000;
  let end = Date.now();
  let at = null; // null: live
  let playing = false;
  let playTimer = null;

  function setWindow(from, to) {
    start = from;
    end = Math.max(to, from + 60_000);
    range.min = String(start);
    range.max = String(end);
    $("timeline-start").textContent = clock(start);
    $("timeline-end").textContent = at === null ? t("dash_now") : clock(end);
    if (at === null) range.value = String(end);
    paint();
  }

  function paint() {
    const isLive = at === null;
    document.body.classList.toggle("replaying", !isLive);
    live.setAttribute("aria-pressed", String(isLive));
    label.textContent = isLive ? clock(Date.now()) : `${day(at)} · ${clock(at, undefined, true)}`;
    label.classList.toggle("past", !isLive);
    play.textContent = playing ? `⏸ ${t("dash_pause")}` : `▶ ${t("dash_play")}`;
    play.setAttribute("aria-pressed", String(playing));
    const share = isLive ? 100 : (100 * (at - start)) / Math.max(1, end - start);
    range.style.setProperty("--done", `${Math.max(0, Math.min(100, share))}%`);
  }

  async function moveTo(ms) {
    at = Math.max(start, Math.min(ms, Date.now()));
    range.value = String(at);
    paint();
    await showAt(at);
  }

  function backToLive() {
    stop();
    at = null;
    range.value = String(end);
    paint();
    goLive();
  }

  function stop() {
    playing = false;
    clearTimeout(playTimer);
    paint();
  }

  async function tick(last) {
    if (!playing) return;
    const now = performance.now();
    const next = at + (now - last) * Number(speed.value);
    if (next >= Date.now()) { backToLive(); return; }
    await moveTo(next);
    const spent = performance.now() - now;
    playTimer = setTimeout(() => tick(now), Math.max(0, FRAME_MS - spent));
  }

  range.addEventListener("input", () => {
    stop();
    const ms = Number(range.value);
    if (ms >= end - 1000 && ms >= Date.now() - 5000) backToLive();
    else moveTo(ms);
  });
  range.addEventListener("keydown", (event) => {
    const step = { ArrowLeft: -1, ArrowDown: -1, ArrowRight: 1, ArrowUp: 1 }[event.key];
    if (!step) return;
    event.preventDefault();
    stop();
    const from = at ?? end;
    const next = from + step * (event.shiftKey ? 600_000 : 60_000);
    if (next >= end) backToLive(); else moveTo(next);
  });
  play.addEventListener("click", () => {
    if (playing) { stop(); return; }
    playing = true;
    const from = at === null || at >= end - 1000 ? start : at;
    moveTo(from).then(() => { playTimer = setTimeout(() => tick(performance.now()), FRAME_MS); });
    paint();
  });
  live.addEventListener("click", backToLive);
  paint();

  return {
    setWindow,
    get at() { return at; },
    get live() { return at === null; },
    moveTo, backToLive, stop,
  };
}
