// Calls to Posko's API from the pages: the session cookie goes along by itself (same origin);
// writes also carry the session's CSRF token, which GET /api/session hands to our pages only.
import { lang, t } from "./i18n.js";

let csrf = null;

// The signed-in caller ({actor, roles, person, csrf_token, ...}), or null when signed out.
export async function whoAmI() {
  const reply = await api("GET", "/api/session");
  if (!reply.ok || !reply.body.actor) return null; // {actor: null}: nobody signed in
  csrf = reply.body.csrf_token;
  return reply.body;
}

export function useCsrf(token) {
  csrf = token;
}

// {ok, status, body}; a network failure is a reply too (status 0) with a message to show.
export async function api(method, path, body) {
  const headers = { Accept: "application/json", "Accept-Language": lang };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
  // The API key typed into the dashboard (kept for this tab only) opens /admin as well.
  const key = sessionStorage.getItem("posko-key");
  if (key) headers.Authorization = `Bearer ${key}`;
  let response;
  try {
    response = await fetch(path, {
      method, headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    return { ok: false, status: 0, body: { title: t("network_error") } };
  }
  const text = await response.text();
  let parsed = null;
  try { parsed = text ? JSON.parse(text) : null; } catch { parsed = { title: text }; }
  return { ok: response.ok, status: response.status, body: parsed };
}

// The problem's title (already in the page's language), for an error line on the page.
export function problemText(reply) {
  return reply.body?.title ?? `HTTP ${reply.status}`;
}

export async function signOut() {
  await api("DELETE", "/api/session");
  sessionStorage.removeItem("posko-key");
  csrf = null;
}

// Where to go after signing in: a path on this site only. The browser decides what a string
// means (it drops tabs and newlines, reads "\\" as "/"), so ask it, and go where it would go.
export function safeNext(raw, fallback = "/") {
  if (!raw || !raw.startsWith("/")) return fallback;
  let url;
  try {
    url = new URL(raw, location.origin);
  } catch {
    return fallback;
  }
  return url.origin === location.origin ? url.pathname + url.search + url.hash : fallback;
}
