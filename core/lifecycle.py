"""The status lifecycle that incidents and requests for help share: which status may move to
which, a repeated click that changes nothing, and the one Conflict for a move not allowed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from core.errors import Conflict


@dataclass(frozen=True)
class Lifecycle:
    """`moves` maps each status to the statuses it may be reached from."""

    moves: Mapping[str, tuple[str, ...]]

    def moving(self, status: str, to: str, *, repeat: bool | None = None) -> bool:
        """True when moving from `status` to `to` is to be recorded; False for a repeat (by
        default: already there), which changes nothing; Conflict when the move is not allowed."""
        if status == to if repeat is None else repeat:
            return False
        if status not in self.moves[to]:
            raise Conflict("bad_transition", field="status", status=status, to=to)
        return True
