// The /kas page's links to actions: the actions the fund is linked to (their dashboards show its
// balance and pending payouts, and their committed requests for help may be paid from it), a
// form to link one by its id, and unlinking; the fund's treasurer or an officer may change them.
import { api, problemText } from "./api.js";
import { lang } from "./i18n.js";

const TEXT = {
  id: {
    links: "Aksi terhubung", no_links: "Dana ini belum terhubung ke aksi mana pun.",
    link: "Hubungkan", unlink: "Putuskan", action_id: "ID aksi", linked_at: "sejak",
  },
  en: {
    links: "Linked actions", no_links: "This fund is not linked to any action yet.",
    link: "Link", unlink: "Unlink", action_id: "Action id", linked_at: "since",
  },
};
const tr = (key) => TEXT[lang][key] ?? key;
const $ = (id) => document.getElementById(id);

export function createLinks({ fundPath, canChange, say }) {
  async function load(position = 0) {
    const reply = await api("GET", fundPath(`/links?min_position=${position}`));
    if (!reply.ok) return;
    const rows = reply.body.actions.map((a) => {
      const li = document.createElement("li");
      li.dataset.action = a.action_id;
      li.textContent = `${a.title ?? a.action_id} · ${tr("linked_at")} ${new Date(a.linked_at).toLocaleDateString(lang === "en" ? "en-GB" : "id-ID")} `;
      if (canChange()) {
        const unlink = document.createElement("button");
        unlink.type = "button";
        unlink.textContent = tr("unlink");
        unlink.addEventListener("click", async () => {
          const done = await api("DELETE", fundPath(`/links/${a.action_id}`));
          if (!done.ok) { say(problemText(done)); return; }
          await load(done.body.position);
        });
        li.append(unlink);
      }
      return li;
    });
    $("links").replaceChildren(...rows);
    $("links-empty").hidden = rows.length > 0;
    $("link-form").hidden = !canChange();
  }

  for (const el of document.querySelectorAll("[data-kl]")) el.textContent = tr(el.dataset.kl);
  $("link-action").placeholder = tr("action_id");
  $("link-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const reply = await api("POST", fundPath("/links"), { action_id: $("link-action").value.trim() });
    if (!reply.ok) { say(problemText(reply)); return; }
    $("link-action").value = "";
    await load(reply.body.position);
  });
  return { load };
}
