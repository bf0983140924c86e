// The small admin page: people with their roles (grant, revoke, deactivate), invite links of an
// action (create, copy, revoke), and a person's sessions (revoke). Each part shows only when
// the API lets the signed-in person use it; every list re-reads after a write (min_position).
import "./rencana-text.js"; // the planning page's words (its link in the header)
import { api, problemText, signOut, whoAmI } from "./api.js";
import { applyText, formatTime, href, t } from "./i18n.js";
import { deviceText, filterPeople, loadOrganisation, scopeWords } from "./admin-org.js";

applyText();
const me = await whoAmI();
if (!me) location.replace(href(`/masuk?next=${encodeURIComponent("/admin")}`));

const $ = (id) => document.getElementById(id);
const state = { people: [], actions: [], affiliates: [], sessionsOf: null };

function show(reply) {
  const error = $("error");
  error.hidden = reply.ok;
  if (!reply.ok) error.textContent = problemText(reply);
  return reply.ok;
}

function cell(...children) {
  const td = document.createElement("td");
  td.append(...children);
  return td;
}

function button(label, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.addEventListener("click", onClick);
  return b;
}

function option(value, text) {
  const o = document.createElement("option");
  o.value = value;
  o.textContent = text;
  return o;
}

const since = (reply) => (reply.body?.position ? `?min_position=${reply.body.position}` : "");

// -- people and roles ----------------------------------------------------------------------------

function roleText(role) {
  const action = state.actions.find((a) => a.id === role.action_id);
  return [t(`role_${role.name}`), ...scopeWords(role, action, state.affiliates)].join(" · ");
}

async function loadPeople(query = "") {
  const reply = await api("GET", `/api/people${query}`);
  $("people-section").hidden = !reply.ok;
  if (!reply.ok) return;
  state.people = reply.body.people;
  $("role-person").replaceChildren(...state.people.map((p) => option(p.id, p.name)));
  $("people").querySelector("tbody").replaceChildren(...filterPeople(state.people, state.affiliates).map((p) => {
    const tr = document.createElement("tr");
    tr.dataset.id = p.id;
    const roles = p.roles.map((role) => {
      const chip = document.createElement("span");
      chip.className = "chip";
      chip.textContent = roleText(role);
      const revoke = button("✕", async () => {
        const r = await api("DELETE", `/api/people/${p.id}/roles`, role);
        if (show(r)) await loadPeople(since(r));
      });
      revoke.title = t("revoke");
      revoke.className = "link";
      chip.append(revoke);
      return chip;
    });
    const toggle = p.active
      ? button(t("deactivate"), () => change(`/api/people/${p.id}/deactivate`))
      : button(t("reactivate"), () => change(`/api/people/${p.id}/reactivate`));
    tr.append(cell(p.name), cell(p.phone), cell(...roles), cell(p.active ? t("yes") : t("no")),
      cell(toggle, button(t("sessions"), () => loadSessions(p.id, p.name))));
    return tr;
  }));
}

async function change(path) {
  const reply = await api("POST", path);
  if (show(reply)) await loadPeople(since(reply));
}

$("person-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = { name: $("person-name").value, phone: $("person-phone").value };
  if ($("person-email").value) body.email = $("person-email").value;
  if ($("person-password").value) body.password = $("person-password").value;
  const reply = await api("POST", "/api/people", body);
  if (show(reply)) {
    event.target.reset();
    await loadPeople(since(reply));
  }
});

$("role-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const role = { name: $("role-name").value };
  if ($("role-action").value) role.action_id = $("role-action").value;
  const reply = await api("POST", `/api/people/${$("role-person").value}/roles`, role);
  if (show(reply)) await loadPeople(since(reply));
});

// -- actions and their invites -------------------------------------------------------------------

async function loadActions() {
  const reply = await api("GET", "/api/actions");
  if (!reply.ok) return;
  state.actions = reply.body.actions;
  $("role-action").replaceChildren(option("", t("any_action")),
    ...state.actions.map((a) => option(a.id, a.title)));
  $("invite-action").replaceChildren(...state.actions.map((a) => option(a.id, a.title)));
  if (state.actions.length) await loadInvites();
}

async function loadInvites(query = "") {
  const actionId = $("invite-action").value;
  const [invites, map] = await Promise.all([
    api("GET", `/api/actions/${actionId}/invites${query}`),
    api("GET", `/api/actions/${actionId}/map`),
  ]);
  $("invites-section").hidden = !invites.ok;
  if (!invites.ok) return;
  const sites = map.ok ? map.body.features.filter((f) => f.properties.kind === "site") : [];
  $("invite-site").replaceChildren(option("", t("any_site")),
    ...sites.map((f) => option(f.id, f.properties.name)));
  $("invites").querySelector("tbody").replaceChildren(...invites.body.invites.map((invite) => {
    const tr = document.createElement("tr");
    tr.dataset.id = invite.id;
    const revoke = invite.status === "active" || invite.status === "used_up"
      ? button(t("revoke"), async () => {
        const r = await api("POST", `/api/invites/${invite.id}/revoke`);
        if (show(r)) await loadInvites(since(r));
      })
      : "";
    tr.append(cell(invite.label), cell(t(`${invite.status}_status`)),
      cell(`${invite.uses.length}/${invite.max_uses}${invite.uses.length ? ": " : ""}${invite.uses.map((u) => u.name).join(", ")}`),
      cell(formatTime(invite.expires_at)),
      cell(revoke));
    return tr;
  }));
}

$("invite-action").addEventListener("change", () => loadInvites());

$("invite-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const hours = Number($("invite-hours").value) || 24;
  const body = {
    label: $("invite-label").value,
    expires_at: new Date(Date.now() + hours * 3600 * 1000).toISOString(),
    max_uses: Number($("invite-max-uses").value) || 5,
  };
  if ($("invite-site").value) body.site_id = $("invite-site").value;
  const phones = $("invite-phones").value.split(/[,;\n]/).map((p) => p.trim()).filter(Boolean);
  if (phones.length) body.phones = phones; // these numbers may also report by SMS
  const actionId = $("invite-action").value;
  const reply = await api("POST", `/api/actions/${actionId}/invites`, body);
  if (!show(reply)) return;
  $("new-invite-url").value = location.origin + reply.body.url;
  $("new-invite").hidden = false;
  $("invite-label").value = "";
  $("invite-phones").value = "";
  await showSmsHint(actionId, body.site_id);
  await loadInvites(since(reply));
});

// For the invite message: without data, report by SMS to the posko's number with a site code.
async function showSmsHint(actionId, siteId) {
  const hint = $("new-invite-sms");
  const sms = await api("GET", `/api/actions/${actionId}/sms`);
  hint.hidden = !(sms.ok && sms.body.number);
  if (hint.hidden) return;
  const sites = sms.body.sites.filter((s) => !siteId || s.site_id === siteId);
  hint.textContent = `${t("invite_sms_hint")} ${sms.body.number}: `
    + sites.map((s) => `HADIR ${s.code} (${s.name})`).join(", ");
}

$("copy").addEventListener("click", async () => {
  const input = $("new-invite-url");
  input.select();
  try { await navigator.clipboard.writeText(input.value); } catch { /* selected: Ctrl+C */ }
  $("copy").textContent = t("copied");
});

// -- sessions ------------------------------------------------------------------------------------

async function loadSessions(personId, name, query = "") {
  state.sessionsOf = { personId, name };
  $("sessions-owner").textContent = name;
  const reply = await api("GET", `/api/people/${personId}/sessions${query}`);
  $("sessions-section").hidden = !reply.ok;
  if (!reply.ok) return;
  $("sessions").querySelector("tbody").replaceChildren(...reply.body.sessions.map((s) => {
    const tr = document.createElement("tr");
    tr.dataset.id = s.id;
    const open = !s.ended && new Date(s.expires_at) > new Date();
    const revoke = open
      ? button(t("revoke"), async () => {
        const r = await api("DELETE", `/api/sessions/${s.id}`);
        if (show(r)) await loadSessions(personId, name, since(r));
      })
      : "";
    const device = cell(deviceText(s.device));
    device.title = s.client;
    tr.append(device, cell(formatTime(s.started_at)), cell(formatTime(s.expires_at)),
      cell(s.current ? t("current") : s.ended ?? ""), cell(revoke));
    return tr;
  }));
}

$("sign-out").addEventListener("click", async () => {
  await signOut();
  location.assign(href("/masuk"));
});

if (me) {
  $("me").textContent = `${t("signed_in_as")} ${me.person?.name ?? me.actor}`;
  for (const o of $("role-name").options) o.textContent = t(`role_${o.value}`);
  const admin = (me.roles ?? []).some((r) => r.name === "admin");
  state.affiliates = await loadOrganisation(() => loadPeople(), admin);
  await loadActions();
  await loadPeople();
  if (me.person) await loadSessions(me.person.id, me.person.name);
  else $("sessions-section").hidden = true;
}
