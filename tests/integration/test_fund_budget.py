"""The annual budget (APBO) on a real SQLite store: a revision is a fund event in the hash
chain, recorded once per revision id, superseding per account and keeping the history; bad
lines and years are refused writing nothing; budget against actual counts payments and
reversals effective in range; a closed period keeps the budget in force when it closed."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from core.application import Posko
from core.errors import Conflict, InvalidInput
from core.fund import Fund
from posko.persistence import eventsourcing_env
from projections import fund as fund_view
from projections import fund_budget
from tests.unit.test_views import Views

TREASURER, OFFICER = "person:treasurer", "person:officer"
H1_DAY, H2_DAY = date(2026, 3, 15), date(2026, 11, 2)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Posko]:
    posko = Posko(env=eventsourcing_env("", tmp_path))
    yield posko
    posko.close()


@pytest.fixture
def fund_id(app: Posko) -> UUID:
    fund_id = uuid4()
    app.open_fund(
        id=fund_id,
        name="Dana Solidaritas KSPI",
        unit_kind="confederation",
        unit_id=None,
        threshold=50_000_000,
        actor="api-key",
    )
    return fund_id


def set_budget(
    app: Posko, fund_id: UUID, lines: dict[str, Any], year: Any = "2026", id: UUID | None = None
) -> Any:
    return app.set_budget(
        id=id or uuid4(),
        fund_id=fund_id,
        year=year,
        lines=[{"account": code, "amount": amount} for code, amount in lines.items()],
        note="Rapat pleno",
        actor=TREASURER,
    )


def contribute(app: Posko, fund_id: UUID, amount: int, day: date) -> UUID:
    entry_id = uuid4()
    app.record_contribution(
        id=entry_id,
        fund_id=fund_id,
        source="affiliate",
        payer="FSPMI",
        channel="transfer",
        reference=None,
        amount=amount,
        income_account="income:solidarity",
        asset_account="bank",
        effective_date=day,
        actor=TREASURER,
    )
    return entry_id


def pay(app: Posko, fund_id: UUID, amount: int, day: date) -> None:
    d = uuid4()
    app.request_disbursement(
        id=d,
        fund_id=fund_id,
        purpose="Bantuan hukum",
        beneficiary="LBH",
        amount=amount,
        expense_account="expense:legal_aid",
        pay_from="bank",
        evidence="Invoice",
        actor=TREASURER,
    )
    app.approve_disbursement(fund_id=fund_id, disbursement_id=d, actor=OFFICER)
    app.pay_disbursement(
        fund_id=fund_id, disbursement_id=d, payment_ref="BNI-1", effective_date=day, actor="p:x"
    )


def section(app: Posko, fund_id: UUID, period: str) -> dict[str, Any]:
    views = Views()
    notifications = app.recorder.select_notifications(start=1, limit=100_000)
    views.apply(*(app.mapper.to_domain_event(n) for n in notifications))
    summary = views.rows[(fund_view.channel(fund_id), fund_view.SUMMARY_KEY)]
    monthly_name = fund_view.monthly_channel(fund_id)
    monthly = [doc for (ch, _k), doc in views.rows.items() if ch == monthly_name]
    doc = views.rows.get((fund_budget.channel(fund_id), period[:4]))
    return fund_budget.period_section(summary, monthly, doc, period)


def test_a_budget_revision_is_a_chained_fund_event_recorded_once_per_id(
    app: Posko, fund_id: UUID
) -> None:
    revision = uuid4()
    first = set_budget(app, fund_id, {"income:dues": 120_000_000}, id=revision)
    version = app.fund(fund_id).version
    again = set_budget(app, fund_id, {"income:dues": 120_000_000}, id=revision)
    assert first.created and not again.created and app.fund(fund_id).version == version
    with pytest.raises(Conflict) as refused:
        set_budget(app, fund_id, {"income:dues": 99}, id=revision)
    assert refused.value.code == "id_reused" and app.fund(fund_id).version == version
    events = [app.mapper.to_domain_event(s) for s in app.fund_events(fund_id)]
    assert isinstance(events[-1], Fund.BudgetSet)
    assert events[-1].lines == {"income:dues": 120_000_000}
    assert app.verify_fund(fund_id)["ok"]


def test_a_budget_edited_in_the_database_is_caught_by_verification(
    tmp_path: Path, app: Posko, fund_id: UUID
) -> None:
    set_budget(app, fund_id, {"expense:legal_aid": 20_000_000})
    contribute(app, fund_id, 1_000_000, H2_DAY)
    with sqlite3.connect(eventsourcing_env("", tmp_path)["SQLITE_DBNAME"]) as conn:
        version, state = conn.execute(
            "SELECT originator_version, state FROM stored_events WHERE topic = ?",
            ("core.fund:Fund.BudgetSet",),
        ).fetchone()
        forged = json.loads(bytes(state))
        forged["lines"]["expense:legal_aid"] = 90_000_000  # a bigger plan, after the fact
        conn.execute(
            "UPDATE stored_events SET state = ? WHERE topic = ?",
            (json.dumps(forged).encode(), "core.fund:Fund.BudgetSet"),
        )
    result = app.verify_fund(fund_id)
    assert not result["ok"]
    assert result["first_mismatch"]["problem"] == "hash_mismatch"
    assert (result["first_mismatch"]["version"], result["first_mismatch"]["event"]) == (
        version,
        "BudgetSet",
    )


def test_a_revision_supersedes_per_account_and_keeps_the_history(app: Posko, fund_id: UUID) -> None:
    set_budget(app, fund_id, {"income:dues": 100_000_000, "expense:legal_aid": 20_000_000})
    set_budget(app, fund_id, {"expense:legal_aid": 30_000_000})
    unchanged = set_budget(app, fund_id, {"expense:legal_aid": 30_000_000})  # a new id, no change
    assert not unchanged.created
    assert app.fund(fund_id).budgets["2026"] == {
        "income:dues": 100_000_000,
        "expense:legal_aid": 30_000_000,
    }
    report = section(app, fund_id, "2026-H2")
    assert report["revision"] == 2
    assert report["lines"]["income:dues"]["annual"] == 100_000_000
    assert report["lines"]["expense:legal_aid"]["annual"] == 30_000_000
    views = Views()
    views.apply(*(app.mapper.to_domain_event(s) for s in app.fund_events(fund_id)))
    doc = views.rows[(fund_budget.channel(fund_id), "2026")]
    assert [r["lines"] for r in doc["revisions"]] == [
        {
            "income:dues": {"amount": 100_000_000, "previous": None},
            "expense:legal_aid": {"amount": 20_000_000, "previous": None},
        },
        {"expense:legal_aid": {"amount": 30_000_000, "previous": 20_000_000}},
    ]
    assert doc["revisions"][0]["by"] == TREASURER and doc["revisions"][0]["note"] == "Rapat pleno"


@pytest.mark.parametrize(
    ("lines", "year", "field", "code"),
    [
        ([{"account": "bank", "amount": 1}], "2026", "lines[0].account", "not_budget_account"),
        ([{"account": "income:x", "amount": 1}], "2026", "lines[0].account", "not_budget_account"),
        ([{"account": "income:dues", "amount": -1}], "2026", "lines[0].amount", "out_of_range"),
        ([{"account": "income:dues", "amount": 1.5}], "2026", "lines[0].amount", "whole_rupiah"),
        ([{"account": "income:dues", "amount": "5"}], "2026", "lines[0].amount", "whole_rupiah"),
        (
            [{"account": "income:dues", "amount": 1}, {"account": "income:dues", "amount": 2}],
            "2026",
            "lines[1].account",
            "duplicate_account",
        ),
        ([], "2026", "lines", "too_few"),
        ([{"account": "income:dues", "amount": 1}], "26", "year", "not_a_year"),
        ([{"account": "income:dues", "amount": 1}], "20x6", "year", "not_a_year"),
        ([{"account": "income:dues", "amount": 1}], "0999", "year", "not_a_year"),
    ],
)
def test_bad_lines_and_malformed_years_are_refused_naming_the_field_writing_nothing(
    app: Posko, fund_id: UUID, lines: list[Any], year: str, field: str, code: str
) -> None:
    version = app.fund(fund_id).version
    with pytest.raises(InvalidInput) as refused:
        app.set_budget(
            id=uuid4(), fund_id=fund_id, year=year, lines=lines, note=None, actor=TREASURER
        )
    assert (refused.value.code, refused.value.field) == (code, field)
    assert app.fund(fund_id).version == version


def test_a_zero_line_is_a_plan_too(app: Posko, fund_id: UUID) -> None:
    assert set_budget(app, fund_id, {"expense:emergency": 0}).created
    assert app.fund(fund_id).budgets["2026"] == {"expense:emergency": 0}


def test_budget_against_actual_counts_payments_and_reversals_effective_in_range(
    app: Posko, fund_id: UUID
) -> None:
    set_budget(app, fund_id, {"income:solidarity": 10_000_001, "expense:legal_aid": 4_000_000})
    contribute(app, fund_id, 3_000_000, H1_DAY)
    contribute(app, fund_id, 2_000_000, H2_DAY)
    wrong = contribute(app, fund_id, 700_000, H2_DAY)
    app.reverse_entry(
        id=uuid4(),
        fund_id=fund_id,
        entry_id=wrong,
        reason="Salah catat",
        effective_date=H2_DAY,
        actor=TREASURER,
    )
    pay(app, fund_id, 1_500_000, H2_DAY)
    report = section(app, fund_id, "2026-H2")
    income = report["lines"]["income:solidarity"]
    assert income["period"] == {
        "planned": 5_000_001,  # H2 = annual - floor(annual / 2): the odd rupiah
        "actual": 2_000_000,
        "difference": -3_000_001,
        "realised_pct": 40.0,
    }
    assert income["year_to_date"]["planned"] == 10_000_001
    assert income["year_to_date"]["actual"] == 5_000_000
    assert income["year_to_date"]["realised_pct"] == 50.0
    legal = report["lines"]["expense:legal_aid"]
    assert legal["period"] == {
        "planned": 2_000_000,
        "actual": 1_500_000,
        "difference": -500_000,
        "realised_pct": 75.0,
    }
    assert report["totals"]["expense"]["period"]["actual"] == 1_500_000
    assert report["totals"]["income"]["year_to_date"]["actual"] == 5_000_000
    first_half = section(app, fund_id, "2026-H1")["lines"]["income:solidarity"]["period"]
    assert first_half["planned"] == 5_000_000 and first_half["actual"] == 3_000_000


def test_a_closed_period_keeps_the_budget_it_closed_with(app: Posko, fund_id: UUID) -> None:
    set_budget(app, fund_id, {"expense:legal_aid": 10_000_000})
    contribute(app, fund_id, 9_000_000, H1_DAY)
    pay(app, fund_id, 2_000_000, H1_DAY)
    app.close_period(fund_id=fund_id, period="2026-H1", actor=TREASURER)
    set_budget(app, fund_id, {"expense:legal_aid": 30_000_000})  # revised after the close
    closed = section(app, fund_id, "2026-H1")
    assert closed["frozen"] and closed["revision"] == 1
    legal = closed["lines"]["expense:legal_aid"]
    assert legal["annual"] == 10_000_000
    assert legal["period"]["planned"] == 5_000_000 and legal["period"]["actual"] == 2_000_000
    assert legal["year_to_date"]["planned"] == 10_000_000
    current = section(app, fund_id, "2026-H2")
    assert not current["frozen"] and current["revision"] == 2
    assert current["lines"]["expense:legal_aid"]["period"]["planned"] == 15_000_000


def test_a_year_whose_periods_are_both_closed_keeps_its_budget(app: Posko, fund_id: UUID) -> None:
    set_budget(app, fund_id, {"income:dues": 1_000}, year="2025")
    for period in ("2025-H1", "2025-H2"):
        app.close_period(fund_id=fund_id, period=period, actor=TREASURER)
    with pytest.raises(Conflict) as refused:
        set_budget(app, fund_id, {"income:dues": 2_000}, year="2025")
    assert (refused.value.code, refused.value.field) == ("budget_year_closed", "year")
