"""The notices as letters: golden files of the printable A4 HTML (Bahasa Indonesia, the union's
letterhead) for a strike notice and a demonstration notice made through the real application,
and the PDF made from that HTML, whose extracted text has the same words.
Set POSKO_UPDATE_GOLDEN=1 to rewrite the golden files after a deliberate change."""

from __future__ import annotations

import io
import os
import re
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from pypdf import PdfReader

from core.application import Posko
from posko.persistence import eventsourcing_env
from web import notice_pages

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
WIB = timezone(timedelta(hours=7))
NOW = datetime(2026, 7, 6, 9, 0, tzinfo=WIB)
ACTOR = "person:officer"
LETTERHEAD = {
    "name": "DPP FEDERASI SERIKAT PEKERJA CONTOH",
    "address": "Jl. Buruh No. 1, Jakarta Timur 13000",
    "contact": "Telp. (021) 000-0000 · sekretariat@contoh.or.id",
}


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Posko]:
    posko = Posko(env=eventsourcing_env("", tmp_path))
    try:
        yield posko
    finally:
        posko.close()


def _action(app: Posko, kind: str) -> UUID:
    action_id = uuid4()
    starts = datetime(2026, 7, 20, 8, 0, tzinfo=WIB)
    app.plan_action(
        id=action_id,
        title="Aksi",
        kind=kind,
        demands=["Bayar upah sesuai UMK 2026"],
        starts_at=starts,
        ends_at=starts + timedelta(hours=8),
        actor=ACTOR,
    )
    app.add_site(
        action_id=action_id,
        site_id=uuid4(),
        name="Depan Kantor Bupati Bekasi",
        lat=-6.3612,
        lon=107.1728,
        target=500,
        actor=ACTOR,
    )
    return action_id


def _sent(app: Posko, kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    notice_id = uuid4()
    app.draft_notice(
        id=notice_id,
        kind=kind,
        action_id=_action(app, kind if kind == "strike" else "rally"),
        affiliate_id=uuid4(),
        fields=fields,
        now=NOW,
        actor=ACTOR,
    )
    app.mark_notice_ready(notice_id=notice_id, now=NOW, actor=ACTOR)
    app.mark_notice_sent(notice_id=notice_id, sent_on="2026-07-06", actor=ACTOR)
    return app.notice_report(notice_id, NOW)


STRIKE = {
    "letter_number": "012/PUK-SPC/VII/2026",
    "employer_name": "PT Contoh Manufaktur Indonesia",
    "employer_address": "Jl. Industri Raya Blok A-1, Cikarang, Kabupaten Bekasi",
    "disnaker_name": "Dinas Tenaga Kerja Kabupaten Bekasi",
    "disnaker_address": "Kompleks Perkantoran Pemkab Bekasi, Cikarang Pusat",
    "place": "Halaman parkir sisi timur pabrik, tanpa menghalangi pekerja lain yang bekerja",
    "public_service": True,
    "staffing_plan": "Petugas keselamatan dan pemadam kebakaran tetap bertugas sesuai jadwal.",
    "signatories": [
        {"union": "PUK SP Contoh PT Contoh", "chair": "Budi Santoso", "secretary": "Siti Aminah"}
    ],
    "city": "Bekasi",
}
DEMO = {
    "letter_number": "013/PUK-SPC/VII/2026",
    "police_unit": "Polres Metro Bekasi",
    "scope": "district",
    "purpose": "Menyampaikan tuntutan upah sesuai UMK 2026 kepada Bupati Bekasi",
    "route": "Long march dari pabrik ke Kantor Bupati",
    "form": "unjuk_rasa",
    "responsible": [{"name": "Budi Santoso", "phone": "0812-0000-0001"}, {"name": "Siti Aminah"}],
    "organisation_name": "PUK SP Contoh PT Contoh",
    "organisation_address": "Jl. Buruh No. 1, Cikarang",
    "props": "Spanduk, bendera serikat, mobil komando & pengeras suara",
    "participants": 150,
    "city": "Bekasi",
}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self._skip += tag in ("style", "title")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("style", "title")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def words(text: str) -> Counter[str]:
    # list markers ("a.", "1.", bullets) are drawn by the layout, not in the HTML text
    text = re.sub(r"/\s+", "/", text)  # the layout may break a line after "pekerja/"
    return Counter(
        w for w in re.split(r"\s+", text) if w and not re.fullmatch(r"[a-h1-9]\.|[•◦▪]", w)
    )


def html_words(page: str) -> Counter[str]:
    parser = _Text()
    parser.feed(page)
    return words(" ".join(parser.parts))


@pytest.mark.parametrize(("kind", "fields"), [("strike", STRIKE), ("demo", DEMO)])
def test_the_letter_matches_its_golden_file_and_the_pdf_has_the_same_text(
    app: Posko, kind: str, fields: dict[str, Any]
) -> None:
    report = _sent(app, kind, fields)
    page = notice_pages.render(report, LETTERHEAD)
    golden = GOLDEN / f"{kind}_notice.html"
    if os.environ.get("POSKO_UPDATE_GOLDEN"):
        golden.write_text(page, "utf-8")
    assert page == golden.read_text("utf-8")

    pdf = notice_pages.pdf(page)
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(p.extract_text() or "" for p in reader.pages)
    assert words(text) == html_words(page)
    # The letter's own stylesheet was applied: A4, and the serif face it names.
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    fonts = reader.pages[0]["/Resources"]["/Font"]
    # (without the stylesheet WeasyPrint falls back to DejaVu Serif)
    assert any("Liberation-Serif" in str(f.get_object()["/BaseFont"]) for f in fonts.values())


def test_the_letter_stylesheet_prints_on_a4() -> None:
    assert "@page { size: A4" in notice_pages.LETTER_CSS.read_text()


def test_the_pdf_loads_nothing_but_the_letter_stylesheet() -> None:
    page = '<html><body><img src="http://example.invalid/x.png"><p>Surat</p></body></html>'
    assert notice_pages.pdf(page).startswith(b"%PDF-")  # the image is refused, not fetched


def test_the_letter_says_what_the_law_asks() -> None:
    strike = (GOLDEN / "strike_notice.html").read_text("utf-8")
    for needed in (
        "Pemberitahuan Mogok Kerja",
        "Senin, 20 Juli 2026 pukul 08.00 WIB",  # day, date and hour (Pasal 140 ayat (2) a)
        "Dinas Tenaga Kerja Kabupaten Bekasi",
        "Ketua",
        "Sekretaris",
        "Pasal 139",
        "DPP FEDERASI SERIKAT PEKERJA CONTOH",
        '<link rel="stylesheet" href="/static/letter.css">',  # the CSP allows no inline style
    ):
        assert needed in strike, needed
    demo = (GOLDEN / "demo_notice.html").read_text("utf-8")
    for needed in ("Polres Metro Bekasi (Polres)", "± 150 orang", "mobil komando &amp; pengeras"):
        assert needed in demo, needed
