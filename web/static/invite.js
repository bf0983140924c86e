// The invite landing page (/i/<code>), opened on a korlap's phone from WhatsApp or SMS: asks a
// name, redeems the code for a session (cookie), and takes them to the field page (/lapor).
import { api, problemText, useCsrf, whoAmI } from "./api.js";
import { applyText, formatTime, href, t } from "./i18n.js";

applyText();
const code = decodeURIComponent(location.pathname.split("/")[2] ?? "");
const join = document.getElementById("join");
const joined = document.getElementById("joined");
const error = document.getElementById("error");
const form = document.getElementById("join-form");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.hidden = true;
  const button = form.querySelector("button");
  button.disabled = true;
  const reply = await api("POST", "/api/invites/redeem",
    { code, name: document.getElementById("name").value.trim() });
  button.disabled = false;
  if (!reply.ok) {
    error.textContent = problemText(reply);
    error.hidden = false;
    return;
  }
  useCsrf(reply.body.csrf_token);
  // The code has done its work: keep it out of the history and off the screen, and report.
  history.replaceState(null, "", `/i/-${location.search}`);
  location.replace(href("/lapor"));
});

document.getElementById("again").addEventListener("click", () => {
  joined.hidden = true;
  join.hidden = false;
});

async function showJoined(actionId, siteId, expiresAt) {
  const [action, map] = await Promise.all([
    api("GET", `/api/actions/${actionId}`), api("GET", `/api/actions/${actionId}/map`)]);
  document.getElementById("action-title").textContent = action.ok ? action.body.title : actionId;
  const site = map.ok ? map.body.features.find((f) => f.id === siteId) : null;
  document.getElementById("site-prefix").textContent = siteId ? t("at_site") : t("all_sites");
  document.getElementById("site-name").textContent = site ? site.properties.name : "";
  document.getElementById("expires").textContent = formatTime(expiresAt);
  const start = document.getElementById("live-link"); // a korlap reports; the map is the posko's
  start.href = href("/lapor");
  start.textContent = t("lapor_start");
  join.hidden = true;
  joined.hidden = false;
  document.body.dataset.actionId = actionId;
  document.body.dataset.siteId = siteId ?? "";
}

// Back on the page with the session of an invite: on to reporting after joining, else the
// "you're in" screen (with a way to join with this link instead).
const me = await whoAmI();
if (me?.actor?.startsWith("invite:") && me.roles.length && code === "-") {
  location.replace(href("/lapor")); // back (or reloaded) after joining: on to reporting
} else if (me?.actor?.startsWith("invite:") && me.roles.length) {
  await showJoined(me.roles[0].action_id, me.roles[0].site_id ?? null, me.expires_at);
}
