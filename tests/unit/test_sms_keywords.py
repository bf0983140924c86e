"""The SMS keyword language without a gateway: texts in, typed reports or typed refusals out."""

from __future__ import annotations

import pytest

from core.sms_keywords import (
    FORMS,
    Cancel,
    CheckIn,
    Headcount,
    HelpRequest,
    IncidentReport,
    Parsed,
    Refusal,
    Status,
    parse,
)

REF = "0a1b2c3d4e"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # HADIR and its forms
        ("HADIR BUN1", CheckIn("BUN1")),
        ("hadir bun1", CheckIn("BUN1")),
        ("  Hadir   BUN1  ", CheckIn("BUN1")),
        ("HADIR BUN 1", CheckIn("BUN1")),
        ("HADIR BUNO", CheckIn("BUN0")),  # O typed for zero among the digits
        ("HADIR:BUN1", CheckIn("BUN1")),
        ("HADR BUN1", CheckIn("BUN1")),
        ("HADIIR BUN1", CheckIn("BUN1")),
        ("HDAIR BUN1", CheckIn("BUN1")),  # two letters swapped
        ("ABSEN BUN1", CheckIn("BUN1")),
        ("CHECKIN BUN1", CheckIn("BUN1")),
        (f"HADIR BUN1 #{REF}", CheckIn("BUN1", REF)),
        (f"HADIR BUN1 #{REF.upper()}", CheckIn("BUN1", REF)),
        # JUMLAH
        ("JUMLAH 1500", Headcount(1500)),
        ("JUMLAH 1500 BUN1", Headcount(1500, "BUN1")),
        ("jumlah 1.500 bun1", Headcount(1500, "BUN1")),
        ("JUMLAH 1,500", Headcount(1500)),
        ("JUMLAH 1.500.000", Headcount(1_500_000)),
        ("JUMLAH 2RB", Headcount(2000)),
        ("JUMLAH 2 ribu BUN1", Headcount(2000, "BUN1")),
        ("JUMLAH 1500 orang BUN1", Headcount(1500, "BUN1")),
        ("JUMLAH1500", Headcount(1500)),
        ("JML 300", Headcount(300)),
        ("JUMLH 300", Headcount(300)),
        ("JUMALH 300", Headcount(300)),
        ("COUNT 300 BUN1", Headcount(300, "BUN1")),
        ("JUMLAH 0", Headcount(0)),
        (f"JUMLAH 1500 BUN1 #{REF}", Headcount(1500, "BUN1", REF)),
        # STATUS
        ("STATUS BERTAHAN", Status("holding")),
        ("STATUS BERTAHAN AMAN", Status("holding", "calm")),
        ("status jalan tegang", Status("marching", "tense")),
        ("STATUS TEGANG", Status(None, "tense")),
        ("STATUS BUBAR", Status("dispersed")),
        ("STATUS KUMPUL KONDUSIF", Status("assembling", "calm")),
        ("STATSU BERTAHN AMAN", Status("holding", "calm")),
        ("STATUS holding calm", Status("holding", "calm")),
        ("STS BUBAR", Status("dispersed")),
        # INSIDEN
        (
            "INSIDEN TANGKAP 3 orang dibawa polisi",
            IncidentReport("arrest", "high", "3 orang dibawa polisi"),
        ),
        (
            "insiden polisi blokade di depan gedung",
            IncidentReport("police", "medium", "blokade di depan gedung"),
        ),
        (
            "INSIDEN LUKA KRITIS satu orang pingsan",
            IncidentReport("injury", "critical", "satu orang pingsan"),
        ),
        ("INSIDEN HUJAN deras sekali", IncidentReport("weather", "low", "deras sekali")),
        ("INSIDEN HUJAN ringan", Refusal("needs_text", "INSIDEN")),
        (
            "INSIDN provokator masuk barisan",
            IncidentReport("provocation", "medium", "masuk barisan"),
        ),
        ("INCIDENT arrest two taken", IncidentReport("arrest", "high", "two taken")),
        ("INSIDEN PROVOKSI ada penyusup", IncidentReport("provocation", "medium", "ada penyusup")),
        # BANTUAN
        ("BANTUAN MEDIS 2", HelpRequest("medic", 2)),
        ("BANTUAN MEDIS 2 ada yang pingsan", HelpRequest("medic", 2, "ada yang pingsan")),
        ("bantuan air 50 dus", HelpRequest("water_food", 50, "dus")),
        ("BANTUAN LBH 1", HelpRequest("legal_aid", 1)),
        ("BANTUAN BUS 3", HelpRequest("transport", 3)),
        ("BANTUN AIR 20", HelpRequest("water_food", 20)),
        ("HELP medic 1", HelpRequest("medic", 1)),
        ("BANTUAN MEDSI 1", HelpRequest("medic", 1)),
        ("BANTUAN TOA 2", HelpRequest("sound", 2)),
        (f"BANTUAN AIR 20 #{REF}", HelpRequest("water_food", 20, "", REF)),
        # BATAL
        ("BATAL K7QX2A", Cancel("k7qx2a")),
        ("batal #k7qx2a", Cancel("k7qx2a")),
        (f"BATAL #{REF}", Cancel(REF)),
        ("BTL K7QX2A", Cancel("k7qx2a")),
        ("CANCEL K7QX2A", Cancel("k7qx2a")),
        ("BATAL K7QXLO", Cancel("k7qx10")),  # L and O misread for 1 and 0
    ],
)
def test_reads_each_keyword_and_its_forgiven_forms(text: str, message: object) -> None:
    parsed = parse(text)
    if isinstance(message, Refusal):
        assert parsed == message
        return
    assert isinstance(parsed, Parsed), parsed
    assert parsed.message == message


@pytest.mark.parametrize(
    ("text", "english"),
    [("HADIR BUN1", False), ("CHECKIN BUN1", True), ("HELP water 1", True), ("jml 5", False)],
)
def test_english_keywords_ask_for_english_replies(text: str, english: bool) -> None:
    parsed = parse(text)
    assert isinstance(parsed, Parsed)
    assert parsed.english is english


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("", Refusal("empty")),
        ("   ", Refusal("empty")),
        ("halo posko", Refusal("unknown_keyword", word="halo")),
        ("HAD BUN1", Refusal("unknown_keyword", word="HAD")),  # too short to guess
        ("x" * 481, Refusal("too_long")),
        ("HADIR", Refusal("needs_site_code", "HADIR")),
        ("HADIR BUN1 BUN2", Refusal("extra_words", "HADIR", word="BUN2")),
        ("JUMLAH", Refusal("needs_number", "JUMLAH")),
        ("JUMLAH banyak", Refusal("bad_number", "JUMLAH", word="banyak")),
        ("JUMLAH -5", Refusal("bad_number", "JUMLAH", word="-5")),
        ("JUMLAH 1.5", Refusal("bad_number", "JUMLAH", word="1.5")),
        ("JUMLAH 99999999", Refusal("bad_number", "JUMLAH", word="99999999")),
        ("JUMLAH 1500 BUN1 lagi", Refusal("extra_words", "JUMLAH", word="lagi")),
        ("STATUS", Refusal("unknown_phase", "STATUS")),
        ("STATUS ngawur", Refusal("unknown_phase", "STATUS", word="ngawur")),
        ("STATUS BUBAR bingung", Refusal("unknown_mood", "STATUS", word="bingung")),
        ("STATUS BUBAR AMAN sekali", Refusal("extra_words", "STATUS", word="sekali")),
        ("INSIDEN", Refusal("unknown_incident_kind", "INSIDEN")),
        ("INSIDEN gempa bumi", Refusal("unknown_incident_kind", "INSIDEN", word="gempa")),
        ("INSIDEN LUKA", Refusal("needs_text", "INSIDEN")),
        ("INSIDEN LUKA BERAT", Refusal("needs_text", "INSIDEN")),
        ("BANTUAN", Refusal("unknown_help_kind", "BANTUAN")),
        ("BANTUAN helikopter 1", Refusal("unknown_help_kind", "BANTUAN", word="helikopter")),
        ("BANTUAN MEDIS", Refusal("bad_quantity", "BANTUAN")),
        ("BANTUAN MEDIS banyak", Refusal("bad_quantity", "BANTUAN", word="banyak")),
        ("BANTUAN MEDIS 0", Refusal("bad_quantity", "BANTUAN", word="0")),
        ("BANTUAN AIR 200000", Refusal("bad_quantity", "BANTUAN", word="200000")),
        ("BATAL", Refusal("needs_report_code", "BATAL")),
        ("BATAL K7QX2A lagi", Refusal("extra_words", "BATAL", word="lagi")),
    ],
)
def test_refuses_with_the_reason_and_the_form_to_reply(text: str, refusal: Refusal) -> None:
    assert parse(text) == refusal


def test_a_refusal_names_the_right_form_or_all_of_them() -> None:
    assert Refusal("bad_number", "JUMLAH").form == "JUMLAH <angka> [<kode lokasi>]"
    every = Refusal("unknown_keyword").form
    assert all(form in every for form in FORMS.values())


def test_a_typo_equally_close_to_two_meanings_is_not_guessed() -> None:
    from core.sms_keywords import _fuzzy

    assert _fuzzy("ABCD", {"ABCE": "one", "ABCF": "two"}) is None
    assert _fuzzy("ABCD", {"ABCE": "one", "ABCX": "one"}) == "one"


def test_free_text_keeps_what_the_korlap_wrote() -> None:
    parsed = parse("insiden luka Pak Budi jatuh di Jl. Sudirman")
    assert isinstance(parsed, Parsed)
    assert isinstance(parsed.message, IncidentReport)
    assert parsed.message.text == "Pak Budi jatuh di Jl. Sudirman"
