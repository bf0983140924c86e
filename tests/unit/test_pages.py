"""The pages keep to the Content-Security-Policy: no inline script, no inline style, no event
handler attributes, no javascript: links; scripts and styles come from /static only."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "web" / "static"
PAGES = sorted(STATIC.glob("*.html"))


class InlineFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "style":
            self.found.append("<style> element")
        if tag == "script":
            if not (attributes.get("src") or "").startswith("/static/"):
                self.found.append("script without a /static/ src")
            self._in_script = True
        for name, value in attrs:
            if name == "style":
                self.found.append(f"style attribute on <{tag}>")
            if name.startswith("on"):
                self.found.append(f"{name} handler on <{tag}>")
            if value and value.strip().lower().startswith("javascript:"):
                self.found.append(f"javascript: URL on <{tag}>")
        stylesheet = tag == "link" and attributes.get("rel") == "stylesheet"
        if stylesheet and not (attributes.get("href") or "").startswith("/static/"):
            self.found.append("stylesheet from elsewhere")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.found.append("inline script body")


def test_there_are_pages_to_check() -> None:
    assert {p.name for p in PAGES} >= {"index.html", "masuk.html", "admin.html", "invite.html"}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_a_page_has_no_inline_script_or_style(page: Path) -> None:
    finder = InlineFinder()
    finder.feed(page.read_text())
    assert finder.found == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_script_and_stylesheet_a_page_names_exists(page: Path) -> None:
    text = page.read_text()
    for name in ("style.css", *[p.name for p in STATIC.glob("*.js")]):
        if f"/static/{name}" in text:
            assert (STATIC / name).exists()
    for script in STATIC.glob("*.js"):
        for line in script.read_text().splitlines():
            if line.startswith("import ") and '"./' in line:
                assert (STATIC / line.split('"./')[1].split('"')[0]).exists(), line
