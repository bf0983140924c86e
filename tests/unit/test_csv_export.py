"""CSV cells a spreadsheet opens as text, never as a formula: every cell quoted, and a formula
trigger refused after leading spaces and after a separator Excel may use (';' in Indonesian
locales), not only at the very start."""

from __future__ import annotations

import csv
import io

import pytest

from web.exports import _lines


def _cells(text: str) -> list[str]:
    rows = list(csv.reader(io.StringIO(text)))
    return rows[1]


@pytest.mark.parametrize(
    "dangerous",
    [
        "=cmd|' /C calc'!A0",
        "  =1+1",
        "\t=1+1",
        "x;=cmd|' /C calc'!A0",
        "x; @SUM(1)",
        'Polsek,+HYPERLINK("x")',
        "x\t-2+3",
        "\n=1+1",
    ],
)
def test_a_formula_anywhere_a_spreadsheet_would_start_one_is_neutralised(
    dangerous: str,
) -> None:
    (cell,) = _cells(_lines(["description"], [{"description": dangerous}]))
    assert cell.startswith("'"), cell
    assert cell[1:] == dangerous  # the text itself is kept


def test_every_cell_is_quoted_and_plain_text_is_left_alone() -> None:
    text = _lines(
        ["description", "headcount"], [{"description": "Aman; massa 300", "headcount": 3}]
    )
    assert text.splitlines() == ['"description","headcount"', '"Aman; massa 300","3"']
