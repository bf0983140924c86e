"""A fund linked to an action on a real store: linking and unlinking once each, the action's
dashboard row (balance, reserved, payouts awaiting approval or payment, never a beneficiary),
and the link back from a request for help to its payouts in the action's feed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from core.application import Posko
from core.errors import NotFound
from posko.persistence import eventsourcing_env
from projections import feed, fund_link
from tests.integration.test_fund import (
    OFFICER_1,
    OFFICER_2,
    OPEN_DAY,
    REQUESTER,
    TREASURER,
    contribute,
    open_fund,
    views_of,
)
from tests.unit.test_views import Views

PAYER = "person:payer"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Posko]:
    posko = Posko(env=eventsourcing_env("", tmp_path))
    yield posko
    posko.close()


def action_with_site(app: Posko) -> tuple[UUID, UUID]:
    action_id, site_id = uuid4(), uuid4()
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
    return action_id, site_id


def committed_help(app: Posko, action_id: UUID, site_id: UUID, kind: str = "transport") -> UUID:
    help_id = uuid4()
    app.request_help(
        id=help_id,
        action_id=action_id,
        site_id=site_id,
        kind=kind,
        quantity=2,
        note="RAHASIA-CATATAN bus",
        at=datetime.now(UTC),
        actor="korlap",
    )
    app.commit_help(request_id=help_id, by="Tim logistik", actor="satgas")
    return help_id


def ask(app: Posko, fund_id: UUID, amount: int, help_id: UUID | None = None) -> UUID:
    disbursement_id = uuid4()
    app.request_disbursement(
        id=disbursement_id,
        fund_id=fund_id,
        purpose="Sewa bus",
        beneficiary="RAHASIA-PENERIMA PO Bus",
        amount=amount,
        expense_account="expense:transport",
        pay_from="bank",
        evidence="RAHASIA-BUKTI nota",
        help_request_id=help_id,
        actor=REQUESTER,
    )
    return disbursement_id


def row(views: Views, action_id: UUID, fund_id: UUID) -> dict[str, Any]:
    return views.rows[(fund_link.channel(action_id, fund_id), fund_link.KEY)]


def feed_item(views: Views, action_id: UUID, item_id: UUID, legal: bool = False) -> dict[str, Any]:
    name = feed.legal_channel(action_id) if legal else feed.channel(action_id)
    return next(d for (ch, _), d in views.rows.items() if ch == name and d["id"] == str(item_id))


def test_linking_and_unlinking_each_record_once(app: Posko) -> None:
    fund_id = open_fund(app)
    action_id, _site = action_with_site(app)

    first = app.link_fund(fund_id=fund_id, action_id=action_id, actor=TREASURER)
    again = app.link_fund(fund_id=fund_id, action_id=action_id, actor=OFFICER_1)
    off = app.unlink_fund(fund_id=fund_id, action_id=action_id, actor=OFFICER_1)
    off_again = app.unlink_fund(fund_id=fund_id, action_id=action_id, actor=TREASURER)
    back = app.link_fund(fund_id=fund_id, action_id=action_id, actor=TREASURER)

    assert [r.created for r in (first, again, off, off_again, back)] == [
        True,
        False,
        True,
        False,
        True,
    ]
    assert first.id == back.id
    assert app.unlink_fund(fund_id=fund_id, action_id=uuid4(), actor=TREASURER).created is False
    views = views_of(app)
    assert row(views, action_id, fund_id)["linked"] is True
    assert views.rows[(fund_link.ACTION_FUNDS, str(action_id))]["funds"].keys() == {str(fund_id)}


def test_a_link_needs_a_fund_and_an_action_that_exist(app: Posko) -> None:
    fund_id = open_fund(app)
    action_id, _site = action_with_site(app)
    with pytest.raises(NotFound) as no_action:
        app.link_fund(fund_id=fund_id, action_id=uuid4(), actor=TREASURER)
    with pytest.raises(NotFound) as no_fund:
        app.link_fund(fund_id=uuid4(), action_id=action_id, actor=TREASURER)
    assert (no_action.value.code, no_action.value.field) == ("unknown_action", "action_id")
    assert (no_fund.value.code, no_fund.value.field) == ("unknown_fund", "fund_id")


def test_the_dashboard_row_follows_money_reservations_and_payouts(app: Posko) -> None:
    fund_id = open_fund(app)
    action_id, site_id = action_with_site(app)
    contribute(app, fund_id, 1_000_000)
    app.link_fund(fund_id=fund_id, action_id=action_id, actor=TREASURER)
    help_id = committed_help(app, action_id, site_id)
    other = ask(app, fund_id, 50_000)  # not for a request for help: pending, not a help payout
    paid = ask(app, fund_id, 200_000, help_id)
    views = views_of(app)
    shown = row(views, action_id, fund_id)
    assert (shown["balance"], shown["reserved"], shown["available"]) == (1_000_000, 0, 1_000_000)
    assert shown["awaiting_approval"] == 250_000 and shown["awaiting_payment"] == 0
    assert {p["id"] for p in shown["pending"]} == {str(other), str(paid)}
    assert [(p["id"], p["status"]) for p in shown["help_payouts"]] == [(str(paid), "requested")]

    app.approve_disbursement(fund_id=fund_id, disbursement_id=paid, actor=OFFICER_1)
    shown = row(views_of(app), action_id, fund_id)
    assert (shown["reserved"], shown["available"]) == (200_000, 800_000)
    assert (shown["awaiting_approval"], shown["awaiting_payment"]) == (50_000, 200_000)

    app.pay_disbursement(
        fund_id=fund_id,
        disbursement_id=paid,
        payment_ref="TRF-9",
        effective_date=OPEN_DAY,
        actor=PAYER,
    )
    contribute(app, fund_id, 5_000)
    views = views_of(app)
    shown = row(views, action_id, fund_id)
    assert (shown["balance"], shown["reserved"], shown["available"]) == (805_000, 0, 805_000)
    assert [p["id"] for p in shown["pending"]] == [str(other)]
    assert [(p["status"], p["amount"]) for p in shown["help_payouts"]] == [("paid", 200_000)]
    # Never who is paid, the evidence, nor who asked, approved or paid.
    text = json.dumps(shown)
    assert "RAHASIA" not in text
    assert not {REQUESTER, OFFICER_1, OFFICER_2, PAYER, TREASURER} & set(text.split('"'))


def test_the_request_for_help_shows_its_payouts_and_their_state(app: Posko) -> None:
    fund_id = open_fund(app)
    action_id, site_id = action_with_site(app)
    contribute(app, fund_id, 1_000_000)
    app.link_fund(fund_id=fund_id, action_id=action_id, actor=TREASURER)
    help_id = committed_help(app, action_id, site_id)
    first = ask(app, fund_id, 100_000, help_id)
    second = ask(app, fund_id, 30_000, help_id)
    states = []
    for step in (
        lambda: app.approve_disbursement(fund_id=fund_id, disbursement_id=first, actor=OFFICER_1),
        lambda: app.pay_disbursement(
            fund_id=fund_id,
            disbursement_id=first,
            payment_ref="TRF-1",
            effective_date=OPEN_DAY,
            actor=PAYER,
        ),
        lambda: app.reject_disbursement(
            fund_id=fund_id, disbursement_id=second, reason="Dobel", actor=OFFICER_2
        ),
    ):
        item = feed_item(views_of(app), action_id, help_id)
        states.append({p["id"]: p["status"] for p in item["payouts"]})
        step()
    item = feed_item(views_of(app), action_id, help_id)
    states.append({p["id"]: p["status"] for p in item["payouts"]})

    a, b = str(first), str(second)
    assert states == [
        {a: "requested", b: "requested"},
        {a: "approved", b: "requested"},
        {a: "paid", b: "requested"},
        {a: "paid", b: "rejected"},
    ]
    assert item["status"] == "committed"  # the request's own state is its own
    assert all(set(p) == {"id", "fund_id", "status"} for p in item["payouts"])


def test_a_legal_aid_payout_shows_only_where_legal_items_are_read(app: Posko) -> None:
    fund_id = open_fund(app)
    action_id, site_id = action_with_site(app)
    contribute(app, fund_id, 1_000_000)
    app.link_fund(fund_id=fund_id, action_id=action_id, actor=TREASURER)
    help_id = committed_help(app, action_id, site_id, kind="legal_aid")
    disbursement_id = ask(app, fund_id, 100_000, help_id)
    views = views_of(app)
    public = feed_item(views, action_id, help_id)
    legal = feed_item(views, action_id, help_id, legal=True)
    assert "payouts" not in public
    assert legal["payouts"] == [
        {"id": str(disbursement_id), "fund_id": str(fund_id), "status": "requested"}
    ]


def test_after_unlinking_the_action_sees_no_more_of_the_fund(app: Posko) -> None:
    fund_id = open_fund(app)
    action_id, _site = action_with_site(app)
    contribute(app, fund_id, 1_000)
    app.link_fund(fund_id=fund_id, action_id=action_id, actor=TREASURER)
    app.unlink_fund(fund_id=fund_id, action_id=action_id, actor=OFFICER_1)
    contribute(app, fund_id, 2_000)
    views = views_of(app)
    shown = row(views, action_id, fund_id)
    assert shown["linked"] is False and "balance" not in shown
    assert views.rows[(fund_link.ACTION_FUNDS, str(action_id))]["funds"] == {}
    assert views.rows[(fund_link.LINKS, str(fund_id))]["actions"] == {}
    app.link_fund(fund_id=fund_id, action_id=action_id, actor=TREASURER)
    assert row(views_of(app), action_id, fund_id)["balance"] == 3_000


def test_views_applied_event_by_event_equal_views_rebuilt_at_once(app: Posko) -> None:
    fund_id = open_fund(app)
    action_id, site_id = action_with_site(app)
    contribute(app, fund_id, 1_000_000)
    app.link_fund(fund_id=fund_id, action_id=action_id, actor=TREASURER)
    help_id = committed_help(app, action_id, site_id)
    paid = ask(app, fund_id, 200_000, help_id)
    app.approve_disbursement(fund_id=fund_id, disbursement_id=paid, actor=OFFICER_1)
    app.pay_disbursement(
        fund_id=fund_id, disbursement_id=paid, payment_ref="T", effective_date=OPEN_DAY, actor=PAYER
    )
    app.unlink_fund(fund_id=fund_id, action_id=action_id, actor=OFFICER_1)
    app.link_fund(fund_id=fund_id, action_id=action_id, actor=TREASURER)
    stepwise = Views()
    for n in app.recorder.select_notifications(start=1, limit=100_000):
        stepwise.apply(app.mapper.to_domain_event(n))
    assert stepwise.rows == views_of(app).rows


def test_the_demo_fund_is_linked_to_the_demo_action(app: Posko) -> None:
    from posko import demo, demo_fund

    demo.seed(app)
    demo_fund.seed_fund(app)
    seeded = app.recorder.max_notification_id()
    demo_fund.seed_fund(app)
    assert app.recorder.max_notification_id() == seeded
    shown = row(views_of(app), demo.ACTION_ID, demo_fund.FUND_ID)
    assert shown["linked"] and shown["balance"] > 8_400_000
    assert shown["awaiting_approval"] == 8_400_000  # the strike pay waiting for its second
