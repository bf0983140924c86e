"""The solidarity fund on real stores: the two-person rule and each step once, no overdraft
counting reservations, receipts and reversals, closed periods, the views' balances and period
report, and verification that locates an event edited directly in SQLite or PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest

from core.application import Posko
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from posko.persistence import eventsourcing_env
from projections import fund as fund_view
from tests.unit.test_views import Views

TREASURER, REQUESTER, OFFICER_1, OFFICER_2 = (
    "person:treasurer",
    "person:requester",
    "person:officer-1",
    "person:officer-2",
)
THRESHOLD = 5_000_000
CLOSED_DAY = date(2026, 3, 15)  # in 2026-H1, which is over
OPEN_DAY = date(2026, 11, 2)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Posko]:
    posko = Posko(env=eventsourcing_env("", tmp_path))
    yield posko
    posko.close()


def open_fund(app: Posko) -> UUID:
    fund_id = uuid4()
    app.open_fund(
        id=fund_id,
        name="Dana Solidaritas KSPI",
        unit_kind="confederation",
        unit_id=None,
        threshold=THRESHOLD,
        actor="api-key",
    )
    return fund_id


def contribute(
    app: Posko, fund_id: UUID, amount: int, day: date = OPEN_DAY, id: UUID | None = None
) -> UUID:
    entry_id = id or uuid4()
    app.record_contribution(
        id=entry_id,
        fund_id=fund_id,
        source="affiliate",
        payer="FSPMI",
        channel="transfer",
        reference="TRX-1",
        amount=amount,
        income_account="income:solidarity",
        asset_account="bank",
        effective_date=day,
        actor=TREASURER,
    )
    return entry_id


def request(app: Posko, fund_id: UUID, amount: int) -> UUID:
    disbursement_id = uuid4()
    app.request_disbursement(
        id=disbursement_id,
        fund_id=fund_id,
        purpose="Transport aksi",
        beneficiary="Korlap Bekasi",
        amount=amount,
        expense_account="expense:transport",
        pay_from="bank",
        evidence="Nota bus",
        actor=REQUESTER,
    )
    return disbursement_id


def status(app: Posko, fund_id: UUID, disbursement_id: UUID) -> dict[str, Any]:
    return app.fund(fund_id).disbursement(disbursement_id)


def views_of(app: Posko) -> Views:
    views = Views()
    notifications = app.recorder.select_notifications(start=1, limit=100_000)
    views.apply(*(app.mapper.to_domain_event(n) for n in notifications))
    return views


# -- the two-person rule ---------------------------------------------------------------------------


def test_requester_cannot_approve(app: Posko) -> None:
    fund_id = open_fund(app)
    contribute(app, fund_id, 10_000_000)
    d = request(app, fund_id, 1_000_000)
    with pytest.raises(Forbidden) as refused:
        app.approve_disbursement(fund_id=fund_id, disbursement_id=d, actor=REQUESTER)
    assert refused.value.code == "requester_cannot_approve"
    assert status(app, fund_id, d)["approvers"] == []


def test_approver_cannot_pay(app: Posko) -> None:
    fund_id = open_fund(app)
    contribute(app, fund_id, 10_000_000)
    d = request(app, fund_id, 1_000_000)
    app.approve_disbursement(fund_id=fund_id, disbursement_id=d, actor=OFFICER_1)
    for payer in (OFFICER_1, REQUESTER):
        with pytest.raises(Forbidden) as refused:
            app.pay_disbursement(
                fund_id=fund_id,
                disbursement_id=d,
                payment_ref="BCA-1",
                effective_date=OPEN_DAY,
                actor=payer,
            )
        assert refused.value.code == "payer_not_requester_or_approver"
    assert status(app, fund_id, d)["status"] == "approved"


def test_two_distinct_approvers_above_the_threshold(app: Posko) -> None:
    fund_id = open_fund(app)
    contribute(app, fund_id, 20_000_000)
    small, large = request(app, fund_id, THRESHOLD), request(app, fund_id, THRESHOLD + 1)
    app.approve_disbursement(fund_id=fund_id, disbursement_id=small, actor=OFFICER_1)
    assert status(app, fund_id, small)["status"] == "approved"  # up to it: one is enough

    app.approve_disbursement(fund_id=fund_id, disbursement_id=large, actor=OFFICER_1)
    second_click = app.approve_disbursement(fund_id=fund_id, disbursement_id=large, actor=OFFICER_1)
    assert not second_click.created  # the same officer twice is one approval
    assert status(app, fund_id, large)["status"] == "requested"
    assert app.fund(fund_id).reserved["bank"] == THRESHOLD
    app.approve_disbursement(fund_id=fund_id, disbursement_id=large, actor=OFFICER_2)
    assert status(app, fund_id, large)["status"] == "approved"
    assert status(app, fund_id, large)["approvers"] == [OFFICER_1, OFFICER_2]
    assert app.fund(fund_id).reserved["bank"] == 2 * THRESHOLD + 1


def test_double_payment_refused_and_double_click_records_nothing(app: Posko) -> None:
    fund_id = open_fund(app)
    contribute(app, fund_id, 10_000_000)
    d = request(app, fund_id, 1_000_000)
    app.approve_disbursement(fund_id=fund_id, disbursement_id=d, actor=OFFICER_1)
    pay: dict[str, Any] = {"fund_id": fund_id, "disbursement_id": d, "effective_date": OPEN_DAY}
    first = app.pay_disbursement(payment_ref="BCA-1", actor=TREASURER, **pay)
    version = app.fund(fund_id).version
    again = app.pay_disbursement(payment_ref="BCA-1", actor=TREASURER, **pay)
    assert first.created and not again.created
    with pytest.raises(Conflict) as refused:
        app.pay_disbursement(payment_ref="BCA-2", actor=TREASURER, **pay)
    assert refused.value.code == "already_paid"
    fund = app.fund(fund_id)
    assert fund.version == version
    assert fund.balances["expense:transport"] == 1_000_000
    assert fund.balances["bank"] == 9_000_000
    assert fund.reserved["bank"] == 0


def test_amount_change_cancels_approvals_and_releases_the_reservation(app: Posko) -> None:
    fund_id = open_fund(app)
    contribute(app, fund_id, 10_000_000)
    d = request(app, fund_id, 1_000_000)
    app.approve_disbursement(fund_id=fund_id, disbursement_id=d, actor=OFFICER_1)
    assert app.fund(fund_id).reserved["bank"] == 1_000_000
    app.change_disbursement_amount(
        fund_id=fund_id, disbursement_id=d, amount=THRESHOLD + 1, actor=REQUESTER
    )
    after = status(app, fund_id, d)
    assert after["approvers"] == [] and after["status"] == "requested"
    assert app.fund(fund_id).reserved["bank"] == 0
    with pytest.raises(Conflict) as refused:
        app.pay_disbursement(
            fund_id=fund_id,
            disbursement_id=d,
            payment_ref="BCA-1",
            effective_date=OPEN_DAY,
            actor=TREASURER,
        )
    assert refused.value.code == "not_approved"


def test_no_account_goes_below_zero_counting_reservations(app: Posko) -> None:
    fund_id = open_fund(app)
    contribute(app, fund_id, 3_000_000)
    first, second = request(app, fund_id, 2_000_000), request(app, fund_id, 2_000_000)
    app.approve_disbursement(fund_id=fund_id, disbursement_id=first, actor=OFFICER_1)
    with pytest.raises(Conflict) as refused:
        app.approve_disbursement(fund_id=fund_id, disbursement_id=second, actor=OFFICER_1)
    assert refused.value.code == "insufficient_funds"
    assert refused.value.params["available"] == 1_000_000
    # Nor may money reserved for a payout leave through a manual entry.
    with pytest.raises(Conflict):
        app.post_entry(
            id=uuid4(),
            fund_id=fund_id,
            legs=[
                {"account": "cash", "side": "debit", "amount": 1_500_000},
                {"account": "bank", "side": "credit", "amount": 1_500_000},
            ],
            memo="Tarik tunai",
            effective_date=OPEN_DAY,
            actor=TREASURER,
        )


def test_rejection_and_expiry_release_the_reservation(app: Posko) -> None:
    fund_id = open_fund(app)
    contribute(app, fund_id, 3_000_000)
    rejected, expiring = request(app, fund_id, 1_000_000), request(app, fund_id, 1_000_000)
    for d in (rejected, expiring):
        app.approve_disbursement(fund_id=fund_id, disbursement_id=d, actor=OFFICER_1)
    app.reject_disbursement(
        fund_id=fund_id, disbursement_id=rejected, reason="Tidak sesuai", actor=OFFICER_2
    )
    with pytest.raises(Conflict):
        app.expire_disbursement(fund_id=fund_id, disbursement_id=expiring, actor=TREASURER)
    later = app.fund(fund_id).created_on + timedelta(days=31)
    app.expire_disbursement(fund_id=fund_id, disbursement_id=expiring, actor=TREASURER, now=later)
    assert status(app, fund_id, rejected)["status"] == "rejected"
    assert status(app, fund_id, expiring)["status"] == "expired"
    assert app.fund(fund_id).reserved["bank"] == 0


# -- entries, receipts, periods ------------------------------------------------------------------


def test_a_resent_contribution_is_recorded_once_and_other_facts_under_its_id_are_refused(
    app: Posko,
) -> None:
    fund_id = open_fund(app)
    entry_id = contribute(app, fund_id, 1_000_000)
    contribute(app, fund_id, 1_000_000, id=entry_id)
    assert app.fund(fund_id).balances["bank"] == 1_000_000
    with pytest.raises(Conflict) as refused:
        contribute(app, fund_id, 2_000_000, id=entry_id)
    assert refused.value.code == "id_reused"


def test_amounts_are_whole_positive_rupiah(app: Posko) -> None:
    fund_id = open_fund(app)
    for bad in (0, -5, 1.5, "1000", True, 0.0):
        with pytest.raises(InvalidInput) as refused:
            contribute(app, fund_id, bad)  # type: ignore[arg-type]
        assert refused.value.field == "amount"
    assert app.fund(fund_id).entries == 0


def test_closed_period_refuses_back_dated_entries(app: Posko) -> None:
    fund_id = open_fund(app)
    entry_id = contribute(app, fund_id, 1_000_000, day=CLOSED_DAY)
    app.close_period(fund_id=fund_id, period="2026-H1", actor=TREASURER)
    for call in (
        lambda: contribute(app, fund_id, 5_000, day=CLOSED_DAY),
        lambda: app.reverse_entry(
            id=uuid4(),
            fund_id=fund_id,
            entry_id=entry_id,
            reason="Salah catat",
            effective_date=CLOSED_DAY,
            actor=TREASURER,
        ),
    ):
        with pytest.raises(Conflict) as refused:
            call()
        assert refused.value.code == "period_closed"
    # The correction goes into the open period and names the original.
    app.reverse_entry(
        id=uuid4(),
        fund_id=fund_id,
        entry_id=entry_id,
        reason="Salah catat",
        effective_date=OPEN_DAY,
        actor=TREASURER,
    )
    assert app.fund(fund_id).balances["bank"] == 0
    with pytest.raises(Conflict) as refused:
        app.close_period(fund_id=fund_id, period="2026-H2", actor=TREASURER)
    assert refused.value.code == "period_not_over"


def test_an_entry_is_reversed_once(app: Posko) -> None:
    fund_id = open_fund(app)
    entry_id = contribute(app, fund_id, 1_000_000)
    reverse: dict[str, Any] = {"fund_id": fund_id, "entry_id": entry_id, "effective_date": OPEN_DAY}
    app.reverse_entry(id=uuid4(), reason="Dobel input", actor=TREASURER, **reverse)
    with pytest.raises(Conflict) as refused:
        app.reverse_entry(id=uuid4(), reason="Lagi", actor=TREASURER, **reverse)
    assert refused.value.code == "already_reversed"
    with pytest.raises(NotFound):
        app.reverse_entry(
            id=uuid4(),
            fund_id=fund_id,
            entry_id=uuid4(),
            reason="x",
            effective_date=OPEN_DAY,
            actor=TREASURER,
        )


def test_receipts_are_numbered_without_gaps_and_voided_with_a_cross_reference(
    app: Posko,
) -> None:
    fund_id = open_fund(app)
    for amount in (1_000, 2_000, 3_000):
        contribute(app, fund_id, amount)
    app.void_receipt(
        fund_id=fund_id, number="2026-000002", reason="Nama salah", reissue=True, actor=TREASURER
    )
    voided, reissued = app.receipt(fund_id, "2026-000002"), app.receipt(fund_id, "2026-000004")
    assert voided.voided == "Nama salah" and voided.replaced_by == "2026-000004"
    assert reissued.replaces == "2026-000002" and reissued.amount == 2_000
    again = app.void_receipt(
        fund_id=fund_id, number="2026-000002", reason="Nama salah", reissue=True, actor=TREASURER
    )
    assert not again.created
    receipts = views_of(app).rows
    numbers = sorted(k for (ch, k) in receipts if ch == fund_view.receipts_channel(fund_id))
    assert numbers == ["2026-000001", "2026-000002", "2026-000003", "2026-000004"]


def test_dues_split_between_levels_sums_to_the_amount(app: Posko) -> None:
    fund_id = open_fund(app)
    app.set_dues_rule(
        fund_id=fund_id,
        rate_bp=100,
        base="umk",
        rounding="floor",
        split={"dpp": 4500, "puk": 5500},
        own_level="puk",
        actor=TREASURER,
    )
    app.record_dues(
        id=uuid4(),
        fund_id=fund_id,
        payer="PUK SPEE FSPMI PT X",
        month="2026-11",
        base_amount=5_396_761,  # UMK Bekasi-like: 1% is 53 967.61
        channel="checkoff",
        asset_account="bank",
        effective_date=OPEN_DAY,
        actor=TREASURER,
    )
    fund = app.fund(fund_id)
    assert fund.balances["bank"] == 53_967
    assert fund.balances["income:dues"] + fund.balances["due_to:dpp"] == 53_967
    assert fund.balances["due_to:dpp"] == 24_285  # 45% of 53 967 = 24 285.15


# -- views -----------------------------------------------------------------------------------------


def test_views_answer_balance_as_of_a_date_and_the_period_report(app: Posko) -> None:
    fund_id = open_fund(app)
    contribute(app, fund_id, 4_000_000, day=CLOSED_DAY)
    contribute(app, fund_id, 6_000_000, day=OPEN_DAY)
    d = request(app, fund_id, 1_000_000)
    app.approve_disbursement(fund_id=fund_id, disbursement_id=d, actor=OFFICER_1)
    app.pay_disbursement(
        fund_id=fund_id,
        disbursement_id=d,
        payment_ref="BCA-9",
        effective_date=OPEN_DAY,
        actor=TREASURER,
    )
    pending = request(app, fund_id, 500_000)
    app.approve_disbursement(fund_id=fund_id, disbursement_id=pending, actor=OFFICER_1)
    views = views_of(app)
    summary = views.rows[(fund_view.channel(fund_id), fund_view.SUMMARY_KEY)]
    daily = [doc for (ch, _k), doc in views.rows.items() if ch == fund_view.daily_channel(fund_id)]
    accounts = summary["accounts"]
    assert fund_view.balances_as_of(accounts, daily, CLOSED_DAY)["bank"] == 4_000_000
    assert fund_view.balances_as_of(accounts, daily, OPEN_DAY)["bank"] == 9_000_000
    assert accounts["bank"]["balance"] == 9_000_000 and accounts["bank"]["reserved"] == 500_000
    assert summary["debits"] == summary["credits"] == 11_000_000
    monthly = [
        doc for (ch, _k), doc in views.rows.items() if ch == fund_view.monthly_channel(fund_id)
    ]
    report = fund_view.period_report(summary, monthly, [], [], [], [], "2026-H2")
    assert report["fund"] == {
        "opening": 4_000_000,
        "inflows": 6_000_000,
        "outflows": 1_000_000,
        "closing": 9_000_000,
    }
    assert report["expenses"]["expense:transport"] == 1_000_000


def test_the_view_stops_loudly_when_an_entry_does_not_continue_the_chain(app: Posko) -> None:
    fund_id = open_fund(app)
    contribute(app, fund_id, 1_000)
    events = [app.mapper.to_domain_event(s) for s in app.fund_events(fund_id)]
    views = Views()
    views.apply(events[0])
    with pytest.raises(fund_view.LedgerOutOfBalance):
        views.apply(events[2])  # skips one


# -- tamper evidence -------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgres"])
def stored(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Posko, Any]]:
    """An app on a backend, and a function that runs SQL on its events table directly."""
    if request.param == "sqlite":
        env = eventsourcing_env("", tmp_path)
        posko = Posko(env=env)

        def run_sqlite(sql: str, params: tuple[Any, ...]) -> list[Any]:
            with sqlite3.connect(env["SQLITE_DBNAME"]) as conn:
                return conn.execute(sql.replace("%s", "?"), params).fetchall()

        yield posko, run_sqlite
    else:
        url = request.getfixturevalue("postgres_url")
        schema = request.getfixturevalue("postgres_schema")
        posko = Posko(env=eventsourcing_env(url, tmp_path, schema))

        def run_postgres(sql: str, params: tuple[Any, ...]) -> list[Any]:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f"SET search_path TO {schema}")
                table = posko.recorder.events_table_name  # type: ignore[attr-defined]
                sql = sql.replace("stored_events", table)
                cursor = conn.execute(sql, params)
                return cursor.fetchall() if cursor.description else []

        yield posko, run_postgres
    posko.close()


def test_tampering_with_a_stored_event_is_caught_and_located(stored: tuple[Posko, Any]) -> None:
    app, sql = stored
    fund_id = open_fund(app)
    contribute(app, fund_id, 1_000_000, day=CLOSED_DAY)
    target = contribute(app, fund_id, 2_000_000, day=CLOSED_DAY)
    contribute(app, fund_id, 3_000_000)
    app.close_period(fund_id=fund_id, period="2026-H1", actor=TREASURER)
    clean = app.verify_fund(fund_id)
    assert clean["ok"] and clean["first_mismatch"] is None
    checkpoint = clean["checkpoints"][0]
    assert app.verify_fund(fund_id, [checkpoint])["given"] == [
        {"index": 0, "period": "2026-H1", "ok": True}
    ]

    # An administrator with the database makes the second contribution ten times larger, on
    # both legs so that the entry still balances.
    rows = sql(
        "SELECT originator_id, originator_version, state FROM stored_events "
        "WHERE topic = %s ORDER BY originator_version",
        ("core.fund:Fund.EntryPosted",),
    )
    victim = next(r for r in rows if str(target) in bytes(r[2]).decode())
    state = json.loads(bytes(victim[2]))
    for leg in state["legs"]:
        leg["amount"] = 20_000_000
    forged = json.dumps(state, separators=(",", ":")).encode()
    sql(
        "UPDATE stored_events SET state = %s WHERE originator_id = %s AND originator_version = %s",
        (forged, victim[0], victim[1]),
    )

    result = app.verify_fund(fund_id)
    assert not result["ok"]
    assert result["first_mismatch"]["problem"] == "hash_mismatch"
    assert result["first_mismatch"]["version"] == victim[1]
    assert result["first_mismatch"]["entry_id"] == str(target)
    # Someone who kept the checkpoint also sees that this history is not the one signed off.
    assert not app.verify_fund(fund_id, [checkpoint])["ok"]


def test_a_forged_chain_still_differs_from_the_checkpoint_an_affiliate_kept(app: Posko) -> None:
    fund_id = open_fund(app)
    contribute(app, fund_id, 1_000_000, day=CLOSED_DAY)
    app.close_period(fund_id=fund_id, period="2026-H1", actor=TREASURER)
    kept = app.verify_fund(fund_id)["checkpoints"][0]
    other = {**kept, "chain_head": "f" * 64}
    result = app.verify_fund(fund_id, [other])
    assert not result["ok"]
    mismatch = {"problem": "checkpoint_differs", "period": "2026-H1", "index": 0}
    assert result["first_mismatch"] == mismatch


def test_signing_off_a_checkpoint_takes_two_different_people(app: Posko) -> None:
    fund_id = open_fund(app)
    app.close_period(fund_id=fund_id, period="2026-H1", actor=TREASURER)
    app.sign_checkpoint(fund_id=fund_id, period="2026-H1", role="treasurer", actor=TREASURER)
    with pytest.raises(Forbidden):
        app.sign_checkpoint(fund_id=fund_id, period="2026-H1", role="chair", actor=TREASURER)
    app.sign_checkpoint(fund_id=fund_id, period="2026-H1", role="chair", actor=OFFICER_1)
    signatures = app.fund(fund_id).closed["2026-H1"]["signatures"]
    assert signatures == {"treasurer": TREASURER, "chair": OFFICER_1}
    assert app.verify_fund(fund_id)["ok"]


def test_a_committed_request_for_help_can_become_a_disbursement_request(app: Posko) -> None:
    from datetime import UTC, datetime

    fund_id = open_fund(app)
    action_id, site_id, help_id = uuid4(), uuid4(), uuid4()
    now = datetime.now(UTC)
    app.plan_action(
        id=action_id,
        title="Aksi",
        kind="rally",
        demands=[],
        starts_at=now,
        ends_at=now + timedelta(hours=4),
        actor="t",
    )
    app.add_site(
        action_id=action_id,
        site_id=site_id,
        name="Lokasi",
        lat=-6.2,
        lon=106.8,
        target=1,
        actor="t",
    )
    app.request_help(
        id=help_id,
        action_id=action_id,
        site_id=site_id,
        kind="transport",
        quantity=2,
        note="Bus",
        at=now,
        actor="korlap",
    )
    ask = {
        "fund_id": fund_id,
        "purpose": "Bus",
        "beneficiary": "PO Bus",
        "amount": 1_000,
        "expense_account": "expense:transport",
        "pay_from": "bank",
        "evidence": "Permintaan lapangan",
        "help_request_id": help_id,
        "actor": REQUESTER,
    }
    with pytest.raises(Conflict) as refused:
        app.request_disbursement(id=uuid4(), **ask)
    assert refused.value.code == "help_not_committed"
    app.commit_help(request_id=help_id, by="Tim logistik", actor="satgas")
    with pytest.raises(Conflict) as refused:
        app.request_disbursement(id=uuid4(), **ask)
    assert refused.value.code == "fund_not_linked"  # only against a fund linked to the action
    app.link_fund(fund_id=fund_id, action_id=action_id, actor=TREASURER)
    disbursement_id = uuid4()
    app.request_disbursement(id=disbursement_id, **ask)
    assert status(app, fund_id, disbursement_id)["help_request_id"] == str(help_id)
