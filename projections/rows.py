"""The working set a batch of events is applied to: view rows (JSON documents keyed by channel
and key), loaded on first use and collected when changed, so the runner can write them in one
transaction and publish exactly what changed."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

Doc = dict[str, Any]
RowKey = tuple[str, str]

PRIVATE_PREFIX = "_"  # channels starting with it hold a view's own bookkeeping; never published


class Rows:
    def __init__(self, load: Callable[[str, str], Doc | None]) -> None:
        self._load = load
        self._docs: dict[RowKey, Doc | None] = {}
        self.changed: dict[RowKey, Doc] = {}

    def get(self, channel: str, key: str) -> Doc | None:
        """A copy of the row, or None; change it and `put` it back."""
        row = (channel, key)
        if row not in self._docs:
            self._docs[row] = self._load(channel, key)
        doc = self._docs[row]
        return None if doc is None else copy.deepcopy(doc)

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
