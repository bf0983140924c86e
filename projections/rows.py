"""The working set a batch of events is applied to: view rows (JSON documents keyed by channel
and key), loaded on first use and collected when changed, so the runner can write them in one
transaction and publish exactly what changed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Doc = dict[str, Any]
RowKey = tuple[str, str]

PRIVATE_PREFIX = "_"  # channels starting with it hold a view's own bookkeeping; never published


class Rows:
    """`load` gives a row the batch may change as it likes: a document of its own (the stores
    parse a fresh one for each call), never one it shares with anything else."""

    def __init__(self, load: Callable[[str, str], Doc | None]) -> None:
        self._load = load
        self._docs: dict[RowKey, Doc | None] = {}
        self.changed: dict[RowKey, Doc] = {}
        # What a view derives from its rows and keeps while the batch lasts (e.g. a total over
        # a row's entries, kept up to date instead of summed again for every event).
        self.derived: dict[RowKey, Any] = {}

    def get(self, channel: str, key: str) -> Doc | None:
        """The batch's own copy of the row, or None. A view that changes it must `put` it back
        (only put rows are written and published)."""
        row = (channel, key)
        try:
            return self._docs[row]
        except KeyError:
            doc = self._docs[row] = self._load(channel, key)
            return doc

    def put(self, channel: str, key: str, doc: Doc) -> None:
        self._docs[(channel, key)] = doc
        self.changed[(channel, key)] = doc

    def changes_by_channel(self) -> dict[str, list[Doc]]:
        """Changed rows of public channels, in the order they first changed."""
        out: dict[str, list[Doc]] = {}
        for (channel, _key), doc in self.changed.items():
            if not channel.startswith(PRIVATE_PREFIX):
                out.setdefault(channel, []).append(doc)
        return out
