"""Whose access can end and when: the connections each session, person and invite holds, and
their expiry times, so the gateway can close exactly the connections an ending or an expiry
concerns."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Hashable
from typing import Any, Final, Generic, TypeVar

from core.access import Principal

ENDED_KINDS: Final = frozenset({"session", "person", "invite"})  # in `system:access` changes
Conn = TypeVar("Conn", bound=Hashable)  # a connection, to AccessIndex only a key


def access_keys(principal: Principal) -> list[str]:
    """What can end this principal's access, spelled as `system:access` ends are keyed: its
    own id ("person:<id>", "invite:<id>"; nothing ends the API key's) and its session."""
    # One use of an invite ("invite:<id>/<n>") ends with its invite, or with its own session.
    holder = principal.id.partition("/")[0]
    keys = [holder] if holder.partition(":")[0] in ENDED_KINDS else []
    if principal.session_id is not None:
        keys.append(f"session:{principal.session_id}")
    return keys


class AccessIndex(Generic[Conn]):
    """The connections each session, person and invite holds, and when each one's access
    expires, so that an ending or an expiry costs the connections it closes rather than a scan
    of them all. Bookkeeping only: the gateway closes what it is handed."""

    def __init__(self) -> None:
        self._principals: dict[Conn, Principal] = {}
        self._holders: dict[str, set[Conn]] = {}  # access key -> connections
        self._lookups: dict[Conn, set[str]] = {}  # keys ended while the connection authenticates
        # (expires_at, tiebreak, connection), earliest first; a removed connection's entry
        # stays until it comes up or the heap is compacted.
        self._expiries: list[tuple[float, int, Conn]] = []
        self._tiebreak = itertools.count()

    def add(self, conn: Conn, principal: Principal) -> None:
        self._principals[conn] = principal
        for key in access_keys(principal):
            self._holders.setdefault(key, set()).add(conn)
        if principal.expires_at is not None:
            entry = (principal.expires_at.timestamp(), next(self._tiebreak), conn)
            heapq.heappush(self._expiries, entry)

    def remove(self, conn: Conn) -> None:
        for key in access_keys(self._principals.pop(conn)):
            holders = self._holders[key]
            holders.discard(conn)
            if not holders:
                del self._holders[key]

    def begin_lookup(self, conn: Conn) -> None:
        """Note every access that ends from now until end_lookup(conn)."""
        self._lookups[conn] = set()

    def end_lookup(self, conn: Conn) -> set[str]:
        """The access keys that ended since begin_lookup(conn)."""
        return self._lookups.pop(conn)

    def ended(self, data: dict[str, Any]) -> set[Conn]:
        """The connections a `system:access` change ends; the caller closes and removes them."""
        keys = [f"{e['kind']}:{e['id']}" for e in data["ended"] if e["kind"] in ENDED_KINDS]
        for ended in self._lookups.values():
            ended.update(keys)
        # A set: one change can end a connection twice (its person and its session).
        return {conn for key in keys for conn in self._holders.get(key, ())}

    def expired(self, now: float) -> list[Conn]:
        """The connections whose access expired by `now` (a POSIX time), which are told only
        once: the caller closes and removes them."""
        conns = []
        while self._expiries and self._expiries[0][0] <= now:
            _, _, conn = heapq.heappop(self._expiries)
            if conn in self._principals:
                conns.append(conn)
        # Entries of removed connections would wait days for their expiry: compact once they
        # outnumber the live ones, which keeps the heap within a small multiple of those.
        if len(self._expiries) > 2 * len(self._principals) + 64:
            self._expiries = [e for e in self._expiries if e[2] in self._principals]
            heapq.heapify(self._expiries)
        return conns
