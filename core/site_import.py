"""Sites from a CSV file (name, lat, lon or address, target, korlap name and phone): a pure
parser and checker that says, row by row, what is wrong, and the deterministic site id of each
row, so that importing the same file twice adds nothing."""

from __future__ import annotations

import csv
import dataclasses
import io
import math
import uuid
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from core import values
from core.errors import InvalidInput, PoskoError

MAX_ROWS = 500
# Column names as people write them (Indonesian or English), to the field they mean.
COLUMNS = {
    "name": "name",
    "nama": "name",
    "nama lokasi": "name",
    "lat": "lat",
    "lintang": "lat",
    "latitude": "lat",
    "lon": "lon",
    "lng": "lon",
    "bujur": "lon",
    "longitude": "lon",
    "address": "address",
    "alamat": "address",
    "target": "target",
    "korlap": "korlap_name",
    "korlap_name": "korlap_name",
    "nama korlap": "korlap_name",
    "phone": "korlap_phone",
    "korlap_phone": "korlap_phone",
    "telepon": "korlap_phone",
    "hp": "korlap_phone",
    "no hp": "korlap_phone",
}


@dataclass
class RowError:
    field: str
    code: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclass
class SiteRow:
    """One data row: what it says, the site it becomes, and what is wrong with it."""

    line: int  # in the file, counting the header as line 1
    name: str = ""
    lat: float | None = None
    lon: float | None = None
    address: str | None = None
    target: int = 0
    korlap_name: str | None = None
    korlap_phone: str | None = None
    site_id: UUID | None = None
    status: str = "new"  # new | exists (imported before, nothing to add) | error
    found: str | None = None  # what the geocoder found for the address
    errors: list[RowError] = dataclasses.field(default_factory=list)

    def refuse(self, field: str, code: str, **params: Any) -> None:
        self.errors.append(RowError(field, code, params))
        self.status = "error"

    @property
    def needs_geocoding(self) -> bool:
        return not self.errors and self.lat is None and self.address is not None


def site_id_for(action_id: UUID, name: str) -> UUID:
    """The id an imported site gets: from its action and its name, so a second import of the
    same row names the same site (and a renamed row is a different site)."""
    return uuid.uuid5(action_id, "site:" + normal_name(name))


def normal_name(name: str) -> str:
    return " ".join(name.split()).casefold()


def parse(text: str, action_id: UUID) -> list[SiteRow]:
    """Every data row of the file with its own errors (nothing about other sites yet); a file
    that is not a usable table at all raises InvalidInput naming `csv`."""
    if text.startswith("\ufeff"):  # spreadsheets save UTF-8 with a byte-order mark
        text = text[1:]
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        lines = [row for row in reader]
    except csv.Error as error:
        raise InvalidInput("csv_unreadable", field="csv", reason=str(error)) from None
    if not lines or not any(cell.strip() for cell in lines[0]):
        raise InvalidInput("csv_empty", field="csv")
    header = [_column(cell) for cell in lines[0]]
    if "name" not in header or not ({"lat", "lon"} <= set(header) or "address" in header):
        raise InvalidInput("csv_columns", field="csv", expected="name, lat, lon | address, target")
    data = [(n, row) for n, row in enumerate(lines[1:], start=2) if any(c.strip() for c in row)]
    if len(data) > MAX_ROWS:
        raise InvalidInput("too_many", field="csv", max=MAX_ROWS)
    rows = [_row(line, dict(zip(header, cells, strict=False)), action_id) for line, cells in data]
    _refuse_duplicates(rows)
    return rows


def _column(cell: str) -> str:
    key = " ".join(cell.split()).casefold()
    return COLUMNS.get(key) or COLUMNS.get(key.replace("_", " ")) or ""


def _row(line: int, cells: dict[str, str], action_id: UUID) -> SiteRow:
    row = SiteRow(line=line)
    get = {k: v.strip() for k, v in cells.items() if k}.get
    row.name = get("name") or ""
    try:
        row.name = values.text("name", row.name)
        row.site_id = site_id_for(action_id, row.name)
    except PoskoError as error:
        row.refuse("name", error.code, **error.params)
    row.address = get("address") or None
    lat, lon = get("lat") or "", get("lon") or ""
    if lat or lon:
        row.lat = _coordinate(row, "lat", lat, values.latitude)
        row.lon = _coordinate(row, "lon", lon, values.longitude)
        if row.address is not None and not row.errors:
            row.address = None  # a position wins over an address: nothing to look up
    elif row.address is None:
        row.refuse("lat", "address_or_position")
    target = get("target") or "0"
    try:
        row.target = values.count("target", int(target.replace(".", "").replace(" ", "")))
    except ValueError:
        row.refuse("target", "wrong_type", expected="integer")
    except PoskoError as error:
        row.refuse("target", error.code, **error.params)
    row.korlap_name = get("korlap_name") or None
    phone = get("korlap_phone") or None
    if phone is not None:
        try:
            row.korlap_phone = values.phone("korlap_phone", phone)
        except PoskoError as error:
            row.refuse("korlap_phone", error.code, **error.params)
        if row.korlap_name is None:
            row.refuse("korlap_name", "required")
    return row


def _coordinate(row: SiteRow, name: str, text: str, check: Any) -> float | None:
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        row.refuse(name, "wrong_type", expected="number")
        return None
    if not math.isfinite(value):
        row.refuse(name, "wrong_type", expected="number")
        return None
    try:
        return float(check(name, value))
    except PoskoError as error:
        row.refuse(name, error.code, **error.params)
        return None


def _refuse_duplicates(rows: list[SiteRow]) -> None:
    first: dict[str, int] = {}
    for row in rows:
        if not row.name:
            continue
        key = normal_name(row.name)
        if key in first:
            row.refuse("name", "duplicate_in_file", first_line=first[key])
        else:
            first[key] = row.line


def check_against(rows: list[SiteRow], sites: dict[str, dict[str, Any]]) -> None:
    """Rows against the action's sites: a row imported before (its id, same facts) is `exists`;
    any other site of that name, or the same id with other facts, is refused."""
    by_name = {normal_name(s["name"]): site_id for site_id, s in sites.items()}
    for row in rows:
        if row.site_id is None or row.status == "error":
            continue
        same_id = sites.get(str(row.site_id))
        if same_id is not None:
            if row.lat is not None and _same_site(same_id, row):
                row.status = "exists"
            elif row.lat is None and (same_id["name"], same_id["target"]) == (
                row.name,
                row.target,
            ):
                row.status = "exists"  # placed by address before: the name is the key
            else:
                row.refuse("name", "site_exists", name=row.name)
        elif normal_name(row.name) in by_name:
            row.refuse("name", "site_exists", name=row.name)


def _same_site(site: dict[str, Any], row: SiteRow) -> bool:
    return (
        site["name"] == row.name
        and site["target"] == row.target
        and math.isclose(site["lat"], row.lat or 0.0, abs_tol=1e-9)
        and math.isclose(site["lon"], row.lon or 0.0, abs_tol=1e-9)
    )
