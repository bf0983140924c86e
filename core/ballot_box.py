"""The ballot box port: where "who voted" and "what was voted" wait, apart, until the vote
closes. Outside the event log on purpose: the log is ordered and timestamped, the box is not.

Adapters (posko/ballot_box.py, SQLite and PostgreSQL) must keep these promises:
- `cast` writes the voter's roll mark (day only), their unit ballots and their receipt hash in
  ONE transaction, and refuses a second mark for the same voter (also when two casts race);
- a ballot row holds a random id and a choice; a receipt row a random hash; neither names the
  voter, carries a sequence or a time, nor is stored in an order that follows casting;
- `seal` stops further casts atomically and returns the box's contents; `purge` destroys them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True)
class SealedBox:
    voted: list[str]  # person ids marked on the roll (sorted: no order to leak)
    ballots: list[int]  # unit ballots, each an option index, in random order
    receipts: list[str]  # receipt hashes, sorted


class AlreadyVoted(Exception):
    """The roll entry is already marked: one member, one vote."""


class ReceiptTaken(Exception):
    """The receipt code a phone made is already in the box (a resend, or a one in 2^50 clash)."""


class BoxClosed(Exception):
    """The box was sealed (the vote is closing or closed): no more ballots."""


class BallotBox(Protocol):
    def open(self, vote_id: UUID) -> None:
        """Make the box ready for casts (idempotent)."""

    def cast(
        self,
        vote_id: UUID,
        *,
        person_id: str,
        choice: int,
        weight: int,
        receipt_hash: str,
        on: date,
    ) -> int:
        """Mark, ballots, receipt in one transaction; return the turnout after it. Raises
        AlreadyVoted or BoxClosed and then writes nothing."""

    def has_voted(self, vote_id: UUID, person_id: str) -> bool: ...

    def has_receipt(self, vote_id: UUID, receipt_hash: str) -> bool: ...

    def turnout(self, vote_id: UUID) -> int: ...

    def seal(self, vote_id: UUID) -> SealedBox:
        """Refuse casts from now on and return everything in the box (idempotent)."""

    def purge(self, vote_id: UUID) -> None:
        """Destroy the sealed box's rows (after the seal is in the log)."""

    def close(self) -> None: ...
