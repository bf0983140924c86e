// The dashboard's panel of the chosen action's legal notices: each notice's state (draft, ready,
// sent, received by whom and when), the countdown to its next deadline, and its red warnings,
// among them the one coordinators must see when the action's start is moved past a deadline.
// Notices are read from the API when an action is chosen and every 20 seconds after.
import { api } from "./api.js";
import { href } from "./i18n.js";
import { applyWords, countdownText, findingItem, n, when } from "./notice-util.js";

const $ = (id) => document.getElementById(id);
const REFRESH_MS = 20_000;
const RECIPIENTS = { strike: ["employer", "disnaker"], demo: ["police"] };
const WARNINGS = ["refuse", "warn"];

export function createNoticesPanel() {
  let actionId = null;
  let notices = [];
  let timer = null;
  applyWords($("notices-panel"));

  async function load() {
    if (!actionId) return;
    const asked = actionId;
    const reply = await api("GET", `/api/actions/${asked}/notices`);
    if (asked !== actionId) return; // another action was chosen meanwhile
    $("notices-panel").hidden = !reply.ok; // a caller who may not see notices sees no panel
    notices = reply.ok ? reply.body.notices : [];
    render();
  }

  function render() {
    $("notices-link").href = href(`/surat?action=${actionId}`);
    $("notices-empty").hidden = notices.length > 0;
    $("dash-notices").replaceChildren(...notices.map((notice) => {
      const li = document.createElement("li");
      li.className = "notice";
      li.dataset.notice = notice.id;
      const head = document.createElement("a");
      head.href = href(`/surat?action=${actionId}&notice=${notice.id}`);
      head.textContent = `${n(`kind_${notice.kind}`)} · ${n(`status_${notice.status}`)}`;
      const receipts = document.createElement("p");
      receipts.className = "receipts";
      receipts.textContent = RECIPIENTS[notice.kind].map((r) => {
        const got = notice.receipts[r];
        if (!got) return `${n(r)}: ${n("not_yet")}`;
        return `${n(r)}: ${got.received_on ?? when(got.received_at)} (${got.received_by})`;
      }).join(" · ");
      const countdown = document.createElement("p");
      countdown.className = "countdown";
      countdown.dataset.at = notice.deadline?.at ?? "";
      countdown.textContent = countdownText(notice.deadline);
      const warnings = document.createElement("ul");
      warnings.className = "findings";
      warnings.append(...notice.findings.filter((f) => WARNINGS.includes(f.level)).map(findingItem));
      li.append(head, receipts, countdown, warnings);
      li._deadline = notice.deadline;
      return li;
    }));
  }

  setInterval(() => {
    for (const li of document.querySelectorAll("#dash-notices li.notice")) {
      li.querySelector(".countdown").textContent = countdownText(li._deadline);
    }
  }, 1000);

  return {
    show(id) {
      actionId = id;
      notices = [];
      render();
      clearInterval(timer);
      load();
      timer = setInterval(load, REFRESH_MS);
    },
    refresh: load,
  };
}
