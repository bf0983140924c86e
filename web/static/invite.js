// The invite landing page (/i/<code>), opened on a korlap's phone from WhatsApp or SMS: asks a
// name, redeems the code for a session (cookie), and shows the action and site they report for.
import { api, problemText, useCsrf, whoAmI } from "./api.js";
import { applyText, formatTime, t } from "./i18n.js";

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
  // The code has done its work: keep it out of the history and off the screen.
  history.replaceState(null, "", `/i/-${location.search}`);
  await showJoined(reply.body.action_id, reply.body.site_id, reply.body.expires_at);
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
  join.hidden = true;
  joined.hidden = false;
  document.body.dataset.actionId = actionId;
  document.body.dataset.siteId = siteId ?? "";
}

// Back on the page with the session of an invite (a reload): straight to the "you're in" screen.
const me = await whoAmI();
if (me?.actor.startsWith("invite:") && me.roles.length) {
  await showJoined(me.roles[0].action_id, me.roles[0].site_id ?? null, me.expires_at);
}
