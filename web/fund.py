"""The solidarity fund's API: funds and accounts, contributions and dues with receipts, entries
and reversals, the disbursement workflow, balances as of a date (the ledger's pages are in
web/fund_ledger.py), period reports,
close and sign-off, verification and exports. Each handler parses, authorises against the fund's
scope (core.access.may_fund), calls one command or reads the views, and renders."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from aiohttp import web
from num2words import num2words

from core import ledger
from core.access import FundScope, Permission, fund_roles, may_fund
from core.errors import Forbidden, NotFound
from projections import fund as fund_view
from projections import fund_arrears, fund_budget
from projections.rows import Doc
from web import bodies, parse
from web.context import PRINCIPAL, created, services, wait_for_min_position
from web.exports import _cell

# -- authorisation ---------------------------------------------------------------------------------


async def _scope(request: web.Request, fund_id: UUID) -> FundScope:
    svc = services(request)
    return await svc.port.fund_scope(fund_id)


async def _authorise(request: web.Request, permission: Permission) -> tuple[UUID, str]:
    """The fund in the path and the caller's actor id, once the caller may do `permission`."""
    fund_id = parse.path_id(request)
    principal = request[PRINCIPAL]
    if not may_fund(principal, permission, await _scope(request, fund_id)):
        raise Forbidden()
    return fund_id, principal.id


def _may(request: web.Request, permission: Permission, scope: FundScope) -> bool:
    return may_fund(request[PRINCIPAL], permission, scope)


# -- dates (the core reads them: not_a_date) ------------------------------------------------------


def _query_day(request: web.Request, field: str) -> date | None:
    raw = request.query.get(field)
    return None if raw is None else ledger.parse_date(field, raw)


# -- funds -----------------------------------------------------------------------------------------


async def open_fund(request: web.Request) -> web.Response:
    principal = request[PRINCIPAL]
    if not may_fund(principal, Permission.OPEN_FUNDS, None):
        raise Forbidden()
    body = await parse.body(request, bodies.FundIn)
    svc = services(request)
    result = await svc.port.open_fund(
        id=body.id,
        name=body.name,
        unit_kind=body.unit_kind,
        unit_id=body.unit_id,
        threshold=body.threshold,
        expiry_days=30 if body.expiry_days is None else body.expiry_days,
        actor=principal.id,
    )
    return created(result)


async def list_funds(request: web.Request) -> web.Response:
    """The funds the caller may see at least the totals of."""
    svc = services(request)
    await wait_for_min_position(request)
    position, docs = await svc.port.snapshot(fund_view.FUNDS)
    visible = [
        doc
        for doc in docs
        if (scope := fund_view.scope(doc)) and _may(request, Permission.READ_FUND_TOTALS, scope)
    ]
    return web.json_response({"funds": visible, "position": position})


async def get_fund(request: web.Request) -> web.Response:
    """The fund's summary: balances, reservations, totals, periods and checkpoints."""
    fund_id, _actor = await _authorise(request, Permission.READ_FUND_TOTALS)
    await wait_for_min_position(request)
    svc = services(request)
    summary = await svc.port.load(fund_view.channel(fund_id), fund_view.SUMMARY_KEY)
    if summary is None:
        raise NotFound("unknown_fund", field="id")
    return web.json_response({**summary, "position": await svc.port.views_position()})


async def open_account(request: web.Request) -> web.Response:
    fund_id, actor = await _authorise(request, Permission.RECORD_FUND)
    body = await parse.body(request, bodies.AccountIn)
    svc = services(request)
    result = await svc.port.open_account(
        fund_id=fund_id,
        code=body.code,
        name=body.name,
        account_type=body.type,
        actor=actor,
    )
    return created(result)


async def set_dues_rule(request: web.Request) -> web.Response:
    fund_id, actor = await _authorise(request, Permission.RECORD_FUND)
    body = await parse.body(request, bodies.DuesRuleIn)
    svc = services(request)
    result = await svc.port.set_dues_rule(
        fund_id=fund_id,
        rate_bp=body.rate_bp,
        base=body.base,
        rounding=body.rounding,
        split=dict(body.split),
        own_level=body.own_level,
        actor=actor,
    )
    return created(result)


# -- money in and entries --------------------------------------------------------------------------


async def record_contribution(request: web.Request) -> web.Response:
    fund_id, actor = await _authorise(request, Permission.RECORD_FUND)
    body = await parse.body(request, bodies.ContributionIn)
    svc = services(request)
    result = await svc.port.record_contribution(
        id=body.id,
        fund_id=fund_id,
        source=body.source,
        payer=body.payer,
        channel=body.channel,
        reference=body.reference,
        amount=body.amount,
        income_account=body.income_account,
        asset_account=body.asset_account,
        effective_date=ledger.parse_date("effective_date", body.effective_date),
        actor=actor,
    )
    return created(result)


async def record_dues(request: web.Request) -> web.Response:
    fund_id, actor = await _authorise(request, Permission.RECORD_FUND)
    body = await parse.body(request, bodies.DuesIn)
    svc = services(request)
    result = await svc.port.record_dues(
        id=body.id,
        fund_id=fund_id,
        payer=body.payer,
        month=body.month,
        base_amount=body.base_amount,
        channel=body.channel,
        asset_account=body.asset_account,
        effective_date=ledger.parse_date("effective_date", body.effective_date),
        actor=actor,
    )
    return created(result)


async def post_entry(request: web.Request) -> web.Response:
    fund_id, actor = await _authorise(request, Permission.RECORD_FUND)
    body = await parse.body(request, bodies.EntryIn)
    svc = services(request)
    result = await svc.port.post_entry(
        id=body.id,
        fund_id=fund_id,
        legs=[leg.model_dump() for leg in body.legs],
        memo=body.memo,
        effective_date=ledger.parse_date("effective_date", body.effective_date),
        actor=actor,
    )
    return created(result)


async def reverse_entry(request: web.Request) -> web.Response:
    fund_id, actor = await _authorise(request, Permission.RECORD_FUND)
    entry_id = parse.path_id(request, "entry_id")
    body = await parse.body(request, bodies.ReverseIn)
    svc = services(request)
    result = await svc.port.reverse_entry(
        id=body.id,
        fund_id=fund_id,
        entry_id=entry_id,
        reason=body.reason,
        effective_date=ledger.parse_date("effective_date", body.effective_date),
        actor=actor,
    )
    return created(result)


async def _entries(request: web.Request, fund_id: UUID) -> tuple[list[Doc], int]:
    svc = services(request)
    position, docs = await svc.port.snapshot(fund_view.channel(fund_id))
    return fund_view.snapshot(docs)["entries"], position


async def balances(request: web.Request) -> web.Response:
    """Balances now, or as of ?as_of=YYYY-MM-DD, optionally as the books said on ?known_at=."""
    fund_id, _actor = await _authorise(request, Permission.READ_FUND_TOTALS)
    await wait_for_min_position(request)
    as_of, known_at = _query_day(request, "as_of"), _query_day(request, "known_at")
    svc = services(request)
    summary = await _summary(request, fund_id)
    accounts = summary["accounts"]
    if as_of is None and known_at is None:
        figures = {code: a["balance"] for code, a in accounts.items()}
    elif known_at is None and as_of is not None:  # months, then the days of as_of's month
        monthly, days = await svc.port.snapshots(
            fund_view.monthly_channel(fund_id),
            fund_view.month_days_channel(fund_id, as_of.isoformat()[:7]),
        )
        figures = fund_view.balances_as_of_fast(accounts, monthly, days, as_of)
    else:  # what the books said on a day: the rows by effective and recording day
        _pos, daily = await svc.port.snapshot(fund_view.daily_channel(fund_id))
        figures = fund_view.balances_as_of(accounts, daily, as_of or date.max, known_at)
    return web.json_response(
        {
            "as_of": None if as_of is None else as_of.isoformat(),
            "known_at": None if known_at is None else known_at.isoformat(),
            "accounts": {
                code: {
                    "name": a["name"],
                    "type": a["type"],
                    "balance": figures[code],
                    "reserved": a["reserved"],
                }
                for code, a in accounts.items()
            },
            "position": summary["version"],
        }
    )


async def _summary(request: web.Request, fund_id: UUID) -> Doc:
    svc = services(request)
    summary = await svc.port.load(fund_view.channel(fund_id), fund_view.SUMMARY_KEY)
    if summary is None:
        raise NotFound("unknown_fund", field="id")
    return summary


# -- receipts --------------------------------------------------------------------------------------


async def list_receipts(request: web.Request) -> web.Response:
    fund_id, _actor = await _authorise(request, Permission.READ_FUND)
    await wait_for_min_position(request)
    svc = services(request)
    position, docs = await svc.port.snapshot(fund_view.receipts_channel(fund_id))
    return web.json_response({"receipts": docs, "position": position})


async def get_receipt(request: web.Request) -> web.Response:
    """One receipt with what its print page shows: the fund, the unit, the entry's date."""
    fund_id, _actor = await _authorise(request, Permission.READ_FUND)
    await wait_for_min_position(request)
    number = request.match_info["number"]
    svc = services(request)
    doc = await svc.port.load(fund_view.receipts_channel(fund_id), number)
    if doc is None:
        raise NotFound("unknown_receipt", field="number")
    summary = await _summary(request, fund_id)
    return web.json_response(
        {
            **doc,
            "amount_words": terbilang(doc["amount"]),
            "fund": {k: summary[k] for k in ("id", "name", "unit_kind", "unit_id")},
        }
    )


def terbilang(amount: int) -> str:
    """The amount in Indonesian words, as a kuitansi writes it: "lima puluh ribu rupiah"."""
    words: str = num2words(amount, lang="id")
    return f"{words} rupiah"


async def void_receipt(request: web.Request) -> web.Response:
    fund_id, actor = await _authorise(request, Permission.RECORD_FUND)
    number = request.match_info["number"]
    body = await parse.body(request, bodies.VoidIn)
    svc = services(request)
    result = await svc.port.void_receipt(
        fund_id=fund_id,
        number=number,
        reason=body.reason,
        reissue=body.reissue,
        actor=actor,
    )
    return created(result)


# -- disbursements ---------------------------------------------------------------------------------


async def request_disbursement(request: web.Request) -> web.Response:
    fund_id, actor = await _authorise(request, Permission.REQUEST_DISBURSEMENT)
    body = await parse.body(request, bodies.DisbursementIn)
    svc = services(request)
    result = await svc.port.request_disbursement(
        id=body.id,
        fund_id=fund_id,
        purpose=body.purpose,
        beneficiary=body.beneficiary,
        amount=body.amount,
        expense_account=body.expense_account,
        pay_from=body.pay_from,
        evidence=body.evidence,
        help_request_id=body.help_request_id,
        actor=actor,
    )
    return created(result)


async def list_disbursements(request: web.Request) -> web.Response:
    """Every disbursement; members of the unit see purposes and amounts, not beneficiaries."""
    fund_id = parse.path_id(request)
    scope = await _scope(request, fund_id)
    if not _may(request, Permission.READ_FUND_TOTALS, scope):
        raise Forbidden()
    await wait_for_min_position(request)
    svc = services(request)
    position, docs = await svc.port.snapshot(fund_view.disbursements_channel(fund_id))
    if not _may(request, Permission.READ_FUND, scope):
        private = ("beneficiary", "evidence", "requester", "approvers", "payer", "history")
        docs = [{k: v for k, v in d.items() if k not in private} for d in docs]
    return web.json_response({"disbursements": docs, "position": position})


async def _step(request: web.Request, permission: Permission) -> tuple[UUID, UUID, str]:
    fund_id, actor = await _authorise(request, permission)
    return fund_id, parse.path_id(request, "disbursement_id"), actor


async def approve_disbursement(request: web.Request) -> web.Response:
    fund_id, d, actor = await _step(request, Permission.APPROVE_DISBURSEMENT)
    await parse.body(request, bodies.NoDetails, optional=True)
    svc = services(request)
    return created(
        await svc.port.approve_disbursement(fund_id=fund_id, disbursement_id=d, actor=actor)
    )


async def reject_disbursement(request: web.Request) -> web.Response:
    fund_id, d, actor = await _step(request, Permission.APPROVE_DISBURSEMENT)
    reason = (await parse.body(request, bodies.FundReasonIn)).reason
    svc = services(request)
    return created(
        await svc.port.reject_disbursement(
            fund_id=fund_id,
            disbursement_id=d,
            reason=reason,
            actor=actor,
        )
    )


async def change_disbursement_amount(request: web.Request) -> web.Response:
    fund_id, d, actor = await _step(request, Permission.REQUEST_DISBURSEMENT)
    amount = (await parse.body(request, bodies.AmountIn)).amount
    svc = services(request)
    return created(
        await svc.port.change_disbursement_amount(
            fund_id=fund_id,
            disbursement_id=d,
            amount=amount,
            actor=actor,
        )
    )


async def pay_disbursement(request: web.Request) -> web.Response:
    fund_id, d, actor = await _step(request, Permission.RECORD_FUND)
    body = await parse.body(request, bodies.PayIn)
    svc = services(request)
    return created(
        await svc.port.pay_disbursement(
            fund_id=fund_id,
            disbursement_id=d,
            payment_ref=body.payment_ref,
            effective_date=ledger.parse_date("effective_date", body.effective_date),
            actor=actor,
        )
    )


async def expire_disbursement(request: web.Request) -> web.Response:
    fund_id, d, actor = await _step(request, Permission.RECORD_FUND)
    await parse.body(request, bodies.NoDetails, optional=True)
    svc = services(request)
    return created(
        await svc.port.expire_disbursement(fund_id=fund_id, disbursement_id=d, actor=actor)
    )


# -- periods, verification, exports ----------------------------------------------------------------


async def close_period(request: web.Request) -> web.Response:
    fund_id, actor = await _authorise(request, Permission.RECORD_FUND)
    period = request.match_info["period"]
    await parse.body(request, bodies.NoDetails, optional=True)
    svc = services(request)
    return created(await svc.port.close_period(fund_id=fund_id, period=period, actor=actor))


async def sign_checkpoint(request: web.Request) -> web.Response:
    """The treasurer signs as treasurer, an officer of the unit as its chair."""
    fund_id = parse.path_id(request)
    scope = await _scope(request, fund_id)
    principal = request[PRINCIPAL]
    if not may_fund(principal, Permission.SIGN_CHECKPOINT, scope):
        raise Forbidden()
    role = (await parse.body(request, bodies.CheckpointSignIn, optional=True)).role
    roles = set() if principal.admin else fund_roles(principal, scope)
    if (
        not principal.admin
        and {"treasurer": "treasurer", "chair": "officer"}.get(role) not in roles
    ):
        raise Forbidden("role_not_held", field="role")
    svc = services(request)
    result = await svc.port.sign_checkpoint(
        fund_id=fund_id,
        period=request.match_info["period"],
        role=role,
        actor=principal.id,
    )
    return created(result)


async def period_report(request: web.Request) -> web.Response:
    fund_id, _actor = await _authorise(request, Permission.READ_FUND)
    await wait_for_min_position(request)
    period = request.match_info["period"]
    ledger.period_bounds(period)
    svc = services(request)
    summary = await _summary(request, fund_id)
    _p, monthly = await svc.port.snapshot(fund_view.monthly_channel(fund_id))
    _p, stats = await svc.port.snapshot(fund_view.receipt_stats_channel(fund_id))
    _p, voided = await svc.port.snapshot(fund_view.voided_channel(fund_id))
    _p, disbursements = await svc.port.snapshot(fund_view.disbursements_channel(fund_id))
    position, reversals = await svc.port.snapshot(fund_view.reversals_channel(fund_id))
    report = fund_view.period_report(
        summary, monthly, stats, voided, disbursements, reversals, period
    )
    _p, arrears_rows = await svc.port.snapshot(fund_arrears.channel(fund_id))
    frozen = await svc.port.load(fund_arrears.frozen_channel(fund_id), period)
    today = ledger.today_wib(datetime.now(UTC))
    report["arrears"] = fund_arrears.period_section(arrears_rows, frozen, period, today)
    planned = await svc.port.load(fund_budget.channel(fund_id), period[:4])
    report["budget"] = fund_budget.period_section(summary, monthly, planned, period)
    return web.json_response({**report, "fund_name": summary["name"], "position": position})


async def verify(request: web.Request) -> web.Response:
    """Recompute the fund's chain from the store; POST may hand in checkpoints kept outside."""
    fund_id, _actor = await _authorise(request, Permission.AUDIT_FUND)
    given: list[dict[str, Any]] = []
    if request.method == "POST":
        body = await parse.body(request, bodies.CheckpointsIn)
        given = [kept.model_dump(exclude_none=True) for kept in body.checkpoints]
    svc = services(request)
    return web.json_response(await svc.port.verify_fund(fund_id, given))


ENTRY_COLUMNS = [
    "entry_id",
    "effective_date",
    "recorded_at",
    "kind",
    "memo",
    "leg",
    "account",
    "debit",
    "credit",
    "reverses",
    "reversed_by",
    "actor",
    "hash",
]


async def entries_csv(request: web.Request) -> web.Response:
    """Every entry, one row per leg (debit or credit column), for the external audit."""
    fund_id, _actor = await _authorise(request, Permission.AUDIT_FUND)
    await wait_for_min_position(request)
    entries, _position = await _entries(request, fund_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(ENTRY_COLUMNS)
    for entry in entries:
        for i, leg in enumerate(entry["legs"], start=1):
            row = {
                **entry,
                "leg": i,
                "account": leg["account"],
                "debit": leg["amount"] if leg["side"] == "debit" else None,
                "credit": leg["amount"] if leg["side"] == "credit" else None,
            }
            writer.writerow([_cell(c, row.get(c)) for c in ENTRY_COLUMNS])
    return web.Response(
        body=out.getvalue().encode("utf-8"),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="posko-fund-{fund_id}-entries.csv"'},
    )


async def events_json(request: web.Request) -> web.Response:
    """The fund's events as stored (decoded), with their hashes, to verify independently."""
    fund_id, _actor = await _authorise(request, Permission.AUDIT_FUND)
    svc = services(request)
    events = await svc.port.export_fund_events(fund_id)
    return web.Response(
        body=json.dumps(events, ensure_ascii=False).encode("utf-8"),
        content_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="posko-fund-{fund_id}-events.json"'},
    )
