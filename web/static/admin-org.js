// The organisation part of /admin: affiliates (federasi) and their branches (SP/PUK), made and
// renamed in place; people searched and filtered by role, affiliate and status; roles and their
// scopes in words; a session's device as people say it ("Chrome di Android").
import "./rencana-text.js";
import { api, problemText } from "./api.js";
import { t } from "./i18n.js";
import { el, fill } from "./dashboard-util.js";

const $ = (id) => document.getElementById(id);
const affiliates = []; // kept in place: admin.js holds the same array
const format = (key, params) => t(key).replace(/\{(\w+)\}/g, (_, k) => String(params[k] ?? ""));

function shown(reply) {
  $("error").hidden = reply.ok;
  if (!reply.ok) $("error").textContent = problemText(reply);
  return reply.ok;
}

const since = (reply) => (reply.body?.position ? `?min_position=${reply.body.position}` : "");

// "Koordinator Satgas · aksi Aksi Hari Buruh", "Anggota · afiliasi FSPMI", "Admin · nasional"
export function scopeWords(role, action, known = affiliates) {
  const words = [];
  if (role.action_id) words.push(`${t("scope_action")} ${action ? action.title : role.action_id.slice(0, 8)}`);
  if (role.site_id) words.push(t("scope_site"));
  if (role.affiliate_id) {
    const affiliate = known.find((a) => a.id === role.affiliate_id);
    words.push(`${t("scope_affiliate")} ${affiliate?.name ?? role.affiliate_id.slice(0, 8)}`);
  }
  if (role.branch_id) words.push(t("scope_branch"));
  if (role.fund_id) words.push(t("scope_fund"));
  if (!words.length && ["admin", "coordinator"].includes(role.name)) words.push(t("scope_national"));
  return words;
}

export function deviceText(device) {
  if (!device || (!device.browser && !device.os)) return t("device_unknown");
  if (!device.os) return device.browser;
  if (!device.browser) return device.os;
  return format("device_on", device);
}

// -- people: search and filters ------------------------------------------------------------------

export function filterPeople(people, known = affiliates) {
  const query = $("people-search").value.trim().toLocaleLowerCase();
  const digits = query.replace(/\D/g, "");
  const role = $("people-role").value;
  const affiliate = $("people-affiliate").value;
  const status = $("people-active").value;
  const shown = people.filter((p) => (!query || p.name.toLocaleLowerCase().includes(query)
      || (digits && (p.phone ?? "").replace(/\D/g, "").includes(digits.replace(/^0/, ""))))
    && (!role || p.roles.some((r) => r.name === role))
    && (!affiliate || p.affiliate_id === affiliate)
    && (!status || (status === "active") === p.active));
  $("people-count").textContent = format("org_shown", { n: shown.length, total: people.length });
  if (known.length !== $("people-affiliate").options.length - 1) fillAffiliateFilter(known);
  return shown;
}

function fillAffiliateFilter(known) {
  const chosen = $("people-affiliate").value;
  fill($("people-affiliate"), el("option", { value: "", text: t("org_all_affiliates") }),
    known.map((a) => el("option", { value: a.id, text: a.name })));
  $("people-affiliate").value = chosen;
}

// -- affiliates and branches ---------------------------------------------------------------------

async function reload(query = "") {
  const reply = await api("GET", `/api/affiliates${query}`);
  if (!reply.ok) return;
  affiliates.splice(0, affiliates.length, ...reply.body.affiliates
    .sort((a, b) => a.name.localeCompare(b.name)));
  draw();
}

function renameField(value, save) {
  const input = el("input", { value, required: true, maxlength: "200", "aria-label": t("name") });
  const form = el("form", { class: "inline" }, input,
    el("button", { type: "submit", class: "secondary", text: t("org_rename") }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (input.value.trim() && input.value !== value) await save(input.value);
  });
  return form;
}

let drawn = 0;

function draw() {
  $("affiliates").dataset.drawn = String(++drawn); // tests wait for a redraw by this
  fill($("affiliates"), affiliates.length ? affiliates.map((a) => {
    const branchInput = el("input", { required: true, maxlength: "200", placeholder: t("org_add_branch") });
    const addBranch = el("form", { class: "inline" }, branchInput,
      el("button", { type: "submit", class: "secondary", text: t("add") }));
    addBranch.addEventListener("submit", async (event) => {
      event.preventDefault();
      const reply = await api("POST", `/api/affiliates/${a.id}/branches`,
        { id: crypto.randomUUID(), name: branchInput.value });
      if (shown(reply)) await reload(since(reply));
    });
    return el("li", { class: "affiliate", data: { id: a.id } },
      renameField(a.name, async (name) => {
        const reply = await api("PUT", `/api/affiliates/${a.id}`, { name });
        if (shown(reply)) { await reload(since(reply)); await onChange(); }
      }),
      el("ul", { class: "branches" }, a.branches.map((b) => el("li", { data: { id: b.id } },
        renameField(b.name, async (name) => {
          const reply = await api("PUT", `/api/affiliates/${a.id}/branches/${b.id}`, { name });
          if (shown(reply)) await reload(since(reply));
        }))), el("li", {}, addBranch)));
  }) : el("li", { class: "muted", text: t("org_none") }));
}

let onChange = async () => {};

// Shows the organisation section to those who may change it; returns the live list.
export async function loadOrganisation(changed, admin) {
  onChange = changed;
  for (const id of ["people-search", "people-role", "people-affiliate", "people-active"]) {
    $(id).addEventListener("input", () => changed());
  }
  fill($("people-role"), el("option", { value: "", text: t("org_all_roles") }),
    ["admin", "coordinator", "organiser", "treasurer", "officer", "member"]
      .map((r) => el("option", { value: r, text: t(`role_${r}`) })));
  fill($("people-active"), el("option", { value: "", text: t("org_all_status") }),
    el("option", { value: "active", text: t("org_active_only") }),
    el("option", { value: "inactive", text: t("org_inactive_only") }));
  $("affiliate-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const reply = await api("POST", "/api/affiliates",
      { id: crypto.randomUUID(), name: $("affiliate-name").value });
    if (!shown(reply)) return;
    $("affiliate-name").value = "";
    await reload(since(reply));
    await changed();
  });
  await reload();
  $("organisation-section").hidden = !admin; // only administrators change the organisation
  return affiliates;
}
