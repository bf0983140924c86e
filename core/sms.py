"""SMS intake's records: the gateways that relay texts, each text received with what became of
it, what Posko knows of each sending number, the replies waiting for a gateway, the inbox of
texts nobody could read, and the mark that says a report came by SMS. Ids are derived from what
identifies each thing, so a replayed text or a report sent both ways is recorded once."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Any, Final
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from core.sms_keywords import REF_ALPHABET

OUTBOX_ID: Final = uuid5(NAMESPACE_URL, "posko:sms-outbox")
REPLY_LIMIT: Final = 6  # replies to one number...
REPLY_WINDOW: Final = timedelta(minutes=10)  # ...per this long: a loop cannot drain credit
MAX_RECENT_REPORTS: Final = 50  # per number, for BATAL


def message_id(gateway_id: UUID, gateway_message_id: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"posko:sms:{gateway_id}:{gateway_message_id}")


def sender_id(number: str) -> UUID:
    return uuid5(NAMESPACE_URL, "posko:sms-sender:" + number)


def inbox_id(action_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"posko:sms-inbox:{action_id}")


def mark_id(report_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"posko:sms-mark:{report_id}")


def item_id(action_id: UUID, ref: str) -> UUID:
    """The id of a report the phone page wrote into an SMS as `#ref`: the page makes its
    queued item's id the same way, so the text and the later upload are one report."""
    return uuid5(NAMESPACE_URL, f"posko:sms-item:{action_id}:{ref}")


def report_code(report_id: UUID) -> str:
    """Six characters a korlap can type back after BATAL."""
    number = int.from_bytes(report_id.bytes[:4], "big") >> 2  # 30 bits
    return "".join(REF_ALPHABET[(number >> (5 * i)) & 31] for i in range(5, -1, -1))


def gateway_secret(server_key: str, gateway_id: UUID, salt: str) -> str:
    """A gateway's signing secret, derived from the server's key: HMAC needs the key to verify,
    so rather than store it, Posko recomputes it. The event store holds only the salt."""
    digest = hmac.new(
        server_key.encode(), f"posko:sms-gateway:{gateway_id}:{salt}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def fingerprint(secret: str) -> str:
    """What shows that a secret is the one printed, without being it."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


def site_codes(sites: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Short codes of an action's sites, in the order they were added: up to three letters of
    the name and the site's number (BUN1, KAN2). Sites are never removed, so a code never
    changes; the number makes codes unique within the action."""
    codes = {}
    for number, (site_id, site) in enumerate(sites.items(), 1):
        letters = "".join(c for c in str(site.get("name", "")).upper() if "A" <= c <= "Z")
        codes[site_id] = (letters[:3] or "L") + str(number)
    return codes


class SmsGateway(Aggregate):
    """A phone running an SMS gateway app, or a provider, that relays texts both ways."""

    class Added(Aggregate.Created):
        name: str
        salt: str  # not secret: with the server's key it gives the signing secret
        fingerprint: str
        actor: str

    class Removed(Aggregate.Event):
        actor: str

    @event(Added)
    def __init__(self, *, id: UUID, name: str, salt: str, fingerprint: str, actor: str) -> None:
        self.name = name
        self.salt = salt
        self.fingerprint = fingerprint
        self.removed = False

    def remove(self, *, actor: str) -> bool:
        if self.removed:
            return False
        self._removed(actor=actor)
        return True

    @event(Removed)
    def _removed(self, *, actor: str) -> None:
        self.removed = True


class SmsMessage(Aggregate):
    """One text as a gateway relayed it, and what Posko made of it, decided once: a replay of
    the same gateway message id finds this and answers the same."""

    class Received(Aggregate.Created):
        gateway_id: UUID
        gateway_message_id: str
        sender: str
        text: str
        sent_at: datetime
        outcome: str  # accepted | already | cancelled | refused | unparsed | unknown_sender
        reply: dict[str, Any]  # {"code", "params", "lang"}: rendered when the gateway collects
        report_id: UUID | None
        report_type: str | None  # report | incident | request
        action_ids: list[str]
        actor: str  # who sent it: person:<id>, invite:<id>, or sms:<number> when unknown

    class Transcribed(Aggregate.Event):
        report_id: UUID
        report_type: str
        actor: str  # the coordinator who read it and filed the report by hand

    @event(Received)
    def __init__(
        self,
        *,
        id: UUID,
        gateway_id: UUID,
        gateway_message_id: str,
        sender: str,
        text: str,
        sent_at: datetime,
        outcome: str,
        reply: dict[str, Any],
        report_id: UUID | None,
        report_type: str | None,
        action_ids: list[str],
        actor: str,
    ) -> None:
        self.gateway_id = gateway_id
        self.gateway_message_id = gateway_message_id
        self.sender = sender
        self.text = text
        self.sent_at = sent_at
        self.outcome = outcome
        self.reply = reply
        self.report_id = report_id
        self.report_type = report_type
        self.action_ids = action_ids
        self.sender_actor = actor
        self.transcribed_by: str | None = None

    def transcribe(self, *, report_id: UUID, report_type: str, actor: str) -> bool:
        if self.transcribed_by is not None:
            return False
        self._transcribed(report_id=report_id, report_type=report_type, actor=actor)
        return True

    @event(Transcribed)
    def _transcribed(self, *, report_id: UUID, report_type: str, actor: str) -> None:
        self.report_id = report_id
        self.report_type = report_type
        self.transcribed_by = actor


class SmsSender(Aggregate):
    """What Posko knows of one phone number: the invites that named it, the site it last
    checked in at by SMS (where its next texts are about), and its recent reports' codes."""

    class Known(Aggregate.Created):
        number: str

    class NamedOnInvite(Aggregate.Event):
        invite_id: UUID
        actor: str

    class CheckedIn(Aggregate.Event):
        action_id: UUID
        site_id: UUID

    class Filed(Aggregate.Event):
        code: str
        report_id: UUID
        report_type: str

    @event(Known)
    def __init__(self, *, id: UUID, number: str) -> None:
        self.number = number
        self.invites: list[str] = []
        self.site: dict[str, str] | None = None
        self.reports: dict[str, dict[str, str]] = {}

    def name_on_invite(self, *, invite_id: UUID, actor: str) -> None:
        if str(invite_id) not in self.invites:
            self._named(invite_id=invite_id, actor=actor)

    @event(NamedOnInvite)
    def _named(self, *, invite_id: UUID, actor: str) -> None:
        self.invites.append(str(invite_id))

    def check_in(self, *, action_id: UUID, site_id: UUID) -> None:
        if self.site != {"action_id": str(action_id), "site_id": str(site_id)}:
            self._checked_in(action_id=action_id, site_id=site_id)

    @event(CheckedIn)
    def _checked_in(self, *, action_id: UUID, site_id: UUID) -> None:
        self.site = {"action_id": str(action_id), "site_id": str(site_id)}

    def filed(self, *, code: str, report_id: UUID, report_type: str) -> None:
        self._filed(code=code, report_id=report_id, report_type=report_type)

    @event(Filed)
    def _filed(self, *, code: str, report_id: UUID, report_type: str) -> None:
        self.reports[code] = {"id": str(report_id), "type": report_type}
        while len(self.reports) > MAX_RECENT_REPORTS:
            del self.reports[next(iter(self.reports))]


class SmsMark(Aggregate):
    """Says that a report, incident or request came by SMS (the feed shows it so), and lets
    the phone's later upload of the same item be answered as already recorded."""

    class Marked(Aggregate.Created):
        report_id: UUID
        report_type: str
        action_id: UUID
        message_id: UUID
        at: datetime  # the report's own time: where the feed keeps its row

    @event(Marked)
    def __init__(
        self,
        *,
        id: UUID,
        report_id: UUID,
        report_type: str,
        action_id: UUID,
        message_id: UUID,
        at: datetime,
    ) -> None:
        self.report_id = report_id
        self.report_type = report_type
        self.action_id = action_id
        self.message_id = message_id


class SmsInbox(Aggregate):
    """An action's texts from its korlaps that no keyword fitted, until a coordinator files
    one by hand or sets it aside."""

    class Opened(Aggregate.Created):
        action_id: UUID

    class Added(Aggregate.Event):
        message_id: UUID
        sender: str
        text: str
        sent_at: datetime

    class Cleared(Aggregate.Event):
        message_id: UUID
        report_id: UUID | None
        actor: str

    @event(Opened)
    def __init__(self, *, id: UUID, action_id: UUID) -> None:
        self.action_id = action_id
        self.waiting: dict[str, dict[str, str]] = {}

    def add(self, *, message_id: UUID, sender: str, text: str, sent_at: datetime) -> None:
        self._added(message_id=message_id, sender=sender, text=text, sent_at=sent_at)

    @event(Added)
    def _added(self, *, message_id: UUID, sender: str, text: str, sent_at: datetime) -> None:
        self.waiting[str(message_id)] = {
            "id": str(message_id),
            "sender": sender,
            "text": text,
            "sent_at": sent_at.isoformat(),
        }

    def clear(self, *, message_id: UUID, report_id: UUID | None, actor: str) -> bool:
        if str(message_id) not in self.waiting:
            return False
        self._cleared(message_id=message_id, report_id=report_id, actor=actor)
        return True

    @event(Cleared)
    def _cleared(self, *, message_id: UUID, report_id: UUID | None, actor: str) -> None:
        self.waiting.pop(str(message_id), None)


class SmsOutbox(Aggregate):
    """Replies waiting for their gateway to collect them. A reply leaves once (collected is
    recorded before it is handed over), and a number gets at most REPLY_LIMIT replies per
    REPLY_WINDOW: past that the reply is recorded as suppressed and never sent."""

    class Opened(Aggregate.Created):
        pass

    class ReplyQueued(Aggregate.Event):
        reply_id: UUID
        gateway_id: UUID
        to: str
        reply: dict[str, Any]
        at: datetime

    class ReplySuppressed(Aggregate.Event):
        reply_id: UUID
        to: str
        at: datetime

    class Collected(Aggregate.Event):
        reply_ids: list[str]
        gateway_id: UUID
        at: datetime

    @event(Opened)
    def __init__(self, *, id: UUID) -> None:
        self.pending: dict[str, dict[str, Any]] = {}
        self.recent: dict[str, list[datetime]] = {}  # number -> times of replies queued

    def queue(
        self, *, reply_id: UUID, gateway_id: UUID, to: str, reply: dict[str, Any], now: datetime
    ) -> bool:
        """Queue a reply unless the number has had its share lately; True when queued."""
        recent = [t for t in self.recent.get(to, []) if t > now - REPLY_WINDOW]
        if len(recent) >= REPLY_LIMIT:
            self._suppressed(reply_id=reply_id, to=to, at=now)
            return False
        self._queued(reply_id=reply_id, gateway_id=gateway_id, to=to, reply=reply, at=now)
        return True

    @event(ReplyQueued)
    def _queued(
        self, *, reply_id: UUID, gateway_id: UUID, to: str, reply: dict[str, Any], at: datetime
    ) -> None:
        self.pending[str(reply_id)] = {
            "id": str(reply_id),
            "gateway_id": str(gateway_id),
            "to": to,
            "reply": reply,
            "queued_at": at,
        }
        times = [t for t in self.recent.get(to, []) if t > at - REPLY_WINDOW] + [at]
        self.recent[to] = times
        for number in [n for n, ts in self.recent.items() if ts[-1] <= at - REPLY_WINDOW]:
            del self.recent[number]  # forget quiet numbers: the outbox stays small

    @event(ReplySuppressed)
    def _suppressed(self, *, reply_id: UUID, to: str, at: datetime) -> None:
        pass

    def waiting_for(self, gateway_id: UUID, limit: int) -> list[dict[str, Any]]:
        mine = [r for r in self.pending.values() if r["gateway_id"] == str(gateway_id)]
        return mine[:limit]

    def collect(self, *, reply_ids: list[str], gateway_id: UUID, now: datetime) -> None:
        self._collected(reply_ids=reply_ids, gateway_id=gateway_id, at=now)

    @event(Collected)
    def _collected(self, *, reply_ids: list[str], gateway_id: UUID, at: datetime) -> None:
        for reply_id in reply_ids:
            self.pending.pop(reply_id, None)
