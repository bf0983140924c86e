"""What every group of Posko's commands stands on: the application with its group commit, and
the load -> change -> save helpers with their retry on concurrent changes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, runtime_checkable
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from core.errors import Conflict, NotFound, PoskoError
from core.group_commit import GroupCommit

A = TypeVar("A", bound=Aggregate)
CONCURRENCY_RETRIES = 5


@runtime_checkable
class PositionLookup(Protocol):
    """The port the core needs for positions, beyond eventsourcing's own recorder API: where an
    aggregate starts in the log (the answer to a resent create) and where the log ends.
    `posko.persistence` implements it in its SQLite and PostgreSQL recorders, which
    `posko.persistence.eventsourcing_env` selects."""

    def position_of(self, originator_id: UUID) -> int | None: ...

    def max_notification_id(self) -> int | None: ...


@dataclass(frozen=True)
class Recorded:
    """The answer to a command: what it concerns and the log position to wait for to see it."""

    id: UUID
    position: int
    created: bool  # False when the command repeated one already recorded


class PoskoBase(Application[UUID]):
    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env)
        if not isinstance(self.recorder, PositionLookup):
            raise TypeError(
                f"{type(self.recorder).__name__} does not implement core.base.PositionLookup "
                "(position_of): build Posko with posko.persistence.eventsourcing_env"
            )
        self.positions: PositionLookup = self.recorder
        self._commits = GroupCommit(self.save)

    def _change(
        self,
        id: UUID,
        kind: type[A],
        change: Callable[[A], bool],
        *,
        field: str,
        result_id: UUID | None = None,
    ) -> Recorded:
        """Load, change, save; on a concurrent change by someone else, reload and decide again.
        `change` returns False when there is nothing to do (a repeated request)."""
        for _ in range(CONCURRENCY_RETRIES):
            aggregate = self._load(id, kind, field=field)
            if not change(aggregate):
                return Recorded(result_id or id, self._latest_position(), created=False)
            try:
                recordings = self._commits.save(aggregate)
            except IntegrityError:
                continue
            return Recorded(result_id or id, recordings[-1].notification.id, created=True)
        raise Conflict("busy", field=field, id=str(id))

    def _create(
        self,
        id: UUID,
        make: Callable[[], A],
        check: Callable[[A], Sequence[Aggregate] | None] | None = None,
    ) -> Recorded:
        """The one way to create an aggregate whose id the client chose, idempotently.

        `make` builds it from the request (validating it: a request that is not even valid
        cannot be a resend of one that was recorded); `check` checks it against what is
        recorded and returns the aggregates to save with it in the same transaction (the
        logins a person claims). Resending the same request returns the first answer, the
        aggregate's first position, even if things changed since (a phone that timed out must
        hear "recorded", not "action cancelled") and even when both copies arrive at once: the
        one that loses the race finds the winner's aggregate and answers with it. The same id
        with other facts (`facts()`, which each such aggregate defines) is a 409 `id_reused`.
        When something saved with it was taken meanwhile by another request, it decides again
        (and `check` then says what is wrong, e.g. `login_taken`)."""
        for _ in range(CONCURRENCY_RETRIES):
            candidate = make()
            try:
                companions = (check(candidate) if check is not None else None) or ()
                recordings = self._commits.save(candidate, *companions)
            except (IntegrityError, PoskoError) as error:
                existing = self._find(id, Aggregate)
                if existing is None:
                    if isinstance(error, IntegrityError):
                        continue
                    raise
                if type(existing) is not type(candidate) or _facts(existing) != _facts(candidate):
                    raise Conflict("id_reused", field="id", id=str(id)) from None
                return Recorded(id, self._position_of(id), created=False)
            first = next(r for r in recordings if r.domain_event.originator_id == id)
            return Recorded(id, first.notification.id, created=True)
        raise Conflict("busy", field="id", id=str(id))

    def _load(
        self,
        id: UUID,
        kind: type[A],
        *,
        field: str,
        missing: PoskoError | None = None,
        copy: bool = True,
    ) -> A:
        """The aggregate, or NotFound naming `field`. `copy=False` hands out the cached object
        itself (no deep copy of, say, every site of an action): only for reading."""
        try:
            aggregate: Any = self.repository.get(id, deepcopy_from_cache=copy)
        except AggregateNotFoundError:
            raise missing or NotFound("unknown_" + kind.__name__.lower(), field=field) from None
        if not isinstance(aggregate, kind):
            raise missing or NotFound("unknown_" + kind.__name__.lower(), field=field)
        return aggregate

    def _find(self, id: UUID, kind: type[A]) -> A | None:
        try:
            aggregate: Any = self.repository.get(id)
        except AggregateNotFoundError:
            return None
        return aggregate if isinstance(aggregate, kind) else None

    def _position_of(self, id: UUID) -> int:
        position = self.positions.position_of(id)
        if position is None:  # cannot happen once an aggregate is loadable
            raise NotFound("unknown_id", field="id", id=str(id))
        return position

    def _latest_position(self) -> int:
        return self.positions.max_notification_id() or 0


def _facts(aggregate: Any) -> Any:
    """What a resend must repeat to be the same request (each created-by-client aggregate
    defines `facts()`)."""
    return aggregate.facts()
