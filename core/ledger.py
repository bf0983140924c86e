"""The ledger's arithmetic, pure and without I/O: whole-rupiah amounts, journal legs that
balance, six-monthly periods, the hash chain over a fund's events, and RFC 6962 Merkle trees
(with a compact frontier, so a fund keeps only O(log n) hashes per open period)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import msgspec

from core.errors import InvalidInput

MAX_RUPIAH = 10**15  # a thousand trillion rupiah: more than any union holds; larger is a typo
GENESIS = "0" * 64  # the hash before a fund's first event
WIB = timezone(timedelta(hours=7), "WIB")  # effective dates are dates in Jakarta
ACCOUNT_TYPES = ("asset", "liability", "income", "expense")
DEBIT_NORMAL = ("asset", "expense")
SIDES = ("debit", "credit")
MAX_LEGS = 50

Leg = dict[str, Any]  # {"account": code, "side": "debit" | "credit", "amount": int}


def rupiah(field: str, value: Any) -> int:
    """A positive whole number of rupiah. JSON (and its Schema) counts 12.0 as the integer 12,
    so an integral float is taken as that integer; 12.5, booleans and strings are refused."""
    if isinstance(value, float) and value.is_integer() and abs(value) <= MAX_RUPIAH:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput("whole_rupiah", field=field)
    if not 0 < value <= MAX_RUPIAH:
        raise InvalidInput("out_of_range", field=field, min=1, max=MAX_RUPIAH)
    return value


def check_legs(legs: Any, accounts: dict[str, Any], field: str = "legs") -> list[Leg]:
    """At least two legs on accounts of the fund, positive amounts, debits equal to credits."""
    if not isinstance(legs, list) or not 2 <= len(legs) <= MAX_LEGS:
        raise InvalidInput("legs_count", field=field, min=2, max=MAX_LEGS)
    out: list[Leg] = []
    for i, leg in enumerate(legs):
        where = f"{field}[{i}]"
        if not isinstance(leg, dict):
            raise InvalidInput("not_an_object", field=where)
        account = leg.get("account")
        if not isinstance(account, str) or account not in accounts:
            raise InvalidInput("unknown_account", field=where + ".account")
        side = leg.get("side")
        if side not in SIDES:
            raise InvalidInput("not_one_of", field=where + ".side", allowed=list(SIDES))
        out.append(
            {
                "account": account,
                "side": side,
                "amount": rupiah(where + ".amount", leg.get("amount")),
            }
        )
    debits = sum(leg["amount"] for leg in out if leg["side"] == "debit")
    credits = sum(leg["amount"] for leg in out if leg["side"] == "credit")
    if debits != credits:
        raise InvalidInput("unbalanced", field=field, debits=debits, credits=credits)
    return out


def effect(account_type: str, leg: Leg) -> int:
    """How a leg moves the account's balance on its normal side (assets and expenses are
    debit-normal; liabilities and income credit-normal)."""
    debit_normal = account_type in DEBIT_NORMAL
    sign = 1 if (leg["side"] == "debit") == debit_normal else -1
    return sign * int(leg["amount"])


def mirrored(legs: list[Leg]) -> list[Leg]:
    """The legs of a reversal: the same amounts on the other sides."""
    return [{**leg, "side": "credit" if leg["side"] == "debit" else "debit"} for leg in legs]


# -- dates and periods ------------------------------------------------------------------------


FIRST_YEAR, LAST_YEAR = 1900, 9998  # the books' possible years: no date arithmetic overflows


def today_wib(now: datetime) -> date:
    return now.astimezone(WIB).date()


def parse_date(field: str, value: Any) -> date:
    if not isinstance(value, str):
        raise InvalidInput("not_a_date", field=field)
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("not_a_date", field=field) from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:  # balances as of the day before must exist
        raise InvalidInput("not_a_date", field=field)
    return day


def period_of(day: date) -> str:
    """The six-monthly period a day belongs to: 2026-H1 (January-June) or 2026-H2."""
    return f"{day.year}-H{1 if day.month <= 6 else 2}"


def period_bounds(period: str, field: str = "period") -> tuple[date, date]:
    """First and last day of a period named like 2026-H1."""
    year, _, half = period.partition("-H")
    if not (year.isdigit() and len(year) == 4 and half in ("1", "2")):
        raise InvalidInput("not_a_period", field=field)
    y = int(year)
    if not FIRST_YEAR <= y <= LAST_YEAR:  # the day before a period must exist (opening balance)
        raise InvalidInput("not_a_period", field=field)
    if half == "1":
        return date(y, 1, 1), date(y, 6, 30)
    return date(y, 7, 1), date(y, 12, 31)


# -- the hash chain --------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """A value as the JSON the chain hashes: UUIDs and times as text, tuples as lists."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _plain_leaf(value: Any) -> Any:
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


# What json.dumps(value, sort_keys=True, ...) builds on every call, built once: the same
# encoder class with the same settings, so the same bytes (it keeps no state between calls).
_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain_leaf
)


def canonical(value: Any) -> bytes:
    """The JSON the chain hashes: keys sorted, no spaces, values as `plain` makes them (the
    encoder's `default` does it leaf by leaf, without copying the structure first)."""
    return _CANONICAL.encode(value).encode()


# The same bytes, several times as fast, for what fund_verify decodes: msgspec writes text,
# whole numbers, true, false, null, lists, objects with text keys and UUIDs exactly as
# `canonical` does (tests/unit/test_fund_canonical.py) and hands its hook what it cannot write,
# such as a datetime subclass. Floats it writes otherwise (1e16, not 1e+16; null for NaN), and
# so a datetime (as ...Z), a Decimal or bytes: none of them may reach it.
_CANONICAL_FAST = msgspec.json.Encoder(order="sorted", enc_hook=_plain_leaf)


def canonical_fast(value: Any) -> bytes:
    """`canonical(value)` for a value of only those types and datetime subclasses (the
    caller makes sure)."""
    return _CANONICAL_FAST.encode(value)


def chain_hash(
    prev: str,
    kind: str,
    version: int,
    body: dict[str, Any],
    encode: Callable[[Any], bytes] = canonical,
) -> str:
    """The hash of one event: the previous hash, the event's kind, its place and its facts."""
    digest = hashlib.sha256(prev.encode("ascii") + b"\n")
    digest.update(encode({"kind": kind, "version": version, "body": body}))
    return digest.hexdigest()


# -- Merkle trees (RFC 6962 section 2.1) -----------------------------------------------------


def leaf_hash(item_hash: str) -> str:
    return hashlib.sha256(b"\x00" + bytes.fromhex(item_hash)).hexdigest()


def node_hash(left: str, right: str) -> str:
    return hashlib.sha256(b"\x01" + bytes.fromhex(left) + bytes.fromhex(right)).hexdigest()


EMPTY_ROOT = hashlib.sha256(b"").hexdigest()


def merkle_root(items: list[str]) -> str:
    """MTH over the items (each a hex hash, hashed as a leaf), computed directly."""
    if not items:
        return EMPTY_ROOT
    level = [leaf_hash(h) for h in items]
    return _mth(level)


def _mth(leaves: list[str]) -> str:
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(_mth(leaves[:k]), _mth(leaves[k:]))


def frontier_add(frontier: list[list[Any]], item_hash: str) -> list[list[Any]]:
    """Add a leaf to a compact frontier: perfect subtrees [size, hash], largest first."""
    out = [list(f) for f in frontier] + [[1, leaf_hash(item_hash)]]
    while len(out) >= 2 and out[-1][0] == out[-2][0]:
        right = out.pop()
        left = out.pop()
        out.append([left[0] * 2, node_hash(left[1], right[1])])
    return out


def frontier_root(frontier: list[list[Any]]) -> str:
    """The RFC 6962 root of the leaves a frontier holds: its subtrees joined right to left."""
    if not frontier:
        return EMPTY_ROOT
    root: str = frontier[-1][1]
    for _size, subtree in reversed(frontier[:-1]):
        root = node_hash(subtree, root)
    return root
