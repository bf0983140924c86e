"""Requests for help from a site (medic, water and food, legal aid, transport, sound):
open -> committed (who will deliver) -> fulfilled, or cancelled before that. Legal-aid requests
are flagged for the legal team (LBH)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from core import values
from core.errors import InvalidInput
from core.lifecycle import Lifecycle
from core.report import check_time

KINDS = ("medic", "water_food", "legal_aid", "transport", "sound", "other")
LEGAL_KINDS = ("legal_aid",)
MAX_QUANTITY = 100_000
LIFECYCLE = Lifecycle(
    {
        "committed": ("open", "committed"),  # committed again: handed to someone else
        "fulfilled": ("committed",),
        "cancelled": ("open", "committed"),
    }
)


class HelpRequest(Aggregate):
    class Requested(Aggregate.Created):
        action_id: UUID
        site_id: UUID
        kind: str
        quantity: int
        note: str
        at: datetime
        actor: str

    class Committed(Aggregate.Event):
        by: str  # who will deliver: a name, a team, a phone number
        actor: str

    class Fulfilled(Aggregate.Event):
        actor: str

    class Cancelled(Aggregate.Event):
        reason: str
        actor: str

    @event(Requested)
    def __init__(
        self,
        *,
        id: UUID,
        action_id: UUID,
        site_id: UUID,
        kind: str,
        quantity: int,
        note: str,
        at: datetime,
        actor: str,
    ) -> None:
        self.action_id = action_id
        self.site_id = site_id
        self.kind = kind
        self.quantity = quantity
        self.note = note
        self.at = at
        self.status = "open"
        self.committed_by: str | None = None

    @classmethod
    def request(
        cls,
        *,
        id: UUID,
        action_id: UUID,
        site_id: UUID,
        kind: str,
        quantity: int,
        note: str,
        at: datetime,
        now: datetime,
        actor: str,
    ) -> HelpRequest:
        if not 1 <= quantity <= MAX_QUANTITY:  # "0 medics" is a mistake, not a request
            raise InvalidInput("out_of_range", field="quantity", min=1, max=MAX_QUANTITY)
        return cls(
            id=id,
            action_id=action_id,
            site_id=site_id,
            kind=values.choice("kind", kind, KINDS),
            quantity=quantity,
            note=note.strip()[:500],
            at=check_time(at, now),
            actor=actor,
        )

    def facts(self) -> dict[str, Any]:
        return {
            "action_id": self.action_id,
            "site_id": self.site_id,
            "kind": self.kind,
            "quantity": self.quantity,
            "note": self.note,
            "at": self.at,
        }

    @property
    def legal(self) -> bool:
        return self.kind in LEGAL_KINDS

    def commit(self, *, by: str, actor: str) -> bool:
        by = values.text("by", by)  # the same team again changes nothing; another takes over
        repeat = self.status == "committed" and self.committed_by == by
        if not LIFECYCLE.moving(self.status, "committed", repeat=repeat):
            return False
        self._committed(by=by, actor=actor)
        return True

    @event(Committed)
    def _committed(self, *, by: str, actor: str) -> None:
        self.status = "committed"
        self.committed_by = by

    def fulfil(self, *, actor: str) -> bool:
        if not LIFECYCLE.moving(self.status, "fulfilled"):
            return False
        self._fulfilled(actor=actor)
        return True

    @event(Fulfilled)
    def _fulfilled(self, *, actor: str) -> None:
        self.status = "fulfilled"

    def cancel(self, *, reason: str, actor: str) -> bool:
        if not LIFECYCLE.moving(self.status, "cancelled"):
            return False
        self._cancelled(reason=values.text("reason", reason, max_length=500), actor=actor)
        return True

    @event(Cancelled)
    def _cancelled(self, *, reason: str, actor: str) -> None:
        self.status = "cancelled"
