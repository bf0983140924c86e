"""Every finding the checks can produce has words in both languages, and those words end with
the article the rule cites and how sure Posko is of it."""

from __future__ import annotations

import ast
from pathlib import Path

from web.notice_texts import FINDINGS, STATUS_WORDS, title

ROOT = Path(__file__).resolve().parents[2]


def produced_codes() -> set[str]:
    codes = set()
    for name in ("core/legal/checks.py", "core/notice_commands.py"):
        tree = ast.parse((ROOT / name).read_text())
        for node in ast.walk(tree):
            # code = "a" if ... else "b", then _finding(rules, code, ...)
            if isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == [
                "code"
            ]:
                codes.update(c.value for c in ast.walk(node.value) if isinstance(c, ast.Constant))
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            index = {"_finding": 1, "Finding": 0}.get(called)
            if index is not None and len(node.args) > index:
                arg = node.args[index]
                if isinstance(arg, ast.Constant):
                    codes.add(arg.value)
                else:  # a variable: its values were collected from its assignment
                    assert isinstance(arg, ast.Name) and arg.id == "code", ast.dump(arg)
    return codes


def test_every_finding_has_words_in_both_languages() -> None:
    codes = produced_codes()
    assert {"too_close", "near_forbidden_place", "action_start_before_deadline"} <= codes
    assert codes <= set(FINDINGS)
    for code, texts in FINDINGS.items():
        assert set(texts) == {"id", "en"}, code


def test_a_title_cites_the_article_and_says_when_it_is_unverified() -> None:
    finding = {
        "code": "responsible_ratio",
        "level": "warn",
        "rule": "demo_responsible_per_100",
        "cites": "UU 9/1998 Pasal 12",
        "status": "unverified",
        "params": {"given": 1, "needed_min": 2, "needed_max": 10},
    }
    assert title(finding, "id") == (
        "Penanggung jawab 1 orang; untuk peserta ini perlu 2-10. "
        "[UU 9/1998 Pasal 12; BELUM TERVERIFIKASI]"
    )
    assert title(finding, "en").endswith("[UU 9/1998 Pasal 12; UNVERIFIED]")
    assert set(STATUS_WORDS) == {"verified", "partly", "unverified", "policy"}


def test_days_and_times_read_naturally_in_bahasa_indonesia() -> None:
    finding = {
        "code": "action_start_before_deadline",
        "level": "warn",
        "rule": "strike_notice_working_days",
        "cites": "UU 13/2003 Pasal 140 ayat (1)",
        "status": "verified",
        "params": {
            "action_starts_at": "2026-12-09T08:00:00+07:00",
            "notice_starts_at": "2027-01-11T08:00:00+07:00",
            "earliest_lawful": "2026-12-16",
        },
    }
    assert title(finding, "id").startswith(
        "Mulai aksi dipindah ke Rabu, 9 Desember 2026 pukul 08.00 WIB, sebelum hari mogok paling "
        "cepat yang sah (Rabu, 16 Desember 2026)."
    )
    assert "2026-12-16" in title(finding, "en")
