"""Pages of a fund's ledger: its entries in the fund's own order (their rows' keys, `e:` and the
fund's event version), filtered by account, kind, effective dates and text. The cursor is the
version of the last entry a page looked at, so pages never overlap nor skip, even while entries
are posted: a new entry has a higher version than every entry before it."""

from __future__ import annotations

from dataclasses import dataclass

from projections import fund
from projections.rows import Doc

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
SCAN = 5_000  # rows one request reads at most: a rare filter answers a short page and a cursor
_FIRST, _END = "e:", "e;"  # every entry's key starts "e:"; ";" sorts right after ":"


@dataclass(frozen=True)
class LedgerFilter:
    account: str | None = None
    kind: str | None = None
    effective_from: str | None = None  # ISO dates compare as text
    effective_to: str | None = None
    text: str | None = None  # in the memo, the reference, the payment reference or the payer

    def matches(self, entry: Doc) -> bool:
        if self.account is not None and all(
            leg["account"] != self.account for leg in entry["legs"]
        ):
            return False
        if self.kind is not None and entry["kind"] != self.kind:
            return False
        day = entry["effective_date"]
        if self.effective_from is not None and day < self.effective_from:
            return False
        if self.effective_to is not None and day > self.effective_to:
            return False
        return self.text is None or self.text.casefold() in searchable(entry)


def searchable(entry: Doc) -> str:
    details = entry.get("details") or {}
    words = [entry["memo"], *(details.get(k) for k in ("reference", "payment_ref", "payer"))]
    return "\n".join(w for w in words if isinstance(w, str)).casefold()


def bounds(cursor: int | None, descending: bool) -> tuple[str, str]:
    """The keys strictly between which the page after `cursor` lies."""
    if cursor is None:
        return _FIRST, _END
    key = fund.entry_key(cursor)
    return (_FIRST, key) if descending else (key, _END)
