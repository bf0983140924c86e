// The dashboard's fund panel: the solidarity funds linked to the selected action that the
// signed-in person may see (GET /api/actions/<id>/funds decides), each followed live on its
// channel `action:<id>:fund:<fund>`: the fund's money, what is reserved for approved payouts,
// payouts awaiting approval or payment, and the payouts for this action's requests for help.
// Totals and purposes only: the server sends no beneficiary, evidence or approver.
import { extend, t } from "./i18n.js";
import { el, fill, number } from "./dashboard-util.js";

extend({
  id: {
    dash_funds: "Dana solidaritas", fund_balance: "Saldo", fund_reserved: "Dicadangkan",
    fund_available: "Tersedia", fund_awaiting_approval: "Menunggu persetujuan",
    fund_awaiting_payment: "Menunggu dibayar", fund_pending: "Pengeluaran tertunda",
    fund_none_pending: "Tidak ada pengeluaran tertunda.", fund_for_help: "untuk permintaan bantuan",
    fund: "Dana", fund_requested: "diajukan", fund_approved: "disetujui", fund_paid: "dibayar",
    fund_rejected: "ditolak", fund_expired: "kedaluwarsa",
  },
  en: {
    dash_funds: "Solidarity funds", fund_balance: "Balance", fund_reserved: "Reserved",
    fund_available: "Available", fund_awaiting_approval: "Awaiting approval",
    fund_awaiting_payment: "Awaiting payment", fund_pending: "Pending payouts",
    fund_none_pending: "No pending payouts.", fund_for_help: "for a request for help",
    fund: "Fund", fund_requested: "requested", fund_approved: "approved", fund_paid: "paid",
    fund_rejected: "rejected", fund_expired: "expired",
  },
});
const tr = (key) => t(key === "fund" ? key : `fund_${key}`);
const rupiah = (n) => `Rp${number(n)}`;
const $ = (id) => document.getElementById(id);
const REFRESH_MS = 30000; // funds linked to the action meanwhile are found by listing again

export function createFundPanel({ request, send, changed }) {
  const funds = new Map(); // channel -> the fund's row
  let action = null;

  // A new action: forget the last one's funds, list this one's, follow each.
  async function show(actionId) {
    for (const channel of funds.keys()) send({ type: "unsubscribe", channel });
    funds.clear();
    action = actionId;
    draw();
    await refresh();
  }

  // List the action's linked funds again: a fund linked meanwhile is followed from now on.
  async function refresh() {
    const asked = action;
    if (!asked) return;
    const reply = await request("GET", `/api/actions/${asked}/funds`);
    if (!reply.ok || action !== asked) return;
    for (const row of reply.body.funds) {
      if (funds.has(row.channel)) continue;
      funds.set(row.channel, row);
      send({ type: "subscribe", channel: row.channel, since: null });
    }
    draw();
  }

  // The socket (re)connected: every channel afresh.
  function resubscribe() {
    for (const channel of funds.keys()) send({ type: "subscribe", channel, since: null });
  }

  // True when the message was a fund channel's.
  function onMessage(msg) {
    if (!/^action:[^:]+:fund:/.test(msg.channel ?? "")) return false;
    if ((msg.type === "snapshot" || msg.type === "change") && funds.has(msg.channel) && msg.data.fund) {
      funds.set(msg.channel, msg.data.fund);
      draw();
      changed();
    }
    return true;
  }

  // What a request for help's payout shows: its state, and its amount where a fund we follow has it.
  function payoutLabel(payout) {
    for (const row of funds.values()) {
      const known = (row.help_payouts ?? []).find((p) => p.id === payout.id);
      if (known) return `${tr("fund")}: ${rupiah(known.amount)} ${tr(payout.status)}`;
    }
    return `${tr("fund")}: ${tr(payout.status)}`;
  }

  function figure(key, value, cls) {
    return el("div", { class: `fund-figure ${cls ?? ""}` }, el("span", { class: "muted", text: tr(key) }),
      el("b", { class: `fund-${key}`, text: rupiah(value) }));
  }

  function draw() {
    const rows = [...funds.values()].filter((row) => row.linked);
    $("funds-panel").hidden = rows.length === 0;
    fill($("funds"), rows.map((row) => el("li", { class: "fund", data: { fund: row.fund_id } },
      el("strong", { text: row.name }),
      el("div", { class: "fund-figures" },
        figure("balance", row.balance),
        figure("reserved", row.reserved),
        figure("available", row.available, "fund-main"),
        figure("awaiting_approval", row.awaiting_approval),
        figure("awaiting_payment", row.awaiting_payment)),
      row.pending.length
        ? el("ul", { class: "fund-pending", "aria-label": tr("pending") }, ...row.pending.map((p) =>
          el("li", { data: { id: p.id } },
            el("span", { text: p.purpose }), " ",
            el("b", { text: rupiah(p.amount) }), " ",
            el("span", { class: `chip payout payout-${p.status}`,
              text: `${tr(p.status)} ${p.status === "requested" ? `${p.approvals}/${p.approvals_needed}` : ""}`.trim() }),
            p.help_request_id ? el("span", { class: "muted", text: ` · ${tr("for_help")}` }) : null)))
        : el("p", { class: "muted", text: tr("none_pending") }))));
  }

  setInterval(refresh, REFRESH_MS);
  return { show, onMessage, resubscribe, payoutLabel };
}
