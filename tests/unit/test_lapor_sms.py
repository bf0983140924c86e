"""The phone page's SMS side (web/static/lapor-sms.js, run in Node) agrees with the server: the
texts it writes parse to the same report, and the ids it makes from a #ref are the server's."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from uuid import UUID

import pytest

from core.sms import item_id
from core.sms_keywords import (
    CheckIn,
    Headcount,
    HelpRequest,
    IncidentReport,
    Parsed,
    Status,
    parse,
)

MODULE = Path(__file__).parents[2] / "web" / "static" / "lapor-sms.js"
ACTION = "0b7c8a2e-9d44-4f7e-a3c1-5d2f6e8b9a01"
SITE = "5f0c6a1e-0000-4000-8000-000000000001"

Message = CheckIn | Headcount | Status | IncidentReport | HelpRequest

ITEMS = [
    ({"type": "report", "body": {"kind": "checkin", "site_id": SITE}}, CheckIn("BUN1")),
    (
        {"type": "report", "body": {"kind": "headcount", "headcount": 1500, "site_id": SITE}},
        Headcount(1500, "BUN1"),
    ),
    (
        {"type": "report", "body": {"kind": "status", "phase": "holding", "mood": "tense"}},
        Status("holding", "tense"),
    ),
    ({"type": "report", "body": {"kind": "status", "mood": "calm"}}, Status(None, "calm")),
    (
        {
            "type": "incident",
            "body": {"kind": "arrest", "severity": "critical", "description": "Dua dibawa"},
        },
        IncidentReport("arrest", "critical", "Dua dibawa"),
    ),
    (
        {"type": "request", "body": {"kind": "water_food", "quantity": 50, "note": "dus"}},
        HelpRequest("water_food", 50, "dus"),
    ),
    (
        {"type": "request", "body": {"kind": "legal_aid", "quantity": 1}},
        HelpRequest("legal_aid", 1, ""),
    ),
]


def node(script: str) -> str:
    if shutil.which("node") is None:
        pytest.skip("node is not installed; apt-get install -y nodejs to run this check")
    done = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return done.stdout


@pytest.mark.parametrize(("item", "message"), ITEMS)
def test_the_text_the_page_writes_parses_to_the_same_report(
    item: dict[str, object], message: Message
) -> None:
    ref = "abc123defg"
    script = (
        f"import {{ keywordText }} from {json.dumps(MODULE.as_uri())};"
        f"console.log(keywordText({json.dumps({**item, 'ref': ref})}, "
        f"{json.dumps({SITE: 'BUN1'})}));"
    )
    text = node(script).strip()
    parsed = parse(text)
    assert isinstance(parsed, Parsed), text
    assert parsed.message == replace(message, ref=ref)


def test_the_page_makes_the_servers_id_from_a_ref() -> None:
    refs = ["abc123defg", "0000000000", "zzzzzzzzzz"]
    script = (
        f"import {{ smsItemId }} from {json.dumps(MODULE.as_uri())};"
        f"for (const ref of {json.dumps(refs)}) "
        f"console.log(await smsItemId({json.dumps(ACTION)}, ref));"
    )
    assert node(script).split() == [str(item_id(UUID(ACTION), ref)) for ref in refs]
