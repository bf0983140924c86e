"""Commands of SMS intake: gateways, a text received (parsed, its sender authorised by the one
policy, filed through the same aggregates as the phone page, answered), replies collected, and
texts no keyword fitted filed by hand. A text and everything it causes are saved together."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from core import sms_keywords as kw
from core import values
from core.access import Permission, Principal, Role, may
from core.action import Action
from core.base import CONCURRENCY_RETRIES, Recorded
from core.errors import Conflict, InvalidInput, PoskoError
from core.field import FieldCommands
from core.help_request import HelpRequest
from core.identity import IdentityCommands
from core.incident import Incident
from core.report import CLOCK_SKEW, FieldReport
from core.sessions import Invite
from core.sms import (
    SmsGateway,
    SmsMark,
    SmsMessage,
    SmsReply,
    SmsSender,
    fingerprint,
    gateway_secret,
    item_id,
    mark_id,
    message_id,
    report_code,
    sender_id,
    site_codes,
)

SMS_WINDOW: Final = timedelta(hours=2)  # older texts are refused: a gateway holding old ones
MAX_COLLECT: Final = 50
POLL_BATCH: Final = 500  # notifications looked through per read when a gateway polls
_REPLY_TOPIC: Final = get_topic(SmsReply.Queued)
_GATEWAY_TOPIC: Final = get_topic(SmsGateway.Added)
_TYPES: Final = {FieldReport: "report", Incident: "incident", HelpRequest: "request"}


@dataclass(frozen=True)
class SmsOutcome:
    """What became of a text: the same answer for its replays."""

    id: UUID
    outcome: str
    reply: dict[str, Any]
    report_id: UUID | None
    report_type: str | None
    position: int
    created: bool


@dataclass
class _Decision:
    outcome: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)
    report_id: UUID | None = None
    report_type: str | None = None
    action_ids: list[str] = field(default_factory=list)
    saves: list[Aggregate] = field(default_factory=list)


class SmsCommands(FieldCommands, IdentityCommands):
    # -- gateways ------------------------------------------------------------------------------

    def add_sms_gateway(self, *, name: str, server_key: str, actor: str) -> tuple[Recorded, str]:
        """A new gateway and its signing secret, which is returned here only."""
        gateway_id, salt = uuid4(), secrets.token_urlsafe(16)
        secret = gateway_secret(server_key, gateway_id, salt)
        gateway = SmsGateway(
            id=gateway_id,
            name=values.text("name", name),
            salt=salt,
            fingerprint=fingerprint(secret),
            actor=actor,
        )
        recordings = self._commits.save(gateway)
        return Recorded(gateway_id, recordings[-1].notification.id, created=True), secret

    def remove_sms_gateway(self, *, gateway_id: UUID, actor: str) -> Recorded:
        return self._change(
            gateway_id, SmsGateway, lambda g: g.remove(actor=actor), field="gateway_id"
        )

    def sms_gateways(self) -> list[SmsGateway]:
        """Every gateway ever added (removed ones too), oldest first: read from the log, since
        there are a handful and only `posko sms gateway list` asks."""
        found: list[SmsGateway] = []
        position = 0
        while notifications := self.recorder.select_notifications(
            start=position, limit=POLL_BATCH, topics=(_GATEWAY_TOPIC,), inclusive_of_start=False
        ):
            for notification in notifications:
                gateway = self._find(UUID(str(notification.originator_id)), SmsGateway)
                if gateway is not None:
                    found.append(gateway)
                position = notification.id
        return found

    def sms_gateway(self, gateway_id: UUID) -> SmsGateway | None:
        """A gateway that may relay texts, or None (unknown or removed)."""
        gateway = self._find(gateway_id, SmsGateway)
        return None if gateway is None or gateway.removed else gateway

    # -- a text comes in -----------------------------------------------------------------------

    def receive_sms(
        self,
        *,
        gateway_id: UUID,
        gateway_message_id: str,
        sender: str,
        text: str,
        sent_at: datetime,
        now: datetime,
    ) -> SmsOutcome:
        values.aware("sent_at", sent_at)
        mid = message_id(gateway_id, gateway_message_id)
        for _ in range(CONCURRENCY_RETRIES):
            seen = self._find(mid, SmsMessage)
            if seen is not None:  # a replay: nothing recorded, the first answer again
                return _outcome(seen, self._position_of(mid), created=False)
            if sent_at < now - SMS_WINDOW:
                raise InvalidInput("sms_stale", field="sent_at", max_age_minutes=120)
            if sent_at > now + CLOCK_SKEW:
                raise InvalidInput("in_future", field="sent_at", max_skew_minutes=10)
            number = _number(sender)
            principal = None if number is None else self._sms_principal(number, now)
            decision, lang = self._decide(mid, number, principal, text, sent_at, now)
            reply = {"code": decision.code, "params": decision.params, "lang": lang}
            message = SmsMessage(
                id=mid,
                gateway_id=gateway_id,
                gateway_message_id=gateway_message_id,
                sender=number or sender,
                text=text,
                sent_at=sent_at,
                outcome=decision.outcome,
                reply=reply,
                report_id=decision.report_id,
                report_type=decision.report_type,
                action_ids=decision.action_ids,
                actor=principal.id if principal else f"sms:{number or sender}",
            )
            saves = [*decision.saves, message]
            if number is not None:  # a sender that is no phone number (PROMO-XL) gets no reply
                # Every number that texts is known, so its replies count even if it is no one's.
                answered = next((a for a in saves if isinstance(a, SmsSender)), None)
                if answered is None:
                    answered = self._find(sender_id(number), SmsSender) or SmsSender(
                        id=sender_id(number), number=number
                    )
                    saves.append(answered)
                if answered.may_answer(message_id=mid, now=now):
                    saves.append(
                        SmsReply(
                            id=uuid5(mid, "reply"), gateway_id=gateway_id, to=number, reply=reply
                        )
                    )
            try:
                recordings = self._commits.save(*saves)
            except IntegrityError:
                continue  # the same text, report or number raced in: decide again
            # The message's own position, which a replay finds again (the report is before it).
            position = next(
                r.notification.id for r in recordings if r.domain_event.originator_id == mid
            )
            return _outcome(message, position, created=True)
        raise Conflict("busy", field="message_id")

    def _sms_principal(self, number: str, now: datetime) -> Principal | None:
        """Who a number is: an active person with it as their phone, and/or the korlap of the
        live invites that named it; None for a number Posko does not know."""
        roles: list[Role] = []
        actor = None
        person = self.person_by_login(number)
        if person is not None and person.active:
            roles.extend(person.role_objects())
            actor = f"person:{person.id}"
        known = self._find(sender_id(number), SmsSender)
        for invite_id in known.invites if known else []:
            invite = self._find(UUID(invite_id), Invite)
            if invite is not None and invite.usable(now):
                site = None if invite.site_id is None else str(invite.site_id)
                roles.append(Role("organiser", action_id=str(invite.action_id), site_id=site))
                actor = actor or f"invite:{invite.id}"
        return None if actor is None else Principal(id=actor, roles=tuple(roles))

    def _decide(
        self,
        mid: UUID,
        number: str | None,
        principal: Principal | None,
        text: str,
        sent_at: datetime,
        now: datetime,
    ) -> tuple[_Decision, str]:
        parsed = kw.parse(text)
        lang = "en" if parsed.english else "id"
        if number is None or principal is None:
            return _Decision("unknown_sender", "sms_unknown_sender"), lang
        actions = list(
            dict.fromkeys(
                r.action_id
                for r in principal.roles
                if r.name in ("organiser", "coordinator") and r.action_id is not None
            )
        )
        if not actions:
            return _Decision("refused", "sms_no_role"), lang
        sender = self._find(sender_id(number), SmsSender) or SmsSender(
            id=sender_id(number), number=number
        )
        if isinstance(parsed, kw.Refusal):
            # It goes to the SMS inbox of each of the sender's actions (projections/sms_inbox).
            reply = {"form": parsed.form, "word": parsed.word or ""}
            return _Decision("unparsed", "sms_" + parsed.reason, reply, action_ids=actions), lang
        try:
            decision = self._file(mid, sender, principal, actions, parsed.message, sent_at, now)
        except PoskoError as error:  # e.g. a cancelled action, a clock far ahead
            decision = _Decision("refused", "sms_not_filed", {"reason": error.code})
        decision.action_ids = decision.action_ids or actions
        return decision, lang

    def _file(
        self,
        mid: UUID,
        sender: SmsSender,
        principal: Principal,
        actions: list[str],
        message: kw.Message,
        at: datetime,
        now: datetime,
    ) -> _Decision:
        if isinstance(message, kw.Cancel):
            return self._cancel(sender, principal, message.report_code)
        code = getattr(message, "site_code", None)
        site_id: UUID | None
        if code is not None:
            found = self._site_by_code(actions, code)
            if isinstance(found, _Decision):
                return found
            action, site_id = found
        else:
            where = self._where(sender, principal, actions)
            if where is None or (where[1] is None and not isinstance(message, kw.IncidentReport)):
                return _Decision("refused", "sms_needs_site", {"form": kw.FORMS["HADIR"]})
            action, site_id = where
        if not may(principal, Permission.FILE_REPORTS, action.id, site_id):
            return _Decision("refused", "sms_not_your_site", {"site": _site_name(action, site_id)})
        ref = getattr(message, "ref", None)
        report_id = item_id(action.id, ref) if ref else uuid5(NAMESPACE_URL, f"posko:sms:{mid}")
        code_back = ref or report_code(report_id)
        item = self._item(report_id, action, site_id, message, at, now, principal.id)
        kind = _TYPES[type(item)]
        params = {"code": code_back, "site": _site_name(action, site_id)} | _details(message)
        existing = self._find(report_id, Aggregate)
        if existing is not None:  # the phone's upload of the same item came first
            if type(existing) is type(item) and getattr(existing, "action_id", None) == action.id:
                return _Decision(
                    "already", "sms_already", params, report_id, kind, [str(action.id)]
                )
            raise Conflict("id_reused", field="id")
        self._check_reportable(item)
        if site_id is not None and (code is not None or isinstance(message, kw.CheckIn)):
            sender.check_in(action_id=action.id, site_id=site_id)
        sender.filed(code=code_back, report_id=report_id, report_type=kind)
        mark = SmsMark(
            id=mark_id(report_id),
            report_id=report_id,
            report_type=kind,
            action_id=action.id,
            message_id=mid,
            at=getattr(item, "at"),  # noqa: B009 - every kind of item has one
        )
        return _Decision(
            "accepted",
            f"sms_accepted_{_accepted_code(message)}",
            params,
            report_id,
            kind,
            [str(action.id)],
            [item, mark, sender],
        )

    def _item(
        self,
        report_id: UUID,
        action: Action,
        site_id: UUID | None,
        message: kw.Message,
        at: datetime,
        now: datetime,
        actor: str,
    ) -> Aggregate:
        """The same aggregate the phone page's request would make."""
        common: dict[str, Any] = {"id": report_id, "action_id": action.id, "at": at, "now": now}
        if isinstance(message, kw.IncidentReport):
            return Incident.report(
                **common,
                site_id=site_id,
                kind=message.kind,
                severity=message.severity,
                description=message.text,
                lat=None,
                lon=None,
                actor=actor,
            )
        assert site_id is not None
        if isinstance(message, kw.HelpRequest):
            return HelpRequest.request(
                **common,
                site_id=site_id,
                kind=message.kind,
                quantity=message.quantity,
                note=message.note,
                actor=actor,
            )
        if isinstance(message, kw.CheckIn):  # no GPS: at the site's own position
            site = action.site(site_id)
            return FieldReport.file(
                **common, site_id=site_id, kind="checkin", lat=site["lat"], lon=site["lon"],
                actor=actor,
            )  # fmt: skip
        if isinstance(message, kw.Headcount):
            return FieldReport.file(
                **common, site_id=site_id, kind="headcount", headcount=message.count, actor=actor
            )
        assert isinstance(message, kw.Status)
        return FieldReport.file(
            **common,
            site_id=site_id,
            kind="status",
            phase=message.phase,
            mood=message.mood,
            actor=actor,
        )

    def _site_by_code(self, actions: list[str], code: str) -> tuple[Action, UUID] | _Decision:
        """The site with this code among the sender's actions; a code of another action is
        unknown to this sender, which is all the reply says."""
        matches = []
        for action_id in actions:
            action = self._find(UUID(action_id), Action)
            if action is None:
                continue
            for site_id, site_code in site_codes(action.sites).items():
                if site_code == code:
                    matches.append((action, UUID(site_id)))
        if len(matches) != 1:
            reason = "sms_unknown_site_code" if not matches else "sms_ambiguous_site_code"
            return _Decision("refused", reason, {"site_code": code, "form": kw.FORMS["HADIR"]})
        return matches[0]

    def _where(
        self, sender: SmsSender, principal: Principal, actions: list[str]
    ) -> tuple[Action, UUID | None] | None:
        """Where a text that names no site is from: the site of the number's last HADIR, else
        the one site its role or invite is for, else its only action (and its only site)."""
        if sender.site is not None and sender.site["action_id"] in actions:
            action = self._find(UUID(sender.site["action_id"]), Action)
            if action is not None:
                return action, UUID(sender.site["site_id"])
        scoped = {
            (r.action_id, r.site_id)
            for r in principal.roles
            if r.name == "organiser" and r.site_id is not None
        }
        if len(scoped) == 1:
            action_id, site_id = next(iter(scoped))
            action = self._find(UUID(str(action_id)), Action)
            if action is not None:
                return action, UUID(str(site_id))
        if len(actions) == 1:
            action = self._find(UUID(actions[0]), Action)
            if action is not None:
                only = UUID(next(iter(action.sites))) if len(action.sites) == 1 else None
                return action, only
        return None

    def _cancel(self, sender: SmsSender, principal: Principal, code: str) -> _Decision:
        mine = sender.reports.get(code)
        if mine is None:
            return _Decision("refused", "sms_unknown_report", {"code": code})
        if mine["type"] != "request":
            return _Decision("refused", "sms_cannot_cancel", {"code": code})
        request = self._load(UUID(mine["id"]), HelpRequest, field="code")
        request.cancel(reason="Dibatalkan pelapor lewat SMS", actor=principal.id)
        return _Decision(
            "cancelled",
            "sms_cancelled",
            {"code": code},
            request.id,
            "request",
            [str(request.action_id)],
            [request],
        )

    def _counted_once(self, existing: Any, candidate: Any) -> bool:
        """The phone's upload of an item it also sent by SMS (same id, derived from the #ref
        both carry; the facts a text can hold differ: no GPS, its own time, the site the
        sender last checked in at): the same report, recorded once. Another kind of item
        under that id is still a conflict."""
        return (
            type(existing) is type(candidate)
            and all(
                getattr(existing, name, None) == getattr(candidate, name, None)
                for name in ("action_id", "kind")
            )
            and self._find(mark_id(existing.id), SmsMark) is not None
        )

    # -- replies -------------------------------------------------------------------------------

    def collect_sms_replies(
        self, *, gateway_id: UUID, limit: int, now: datetime
    ) -> list[dict[str, Any]]:
        """The replies waiting for this gateway, oldest first, recorded as collected before
        they are handed over: each leaves once, even if two polls race (one saves, the other
        reloads and finds them collected). The gateway keeps how far it has looked through the
        log (ids commit in order), so a poll reads only what is new."""
        limit = max(1, min(limit, MAX_COLLECT))
        for _ in range(CONCURRENCY_RETRIES):
            gateway = self._load(gateway_id, SmsGateway, field="gateway_id")
            replies: list[SmsReply] = []
            position = gateway.polled_to
            while len(replies) < limit:
                notifications = self.recorder.select_notifications(
                    start=position,
                    limit=POLL_BATCH,
                    topics=(_REPLY_TOPIC,),
                    inclusive_of_start=False,
                )
                for notification in notifications:
                    reply = self._find(UUID(str(notification.originator_id)), SmsReply)
                    if reply is not None and reply.gateway_id == gateway_id and reply.collect():
                        replies.append(reply)
                    position = notification.id
                    if len(replies) == limit:
                        break
                if len(notifications) < POLL_BATCH:
                    break
            gateway.polled(position=position)
            try:
                self._commits.save(gateway, *replies)
            except IntegrityError:
                continue
            return [{"id": str(r.id), "to": r.to, "reply": r.reply} for r in replies]
        raise Conflict("busy", field="gateway_id")

    # -- the inbox of texts no keyword fitted --------------------------------------------------

    def sms_message(self, message_uuid: UUID) -> SmsMessage:
        return self._load(message_uuid, SmsMessage, field="message_id")

    def transcribe_sms(
        self, *, message_uuid: UUID, action_id: UUID, filed: Recorded, report_type: str, actor: str
    ) -> Recorded:
        """After the coordinator's report was filed (by the usual command, with
        transcribed_id): the text is marked as read into it, and by whom (it leaves the
        inbox), and the report is marked as by SMS."""
        for _ in range(CONCURRENCY_RETRIES):
            message = self._load(message_uuid, SmsMessage, field="message_id")
            if str(action_id) not in message.action_ids:
                raise InvalidInput("sms_other_action", field="message_id")
            saves: list[Aggregate] = []
            if message.transcribe(report_id=filed.id, report_type=report_type, actor=actor):
                saves.append(message)
            if self._find(mark_id(filed.id), SmsMark) is None:
                saves.append(
                    SmsMark(
                        id=mark_id(filed.id),
                        report_id=filed.id,
                        report_type=report_type,
                        action_id=action_id,
                        message_id=message_uuid,
                        at=message.sent_at,
                    )
                )
            if not saves:  # a repeat: what it saved the first time is all before the latest
                return Recorded(filed.id, self._latest_position(), created=False)
            try:
                recordings = self._commits.save(*saves)
            except IntegrityError:
                continue
            return Recorded(filed.id, recordings[-1].notification.id, created=filed.created)
        raise Conflict("busy", field="message_id")


def _number(sender: str) -> str | None:
    try:
        return values.phone("from", sender)
    except InvalidInput:
        return None


def _site_name(action: Action, site_id: UUID | None) -> str:
    return "" if site_id is None else str(action.site(site_id)["name"])


def _details(message: kw.Message) -> dict[str, Any]:
    if isinstance(message, kw.Headcount):
        return {"count": message.count}
    if isinstance(message, kw.HelpRequest):
        return {"kind": message.kind, "quantity": message.quantity}
    if isinstance(message, kw.IncidentReport):
        return {"kind": message.kind}
    if isinstance(message, kw.Status):
        return {"phase": message.phase or "", "mood": message.mood or ""}
    return {}


def _accepted_code(message: kw.Message) -> str:
    return {
        kw.CheckIn: "checkin",
        kw.Headcount: "headcount",
        kw.Status: "status",
        kw.IncidentReport: "incident",
        kw.HelpRequest: "request",
    }[type(message)]


def _outcome(message: SmsMessage, position: int, *, created: bool) -> SmsOutcome:
    return SmsOutcome(
        id=message.id,
        outcome=message.outcome,
        reply=message.reply,
        report_id=message.report_id,
        report_type=message.report_type,
        position=position,
        created=created,
    )
