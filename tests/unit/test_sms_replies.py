"""Every answer SMS intake can give has words in both languages, and fits in one SMS (160
characters) for ordinary values, except the list of every form."""

from __future__ import annotations

from typing import get_args

import pytest

from core.sms_keywords import FORMS, Reason, Refusal
from web.messages import CATALOGUE, render

ACCEPTED = ["checkin", "headcount", "status", "incident", "request"]
OTHERS = [
    "sms_already",
    "sms_cancelled",
    "sms_unknown_sender",
    "sms_no_role",
    "sms_not_your_site",
    "sms_needs_site",
    "sms_unknown_site_code",
    "sms_ambiguous_site_code",
    "sms_unknown_report",
    "sms_cannot_cancel",
    "sms_not_filed",
]
CODES = [f"sms_{r}" for r in get_args(Reason)] + [f"sms_accepted_{a}" for a in ACCEPTED] + OTHERS
PARAMS = {
    "code": "k7qx2a9m0d",
    "site": "Bundaran HI",
    "count": 15000,
    "kind": "medic",
    "quantity": 2,
    "phase": "holding",
    "mood": "calm",
    "word": "BANYAKSEKALI",
    "form": FORMS["BANTUAN"],
    "site_code": "BUN1",
    "reason": "action_cancelled",
}


@pytest.mark.parametrize("code", CODES)
def test_every_reply_has_words_in_both_languages(code: str) -> None:
    assert set(CATALOGUE[code]) == {"id", "en"}


@pytest.mark.parametrize(
    "code", [c for c in CODES if c not in ("sms_unknown_keyword", "sms_empty", "sms_too_long")]
)
@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_reply_fits_in_one_sms(code: str, lang: str) -> None:
    text = render(code, lang, PARAMS)
    assert "{" not in text
    assert len(text) <= 160, (len(text), text)


def test_the_reply_to_an_unknown_keyword_lists_every_form() -> None:
    text = render(
        "sms_unknown_keyword", "id", {"word": "halo", "form": Refusal("unknown_keyword").form}
    )
    assert all(form in text for form in FORMS.values())
