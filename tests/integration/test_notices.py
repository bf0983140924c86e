"""The two notice generators on a real SQLite event store: every refusal and warning of the
strike notice and of the demonstration notice, the receipts, and rule-set versioning (a notice
keeps the version it was drafted with after the configuration changes)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from core.action import Action
from core.application import Posko
from core.errors import Conflict, InvalidInput, NotFound
from core.legal import checks
from core.legal.rules import SHIPPED, load_rulebook
from core.notice_commands import _moved_start
from posko.persistence import eventsourcing_env

WIB = timezone(timedelta(hours=7))
NOW = datetime(2026, 7, 6, 9, 0, tzinfo=WIB)  # a Monday
ACTOR = "person:officer"
SCAN = b"%PDF-1.4 tanda terima"
ISTANA_MERDEKA = (-6.1702, 106.8246)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Posko]:
    posko = Posko(env=eventsourcing_env("", tmp_path))
    try:
        yield posko
    finally:
        posko.close()


def at(day: int, hour: int = 8, month: int = 7, year: int = 2026) -> str:
    return datetime(year, month, day, hour, 0, tzinfo=WIB).isoformat()


def action(app: Posko, kind: str = "strike", *, starts: str | None = None, sites: int = 1) -> UUID:
    starts_at = datetime.fromisoformat(starts or at(20))
    action_id = uuid4()
    app.plan_action(
        id=action_id,
        title="Mogok PT Contoh",
        kind=kind,
        demands=["Bayar upah sesuai UMK"],
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=8),
        actor=ACTOR,
    )
    for i in range(sites):
        app.add_site(
            action_id=action_id,
            site_id=uuid4(),
            name=f"Lokasi {i}",
            lat=-6.2 + i / 100,
            lon=106.9,
            target=100,
            actor=ACTOR,
        )
    return action_id


STRIKE_FIELDS: dict[str, Any] = {
    "employer_name": "PT Contoh Manufaktur",
    "employer_address": "Jl. Industri 1, Cikarang",
    "disnaker_name": "Dinas Tenaga Kerja Kabupaten Bekasi",
    "disnaker_address": "Jl. Deltamas, Cikarang Pusat",
    "place": "Halaman parkir depan pabrik, tidak menghalangi pekerja lain",
    "signatories": [{"union": "PUK SP Contoh", "chair": "Budi", "secretary": "Siti"}],
    "city": "Bekasi",
}


def draft_strike(app: Posko, action_id: UUID, **fields: Any) -> UUID:
    notice_id = uuid4()
    app.draft_notice(
        id=notice_id,
        kind="strike",
        action_id=action_id,
        affiliate_id=uuid4(),
        fields={**STRIKE_FIELDS, **fields},
        now=NOW,
        actor=ACTOR,
    )
    return notice_id


def codes(app: Posko, notice_id: UUID, now: datetime = NOW) -> dict[str, str]:
    report = app.notice_report(notice_id, now)
    return {f["code"]: f["level"] for f in report["findings"]}


def refused(app: Posko, notice_id: UUID) -> list[dict[str, Any]]:
    with pytest.raises(Conflict) as info:
        app.mark_notice_ready(notice_id=notice_id, now=NOW, actor=ACTOR)
    assert info.value.code == "notice_refused"
    findings: list[dict[str, Any]] = info.value.params["findings"]
    return findings


def scan(app: Posko, action_id: UUID, data: bytes = SCAN) -> UUID:
    return app.upload_attachment(
        affiliate_id=None,
        action_id=action_id,
        filename="tanda-terima.pdf",
        media_type="application/pdf",
        data=data,
        actor=ACTOR,
    ).id


# -- the strike notice ---------------------------------------------------------------------------


def test_a_strike_notice_needs_an_action_of_kind_strike(app: Posko) -> None:
    with pytest.raises(Conflict) as info:
        draft_strike(app, action(app, "rally"))
    assert info.value.code == "action_not_strike"


def test_an_incomplete_strike_notice_is_refused_naming_every_gap(app: Posko) -> None:
    notice_id = uuid4()
    app.draft_notice(
        id=notice_id,
        kind="strike",
        action_id=action(app),
        affiliate_id=uuid4(),
        fields={"signatories": [{"union": "PUK", "chair": "Budi"}]},
        now=NOW,
        actor=ACTOR,
    )
    gaps = {(f["code"], f["params"].get("field")) for f in refused(app, notice_id)}
    assert gaps == {
        ("missing_recipient", "employer_name"),
        ("missing_recipient", "disnaker_name"),
        ("missing_content", "place"),
        ("missing_signatory", "signatories[0].secretary"),
    }
    assert app.notice(notice_id).status == "draft"


def test_a_strike_start_too_close_is_refused_then_amber_then_clear(app: Posko) -> None:
    action_id = action(app)
    notice_id = draft_strike(app, action_id, starts_at=at(15), ends_at=at(15, 16))
    [too_close] = refused(app, notice_id)
    assert too_close["code"] == "too_close"
    assert too_close["params"]["earliest_lawful"] == "2026-07-16"  # Mon + 7 full working days
    assert too_close["params"]["working_days"] == 6
    assert "Pasal 140" in too_close["cites"]
    app.edit_notice(
        notice_id=notice_id, changes={"starts_at": at(16), "ends_at": at(16, 16)}, actor=ACTOR
    )
    assert codes(app, notice_id)["inside_margin"] == "amber"  # lawful, inside the 2-day margin
    app.mark_notice_ready(notice_id=notice_id, now=NOW, actor=ACTOR)
    assert app.notice(notice_id).status == "ready"
    app.edit_notice(
        notice_id=notice_id, changes={"starts_at": at(20), "ends_at": at(20, 16)}, actor=ACTOR
    )
    assert app.notice(notice_id).status == "draft"  # an edit asks for a new check
    assert "inside_margin" not in codes(app, notice_id)


def test_no_evidence_of_failed_negotiation_is_a_warning_until_attached(app: Posko) -> None:
    action_id = action(app)
    notice_id = draft_strike(app, action_id)
    assert codes(app, notice_id)["no_failed_negotiation"] == "warn"
    app.mark_notice_ready(notice_id=notice_id, now=NOW, actor=ACTOR)  # a warning never blocks
    app.attach_negotiation(
        notice_id=notice_id,
        kind="request",
        on="2026-06-01",
        note="Surat ajakan berunding I",
        attachment_id=None,
        actor=ACTOR,
    )
    assert "no_failed_negotiation" in codes(app, notice_id)
    app.attach_negotiation(
        notice_id=notice_id,
        kind="deadlock",
        on="2026-06-20",
        note="Risalah: deadlock",
        attachment_id=scan(app, action_id),
        actor=ACTOR,
    )
    assert "no_failed_negotiation" not in codes(app, notice_id)


def test_a_public_service_workplace_needs_a_staffing_plan(app: Posko) -> None:
    notice_id = draft_strike(app, action(app), public_service=True)
    [finding] = refused(app, notice_id)
    assert (finding["code"], finding["params"]["field"]) == (
        "staffing_plan_needed",
        "staffing_plan",
    )
    assert "Pasal 139" in finding["cites"]
    app.edit_notice(
        notice_id=notice_id, changes={"staffing_plan": "Shift IGD tetap jalan"}, actor=ACTOR
    )
    app.mark_notice_ready(notice_id=notice_id, now=NOW, actor=ACTOR)


def test_non_members_sign_through_their_coordinator(app: Posko) -> None:
    notice_id = draft_strike(app, action(app), signatories=[{"coordinator": "Andi"}])
    app.mark_notice_ready(notice_id=notice_id, now=NOW, actor=ACTOR)


def test_receipts_run_the_clock_from_the_later_one(app: Posko) -> None:
    action_id = action(app)
    notice_id = draft_strike(app, action_id)  # starts Mon 20 Jul
    with pytest.raises(Conflict):  # not yet sent
        app.record_notice_receipt(
            notice_id=notice_id,
            recipient="employer",
            received="2026-07-06",
            received_by="HRD",
            number=None,
            attachment_id=scan(app, action_id),
            actor=ACTOR,
        )
    app.mark_notice_ready(notice_id=notice_id, now=NOW, actor=ACTOR)
    app.mark_notice_sent(notice_id=notice_id, sent_on="2026-07-06", actor=ACTOR)
    found = codes(app, notice_id)
    assert found["receipt_missing"] == "warn"
    # Until both receipts are in, the countdown runs to the end of the last day to get them.
    deadline = app.notice_report(notice_id, NOW)["deadline"]
    assert deadline == {"kind": "receipts", "at": "2026-07-09T00:00:00+07:00"}
    with pytest.raises(InvalidInput) as early:
        app.record_notice_receipt(
            notice_id=notice_id,
            recipient="employer",
            received="2026-07-05",
            received_by="HRD",
            number=None,
            attachment_id=scan(app, action_id),
            actor=ACTOR,
        )
    assert early.value.field == "received_on"
    app.record_notice_receipt(
        notice_id=notice_id,
        recipient="employer",
        received="2026-07-06",
        received_by="HRD",
        number="TT-1",
        attachment_id=scan(app, action_id),
        actor=ACTOR,
    )
    # Disnaker stamps it two days later: only 7 working days remain to Mon 20 (amber)...
    app.record_notice_receipt(
        notice_id=notice_id,
        recipient="disnaker",
        received="2026-07-08",
        received_by="Loket",
        number=None,
        attachment_id=scan(app, action_id, b"foto"),
        actor=ACTOR,
    )
    report = app.notice_report(notice_id, NOW)
    assert report["deadline"] == {"kind": "start", "at": at(20)}
    assert report["clock"]["counted_from"] == "2026-07-08"
    assert report["clock"]["counted_from_receipts"] is True
    assert {f["code"]: f["level"] for f in report["findings"]}["inside_margin"] == "amber"
    # ...and a later stamp would make the strike unlawful: shown in red on the sent notice.
    app.record_notice_receipt(
        notice_id=notice_id,
        recipient="disnaker",
        received="2026-07-10",
        received_by="Loket",
        number=None,
        attachment_id=scan(app, action_id, b"foto"),
        actor=ACTOR,
    )
    assert codes(app, notice_id)["receipt_too_late"] == "refuse"
    with pytest.raises(Conflict) as locked:
        app.edit_notice(notice_id=notice_id, changes={"place": "x"}, actor=ACTOR)
    assert locked.value.code == "notice_locked"


def test_a_receipt_scan_of_another_action_is_refused(app: Posko) -> None:
    action_id = action(app)
    notice_id = draft_strike(app, action_id)
    app.mark_notice_ready(notice_id=notice_id, now=NOW, actor=ACTOR)
    app.mark_notice_sent(notice_id=notice_id, sent_on="2026-07-06", actor=ACTOR)
    with pytest.raises(NotFound):
        app.record_notice_receipt(
            notice_id=notice_id,
            recipient="employer",
            received="2026-07-06",
            received_by="HRD",
            number=None,
            attachment_id=scan(app, action(app)),
            actor=ACTOR,
        )


def test_years_the_calendar_is_unsure_of_are_warnings(app: Posko) -> None:
    early_2027 = draft_strike(
        app, action(app), starts_at=at(20, month=1, year=2027), ends_at=at(20, 16, 1, 2027)
    )
    found = codes(app, early_2027, NOW.replace(year=2027, month=1, day=4))
    assert found["calendar_unverified"] == "warn"
    in_2028 = draft_strike(
        app, action(app), starts_at=at(20, month=1, year=2028), ends_at=at(20, 16, 1, 2028)
    )
    assert (
        codes(app, in_2028, NOW.replace(year=2028, month=1, day=3))["calendar_missing_year"]
        == "warn"
    )


def test_drafting_is_idempotent_by_client_id(app: Posko) -> None:
    action_id, affiliate_id, notice_id = action(app), uuid4(), uuid4()

    def draft(**fields: Any) -> Any:
        return app.draft_notice(
            id=notice_id,
            kind="strike",
            action_id=action_id,
            affiliate_id=affiliate_id,
            fields={**STRIKE_FIELDS, **fields},
            now=NOW,
            actor=ACTOR,
        )

    assert draft().created is True
    assert draft().created is False
    with pytest.raises(Conflict):
        draft(place="Elsewhere")
    assert [n.id for n in app.notices_of(action_id)] == [notice_id]


def test_a_notice_keeps_its_rule_set_version_after_the_configuration_changes(
    app: Posko, tmp_path: Path
) -> None:
    action_id = action(app)
    old = draft_strike(app, action_id, starts_at=at(17), ends_at=at(17, 16))
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    text = (SHIPPED / "2026.1.toml").read_text()
    newer = text.replace('version = "2026.1"', 'version = "2026.2"').replace(
        "effective_from = 2026-01-01", "effective_from = 2026-07-01"
    )
    (rules_dir / "2026.1.toml").write_text(text)
    (rules_dir / "2026.2.toml").write_text(newer.replace("value = 7\n", "value = 10\n", 1))
    app.legal_rules = load_rulebook(rules_dir)
    new = draft_strike(app, action_id, starts_at=at(17), ends_at=at(17, 16))
    assert app.notice_report(old, NOW)["rules"]["version"] == "2026.1"
    assert app.notice_report(new, NOW)["rules"]["version"] == "2026.2"
    assert "too_close" not in codes(app, old)  # still 7 working days for the old notice
    assert codes(app, new)["too_close"] == "refuse"  # 10 for the new one
    # Even with its version gone from the configuration, the old notice is judged the same.
    (rules_dir / "2026.1.toml").unlink()
    app.legal_rules = load_rulebook(rules_dir)
    fresh = Posko(env=eventsourcing_env("", tmp_path))
    try:
        fresh.legal_rules = app.legal_rules
        assert fresh.notice_report(old, NOW)["rules"]["version"] == "2026.1"
        assert "too_close" not in codes(fresh, old)
    finally:
        fresh.close()


def test_an_action_start_moved_before_the_earliest_lawful_day_is_a_warning(app: Posko) -> None:
    notice_id = draft_strike(app, action(app))  # the notice: Mon 20 Jul
    notice = app.notice(notice_id)
    rules = app.rules_of(notice)
    clock = checks.strike_clock(notice.fields, {}, rules, NOW)
    assert clock is not None

    def moved(starts: str) -> list[str]:
        start = datetime.fromisoformat(starts)
        planned = Action.plan(
            id=uuid4(),
            title="t",
            kind="strike",
            demands=[],
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            actor=ACTOR,
        )
        return [f.code for f in _moved_start(notice, planned, clock, rules)]

    assert moved(at(20)) == []
    assert moved(at(13)) == ["action_start_before_deadline"]
    assert moved(at(27)) == ["action_start_differs"]


# -- the demonstration notice --------------------------------------------------------------------

DEMO_FIELDS: dict[str, Any] = {
    "police_unit": "Polres Metro Bekasi",
    "scope": "district",
    "purpose": "Menuntut upah sesuai UMK",
    "form": "unjuk_rasa",
    "responsible": [{"name": "Budi", "phone": "0812"}, {"name": "Siti"}],
    "organisation_name": "PUK SP Contoh",
    "organisation_address": "Jl. Buruh 1, Bekasi",
    "props": "Spanduk, bendera, mobil komando",
    "participants": 150,
    "city": "Bekasi",
}


def draft_demo(app: Posko, action_id: UUID, **fields: Any) -> UUID:
    notice_id = uuid4()
    app.draft_notice(
        id=notice_id,
        kind="demo",
        action_id=action_id,
        affiliate_id=uuid4(),
        fields={**DEMO_FIELDS, **fields},
        now=NOW,
        actor=ACTOR,
    )
    return notice_id


def test_a_demonstration_notice_needs_public_sites(app: Posko) -> None:
    with pytest.raises(Conflict) as info:
        draft_demo(app, action(app, "rally", sites=0))
    assert info.value.code == "action_has_no_sites"


def test_an_incomplete_demonstration_notice_is_refused(app: Posko) -> None:
    notice_id = uuid4()
    app.draft_notice(
        id=notice_id,
        kind="demo",
        action_id=action(app, "rally"),
        affiliate_id=uuid4(),
        fields={"form": "konser"},
        now=NOW,
        actor=ACTOR,
    )
    gaps = {(f["code"], f["params"].get("field")) for f in refused(app, notice_id)}
    assert gaps == {
        ("missing_content", "purpose"),
        ("missing_content", "responsible"),
        ("missing_content", "organisation_name"),
        ("missing_content", "organisation_address"),
        ("missing_content", "props"),
        ("missing_content", "participants"),
        ("unknown_form", "form"),
    }


def test_a_clean_demonstration_notice_has_its_police_level_and_deadlines(app: Posko) -> None:
    notice_id = draft_demo(app, action(app, "rally", starts=at(20, 9)))  # times from the action
    app.mark_notice_ready(notice_id=notice_id, now=NOW, actor=ACTOR)
    report = app.notice_report(notice_id, NOW)
    assert report["police_level"] == "Polres"
    assert report["cancellation_deadline"] == at(19, 9)
    assert report["deadline"] == {"kind": "sttp", "at": at(17, 9)}  # 72 hours before
    assert {f["code"] for f in report["findings"]} == {"sttp_missing"}


def test_fewer_than_72_hours_is_a_warning_not_a_refusal(app: Posko) -> None:
    notice_id = draft_demo(app, action(app, "rally"), starts_at=at(8, 9), ends_at=at(8, 15))
    assert codes(app, notice_id)["too_close"] == "warn"
    app.mark_notice_ready(notice_id=notice_id, now=NOW, actor=ACTOR)


def test_a_site_near_the_palace_is_warned_with_the_distance(app: Posko) -> None:
    action_id = action(app, "rally", sites=0)
    app.add_site(
        action_id=action_id,
        site_id=uuid4(),
        name="Depan Istana",
        lat=ISTANA_MERDEKA[0] + 0.0005,
        lon=ISTANA_MERDEKA[1],
        target=100,
        actor=ACTOR,
    )
    app.add_site(
        action_id=action_id,
        site_id=uuid4(),
        name="Patung Kuda",
        lat=-6.1762,
        lon=106.8229,
        target=100,
        actor=ACTOR,
    )
    notice_id = draft_demo(app, action_id, starts_at=at(20, 9), ends_at=at(20, 15))
    near = [
        f
        for f in app.notice_report(notice_id, NOW)["findings"]
        if f["code"] == "near_forbidden_place"
    ]
    assert [(f["params"]["site"], f["params"]["place"], f["level"]) for f in near] == [
        ("Depan Istana", "Istana Merdeka, Jakarta", "warn")
    ]
    assert 50 <= near[0]["params"]["distance_m"] <= 60
    assert near[0]["params"]["limit_m"] == 100


def test_a_national_holiday_and_hours_outside_the_allowed_ones_are_warned(app: Posko) -> None:
    notice_id = draft_demo(
        app, action(app, "rally"), starts_at=at(17, 17, 8), ends_at=at(17, 20, 8)
    )
    found = codes(app, notice_id)
    assert found["national_holiday"] == "warn"
    assert found["outside_hours"] == "warn"
    app.edit_notice(notice_id=notice_id, changes={"indoor": True}, actor=ACTOR)
    assert "outside_hours" not in codes(app, notice_id)  # 06.00-22.00 in a closed place


def test_too_few_responsible_persons_is_only_a_warning_as_its_rule_is_unverified(
    app: Posko,
) -> None:
    notice_id = draft_demo(
        app, action(app, "rally"), participants=450, responsible=[{"name": "Budi"}]
    )
    [ratio] = [
        f for f in app.notice_report(notice_id, NOW)["findings"] if f["code"] == "responsible_ratio"
    ]
    assert (ratio["level"], ratio["status"]) == ("warn", "unverified")
    assert "Pasal 12" in ratio["cites"]
    assert ratio["params"]["needed_min"] == 5
    app.mark_notice_ready(notice_id=notice_id, now=NOW, actor=ACTOR)


def test_the_sttp_and_a_late_cancellation(app: Posko) -> None:
    action_id = action(app, "rally")
    notice_id = draft_demo(app, action_id, starts_at=at(20, 9), ends_at=at(20, 15))
    app.mark_notice_ready(notice_id=notice_id, now=NOW, actor=ACTOR)
    app.mark_notice_sent(notice_id=notice_id, sent_on="2026-07-16", actor=ACTOR)
    app.record_notice_receipt(
        notice_id=notice_id,
        recipient="police",
        received=at(18, 10),
        received_by="Bripka Joko",
        number="STTP/12/VII/2026",
        attachment_id=scan(app, action_id),
        actor=ACTOR,
    )
    found = codes(app, notice_id)
    assert found["sttp_too_late"] == "warn"  # 47 hours before the start
    assert "sttp_missing" not in found
    app.cancel_notice(
        notice_id=notice_id,
        reason="Audiensi diterima",
        now=datetime.fromisoformat(at(19, 20)),
        actor=ACTOR,
    )
    assert codes(app, notice_id)["cancelled_late"] == "warn"


def test_bad_field_values_are_refused_naming_the_field(app: Posko) -> None:
    with pytest.raises(InvalidInput) as info:
        draft_demo(app, action(app, "rally"), participants="many")
    assert info.value.field == "participants"
    with pytest.raises(InvalidInput) as info:
        draft_demo(app, action(app, "rally"), scope="galaxy")
    assert info.value.field == "scope"
    with pytest.raises(InvalidInput) as info:
        draft_strike(app, action(app), starts_at="2026-07-20T08:00")
    assert (info.value.code, info.value.field) == ("needs_timezone", "starts_at")
    with pytest.raises(InvalidInput) as info:
        draft_strike(app, action(app), colour="red")
    assert (info.value.code, info.value.field) == ("unknown_field", "colour")
    with pytest.raises(NotFound) as missing:
        draft_demo(app, action(app, "rally"), site_ids=[str(uuid4())])
    assert missing.value.field == "site_ids"


def test_a_demonstration_in_a_year_without_calendar_or_off_the_actions_time_is_warned(
    app: Posko,
) -> None:
    notice_id = draft_demo(
        app, action(app, "rally"), starts_at=at(3, 9, 1, 2028), ends_at=at(3, 15, 1, 2028)
    )
    found = codes(app, notice_id)
    assert found["calendar_missing_year"] == "warn"  # no holidays known for 2028
    assert found["action_start_differs"] == "warn"  # the action starts on 20 July 2026


def test_every_strike_clock_says_how_it_counted(app: Posko) -> None:
    notice_id = draft_strike(app, action(app))
    [counting] = [
        f for f in app.notice_report(notice_id, NOW)["findings"] if f["code"] == "counting"
    ]
    assert counting["level"] == "info"
    assert counting["status"] == "unverified"  # the convention itself is not settled law
    assert counting["params"]["receipt_deadline"] == "2026-07-08"
