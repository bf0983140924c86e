"""A solidarity fund linked to an action: the fund's treasurer or officer shares it with the
posko of that action, whose dashboard then shows the fund's balance and pending payouts, and
whose committed requests for help may become disbursement requests against it.

One aggregate per (fund, action) pair, its id derived from both, so linking twice (or two
people at once) records one link; unlinking and linking again are events on it."""

from __future__ import annotations

from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from core.action import Action
from core.base import PoskoBase, Recorded
from core.fund import Fund

_LINK = "posko:fund-link:"


def link_id(fund_id: UUID, action_id: UUID) -> UUID:
    return uuid5(fund_id, _LINK + str(action_id))


class FundLink(Aggregate):
    class Linked(Aggregate.Created):
        fund_id: UUID
        action_id: UUID
        actor: str

    class Relinked(Aggregate.Event):
        actor: str

    class Unlinked(Aggregate.Event):
        actor: str

    @event(Linked)
    def __init__(self, *, id: UUID, fund_id: UUID, action_id: UUID, actor: str) -> None:
        self.fund_id = fund_id
        self.action_id = action_id
        self.linked = True

    @event(Relinked)
    def relink(self, *, actor: str) -> None:
        self.linked = True

    @event(Unlinked)
    def unlink(self, *, actor: str) -> None:
        self.linked = False


class FundLinkCommands(PoskoBase):
    def link_fund(self, *, fund_id: UUID, action_id: UUID, actor: str) -> Recorded:
        """Link the fund to the action; linking a linked pair again records nothing."""
        self._load(fund_id, Fund, field="fund_id", copy=False)
        self._load(action_id, Action, field="action_id", copy=False)
        key = link_id(fund_id, action_id)

        def attempt() -> Recorded:
            link = self._find(key, FundLink)
            if link is None:
                link = FundLink(id=key, fund_id=fund_id, action_id=action_id, actor=actor)
            elif link.linked:
                return Recorded(key, self._latest_position(), created=False)
            else:
                link.relink(actor=actor)
            recordings = self._commits.save(link)
            return Recorded(key, recordings[-1].notification.id, created=True)

        return self._retrying(attempt, field="action_id", id=key)

    def unlink_fund(self, *, fund_id: UUID, action_id: UUID, actor: str) -> Recorded:
        """Unlink them; a pair that is not linked (or never was) records nothing. Payouts
        already asked for the action's requests for help keep their link."""
        self._load(fund_id, Fund, field="fund_id", copy=False)
        key = link_id(fund_id, action_id)

        def attempt() -> Recorded:
            link = self._find(key, FundLink)
            if link is None or not link.linked:
                return Recorded(key, self._latest_position(), created=False)
            link.unlink(actor=actor)
            recordings = self._commits.save(link)
            return Recorded(key, recordings[-1].notification.id, created=True)

        return self._retrying(attempt, field="action_id", id=key)
