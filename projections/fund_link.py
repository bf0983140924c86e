"""Funds linked to actions. The channel `action:<action>:fund:<fund>` holds one row for the
action's dashboard: the fund's money (its asset accounts), what is reserved for approved
payouts, the payouts awaiting approval or payment, and the payouts for this action's requests
for help; never a beneficiary, evidence or who asked, approved or paid. A request for help's
row in the action's feed lists its payouts and their state (`payouts`).

Applied after the fund's and the feed's views: it reads the fund's summary and disbursement
rows as they stand after the event, and the feed's item index."""

from __future__ import annotations

from typing import Any

from core.fund import Fund
from core.fund_link import FundLink
from projections import feed
from projections import fund as fund_view
from projections.rows import Doc, Rows

LINKS = "_fund_links"  # fund id -> {"actions": {action id: {linked_at, linked_by}}}
ACTION_FUNDS = "_action_funds"  # action id -> {"funds": {fund id: {linked_at, linked_by}}}
_LINK_IDS = "_fund_link_ids"  # link id -> {fund_id, action_id}
_PENDING = "_fund_pending"  # fund id -> {"pending": {disbursement id: public doc}}
_HELP = "_fund_help_payouts"  # "<fund>|<action>" -> {"payouts": {disbursement id: doc}}
KEY = "fund"
PENDING = ("requested", "approved")
# What the dashboard shows of a payout: amounts and purposes, as the unit's members see them.
PUBLIC_FIELDS = (
    "id",
    "purpose",
    "amount",
    "status",
    "approvals_needed",
    "reserved",
    "help_request_id",
    "requested_at",
    "expires_at",
)
# What does not change the money or the payouts: the dashboard's row stays as it is.
_QUIET = (
    Fund.ReceiptIssued,
    Fund.ReceiptVoided,
    Fund.PeriodClosed,
    Fund.CheckpointSigned,
    Fund.DuesRuleSet,
    Fund.BudgetSet,
    Fund.MembershipDeclared,
)


def channel(action_id: Any, fund_id: Any) -> str:
    return f"action:{action_id}:fund:{fund_id}"


def is_linked(funds: Doc | None, fund_id: Any) -> bool:
    """Whether an action's `_action_funds` row has the fund linked."""
    return funds is not None and str(fund_id) in funds["funds"]


def snapshot(docs: list[Doc]) -> dict[str, Any]:
    return {"fund": docs[0] if docs else None}


def change(docs: list[Doc]) -> dict[str, Any]:
    return snapshot(docs)


# The events `apply` reacts to (projections.channels calls it for these alone).
EVENTS = (FundLink.Linked, FundLink.Relinked, FundLink.Unlinked, Fund.Event)


def apply(rows: Rows, event: Any) -> None:
    if isinstance(event, FundLink.Linked | FundLink.Relinked | FundLink.Unlinked):
        _link(rows, event)
    elif isinstance(event, Fund.Event) and not isinstance(event, _QUIET):
        fund_id = str(event.originator_id)
        disbursement_id = getattr(event, "disbursement_id", None)
        if disbursement_id is not None:
            _payout(rows, fund_id, disbursement_id)
        links = rows.get(LINKS, fund_id)
        for action_id in [] if links is None else links["actions"]:
            _refresh(rows, fund_id, action_id)


def _link(rows: Rows, event: Any) -> None:
    link_id = str(event.originator_id)
    if isinstance(event, FundLink.Linked):
        where = {"fund_id": str(event.fund_id), "action_id": str(event.action_id)}
        rows.put(_LINK_IDS, link_id, where)
    else:
        found = rows.get(_LINK_IDS, link_id)
        if found is None:
            return
        where = found
    fund_id, action_id = where["fund_id"], where["action_id"]
    links = rows.get(LINKS, fund_id) or {"actions": {}}
    funds = rows.get(ACTION_FUNDS, action_id) or {"funds": {}}
    if isinstance(event, FundLink.Unlinked):
        links["actions"].pop(action_id, None)
        funds["funds"].pop(fund_id, None)
        rows.put(
            channel(action_id, fund_id),
            KEY,
            {"fund_id": fund_id, "linked": False, "unlinked_at": event.timestamp.isoformat()},
        )
    else:
        made = {"linked_at": event.timestamp.isoformat(), "linked_by": event.actor}
        links["actions"][action_id] = made
        funds["funds"][fund_id] = made
    rows.put(LINKS, fund_id, links)
    rows.put(ACTION_FUNDS, action_id, funds)
    if not isinstance(event, FundLink.Unlinked):
        _refresh(rows, fund_id, action_id)


def _payout(rows: Rows, fund_id: str, disbursement_id: str) -> None:
    """Keep the fund's pending payouts, and a request for help's payouts (on its feed row and
    per fund and action), as the fund's view now has the disbursement."""
    doc = rows.get(fund_view.channel(fund_id), fund_view.disbursement_key(disbursement_id))
    if doc is None:
        return
    public = {name: doc.get(name) for name in PUBLIC_FIELDS}
    public["approvals"] = len(doc["approvers"])
    public["paid_at"] = doc.get("paid_at")
    pending = rows.get(_PENDING, fund_id) or {"pending": {}}
    if doc["status"] in PENDING:
        pending["pending"][disbursement_id] = public
    else:
        pending["pending"].pop(disbursement_id, None)
    rows.put(_PENDING, fund_id, pending)
    help_id = doc["help_request_id"]
    if help_id is None:
        return
    state = {"id": disbursement_id, "fund_id": fund_id, "status": doc["status"]}

    def show(item: Doc) -> None:
        others = [p for p in item.get("payouts", []) if p["id"] != disbursement_id]
        item["payouts"] = [*others, state]

    action_id = feed.amend(rows, help_id, show)
    if action_id is None:
        return
    key = f"{fund_id}|{action_id}"
    helped = rows.get(_HELP, key) or {"payouts": {}}
    helped["payouts"][disbursement_id] = public
    rows.put(_HELP, key, helped)


def _refresh(rows: Rows, fund_id: str, action_id: str) -> None:
    summary = rows.get(fund_view.channel(fund_id), fund_view.SUMMARY_KEY)
    links = rows.get(LINKS, fund_id)
    if summary is None or links is None or action_id not in links["actions"]:
        return
    pending = (rows.get(_PENDING, fund_id) or {"pending": {}})["pending"]
    helped = (rows.get(_HELP, f"{fund_id}|{action_id}") or {"payouts": {}})["payouts"]
    rows.put(
        channel(action_id, fund_id),
        KEY,
        dashboard_row(summary, list(pending.values()), list(helped.values()), links, action_id),
    )


def dashboard_row(
    summary: Doc, pending: list[Doc], helped: list[Doc], links: Doc, action_id: str
) -> Doc:
    """The fund as the action's dashboard shows it: money, reserved, available, pending."""
    money = {
        code: {"name": a["name"], "balance": a["balance"], "reserved": a["reserved"]}
        for code, a in summary["accounts"].items()
        if a["type"] == "asset"
    }
    balance = sum(a["balance"] for a in money.values())
    reserved = sum(a["reserved"] for a in money.values())
    return {
        "fund_id": summary["id"],
        "action_id": action_id,
        "linked": True,
        "linked_at": links["actions"][action_id]["linked_at"],
        "name": summary["name"],
        "unit_kind": summary["unit_kind"],
        "unit_id": summary["unit_id"],
        "accounts": money,
        "balance": balance,
        "reserved": reserved,
        "available": balance - reserved,
        "pending": sorted(pending, key=lambda d: (d["requested_at"], d["id"])),
        "awaiting_approval": sum(d["amount"] for d in pending if d["status"] == "requested"),
        "awaiting_payment": sum(d["amount"] for d in pending if d["status"] == "approved"),
        "help_payouts": sorted(helped, key=lambda d: (d["requested_at"], d["id"])),
        "updated_at": summary["updated_at"],
    }
