"""SMS intake's records: the gateways that relay texts, each text received with what became of
it, what Posko knows of each sending number, each reply waiting for its gateway, and the mark
that says a report came by SMS. Ids are derived from what identifies each thing, so a replayed
text or a report sent both ways is recorded once."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Any, Final
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from core.sms_keywords import REF_ALPHABET

REPLY_LIMIT: Final = 6  # replies to one number...
REPLY_WINDOW: Final = timedelta(minutes=10)  # ...per this long: a loop cannot drain credit
MAX_RECENT_REPORTS: Final = 50  # per number, for BATAL
MAX_MESSAGE_ID: Final = 200  # the gateway's own id of a text
MAX_SENDER: Final = 40  # a phone number, or an operator's alphanumeric sender id
MAX_SMS_TEXT: Final = 1600  # ten concatenated segments; the parser refuses beyond three


def message_id(gateway_id: UUID, gateway_message_id: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"posko:sms:{gateway_id}:{gateway_message_id}")


def sender_id(number: str) -> UUID:
    return uuid5(NAMESPACE_URL, "posko:sms-sender:" + number)


def mark_id(report_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"posko:sms-mark:{report_id}")


def item_id(action_id: UUID, ref: str) -> UUID:
    """The id of a report the phone page wrote into an SMS as `#ref`: the page makes its
    queued item's id the same way, so the text and the later upload are one report."""
    return uuid5(NAMESPACE_URL, f"posko:sms-item:{action_id}:{ref}")


def transcribed_id(message_id: UUID) -> UUID:
    """The id of the report a coordinator files from a text: one per text, so a double click
    files it once."""
    return uuid5(NAMESPACE_URL, f"posko:sms-transcribed:{message_id}")


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

    class Polled(Aggregate.Event):
        position: int  # the log has been looked through up to here for its replies

    @event(Added)
    def __init__(self, *, id: UUID, name: str, salt: str, fingerprint: str, actor: str) -> None:
        self.name = name
        self.salt = salt
        self.fingerprint = fingerprint
        self.removed = False
        self.polled_to = 0

    def polled(self, *, position: int) -> None:
        if position > self.polled_to:
            self._polled(position=position)

    @event(Polled)
    def _polled(self, *, position: int) -> None:
        self.polled_to = position

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
    checked in at by SMS (where its next texts are about), its recent reports' codes, and the
    replies it got lately (for the rate limit)."""

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

    class Answered(Aggregate.Event):
        at: datetime

    class AnswerSuppressed(Aggregate.Event):
        message_id: UUID
        at: datetime

    @event(Known)
    def __init__(self, *, id: UUID, number: str) -> None:
        self.number = number
        self.invites: list[str] = []
        self.site: dict[str, str] | None = None
        self.reports: dict[str, dict[str, str]] = {}
        self.answered: list[datetime] = []  # when replies were queued lately

    def may_answer(self, *, message_id: UUID, now: datetime) -> bool:
        """Whether a reply may go: at most REPLY_LIMIT per REPLY_WINDOW to one number, so a
        loop between two machines cannot drain credit. Recorded either way."""
        recent = [t for t in self.answered if t > now - REPLY_WINDOW]
        if len(recent) >= REPLY_LIMIT:
            self._suppressed(message_id=message_id, at=now)
            return False
        self._answered(at=now)
        return True

    @event(Answered)
    def _answered(self, *, at: datetime) -> None:
        self.answered = [t for t in self.answered if t > at - REPLY_WINDOW] + [at]

    @event(AnswerSuppressed)
    def _suppressed(self, *, message_id: UUID, at: datetime) -> None:
        pass

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


class SmsReply(Aggregate):
    """One answer to one text, waiting for its gateway to collect it. Its own aggregate, so
    texts arriving together never contend; collected once (the second save of Collected loses
    on the version), so it leaves once even when two polls race."""

    class Queued(Aggregate.Created):
        gateway_id: UUID
        to: str
        reply: dict[str, Any]  # {"code", "params", "lang"}: rendered when collected

    class Collected(Aggregate.Event):
        pass

    @event(Queued)
    def __init__(self, *, id: UUID, gateway_id: UUID, to: str, reply: dict[str, Any]) -> None:
        self.gateway_id = gateway_id
        self.to = to
        self.reply = reply
        self.collected = False

    def collect(self) -> bool:
        if self.collected:
            return False
        self._collected()
        return True

    @event(Collected)
    def _collected(self) -> None:
        self.collected = True
