"""The pages' own defences in a real Chromium: where the sign-in page may send one next."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.e2e.process import Server


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/admin", "/admin"),
        ("/lapor?lang=en#x", "/lapor?lang=en#x"),
        ("/%09/evil.example", "/%09/evil.example"),  # literally: a path here
        ("/\t/evil.example", "/"),  # what ?next=/%09/evil.example decodes to
        ("/\n/evil.example", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
    ],
)
def test_safe_next_accepts_only_paths_of_this_origin(
    server: Server, page: Page, raw: str, expected: str
) -> None:
    page.goto(server.http + "/masuk")
    chosen = page.evaluate("raw => import('/static/api.js').then(m => m.safeNext(raw))", raw)
    assert chosen == expected


def test_a_sign_in_link_with_a_tab_in_next_stays_on_this_origin(server: Server, page: Page) -> None:
    page.goto(server.http + "/masuk?next=/%09/evil.example")
    chosen = page.evaluate(
        "() => import('/static/api.js').then(m => "
        "m.safeNext(new URLSearchParams(location.search).get('next')))"
    )
    assert chosen == "/"
