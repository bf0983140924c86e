"""Commands and reads of the legal notices: draft from an action, edit, attach evidence of failed
negotiations, mark ready (refused while anything refuses it), mark sent, record receipts; and
the notice as it stands now, judged by the rule set it was drafted with."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from core.action import Action
from core.base import PoskoBase, Recorded
from core.errors import Conflict, NotFound
from core.legal import checks
from core.legal.rules import RuleBook, RuleSet, load_rulebook, parse
from core.notices import ActionNotices, Attachment, Notice, RuleSetText


class NoticeCommands(PoskoBase):
    legal_rules: RuleBook | None = None  # set by the composition root; else the shipped rules
    _parsed_rules: dict[str, RuleSet] | None = None

    @property
    def rulebook(self) -> RuleBook:
        if self.legal_rules is None:
            self.legal_rules = load_rulebook()
        return self.legal_rules

    def rules_of(self, notice: Notice) -> RuleSet:
        """The rule set the notice was drafted with, from its stored text (cached)."""
        if self._parsed_rules is None:
            self._parsed_rules = {}
        key = str(notice.rules_id)
        if key not in self._parsed_rules:
            stored = self._load(notice.rules_id, RuleSetText, field="rules_id", copy=False)
            self._parsed_rules[key] = parse(stored.text, origin=f"rules {stored.rules_version}")
        return self._parsed_rules[key]

    # -- attachments -----------------------------------------------------------------------------

    def upload_attachment(
        self,
        *,
        action_id: UUID,
        affiliate_id: UUID | None,
        filename: str,
        media_type: str,
        data: bytes,
        actor: str,
    ) -> Recorded:
        self._load(action_id, Action, field="action_id", copy=False)
        attachment = Attachment.upload(
            action_id=action_id,
            affiliate_id=affiliate_id,
            filename=filename,
            media_type=media_type,
            data=data,
            actor=actor,
        )
        return self._create(attachment.id, lambda: attachment, lambda _: None)

    def attachment(self, attachment_id: UUID) -> Attachment:
        return self._load(attachment_id, Attachment, field="attachment_id")

    def _require_attachment(self, attachment_id: UUID, action_id: UUID, field: str) -> None:
        self._stored_attachment(attachment_id, action_id, field)

    def _stored_attachment(self, attachment_id: UUID, action_id: UUID, field: str) -> Attachment:
        found = self._load(attachment_id, Attachment, field=field, copy=False)
        if found.action_id != action_id:
            raise NotFound("unknown_attachment", field=field)
        return found

    # -- notices ---------------------------------------------------------------------------------

    def draft_notice(
        self,
        *,
        id: UUID,
        kind: str,
        action_id: UUID,
        affiliate_id: UUID,
        fields: dict[str, Any],
        now: datetime,
        actor: str,
    ) -> Recorded:
        action = self._load(action_id, Action, field="action_id", copy=False)
        if kind == "strike" and action.kind != "strike":
            raise Conflict("action_not_strike", field="action_id", kind=action.kind)
        if kind == "demo" and not action.sites:
            raise Conflict("action_has_no_sites", field="action_id")
        rules = self.rulebook.in_force(now.date())
        prefill: dict[str, Any] = {
            "starts_at": action.starts_at.isoformat(),
            "ends_at": action.ends_at.isoformat(),
        }
        if kind == "strike" and action.demands:
            prefill["reasons"] = "\n".join(action.demands)
        fields = {**prefill, **fields}

        def make() -> Notice:
            return Notice.draft(
                id=id,
                kind=kind,
                action_id=action_id,
                affiliate_id=affiliate_id,
                rules_id=rules.id,
                rules_version=rules.version,
                fields=fields,
                actor=actor,
            )

        def companions(candidate: Notice) -> list[Aggregate]:
            """Saved with the notice: the action's list of notices, and the rule set's text
            the first time a notice uses that version."""
            _check_sites(action, candidate.fields)
            index_id = ActionNotices.id_for(action_id)
            index = self._find(index_id, ActionNotices)
            if index is None:
                index = ActionNotices(id=index_id, action_id=action_id)
            index.add(notice_id=id)
            stored = self._find(rules.id, RuleSetText) is not None
            return [index] if stored else [index, _rules_text(rules)]

        return self._create(id, make, companions)

    def notice(self, notice_id: UUID) -> Notice:
        return self._load(notice_id, Notice, field="notice_id")

    def notices_of(self, action_id: UUID) -> list[Notice]:
        index = self._find(ActionNotices.id_for(action_id), ActionNotices)
        ids = index.notice_ids if index is not None else []
        return [self._load(UUID(i), Notice, field="notice_id", copy=False) for i in ids]

    def notice_reports(self, action_id: UUID, now: datetime) -> list[dict[str, Any]]:
        """Every notice of the action as `report_of` shows it; NotFound for an unknown action."""
        self._load(action_id, Action, field="id", copy=False)
        return [self.report_of(n, now) for n in self.notices_of(action_id)]

    def edit_notice(self, *, notice_id: UUID, changes: dict[str, Any], actor: str) -> Recorded:
        def edit(notice: Notice) -> bool:
            action = self._load(notice.action_id, Action, field="action_id", copy=False)
            changed = notice.edit(changes, actor=actor)
            _check_sites(action, notice.fields)
            return changed

        return self._change_notice(notice_id, edit)

    def attach_negotiation(
        self,
        *,
        notice_id: UUID,
        kind: str,
        on: str,
        note: str,
        attachment_id: UUID | None,
        actor: str,
    ) -> Recorded:
        def attach(notice: Notice) -> bool:
            if attachment_id is not None:
                self._require_attachment(attachment_id, notice.action_id, "attachment_id")
            return notice.attach_negotiation(
                kind=kind, on=on, note=note, attachment=attachment_id, actor=actor
            )

        return self._change_notice(notice_id, attach)

    def mark_notice_ready(self, *, notice_id: UUID, now: datetime, actor: str) -> Recorded:
        def ready(notice: Notice) -> bool:
            if notice.status == "draft":
                refused = checks.refusals(self.findings(notice, now))
                if refused:
                    raise Conflict(
                        "notice_refused",
                        field=refused[0].params.get("field", "starts_at"),
                        count=len(refused),
                        findings=[f.as_dict() for f in refused],
                    )
            return notice.mark_ready(actor=actor)

        return self._change_notice(notice_id, ready)

    def mark_notice_sent(self, *, notice_id: UUID, sent_on: str, actor: str) -> Recorded:
        return self._change_notice(notice_id, lambda n: n.mark_sent(sent_on=sent_on, actor=actor))

    def record_notice_receipt(
        self,
        *,
        notice_id: UUID,
        recipient: str,
        received: str,
        received_by: str,
        number: str | None,
        attachment_id: UUID,
        actor: str,
    ) -> Recorded:
        def record(notice: Notice) -> bool:
            self._require_attachment(attachment_id, notice.action_id, "attachment_id")
            return notice.record_receipt(
                recipient=recipient,
                received=received,
                received_by=received_by,
                number=number,
                attachment=attachment_id,
                actor=actor,
            )

        return self._change_notice(notice_id, record)

    def withdraw_notice(self, *, notice_id: UUID, reason: str, actor: str) -> Recorded:
        return self._change_notice(notice_id, lambda n: n.withdraw(reason=reason, actor=actor))

    def cancel_notice(self, *, notice_id: UUID, reason: str, now: datetime, actor: str) -> Recorded:
        return self._change_notice(
            notice_id, lambda n: n.cancel(reason=reason, at=now, actor=actor)
        )

    def _change_notice(self, notice_id: UUID, change: Callable[[Notice], bool]) -> Recorded:
        return self._change(notice_id, Notice, change, field="notice_id")

    # -- judging a notice ------------------------------------------------------------------------

    def demo_sites(self, notice: Notice, action: Action | None = None) -> list[dict[str, Any]]:
        action = action or self._load(notice.action_id, Action, field="action_id", copy=False)
        chosen = notice.fields.get("site_ids") or list(action.sites)
        return [{"id": sid, **action.sites[sid]} for sid in chosen if sid in action.sites]

    def findings(self, notice: Notice, now: datetime) -> list[checks.Finding]:
        rules = self.rules_of(notice)
        if notice.kind == "strike":
            return checks.strike_findings(
                notice.fields, notice.negotiations, notice.receipts, notice.status, rules, now
            )
        return checks.demo_findings(
            notice.fields,
            self.demo_sites(notice),
            notice.receipts.get("police"),
            notice.cancelled_at,
            rules,
            now,
        )

    def notice_report(self, notice_id: UUID, now: datetime) -> dict[str, Any]:
        """The notice as the page and the dashboard show it: its data, the rule set it uses,
        what the rules say now, the clock, and whether the action's start has moved."""
        notice = self._load(notice_id, Notice, field="notice_id", copy=False)
        return self.report_of(notice, now)

    def report_of(self, notice: Notice, now: datetime) -> dict[str, Any]:
        rules = self.rules_of(notice)
        action = self._load(notice.action_id, Action, field="action_id", copy=False)
        findings = self.findings(notice, now)
        report: dict[str, Any] = {
            "id": str(notice.id),
            "kind": notice.kind,
            "action_id": str(notice.action_id),
            "action_title": action.title,
            "affiliate_id": str(notice.affiliate_id),
            "status": notice.status,
            "fields": dict(notice.fields),
            "receipts": dict(notice.receipts),
            "sent_on": notice.sent_on,
            "drafted_at": notice.created_on.isoformat(),
            "modified_at": notice.modified_on.isoformat(),
            "version": notice.version,
            "rules": {"version": rules.version, "digest": rules.digest, "id": str(rules.id)},
            "clock": None,
        }
        if notice.kind == "strike":
            report["negotiations"] = list(notice.negotiations)
            clock = checks.strike_clock(notice.fields, notice.receipts, rules, now)
            report["clock"] = clock.as_dict() if clock else None
            report["place_hint"] = rules.value("strike_place_hint")
            if clock is not None and notice.status not in ("withdrawn",):
                findings.extend(_moved_start(notice, action, clock, rules))
        else:
            report["sites"] = self.demo_sites(notice, action)
            report["police_level"] = checks.police_level(notice.fields, rules)
            deadline = checks.cancellation_deadline(notice.fields, rules)
            report["cancellation_deadline"] = deadline.isoformat() if deadline else None
            report["cancelled_at"] = (
                notice.cancelled_at.isoformat() if notice.cancelled_at else None
            )
            starts = notice.fields.get("starts_at")
            if starts and action.starts_at != datetime.fromisoformat(starts):
                findings.append(
                    checks.Finding(
                        "action_start_differs",
                        "warn",
                        "demo_notice_hours",
                        rules.rule("demo_notice_hours").cites,
                        rules.rule("demo_notice_hours").status,
                        {
                            "action_starts_at": action.starts_at.isoformat(),
                            "notice_starts_at": starts,
                        },
                    )
                )
        report["findings"] = [f.as_dict() for f in findings]
        report["deadline"] = _deadline(notice, report, rules)
        return report


def _deadline(notice: Notice, report: dict[str, Any], rules: RuleSet) -> dict[str, str] | None:
    """The next moment that matters, for the dashboard's countdown: the last moment to obtain
    the strike notice's receipts (the end of the last allowed day), then the strike's start; the
    police's receipt 72 hours before a demonstration, then the 24-hour cancellation deadline."""
    raw = notice.fields.get("starts_at")
    if not raw or notice.status in ("withdrawn", "cancelled"):
        return None
    starts = datetime.fromisoformat(raw)
    if notice.kind == "strike":
        clock = report["clock"]
        if clock["counted_from_receipts"]:
            return {"kind": "start", "at": starts.isoformat()}
        last_day = datetime.fromisoformat(clock["receipt_deadline"]).date()
        end = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=starts.tzinfo)
        return {"kind": "receipts", "at": end.isoformat()}
    if "police" not in notice.receipts:
        hours = int(rules.value("demo_notice_hours"))
        return {"kind": "sttp", "at": (starts - timedelta(hours=hours)).isoformat()}
    return {"kind": "cancellation", "at": report["cancellation_deadline"]}


def _moved_start(
    notice: Notice, action: Action, clock: checks.StrikeClock, rules: RuleSet
) -> list[checks.Finding]:
    """The action's start (which planners may move) against the notice: a start earlier than
    the earliest lawful one is the warning coordinators must see."""
    starts = notice.fields.get("starts_at")
    if not starts or action.starts_at == datetime.fromisoformat(starts):
        return []
    rule = rules.rule("strike_notice_working_days")
    local = action.starts_at.astimezone(datetime.fromisoformat(starts).tzinfo).date()
    params = {
        "action_starts_at": action.starts_at.isoformat(),
        "notice_starts_at": starts,
        "earliest_lawful": clock.earliest_lawful.isoformat(),
    }
    if local < clock.earliest_lawful:
        return [
            checks.Finding(
                "action_start_before_deadline", "warn", rule.name, rule.cites, rule.status, params
            )
        ]
    return [
        checks.Finding("action_start_differs", "warn", rule.name, rule.cites, rule.status, params)
    ]


def _rules_text(rules: RuleSet) -> RuleSetText:
    return RuleSetText(
        id=rules.id, rules_version=rules.version, digest=rules.digest, text=rules.text
    )


def _check_sites(action: Action, fields: dict[str, Any]) -> None:
    for site_id in fields.get("site_ids") or []:
        action.site(UUID(site_id), field="site_ids")
