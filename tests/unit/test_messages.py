"""The message catalogue: complete in both languages, covering every error code the code can
raise (found by reading the source), and the language chosen from Accept-Language."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from core import errors
from web.messages import CATALOGUE, LANGUAGES, language, render

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted([*ROOT.joinpath("core").rglob("*.py"), *ROOT.joinpath("web").rglob("*.py")])
ERROR_CLASSES = {
    name
    for name, value in vars(errors).items()
    if isinstance(value, type) and issubclass(value, errors.PoskoError)
}
RAISED_WITH_DEFAULT_CODE = ERROR_CLASSES - {"PoskoError"}  # the base is never raised bare


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def raised_codes() -> dict[str, str]:
    """Every code a source file passes to an error or to problem(), with where it is."""
    codes: dict[str, str] = {}
    loaded_kinds: set[str] = set()  # Action in self._load(id, Action, ...) or self._change(...)
    prefixed: list[str] = []  # "unknown_" in "unknown_" + kind.__name__.lower()
    for path in SOURCES:
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.ClassDef) and node.name in RAISED_WITH_DEFAULT_CODE:
                for statement in node.body:  # the class's default `code = "..."`
                    if (
                        isinstance(statement, ast.Assign)
                        and [_name(t) for t in statement.targets] == ["code"]
                        and isinstance(statement.value, ast.Constant)
                    ):
                        codes[statement.value.value] = where
            if not isinstance(node, ast.Call):
                continue
            func = _name(node.func)
            if func in ERROR_CLASSES and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    codes[first.value] = where
                elif (
                    isinstance(first, ast.BinOp)
                    and isinstance(first.left, ast.Constant)
                    and isinstance(first.left.value, str)
                ):
                    prefixed.append(first.left.value)
                else:
                    pytest.fail(f"{where}: an error code the test cannot read: {ast.dump(first)}")
            if func == "problem" and len(node.args) >= 3:
                code = node.args[2]
                if isinstance(code, ast.Constant) and isinstance(code.value, str):
                    codes[code.value] = where
            if (
                func in ("_load", "_change")
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Name)
                and node.args[1].id[:1].isupper()  # a class, not a variable passing one on
            ):
                loaded_kinds.add(node.args[1].id)
        for node in ast.walk(tree):  # status -> code tables such as problems._HTTP_CODES
            if (
                isinstance(node, ast.Dict)
                and node.keys
                and all(isinstance(k, ast.Constant) and isinstance(k.value, int) for k in node.keys)
            ):
                for value in node.values:
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        codes[value.value] = f"{path.relative_to(ROOT)}:{value.lineno}"
    for prefix in prefixed:
        for kind in loaded_kinds:
            codes[prefix + kind.lower()] = f"(_load or _change of {kind})"
    return codes


def test_the_source_scan_finds_the_codes_it_should() -> None:
    codes = raised_codes()
    expected = {"required", "unknown_action", "unknown_site", "body_too_large", "internal"}
    assert expected <= set(codes)
    assert {"invalid", "not_found", "forbidden", "unauthenticated", "conflict"} <= set(codes)


def test_every_code_the_code_can_raise_has_a_message() -> None:
    missing = {code: where for code, where in raised_codes().items() if code not in CATALOGUE}
    assert missing == {}


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_message_exists_in_both_languages_with_the_same_placeholders(code: str) -> None:
    entry = CATALOGUE[code]
    assert set(entry) == set(LANGUAGES)
    assert all(entry[lang].strip() for lang in LANGUAGES)
    assert placeholders(entry["id"]) == placeholders(entry["en"])


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "id"),
        ("", "id"),
        ("en-US,en;q=0.9", "en"),
        ("en", "en"),
        ("id-ID", "id"),
        ("id-ID,id;q=0.9,en;q=0.8", "id"),
        ("fr-FR,fr;q=0.9", "id"),
        ("fr;q=1.0, en;q=0.5", "en"),
        ("id;q=0.4, en;q=0.6", "en"),
        ("EN-gb", "en"),
        ("en;q=abc", "id"),
    ],
)
def test_language_prefers_english_only_when_asked(header: str | None, expected: str) -> None:
    assert language(header) == expected


def test_render_fills_placeholders_and_joins_lists() -> None:
    params = {"field": "kind", "allowed": ["rally", "strike"]}
    assert render("not_one_of", "en", params) == "Field kind must be one of: rally, strike."
    assert render("not_one_of", "id", params) == "Kolom kind harus salah satu dari: rally, strike."


def test_render_never_fails_on_an_unknown_code_or_missing_params() -> None:
    assert render("no_such_code", "en", {}) == CATALOGUE["invalid"]["en"]
    assert render("out_of_range", "en", {"field": "lat"}) == CATALOGUE["out_of_range"]["en"]
