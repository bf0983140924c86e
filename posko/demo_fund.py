"""The demo's solidarity fund, so a newcomer sees the treasurer's pages working: the
confederation's strike fund with a dues rule, the last month of contributions and dues from
the demo's affiliates, a closed and signed-off period with its checkpoint, a paid
disbursement, one waiting for its second approver, the annual budget (APBO) of each year
shown, revised once after the close, so the period report has budget against actual; and the
affiliates' declared membership and monthly dues, one of them two months behind; linked to the
demo action, whose dashboard shows its balance. Seeded once (fixed ids); a restart on another
day leaves it as it is."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from core import arrears, ledger
from core.application import Posko
from posko.demo import ACTION_ID, AFFILIATES, NAMESPACE

FUND_ID = uuid.uuid5(NAMESPACE, "dana-mogok-kspi")
UMK = 5_396_761  # the dues base the affiliates declare: a regional minimum wage (UMK)
MEMBERS = (120, 90, 60, 30)  # dues-paying members, affiliate by affiliate
TREASURER = "demo-bendahara"
TREASURER_2 = "demo-wakil-bendahara"
CHAIR = "demo-ketua"
OFFICER = "demo-sekretaris"


def _id(name: str) -> uuid.UUID:
    return uuid.uuid5(FUND_ID, name)


def seed_fund(app: Posko, now: datetime | None = None) -> uuid.UUID:
    if FUND_ID not in app.repository:
        _seed(app, now)
    if ACTION_ID in app.repository:  # its dashboard shows the fund (a repeat records nothing)
        app.link_fund(fund_id=FUND_ID, action_id=ACTION_ID, actor=TREASURER)
    return FUND_ID


def _seed(app: Posko, now: datetime | None) -> None:
    today = ledger.today_wib(now or datetime.now(UTC))
    app.open_fund(
        id=FUND_ID,
        name="Dana Mogok dan Solidaritas KSPI",
        unit_kind="confederation",
        unit_id=None,
        threshold=5_000_000,
        actor="demo",
    )
    app.set_dues_rule(
        fund_id=FUND_ID,
        rate_bp=100,
        base="umk",
        rounding="floor",
        split={"dpp": 4500, "puk": 5500},
        own_level="dpp",
        actor=TREASURER,
    )
    # The period before this one: a few contributions, then closed and signed off.
    start, _end = ledger.period_bounds(ledger.period_of(today))
    previous = ledger.period_of(start - timedelta(days=1))
    p_start, _p_end = ledger.period_bounds(previous)
    for year in sorted({p_start.year, today.year}):
        _budget(app, f"budget-{year}", year, BUDGET, "Disahkan Rapat Pleno DPP")
    for n, (name, _share) in enumerate(AFFILIATES):
        _contribute(
            app, f"old-{n}", name, 2_500_000 + n * 500_000, p_start + timedelta(days=30 * n)
        )
    _membership_and_dues(app, today)  # before the close: some months may fall in it
    app.close_period(fund_id=FUND_ID, period=previous, actor=TREASURER)
    app.sign_checkpoint(fund_id=FUND_ID, period=previous, role="treasurer", actor=TREASURER)
    app.sign_checkpoint(fund_id=FUND_ID, period=previous, role="chair", actor=CHAIR)
    # After the close, legal aid is planned higher (the closed period keeps the old figure).
    _budget(
        app,
        f"budget-{today.year}-revised",
        today.year,
        {"expense:legal_aid": 24_000_000},
        "Revisi: penahanan anggota menambah kebutuhan bantuan hukum",
    )
    # A month of money in: every affiliate every week, and dues from a few PUKs.
    for day_back in range(30, 0, -1):
        day = today - timedelta(days=day_back)
        if day < start:
            continue  # the closed period stays closed
        if day_back % 7 == 0:
            for n, (name, _share) in enumerate(AFFILIATES):
                _contribute(app, f"week-{day_back}-{n}", name, 1_000_000 * (n + 1), day)
        if day_back % 5 == 0:
            app.record_dues(
                id=_id(f"dues-{day_back}"),
                fund_id=FUND_ID,
                payer=f"PUK SPEE FSPMI PT Demo {day_back}",
                month=day.isoformat()[:7],
                base_amount=5_396_761,
                channel="checkoff",
                asset_account="bank",
                effective_date=day,
                actor=TREASURER,
            )
    # Paid: legal aid for arrested members (requested, approved by two, paid by a third).
    paid = _id("legal-aid")
    app.request_disbursement(
        id=paid,
        fund_id=FUND_ID,
        purpose="Bantuan hukum anggota yang ditahan",
        beneficiary="LBH Jakarta",
        amount=6_000_000,
        expense_account="expense:legal_aid",
        pay_from="bank",
        evidence="Surat kuasa dan invoice LBH",
        actor=TREASURER,
    )
    for approver in (CHAIR, OFFICER):
        app.approve_disbursement(fund_id=FUND_ID, disbursement_id=paid, actor=approver)
    app.pay_disbursement(
        fund_id=FUND_ID,
        disbursement_id=paid,
        payment_ref="BNI-DEMO-0001",
        effective_date=today,
        actor=TREASURER_2,
    )
    # Waiting: strike pay above the threshold, one approval of two.
    pending = _id("strike-pay")
    app.request_disbursement(
        id=pending,
        fund_id=FUND_ID,
        purpose="Upah mogok PT Demo Jaya, minggu pertama",
        beneficiary="120 anggota PUK PT Demo Jaya",
        amount=8_400_000,
        expense_account="expense:strike_pay",
        pay_from="bank",
        evidence="Daftar hadir mogok",
        actor=TREASURER,
    )
    app.approve_disbursement(fund_id=FUND_ID, disbursement_id=pending, actor=CHAIR)


# The year's plan (whole rupiah): income by source, spending by programme.
BUDGET = {
    "income:strike": 120_000_000,
    "income:dues": 90_000_000,  # the affiliates' dues: 300 members, 1% of the UMK, DPP's 45%
    "income:solidarity": 24_000_000,
    "income:donation": 6_000_000,
    "expense:strike_pay": 60_000_000,
    "expense:legal_aid": 18_000_000,
    "expense:transport": 12_000_000,
    "expense:logistics": 9_000_000,
    "expense:emergency": 6_000_000,
}


def _budget(app: Posko, key: str, year: int, lines: dict[str, int], note: str) -> None:
    app.set_budget(
        id=_id(key),
        fund_id=FUND_ID,
        year=year,
        lines=[{"account": code, "amount": amount} for code, amount in lines.items()],
        note=note,
        actor=TREASURER,
    )


def _contribute(app: Posko, key: str, payer: str, amount: int, day: date) -> None:
    app.record_contribution(
        id=_id(key),
        fund_id=FUND_ID,
        source="affiliate",
        payer=payer,
        channel="transfer",
        reference=f"TRX-{key}",
        amount=amount,
        income_account="income:strike",
        asset_account="bank",
        effective_date=day,
        actor=TREASURER,
    )


def _membership_and_dues(app: Posko, today: date) -> None:
    """Each affiliate declares its members on the UMK from four months back and pays each
    month's dues on the 10th of the next; the last one has not paid its last two months."""
    through = arrears.last_month_due(today)
    first = through
    for _ in range(3):
        first = arrears.month_of(date.fromisoformat(first + "-01") - timedelta(days=1))
    for n, ((name, _share), members) in enumerate(zip(AFFILIATES, MEMBERS, strict=True)):
        app.declare_membership(
            fund_id=FUND_ID,
            affiliate=name,
            effective_from=first,
            members=members,
            base_amount=UMK,
            actor=TREASURER,
        )
        months = arrears.months(first, through)
        if n == len(AFFILIATES) - 1:
            months = months[:-2]  # two months behind
        for month in months:
            paid_on = date.fromisoformat(arrears.next_month(month) + "-10")
            app.record_dues(
                id=_id(f"iuran-{n}-{month}"),
                fund_id=FUND_ID,
                payer=name,
                month=month,
                base_amount=members * UMK,
                channel="transfer",
                asset_account="bank",
                effective_date=min(paid_on, today),
                actor=TREASURER,
            )
