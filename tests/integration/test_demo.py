"""The demo on a real SQLite store: seeding twice adds nothing, the street files every kind of
report, incidents and requests, and the simulated coordinator handles them, also after a
restart."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

from core import arrears, ledger
from core.application import Posko
from posko import demo
from posko.ballot_box import SQLiteBallotBox
from posko.persistence import eventsourcing_env
from projections import channels, fund_arrears
from projections.time_travel import replay_all
from tests.unit.test_views import NOW, Views


def test_seeding_again_adds_nothing(tmp_path: Path) -> None:
    app = Posko(env=eventsourcing_env("", tmp_path))
    demo.seed(app)
    seeded = app.recorder.max_notification_id()

    demo.seed(app)

    assert app.recorder.max_notification_id() == seeded
    action = app.action(demo.ACTION_ID)
    assert action.status == "live"
    assert len(action.targets) == len(demo.AFFILIATES) * len(demo.SITES)
    app.close()


def test_the_street_reports_and_the_coordinator_handles_it_even_after_a_restart(
    tmp_path: Path,
) -> None:
    app = Posko(env=eventsourcing_env("", tmp_path))
    demo.seed(app)
    street = demo.Street(app, random.Random(4))
    for second in range(0, 400, 2):  # a simulated clock: two seconds a step
        street.tick(float(second))
    left_open = {str(item_id) for _, _, item_id in street.pending}
    assert left_open

    restarted = demo.Street(app, random.Random(5))  # what the first one knew is gone
    restarted.resume(1000.0)
    for second in range(1000, 1400, 2):
        restarted.tick(float(second))

    rows = replay_all(app, NOW.replace(year=2100)).rows.changed
    ref = channels.parse(f"action:{demo.ACTION_ID}:feed")
    assert ref is not None
    items = [doc for (channel, _), doc in rows.items() if channel == ref.name]
    kinds = {(i["type"], i["kind"]) for i in items}
    assert {("report", "checkin"), ("report", "headcount"), ("report", "status")} <= kinds
    assert any(i["type"] == "report" and i.get("by_affiliate") for i in items)
    handled = {i["status"] for i in items if i["type"] != "report"}
    assert {"resolved", "fulfilled"} <= handled
    finished = ("resolved", "fulfilled", "cancelled")
    assert {i["status"] for i in items if i["id"] in left_open} <= set(finished)
    app.close()


def test_the_demo_votes_show_a_result_and_a_growing_turnout(tmp_path: Path) -> None:
    app = Posko(env=eventsourcing_env("", tmp_path))
    box = SQLiteBallotBox(tmp_path / "ballots.db")
    app.attach_ballot_box(box)
    demo.seed_votes(app)
    seeded = app.recorder.max_notification_id()
    demo.seed_votes(app)  # a restart adds nothing
    assert app.recorder.max_notification_id() == seeded

    sealed = app.vote(demo.SEALED_VOTE).public()
    assert sealed["status"] == "sealed" and sealed["turnout"] == len(demo.VOTERS)
    assert sealed["result"]["carried"] and sealed["result"]["option"] == 0
    assert sealed["result"]["tally"] == [9, 2, 1]  # twelve voted: at least k, counts shown
    assert len(sealed["receipts"]) == len(demo.VOTERS)

    rng = random.Random(1)
    assert app.vote(demo.OPEN_VOTE).public()["turnout"] == demo.OPEN_VOTERS_AT_SEED
    demo.one_more_voter(app, rng)
    open_vote = app.vote(demo.OPEN_VOTE).public()
    assert open_vote["status"] == "open" and open_vote["turnout"] == demo.OPEN_VOTERS_AT_SEED + 1
    assert open_vote["result"] is None
    for _ in demo.VOTERS:
        demo.one_more_voter(app, rng)  # once everyone voted, it stops
    assert app.vote(demo.OPEN_VOTE).public()["turnout"] == len(demo.VOTERS)
    box.close()
    app.close()


def test_the_demo_fund_has_a_month_of_money_a_closed_period_and_a_pending_payout(
    tmp_path: Path,
) -> None:
    from posko import demo_fund

    app = Posko(env=eventsourcing_env("", tmp_path))
    demo_fund.seed_fund(app)
    seeded = app.recorder.max_notification_id()
    demo_fund.seed_fund(app)
    assert app.recorder.max_notification_id() == seeded

    fund = app.fund(demo_fund.FUND_ID)
    assert fund.entries > 10
    assert len(fund.closed) == 1
    (checkpoint,) = fund.closed.values()
    assert set(checkpoint["signatures"]) == {"treasurer", "chair"}
    statuses = sorted(d["status"] for d in fund.disbursements.values())
    assert statuses == ["paid", "requested"]
    assert fund.reserved["bank"] == 0 and fund.balances["bank"] > 8_400_000
    this_year = str(max(int(year) for year in fund.budgets))
    assert fund.budgets[this_year]["expense:legal_aid"] == 24_000_000  # revised after the close
    assert fund.budgets[this_year]["income:strike"] == demo_fund.BUDGET["income:strike"]
    assert app.verify_fund(demo_fund.FUND_ID)["ok"]

    # The affiliates declared their members; the last of them is two months behind.
    views = Views()
    views.apply(
        *(app.mapper.to_domain_event(n) for n in app.recorder.select_notifications(1, 10**5))
    )
    channel = fund_arrears.channel(demo_fund.FUND_ID)
    book, rows = fund_arrears.split_rows([d for (ch, _k), d in views.rows.items() if ch == channel])
    today = ledger.today_wib(datetime.now(UTC))
    answer = fund_arrears.report(book, rows, today)
    declared = {a["affiliate"]: a for a in answer["affiliates"] if a["declared"]}
    assert set(declared) == {name for name, _share in demo.AFFILIATES}
    late = declared[demo.AFFILIATES[-1][0]]
    assert late["months_behind"] == 2 and late["behind"][-1] == arrears.last_month_due(today)
    assert answer["totals"]["affiliates_behind"] == 1
    app.close()
