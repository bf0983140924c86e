"""Small aggregates saved in the same transaction as a fund's events: a journal entry's claim on
its client id (so a resend never posts twice, and a reversal finds the legs it mirrors), a
receipt (kuitansi) by its number, and a unit's receipt book for a year (gap-free numbering
across all the unit's funds)."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from core.ledger import Leg


def receipt_book_id(unit_key: str, year: int) -> UUID:
    return uuid5(NAMESPACE_URL, f"posko:receipts:{unit_key}:{year}")


def receipt_id(unit_key: str, number: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"posko:receipt:{unit_key}:{number}")


def receipt_number(year: int, seq: int) -> str:
    return f"{year}-{seq:06d}"


class FundEntry(Aggregate):
    """A journal entry's claim on its id: which fund, what was asked, and its legs."""

    class Claimed(Aggregate.Created):
        fund_id: UUID
        request: dict[str, Any]
        legs: list[Leg]

    class Reversed(Aggregate.Event):
        by: str

    @event(Claimed)
    def __init__(
        self, *, id: UUID, fund_id: UUID, request: dict[str, Any], legs: list[Leg]
    ) -> None:
        self.fund_id = fund_id
        self.request = request
        self.legs = legs
        self.reversed_by: str | None = None

    def facts(self) -> dict[str, Any]:
        return {"fund_id": self.fund_id, "request": self.request}

    @event(Reversed)
    def mark_reversed(self, *, by: str) -> None:
        self.reversed_by = by


class Receipt(Aggregate):
    """A kuitansi: issued once with its number, never edited; it can only be voided."""

    class Issued(Aggregate.Created):
        number: str
        fund_id: UUID
        entry_id: UUID
        payer: str
        amount: int
        purpose: str
        replaces: str | None

    class Voided(Aggregate.Event):
        reason: str
        replaced_by: str | None

    @event(Issued)
    def __init__(
        self,
        *,
        id: UUID,
        number: str,
        fund_id: UUID,
        entry_id: UUID,
        payer: str,
        amount: int,
        purpose: str,
        replaces: str | None,
    ) -> None:
        self.number = number
        self.fund_id = fund_id
        self.entry_id = entry_id
        self.payer = payer
        self.amount = amount
        self.purpose = purpose
        self.replaces = replaces
        self.voided: str | None = None
        self.replaced_by: str | None = None

    @event(Voided)
    def void(self, *, reason: str, replaced_by: str | None) -> None:
        self.voided = reason
        self.replaced_by = replaced_by


class ReceiptBook(Aggregate):
    """The next receipt number of one unit in one year."""

    class Started(Aggregate.Created):
        unit_key: str
        year: int

    class NumberTaken(Aggregate.Event):
        seq: int

    @event(Started)
    def __init__(self, *, id: UUID, unit_key: str, year: int) -> None:
        self.unit_key = unit_key
        self.year = year
        self.last = 0

    def take(self) -> str:
        self._taken(seq=self.last + 1)
        return receipt_number(self.year, self.last)

    @event(NumberTaken)
    def _taken(self, *, seq: int) -> None:
        self.last = seq
