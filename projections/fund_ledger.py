"""Pages of a fund's ledger: its entries in the fund's own order (their rows' keys, `e:` and the
fund's event version), filtered by account, kind, effective dates and text. The cursor is the
version of the last entry a page looked at, so pages never overlap nor skip, even while entries
are posted: a new entry has a higher version than every entry before it."""

from __future__ import annotations

from dataclasses import dataclass

from projections import fund
from projections.rows import Doc
from projections.store import ViewStore

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
SCAN = 5_000  # rows one request reads at most: a rare filter answers a short page and a cursor
_FIRST, _END = "e:", "e;"  # every entry's key starts "e:"; ";" sorts right after ":"
_BATCH = 500  # rows read per trip to the store while a filter looks for matches


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


def read_page(
    store: ViewStore,
    fund_id: str,
    wanted: LedgerFilter,
    cursor: int | None,
    limit: int,
    descending: bool,
) -> tuple[int, list[Doc], int | None]:
    """Up to `limit` entries after `cursor` that `wanted` keeps, the views' position, and the
    next page's cursor (None: nothing more). Reads at most SCAN rows: without a filter just the
    page itself; with one, batches until the page is full."""
    everything = wanted == LedgerFilter()
    entries: list[Doc] = []
    position: int | None = None
    last, scanned, more = cursor, 0, True
    while more and len(entries) < limit and scanned < SCAN:
        after, before = bounds(last, descending)
        batch = limit - len(entries) if everything else min(_BATCH, SCAN - scanned)
        read, docs = store.page(fund.channel(fund_id), after, before, batch, descending=descending)
        position = read if position is None else position
        more = len(docs) == batch
        for doc in docs:
            last, scanned = doc["version"], scanned + 1
            if wanted.matches(doc):
                entries.append(doc)
                if len(entries) == limit:  # what is after it is the next page's
                    more = more or doc is not docs[-1]
                    break
    if position is None:
        position = store.position()
    return position, entries, last if more and last is not None else None
