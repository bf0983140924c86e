"""The CSV site parser on its own (no server): the files spreadsheets really save, each row's
errors, and the ids that make an import idempotent."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from core.errors import InvalidInput
from core.site_import import check_against, parse, site_id_for

ACTION = UUID("6f1c2f59-6d0e-4a55-9c55-0e4b1f3c2a10")


def test_a_semicolon_file_with_a_bom_and_decimal_commas_is_read() -> None:
    text = (
        "\ufeffNama;Lintang;Bujur;Target;Korlap;No HP\r\n"
        "Monas;-6,1754;106,8272;1.500;Sri;0812 1111 2222\r\n"
    )

    [row] = parse(text, ACTION)

    assert (row.name, row.lat, row.lon, row.target) == ("Monas", -6.1754, 106.8272, 1500)
    assert (row.korlap_name, row.korlap_phone, row.status) == ("Sri", "+6281211112222", "new")


def test_the_id_of_a_row_comes_from_the_action_and_the_name() -> None:
    assert site_id_for(ACTION, "Bundaran  HI") == site_id_for(ACTION, "bundaran hi")
    assert site_id_for(ACTION, "Bundaran HI") != site_id_for(uuid4(), "Bundaran HI")
    [row] = parse("name,lat,lon\nBundaran HI,-6.19,106.82\n", ACTION)
    assert row.site_id == site_id_for(ACTION, "Bundaran HI")


def test_a_position_wins_over_an_address_and_neither_is_an_error() -> None:
    rows = parse("name,lat,lon,address\nA,-6.2,106.8,Jl. X\nB,,,Jl. Y\nC,,,\n", ACTION)

    assert [(r.address, r.needs_geocoding, r.status) for r in rows] == [
        (None, False, "new"),
        ("Jl. Y", True, "new"),
        (None, False, "error"),
    ]
    assert [(e.field, e.code) for e in rows[2].errors] == [("lat", "address_or_position")]


def test_rows_imported_before_exist_and_others_of_the_same_name_are_refused() -> None:
    rows = parse("name,lat,lon,target\nMonas,-6.17,106.82,10\nDPR,-6.21,106.80,5\n", ACTION)
    sites = {
        str(rows[0].site_id): {"name": "Monas", "lat": -6.17, "lon": 106.82, "target": 10},
        str(uuid4()): {"name": "dpr", "lat": 0.0, "lon": 0.0, "target": 1},  # placed by click
    }

    check_against(rows, sites)

    assert [r.status for r in rows] == ["exists", "error"]
    assert rows[1].errors[0].code == "site_exists"


@pytest.mark.parametrize(
    ("text", "code"),
    [("", "csv_empty"), ("kota,jumlah\nA,1\n", "csv_columns"), ("name,lat\nA,1\n", "csv_columns")],
)
def test_a_file_that_is_no_table_of_sites_is_refused(text: str, code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse(text, ACTION)
    assert (refused.value.code, refused.value.field) == (code, "csv")


def test_a_file_too_long_is_refused() -> None:
    text = "name,lat,lon\n" + "".join(f"S{i},-6.2,106.8\n" for i in range(501))
    with pytest.raises(InvalidInput) as refused:
        parse(text, ACTION)
    assert (refused.value.code, refused.value.params) == ("too_many", {"max": 500})
