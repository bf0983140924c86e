"""Legal notices and the evidence log over HTTP: draft, edit, mark ready, sent, receipts with
their scans; the notice as JSON (with its findings in the caller's language), as a printable A4
page and as a PDF; evidence entries, their listing and the legal team's bundle. Officers of the
union concerned and coordinators of the action write; the legal team (READ_LEGAL) reads evidence."""

from __future__ import annotations

import uuid as uuid_module
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from aiohttp import web

from core.access import Permission, may
from core.errors import Forbidden, InvalidInput
from core.notices import MAX_ATTACHMENT, MEDIA_TYPES
from web import bodies, evidence_bundle, notice_pages, parse
from web.context import PRINCIPAL, authorise, created, recorded, services
from web.messages import language
from web.notice_texts import title


def _now() -> datetime:
    return datetime.now(UTC)


def _lang(request: web.Request) -> str:
    return language(request.headers.get("Accept-Language"))


# -- the rules -----------------------------------------------------------------------------------


async def legal_rules(request: web.Request) -> web.Response:
    """The rule set in force today: every rule with its article and status, the calendar and
    the forbidden places. Anyone signed in may read the law as Posko applies it."""
    authorise(request, Permission.READ_ORGANISATION)
    svc = services(request)
    book = svc.port.rulebook
    current = book.in_force(_now().date())
    return web.json_response({**current.summary(), "versions": [s.version for s in book.sets]})


# -- attachments ---------------------------------------------------------------------------------


async def upload_attachment(request: web.Request) -> web.Response:
    """A scan or photo as the raw body (Content-Type image/jpeg, image/png, image/webp or
    application/pdf), ?filename= and ?affiliate_id= (the union it belongs to)."""
    action_id = parse.path_id(request)
    affiliate_id = _query_uuid(request, "affiliate_id")
    actor = authorise(request, Permission.WRITE_NOTICES, action_id, affiliate_id=affiliate_id)
    media_type = request.content_type
    if media_type not in MEDIA_TYPES:
        raise InvalidInput("not_one_of", field="media_type", allowed=list(MEDIA_TYPES))
    data = await _read_upload(request)
    svc = services(request)
    result = await svc.port.upload_attachment(
        action_id=action_id,
        affiliate_id=affiliate_id,
        filename=request.query.get("filename", "") or "lampiran",
        media_type=media_type,
        data=data,
        actor=actor,
    )
    return created(result)


async def _read_upload(request: web.Request) -> bytes:
    """The raw body, up to MAX_ATTACHMENT (read from the stream: the app's body limit is for
    JSON and far smaller); a larger one is refused before it is all read."""
    chunks, size = [], 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > MAX_ATTACHMENT:
            raise InvalidInput("too_large", field="body", max=MAX_ATTACHMENT)
        chunks.append(chunk)
    return b"".join(chunks)


async def get_attachment(request: web.Request) -> web.Response:
    attachment_id = parse.path_id(request)
    svc = services(request)
    attachment = await svc.port.attachment(attachment_id)
    principal = request[PRINCIPAL]
    if not (
        may(principal, Permission.READ_LEGAL, attachment.action_id)
        or (
            attachment.affiliate_id is not None
            and may(
                principal,
                Permission.WRITE_NOTICES,
                attachment.action_id,
                affiliate_id=attachment.affiliate_id,
            )
        )
    ):
        raise Forbidden()
    return web.Response(
        body=attachment.data(),
        content_type=attachment.media_type,
        headers={
            "Content-Disposition": f'inline; filename="{_safe(attachment.filename)}"',
            "Cache-Control": "private, no-store",
        },
    )


# -- notices -------------------------------------------------------------------------------------


async def draft_notice(request: web.Request) -> web.Response:
    action_id = parse.path_id(request)
    body = await parse.body(request, bodies.NoticeIn)
    actor = authorise(request, Permission.WRITE_NOTICES, action_id, affiliate_id=body.affiliate_id)
    result = await services(request).port.draft_notice(
        id=body.id or uuid_module.uuid4(),
        kind=body.kind,
        action_id=action_id,
        affiliate_id=body.affiliate_id,
        fields=dict(body.fields),
        now=_now(),
        actor=actor,
    )
    return created(result)


async def list_notices(request: web.Request) -> web.Response:
    """The notices of an action the caller may see: all for its coordinators, their own
    union's for officers."""
    action_id = parse.path_id(request)
    principal = request[PRINCIPAL]
    # Coordinators of the action and officers of every union see all; an officer of one union
    # is let in and sees that union's notices only.
    if not (may(principal, Permission.WRITE_NOTICES, action_id) or principal.has("officer")):
        raise Forbidden()
    svc = services(request)
    reports = await svc.port.notice_reports(action_id, _now())
    visible = [
        r
        for r in reports
        if may(principal, Permission.WRITE_NOTICES, action_id, affiliate_id=UUID(r["affiliate_id"]))
    ]
    lang = _lang(request)
    return web.json_response({"notices": [_titled(r, lang) for r in visible]})


async def get_notice(request: web.Request) -> web.Response:
    report = await _readable_report(request)
    return web.json_response(_titled(report, _lang(request)))


async def notice_html(request: web.Request) -> web.Response:
    report = await _readable_report(request)
    svc = services(request)
    page = notice_pages.render(report, svc.letterhead)
    return web.Response(text=page, content_type="text/html", headers={"Cache-Control": "no-store"})


async def notice_pdf(request: web.Request) -> web.Response:
    report = await _readable_report(request)
    svc = services(request)
    page = notice_pages.render(report, svc.letterhead)
    async with svc.replays:  # slow work (layout): a few at a time, in the slow pool
        pdf = await svc.port.slow(notice_pages.pdf, page)
    name = f"surat-{report['kind']}-{report['id'][:8]}.pdf"
    return web.Response(
        body=pdf,
        content_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


async def _readable_report(request: web.Request) -> dict[str, Any]:
    notice_id = parse.path_id(request)
    svc = services(request)
    report: dict[str, Any] = await svc.port.notice_report(notice_id, _now())
    authorise(
        request,
        Permission.WRITE_NOTICES,
        UUID(report["action_id"]),
        affiliate_id=UUID(report["affiliate_id"]),
    )
    return report


async def _writable(request: web.Request) -> tuple[UUID, str]:
    """The notice named in the path and the actor, once the caller may write it."""
    notice_id = parse.path_id(request)
    svc = services(request)
    notice = await svc.port.notice(notice_id)
    actor = authorise(
        request, Permission.WRITE_NOTICES, notice.action_id, affiliate_id=notice.affiliate_id
    )
    return notice_id, actor


async def edit_notice(request: web.Request) -> web.Response:
    notice_id, actor = await _writable(request)
    body = await parse.body(request, bodies.NoticeEdit)
    result = await services(request).port.edit_notice(
        notice_id=notice_id, changes=dict(body.fields), actor=actor
    )
    return recorded(result)


async def attach_negotiation(request: web.Request) -> web.Response:
    notice_id, actor = await _writable(request)
    body = await parse.body(request, bodies.NegotiationIn)
    result = await services(request).port.attach_negotiation(
        notice_id=notice_id,
        kind=body.kind,
        on=body.date,
        note=body.note,
        attachment_id=body.attachment_id,
        actor=actor,
    )
    return created(result)


async def mark_ready(request: web.Request) -> web.Response:
    notice_id, actor = await _writable(request)
    await parse.body(request, bodies.NoDetails, optional=True)
    result = await services(request).port.mark_notice_ready(
        notice_id=notice_id, now=_now(), actor=actor
    )
    return created(result)


async def mark_sent(request: web.Request) -> web.Response:
    notice_id, actor = await _writable(request)
    body = await parse.body(request, bodies.SentIn)
    result = await services(request).port.mark_notice_sent(
        notice_id=notice_id, sent_on=body.sent_on, actor=actor
    )
    return created(result)


async def record_receipt(request: web.Request) -> web.Response:
    notice_id, actor = await _writable(request)
    body = await parse.body(request, bodies.ReceiptIn)
    result = await services(request).port.record_notice_receipt(
        notice_id=notice_id,
        recipient=body.recipient,
        received=body.received,
        received_by=body.received_by,
        number=body.number,
        attachment_id=body.attachment_id,
        actor=actor,
    )
    return created(result)


async def withdraw_notice(request: web.Request) -> web.Response:
    notice_id, actor = await _writable(request)
    body = await parse.body(request, bodies.ReasonIn)
    result = await services(request).port.withdraw_notice(
        notice_id=notice_id, reason=body.reason, actor=actor
    )
    return created(result)


async def cancel_notice(request: web.Request) -> web.Response:
    notice_id, actor = await _writable(request)
    body = await parse.body(request, bodies.ReasonIn)
    result = await services(request).port.cancel_notice(
        notice_id=notice_id, reason=body.reason, now=_now(), actor=actor
    )
    return created(result)


# -- the evidence log ----------------------------------------------------------------------------


async def record_evidence(request: web.Request) -> web.Response:
    action_id = parse.path_id(request)
    body = await parse.body(request, bodies.EvidenceIn)
    actor = authorise(request, Permission.WRITE_NOTICES, action_id, affiliate_id=body.affiliate_id)
    result = await services(request).port.record_evidence(
        action_id=action_id,
        id=body.id,
        affiliate_id=body.affiliate_id,
        kind=body.kind,
        category=body.category,
        occurred_at=body.occurred_at,
        description=body.description,
        people=body.people,
        place=body.place,
        received_on=body.received_on,
        return_by=body.return_by,
        attachment_ids=list(body.attachment_ids),
        now=_now(),
        actor=actor,
    )
    return created(result)


async def get_evidence(request: web.Request) -> web.Response:
    action_id = parse.path_id(request)
    authorise(request, Permission.READ_LEGAL, action_id)
    svc = services(request)
    return web.json_response(await svc.port.evidence(action_id, _now()))


async def evidence_bundle_zip(request: web.Request) -> web.Response:
    action_id = parse.path_id(request)
    authorise(request, Permission.READ_LEGAL, action_id)
    svc = services(request)
    now = _now()
    log, files = await svc.port.evidence_files(action_id, now)
    data = await svc.port.slow(evidence_bundle.build, log, files, now)  # zipping: off the loop
    head = log["head"]
    return web.Response(
        body=data,
        content_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="bukti-{action_id}.zip"',
            "X-Evidence-Head": head,
            "Cache-Control": "no-store",
        },
    )


# -- helpers -------------------------------------------------------------------------------------


def _titled(report: dict[str, Any], lang: str) -> dict[str, Any]:
    return {**report, "findings": [{**f, "title": title(f, lang)} for f in report["findings"]]}


def _query_uuid(request: web.Request, name: str) -> UUID | None:
    raw = request.query.get(name)
    if not raw:
        return None
    try:
        return UUID(raw)
    except ValueError:
        raise InvalidInput("not_uuid", field=name) from None


def _safe(name: str) -> str:
    return "".join(c for c in name if c.isalnum() or c in "._- ")[:100] or "lampiran"
