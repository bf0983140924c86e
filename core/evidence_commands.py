"""Commands and reads of the evidence log after a strike: one hash-chained log per action,
appended to by officers and coordinators, read (and exported) by the legal team."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from core.action import Action
from core.base import CONCURRENCY_RETRIES, Recorded
from core.errors import Conflict, InvalidInput
from core.evidence import (
    ALGORITHM,
    GENESIS,
    MAX_ATTACHMENTS,
    EvidenceLog,
    first_broken,
    make_entry,
    summons_deadline,
)
from core.notice_commands import NoticeCommands


class EvidenceCommands(NoticeCommands):
    """The evidence log after a strike: one hash-chained log per action."""

    def record_evidence(
        self,
        *,
        action_id: UUID,
        id: UUID,
        affiliate_id: UUID | None,
        kind: str,
        category: str,
        occurred_at: datetime,
        description: str,
        people: str | None,
        place: str | None,
        received_on: str | None,
        return_by: str | None,
        attachment_ids: list[UUID],
        now: datetime,
        actor: str,
    ) -> Recorded:
        self._load(action_id, Action, field="action_id", copy=False)
        rules = self.rulebook.in_force(now.date())
        if len(attachment_ids) > MAX_ATTACHMENTS:
            raise InvalidInput("too_many", field="attachment_ids", max=MAX_ATTACHMENTS)
        shas = [
            self._stored_attachment(a, action_id, f"attachment_ids[{i}]").sha256
            for i, a in enumerate(attachment_ids)
        ]
        entry = make_entry(
            id=id,
            affiliate_id=affiliate_id,
            kind=kind,
            category=category,
            occurred_at=occurred_at,
            description=description,
            people=people,
            place=place,
            received_on=received_on,
            return_by=return_by,
            attachments=list(zip(attachment_ids, shas, strict=True)),
            retaliation_kinds=rules.value("retaliation"),
            recorded_at=now,
            actor=actor,
        )
        log_id = EvidenceLog.id_for(action_id)
        for _ in range(CONCURRENCY_RETRIES):
            log = self._find(log_id, EvidenceLog) or EvidenceLog(id=log_id, action_id=action_id)
            if not log.record(entry):
                return Recorded(id, self._position_of(log_id), created=False)
            try:
                recordings = self._commits.save(log)
            except IntegrityError:
                continue  # someone else appended first: chain after their entry
            return Recorded(id, recordings[-1].notification.id, created=True)
        raise Conflict("busy", field="id", id=str(id))

    def evidence(self, action_id: UUID, now: datetime) -> dict[str, Any]:
        """The log with each summons' deadline, and whether the chain holds."""
        self._load(action_id, Action, field="action_id", copy=False)
        log = self._find(EvidenceLog.id_for(action_id), EvidenceLog)
        links = log.links if log is not None else []
        rule = self.rulebook.in_force(now.date()).rule("summons_answer_days")
        entries = [
            {
                **link,
                "deadline": summons_deadline(link["entry"], int(rule.value)),
            }
            for link in links
        ]
        return {
            "action_id": str(action_id),
            "algorithm": ALGORITHM,
            "genesis": GENESIS,
            "head": log.head if log is not None else GENESIS,
            "count": len(links),
            "intact": first_broken(links) is None,
            "summons_rule": rule.as_dict(),
            "entries": entries,
        }

    def evidence_files(self, action_id: UUID, now: datetime) -> tuple[dict[str, Any], list[Any]]:
        """The log and (id, attachment) for every file its entries name: a bundle's contents."""
        log = self.evidence(action_id, now)
        ids = sorted({a["id"] for link in log["entries"] for a in link["entry"]["attachments"]})
        return log, [(a, self.attachment(UUID(a))) for a in ids]
