"""The action report's template: both languages say everything, numbers and times are written
the local way, and nothing from the store can become markup."""

from __future__ import annotations

from datetime import UTC, datetime

from web.report_document import WORDS, number, render, zone_of_longitude


def _report(title: str) -> dict[str, object]:
    return {
        "action": {
            "id": "a",
            "title": title,
            "kind": "rally",
            "demands": ["<b>Naik</b>"],
            "status": "concluded",
            "starts_at": "2026-05-01T01:00:00+00:00",
            "ends_at": "2026-05-01T10:00:00+00:00",
        },
        "totals": {
            "target": 1000,
            "peak": 1200,
            "peak_at": None,
            "final": 900,
            "checkins": 3,
            "checked_in": 2,
            "incidents": 0,
            "incidents_resolved": 0,
            "requests": 0,
            "requests_fulfilled": 0,
        },
        "sites": [],
        "affiliates": [],
        "incidents": [],
        "requests": [],
        "lobbying": [],
        "outcomes": [],
    }


def test_both_languages_have_the_same_words() -> None:
    assert WORDS["id"].keys() == WORDS["en"].keys()


def test_numbers_and_times_are_written_the_local_way() -> None:
    assert (number(1234567, "id"), number(1234567, "en")) == ("1.234.567", "1,234,567")
    assert number(2.5, "id") == "2,5"
    page = render(
        _report("Aksi"),
        lang="id",
        zone=zone_of_longitude(119.4),  # Makassar
        site_names={},
        stylesheet=None,
        action_links=False,
        now=datetime(2026, 5, 1, tzinfo=UTC),
    )
    assert "1 Mei 2026 09.00 WITA" in page
    assert "1.200" in page and "120%" in page


def test_nothing_from_the_store_becomes_markup() -> None:
    page = render(
        _report('<script>alert("x")</script>'),
        lang="en",
        zone="Asia/Jakarta",
        site_names={},
        stylesheet="/static/laporan.css",
        action_links=True,
    )
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "&lt;b&gt;Naik&lt;/b&gt;" in page
