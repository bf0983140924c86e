"""The legal rule sets: the shipped file parses, every rule cites its article, the calendar
knows 2026 and 2027 and says how sure it is, and a bad file is refused naming the key."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from core.legal.rules import REQUIRED_RULES, SHIPPED, RulesError, load_rulebook, parse

TEXT = (SHIPPED / "2026.1.toml").read_text()


def test_the_shipped_rules_cite_an_article_for_every_rule() -> None:
    rules = load_rulebook().in_force(date(2026, 12, 6))
    assert rules.version == "2026.1"
    for name in REQUIRED_RULES:
        assert rules.rule(name).cites.strip(), name
    assert rules.value("strike_notice_working_days") == 7
    assert rules.value("demo_notice_hours") == 72
    assert rules.rule("demo_responsible_per_100").binding is False  # unverified: warns only
    assert rules.rule("strike_notice_working_days").binding is True


def test_the_calendar_covers_2026_and_2027_and_marks_2027_unverified() -> None:
    rules = load_rulebook().in_force(date(2026, 12, 6))
    assert set(rules.years) == {2026, 2027}
    assert rules.years[2026].status == "partly"
    assert rules.years[2027].status == "unverified"
    cuti = [d for d in rules.days_off if d.kind == "cuti_bersama" and d.day.year == 2026]
    assert len(cuti) == 8  # the SKB's eight days of cuti bersama in 2026
    holidays_2026 = {d.day for d in rules.days_off if d.kind == "holiday" and d.day.year == 2026}
    assert len(holidays_2026) == 17
    assert date(2026, 5, 1) in holidays_2026 and date(2026, 8, 17) in holidays_2026


def test_a_newer_version_takes_effect_on_its_day(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(TEXT)
    newer = TEXT.replace('version = "2026.1"', 'version = "2027.1"').replace(
        "effective_from = 2026-01-01", "effective_from = 2027-01-01"
    )
    (tmp_path / "b.toml").write_text(newer.replace("value = 7\n", "value = 10\n", 1))
    book = load_rulebook(tmp_path)
    assert book.in_force(date(2026, 12, 31)).version == "2026.1"
    assert book.in_force(date(2027, 1, 1)).version == "2027.1"
    assert book.in_force(date(2027, 1, 1)).value("strike_notice_working_days") == 10


@pytest.mark.parametrize(
    ("change", "names"),
    [
        (('version = "2026.1"', ""), "version"),
        (("[rules.demo_sttp]", "[rules.other]"), "demo_sttp"),
        (('status = "verified"', 'status = "sure"'), "status"),
        (("week = 5", "week = 7"), "calendar.week"),
        (('kind = "cuti_bersama"', 'kind = "bridge"'), "kind"),
        (('category = "palace"', 'category = "mall"'), "category"),
        (("lat = -6.1702", "lat = -96.1702"), "lat/lon"),
        (("date = 2026-01-01", "date = 2025-01-01"), "calendar.years lacks"),
        (("[calendar]", "[calendar"), "not TOML"),
    ],
)
def test_a_bad_rule_file_is_refused_naming_what_is_wrong(
    change: tuple[str, str], names: str
) -> None:
    with pytest.raises(RulesError, match=names.replace("(", r"\(")):
        parse(TEXT.replace(*change, 1), origin="x.toml")


def test_two_files_with_one_version_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(TEXT)
    (tmp_path / "b.toml").write_text(
        TEXT.replace("effective_from = 2026-01-01", "effective_from = 2026-02-01")
    )
    with pytest.raises(RulesError, match="same version"):
        load_rulebook(tmp_path)


def test_an_empty_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="no"):
        load_rulebook(tmp_path)


def test_a_bad_rules_directory_stops_start_up_and_a_good_one_is_used(tmp_path: Path) -> None:
    from posko.bootstrap import build
    from posko.settings import Settings

    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "bad.toml").write_text(TEXT.replace("[rules.demo_sttp]", "[rules.other]"))
    settings = Settings(data_dir=tmp_path / "data", api_key="k" * 32, legal_rules_dir=rules)
    with pytest.raises(RulesError, match="demo_sttp"):
        build(settings, runner=False, gateway=False)
    (rules / "bad.toml").write_text(TEXT.replace('version = "2026.1"', 'version = "lokal-1"'))
    components = build(settings, runner=False, gateway=False)
    try:
        assert components.app.rulebook.in_force(date(2026, 12, 6)).version == "lokal-1"
    finally:
        components.close()
