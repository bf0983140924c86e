"""Commands on a fund's annual budget (APBO): the treasurer sets or revises a year's planned
income and spending per account, as an event of the fund (so it is hash-chained with the rest
of the fund's history). The budget against actual is read from the views
(projections/fund_budget.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from core import budget, values
from core.base import Recorded
from core.fund import Fund
from core.fund_commands import FundCommands

MAX_NOTE = 500


class BudgetCommands(FundCommands):
    def set_budget(
        self,
        *,
        id: UUID,
        fund_id: UUID,
        year: Any,
        lines: Any,
        note: str | None,
        actor: str,
    ) -> Recorded:
        """A revision of the year's budget, whose id the client chose: a resend returns the
        first answer, the same id with other figures is a 409."""
        budget_year = budget.parse_year("year", year)
        note = None if note is None else values.text("note", note, max_length=MAX_NOTE)

        def change(fund: Fund) -> list[Aggregate] | None:
            changed = fund.set_budget(
                revision_id=id,
                year=budget_year,
                lines=lines,
                note=note,
                now=datetime.now(UTC),
                actor=actor,
            )
            return [] if changed else None

        return self._fund_change(fund_id, change, result_id=id)
