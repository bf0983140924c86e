"""The views in the order they are applied, and the channels they publish: which names exist,
and how a channel's rows become a snapshot or a change on the wire."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from core.access import FundScope, Permission, Principal, may, may_read_linked_fund
from projections import (
    feed,
    fund,
    fund_arrears,
    fund_link,
    live_map,
    overview,
    people,
    report,
    sms_inbox,
    votes,
)
from projections.rows import Doc, Rows

_FUND_CHANNEL = re.compile(r"^fund:([0-9a-fA-F-]{32,36})$")
_ACTION_CHANNEL = re.compile(r"^action:([0-9a-fA-F-]{32,36}):(map|feed|legal)$")
_ACTION_FUND_CHANNEL = re.compile(r"^action:([0-9a-f-]{36}):fund:([0-9a-f-]{36})$")
_VOTE_CHANNEL = re.compile(r"^vote:([0-9a-f-]{36})$")
_CANONICAL = {"map": live_map.channel, "feed": feed.channel, "legal": feed.legal_channel}


@dataclass(frozen=True)
class ChannelRef:
    """A parsed channel name: its kind and the action it concerns, if any."""

    name: str
    # "actions" | "action_map" | "action_feed" | "action_legal" | "access" | "vote" | "fund"
    # | "action_fund" (a fund linked to the action, as the action's dashboard shows it)
    kind: str
    action_id: UUID | None = None
    vote_id: UUID | None = None
    fund_id: UUID | None = None


def parse(name: str) -> ChannelRef | None:
    """The channel named `name`, or None when no such channel can exist."""
    if name == overview.CHANNEL:
        return ChannelRef(name, "actions")
    if name == people.ACCESS:
        return ChannelRef(name, "access")
    vote = _VOTE_CHANNEL.match(name)
    if vote is not None:
        try:
            vote_id = UUID(vote.group(1))
        except ValueError:
            return None
        return ChannelRef(name, "vote", vote_id=vote_id) if votes.channel(vote_id) == name else None
    fund_match = _FUND_CHANNEL.match(name)
    if fund_match is not None:
        try:
            fund_id = UUID(fund_match.group(1))
        except ValueError:
            return None
        return ChannelRef(name, "fund", fund_id=fund_id) if fund.channel(fund_id) == name else None
    linked = _ACTION_FUND_CHANNEL.match(name)
    if linked is not None:
        try:
            action_id, fund_id = UUID(linked.group(1)), UUID(linked.group(2))
        except ValueError:
            return None
        if fund_link.channel(action_id, fund_id) != name:
            return None
        return ChannelRef(name, "action_fund", action_id=action_id, fund_id=fund_id)
    match = _ACTION_CHANNEL.match(name)
    if match is None:
        return None
    try:
        action_id = UUID(match.group(1))
    except ValueError:
        return None
    part = match.group(2)
    if _CANONICAL[part](action_id) != name:  # only the canonical spelling, so rows are found
        return None
    return ChannelRef(name, f"action_{part}", action_id)


def permission(ref: ChannelRef) -> Permission | None:
    """What a client needs to subscribe to the channel; None: no client may (gateways only)."""
    return {
        "actions": Permission.READ_ACTIONS,
        "action_map": Permission.READ_ACTION,
        "action_feed": Permission.READ_ACTION,
        "action_legal": Permission.READ_LEGAL,
        "vote": Permission.READ_VOTE,  # scoped by the vote's union: see realtime/gateway.py
        "fund": Permission.READ_FUND,  # asked of the fund's scope with may_fund
        "action_fund": Permission.READ_LINKED_FUND,  # asked with may_read_linked_fund
    }.get(ref.kind)


def may_read(
    principal: Principal | None,
    ref: ChannelRef,
    affiliate_id: str | None = None,
    fund_scope: FundScope | None = None,
    linked: bool = False,
) -> bool:
    """The one decision whether a caller may read a channel, over HTTP (now or as it was),
    over the websocket, or inside an export. A vote's channel is scoped by its union,
    `affiliate_id`; an action's fund channel by the fund's scope and whether the fund is
    `linked` to the action (each looked up by the caller)."""
    needed = permission(ref)
    if needed is Permission.READ_LINKED_FUND:
        assert ref.action_id is not None
        return may_read_linked_fund(principal, fund_scope, ref.action_id, linked)
    return needed is not None and may(principal, needed, ref.action_id, affiliate_id=affiliate_id)


def legal_ref(action_id: UUID) -> ChannelRef:
    return ChannelRef(feed.legal_channel(action_id), "action_legal", action_id)


def snapshot_limit(ref: ChannelRef) -> int | None:
    """How many rows a snapshot carries (the latest ones), or None for all."""
    if ref.kind == "fund":
        return fund.FUND_SNAPSHOT
    return feed.FEED_SNAPSHOT if ref.kind in ("action_feed", "action_legal") else None


Apply = Callable[[Rows, Any], None]

# Each view's `apply`, in the order they are applied, and the event classes it reacts to.
VIEWS: tuple[tuple[tuple[type, ...], Apply], ...] = (
    (live_map.EVENTS, live_map.apply),
    (feed.EVENTS, feed.apply),  # after live_map: reads its site rows and item index
    (overview.EVENTS, overview.apply),  # after live_map: reads the map rows this event changed
    (people.EVENTS, people.apply),
    (sms_inbox.EVENTS, sms_inbox.apply),
    (report.EVENTS, report.apply),  # after live_map: reads its item index
    (votes.EVENTS, votes.apply),
    (fund.EVENTS, fund.apply),
    (fund_arrears.EVENTS, fund_arrears.apply),
    (fund_link.EVENTS, fund_link.apply),  # after fund and feed: reads their rows
)
# Event class -> the views that react to it, in order; found on an event class's first event.
# A rebuild applies every event to the views, and most views ignore most events: asking each
# one in turn cost about an eighth of the views' time.
_APPLIERS: dict[type, tuple[Apply, ...]] = {}


def apply(rows: Rows, event: Any) -> None:
    appliers = _APPLIERS.get(type(event))
    if appliers is None:
        kind = type(event)
        appliers = _APPLIERS[kind] = tuple(a for events, a in VIEWS if issubclass(kind, events))
    for view_apply in appliers:
        view_apply(rows, event)


def snapshot_data(ref: ChannelRef, docs: list[Doc]) -> dict[str, Any]:
    if ref.kind == "action_fund":
        return fund_link.snapshot(docs)
    if ref.kind == "fund":
        return fund.snapshot(docs)
    if ref.kind == "vote":
        return votes.snapshot(docs)
    if ref.kind == "actions":
        return overview.snapshot(docs)
    if ref.kind in ("action_feed", "action_legal"):
        return feed.snapshot(docs)
    return live_map.snapshot(docs)


def change_data(ref: ChannelRef, docs: list[Doc]) -> dict[str, Any]:
    if ref.kind == "vote":
        return votes.change(docs)
    if ref.kind == "actions":
        return overview.change(docs)
    if ref.kind == "access":
        return {"ended": docs}
    if ref.kind == "fund":
        return fund.change(docs)
    if ref.kind == "action_fund":
        return fund_link.change(docs)
    if ref.kind in ("action_feed", "action_legal"):
        return feed.change(docs)
    return live_map.change(docs)
