// The dashboard's strike-vote panel: the votes of the selected action's unions (the affiliates
// with targets in it), each followed on its `vote:<id>` channel: turnout while open, the result
// once sealed. Never a running tally: the server has none to give.
import { el, fill, number } from "./dashboard-util.js";

const REFRESH_MS = 30000; // new votes of the action's unions are found by listing again

export function createVotes({ request, send, affiliatesOfAction, affiliateName }) {
  const docs = new Map(); // vote id -> its public doc
  const followed = new Set(); // vote channels subscribed to
  let listed = [];

  async function refresh() {
    const reply = await request("GET", "/api/votes");
    if (!reply.ok) return;
    listed = reply.body.votes;
    for (const doc of listed) if (!docs.has(doc.id)) docs.set(doc.id, doc);
    follow();
    draw();
  }

  function relevant() {
    const unions = new Set(affiliatesOfAction());
    return listed.filter((v) => unions.has(v.affiliate_id)).map((v) => docs.get(v.id));
  }

  function follow() {
    for (const doc of relevant()) {
      const channel = `vote:${doc.id}`;
      if (followed.has(channel)) continue;
      followed.add(channel);
      send({ type: "subscribe", channel, since: null });
    }
  }

  // The socket (re)connected: every channel afresh.
  function resubscribe() {
    followed.clear();
    follow();
  }

  // True when the message was a vote channel's.
  function onMessage(msg) {
    if (!msg.channel?.startsWith("vote:")) return false;
    if ((msg.type === "snapshot" || msg.type === "change") && msg.data.vote) {
      docs.set(msg.data.vote.id, msg.data.vote);
      draw();
    }
    return true;
  }

  function outcome(doc) {
    if (doc.status === "called") return "belum dibuka";
    if (doc.status === "open") return "sedang berlangsung";
    const r = doc.result;
    if (!r.quorum_met) return "kuorum tidak tercapai";
    return r.carried ? `diputuskan: ${doc.options[r.option]}` : "tidak mencapai ambang batas";
  }

  function draw() {
    const rows = relevant();
    $("votes-empty").hidden = rows.length > 0;
    fill($("votes"), rows.map((doc) => el("li", { class: `vote vote-${doc.status}`, data: { id: doc.id } },
      el("strong", { text: doc.question }),
      el("span", { class: "muted", text: affiliateName(doc.affiliate_id) }),
      el("span", { class: "vote-turnout", text: `Partisipasi ${number(doc.turnout)} / ${number(doc.roll_size)}` }),
      el("span", { class: "vote-outcome", text: outcome(doc) }),
      doc.status === "sealed" && doc.result.tally
        ? el("span", { class: "vote-tally", text: doc.options.map((o, i) => `${o} ${number(doc.result.tally[i])}`).join(" · ") })
        : null)));
  }

  refresh();
  setInterval(refresh, REFRESH_MS);
  return { onMessage, resubscribe, actionChanged: () => { follow(); draw(); }, refresh };
}

const $ = (id) => document.getElementById(id);
