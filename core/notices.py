"""Legal notices of an action: the strike notice to the employer and the manpower office
(UU 13/2003 Pasal 140-141) and the demonstration notice to the police (UU 9/1998 Pasal 10-14).
Each is drafted, edited, marked ready (when nothing refuses it), sent, and its receipts recorded
with their date and a scan; each keeps the id and version of the rule set it was drafted with.
The rule set's text and every scan are aggregates of their own, stored once by content."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from core import values
from core.errors import Conflict, InvalidInput
from core.legal import fields as notice_fields

KINDS = ("strike", "demo")
MAX_ATTACHMENT = 4 * 1024 * 1024  # bytes: a phone photo of a receipt, or a scanned PDF page
MEDIA_TYPES = ("image/jpeg", "image/png", "image/webp", "application/pdf")
MAX_NEGOTIATIONS = 50


class RuleSetText(Aggregate):
    """The text of one rule-set version, kept so a notice can always be judged by the rules
    it was drafted with, whatever the configuration says later."""

    class Stored(Aggregate.Created):
        rules_version: str
        digest: str
        text: str

    @event(Stored)
    def __init__(self, *, id: UUID, rules_version: str, digest: str, text: str) -> None:
        self.rules_version = rules_version
        self.digest = digest
        self.text = text


def attachment_id(key: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"posko:attachment:{key}")


class Attachment(Aggregate):
    """A photo or scan (a receipt, negotiation minutes, a summons), stored by its content:
    uploading the same file twice (for one action and union) stores it once."""

    class Uploaded(Aggregate.Created):
        action_id: UUID
        affiliate_id: UUID | None  # the union whose officers may read it; None: coordinators
        filename: str
        media_type: str
        size: int
        sha256: str
        content: str  # base64
        actor: str

    @event(Uploaded)
    def __init__(
        self,
        *,
        id: UUID,
        action_id: UUID,
        affiliate_id: UUID | None,
        filename: str,
        media_type: str,
        size: int,
        sha256: str,
        content: str,
        actor: str,
    ) -> None:
        self.action_id = action_id
        self.affiliate_id = affiliate_id
        self.filename = filename
        self.media_type = media_type
        self.size = size
        self.sha256 = sha256
        self.content = content
        self.uploaded_by = actor

    @classmethod
    def upload(
        cls,
        *,
        action_id: UUID,
        affiliate_id: UUID | None,
        filename: str,
        media_type: str,
        data: bytes,
        actor: str,
    ) -> Attachment:
        media_type = values.choice("media_type", media_type, MEDIA_TYPES)
        if not data:
            raise InvalidInput("required", field="body")
        if len(data) > MAX_ATTACHMENT:
            raise InvalidInput("too_large", field="body", max=MAX_ATTACHMENT)
        digest = hashlib.sha256(data).hexdigest()
        return cls(
            id=attachment_id(f"{action_id}:{affiliate_id}:{digest}"),
            action_id=action_id,
            affiliate_id=affiliate_id,
            filename=values.text("filename", filename),
            media_type=media_type,
            size=len(data),
            sha256=digest,
            content=base64.b64encode(data).decode(),
            actor=actor,
        )

    def data(self) -> bytes:
        return base64.b64decode(self.content)

    def facts(self) -> tuple[Any, ...]:
        return (self.action_id, self.affiliate_id, self.sha256)


class Notice(Aggregate):
    """A strike notice (kind "strike") or a demonstration notice (kind "demo") of one action.
    Lifecycle: draft -> ready -> sent; ready may go back to draft by an edit; a draft or ready
    notice may be withdrawn; a sent demonstration notice may be cancelled."""

    class Drafted(Aggregate.Created):
        kind: str
        action_id: UUID
        affiliate_id: UUID
        rules_id: UUID
        rules_version: str
        fields: dict[str, Any]
        actor: str

    class Edited(Aggregate.Event):
        changes: dict[str, Any]
        actor: str

    class NegotiationAttached(Aggregate.Event):
        evidence: dict[str, Any]
        actor: str

    class MarkedReady(Aggregate.Event):
        actor: str

    class Sent(Aggregate.Event):
        sent_on: str
        actor: str

    class ReceiptRecorded(Aggregate.Event):
        recipient: str
        receipt: dict[str, Any]
        actor: str

    class Withdrawn(Aggregate.Event):
        reason: str
        actor: str

    class Cancelled(Aggregate.Event):
        reason: str
        at: datetime
        actor: str

    @event(Drafted)
    def __init__(
        self,
        *,
        id: UUID,
        kind: str,
        action_id: UUID,
        affiliate_id: UUID,
        rules_id: UUID,
        rules_version: str,
        fields: dict[str, Any],
        actor: str,
    ) -> None:
        self.kind = kind
        self.action_id = action_id
        self.affiliate_id = affiliate_id
        self.rules_id = rules_id
        self.rules_version = rules_version
        self.fields = dict(fields)
        self.negotiations: list[dict[str, Any]] = []
        self.receipts: dict[str, dict[str, Any]] = {}  # recipient -> receipt
        self.status = "draft"
        self.drafted_by = actor
        self.first_fields = dict(fields)  # what a resend of the draft must repeat
        self.sent_on: str | None = None
        self.close_reason = ""  # why it was withdrawn or cancelled
        self.cancelled_at: datetime | None = None

    @classmethod
    def draft(
        cls,
        *,
        id: UUID,
        kind: str,
        action_id: UUID,
        affiliate_id: UUID,
        rules_id: UUID,
        rules_version: str,
        fields: dict[str, Any],
        actor: str,
    ) -> Notice:
        kind = values.choice("kind", kind, KINDS)
        cleaned = notice_fields.clean(_schema(kind), fields)
        return cls(
            id=id,
            kind=kind,
            action_id=action_id,
            affiliate_id=affiliate_id,
            rules_id=rules_id,
            rules_version=rules_version,
            fields={k: v for k, v in cleaned.items() if v is not None},
            actor=actor,
        )

    def facts(self) -> tuple[Any, ...]:
        return (self.kind, self.action_id, self.affiliate_id, self.first_fields)

    # -- editing -------------------------------------------------------------------------------

    def edit(self, changes: dict[str, Any], *, actor: str) -> bool:
        if self.status not in ("draft", "ready"):
            raise Conflict("notice_locked", status=self.status)
        cleaned = notice_fields.clean(_schema(self.kind), changes)
        merged = {**self.fields, **cleaned}
        starts, ends = merged.get("starts_at"), merged.get("ends_at")
        if starts and ends and datetime.fromisoformat(ends) <= datetime.fromisoformat(starts):
            raise InvalidInput("ends_before_start", field="ends_at")
        if all(self.fields.get(k) == v for k, v in cleaned.items()):
            return False
        self._edited(changes=cleaned, actor=actor)
        return True

    @event(Edited)
    def _edited(self, *, changes: dict[str, Any], actor: str) -> None:
        for key, value in changes.items():
            if value is None:
                self.fields.pop(key, None)
            else:
                self.fields[key] = value
        self.status = "draft"  # an edit needs a new check before the notice is ready again

    def attach_negotiation(
        self, *, kind: str, on: str, note: str, attachment: UUID | None, actor: str
    ) -> bool:
        if self.kind != "strike":
            raise Conflict("not_for_notice_kind", field="kind", kind=self.kind)
        evidence = {
            "kind": values.choice("kind", kind, notice_fields.NEGOTIATION_KINDS),
            "date": notice_fields.day("date", on),
            "note": values.text("note", note, max_length=notice_fields.LONG_TEXT),
            "attachment_id": str(attachment) if attachment else None,
        }
        if evidence in self.negotiations:
            return False
        if len(self.negotiations) >= MAX_NEGOTIATIONS:
            raise Conflict("too_many", field="negotiations", max=MAX_NEGOTIATIONS)
        self._negotiation_attached(evidence=evidence, actor=actor)
        return True

    @event(NegotiationAttached)
    def _negotiation_attached(self, *, evidence: dict[str, Any], actor: str) -> None:
        self.negotiations.append(evidence)

    # -- lifecycle -----------------------------------------------------------------------------

    def mark_ready(self, *, actor: str) -> bool:
        """The caller has checked the findings: nothing refuses the notice."""
        if self.status == "ready":
            return False
        if self.status != "draft":
            raise Conflict("bad_transition", status=self.status, to="ready")
        self._marked_ready(actor=actor)
        return True

    @event(MarkedReady)
    def _marked_ready(self, *, actor: str) -> None:
        self.status = "ready"

    def mark_sent(self, *, sent_on: str, actor: str) -> bool:
        sent_on = notice_fields.day("sent_on", sent_on)
        if self.status == "sent" and self.sent_on == sent_on:
            return False
        if self.status != "ready":
            raise Conflict("bad_transition", field="status", status=self.status, to="sent")
        self._sent(sent_on=sent_on, actor=actor)
        return True

    @event(Sent)
    def _sent(self, *, sent_on: str, actor: str) -> None:
        self.status = "sent"
        self.sent_on = sent_on

    def record_receipt(
        self,
        *,
        recipient: str,
        received: str,
        received_by: str,
        number: str | None,
        attachment: UUID,
        actor: str,
    ) -> bool:
        """A tanda terima (strike: "employer" or "disnaker", a day) or the police's STTP
        (demo: recipient "police", a moment with its zone), with the scan that proves it."""
        allowed = notice_fields.RECIPIENTS if self.kind == "strike" else ("police",)
        recipient = values.choice("recipient", recipient, allowed)
        if self.status != "sent":
            raise Conflict("notice_not_sent", field="status", status=self.status)
        if self.kind == "strike":
            when_key, when = "received_on", notice_fields.day("received_on", received)
            if when < (self.sent_on or when):
                raise InvalidInput("before_sent", field="received_on", sent_on=self.sent_on)
        else:
            when_key, when = "received_at", notice_fields.moment("received_at", received)
        receipt = {
            when_key: when,
            "received_by": values.text("received_by", received_by),
            "number": values.text("number", number) if number else None,
            "attachment_id": str(attachment),
        }
        if self.receipts.get(recipient) == receipt:
            return False
        self._receipt_recorded(recipient=recipient, receipt=receipt, actor=actor)
        return True

    @event(ReceiptRecorded)
    def _receipt_recorded(self, *, recipient: str, receipt: dict[str, Any], actor: str) -> None:
        self.receipts[recipient] = receipt

    def withdraw(self, *, reason: str, actor: str) -> bool:
        if self.status == "withdrawn":
            return False
        if self.status not in ("draft", "ready"):
            raise Conflict("bad_transition", field="status", status=self.status, to="withdrawn")
        self._withdrawn(reason=values.text("reason", reason, max_length=500), actor=actor)
        return True

    @event(Withdrawn)
    def _withdrawn(self, *, reason: str, actor: str) -> None:
        self.status = "withdrawn"
        self.close_reason = reason

    def cancel(self, *, reason: str, at: datetime, actor: str) -> bool:
        """A sent demonstration notice called off (UU 9/1998 Pasal 14: in writing, 24 hours
        before); the findings say when it was too late."""
        if self.kind != "demo":
            raise Conflict("not_for_notice_kind", field="kind", kind=self.kind)
        if self.status == "cancelled":
            return False
        if self.status != "sent":
            raise Conflict("bad_transition", field="status", status=self.status, to="cancelled")
        self._cancelled(reason=values.text("reason", reason, max_length=500), at=at, actor=actor)
        return True

    @event(Cancelled)
    def _cancelled(self, *, reason: str, at: datetime, actor: str) -> None:
        self.status = "cancelled"
        self.cancelled_at = at
        self.close_reason = reason


def _schema(kind: str) -> dict[str, Any]:
    return notice_fields.STRIKE if kind == "strike" else notice_fields.DEMO


class ActionNotices(Aggregate):
    """Which notices an action has, in the order they were drafted (saved with each draft)."""

    class Listed(Aggregate.Created):
        action_id: UUID

    class NoticeAdded(Aggregate.Event):
        notice_id: UUID

    @staticmethod
    def id_for(action_id: UUID) -> UUID:
        return uuid5(NAMESPACE_URL, f"posko:notices:{action_id}")

    @event(Listed)
    def __init__(self, *, id: UUID, action_id: UUID) -> None:
        self.action_id = action_id
        self.notice_ids: list[str] = []

    @event(NoticeAdded)
    def add(self, *, notice_id: UUID) -> None:
        self.notice_ids.append(str(notice_id))
