"""A strike vote (pemungutan suara mogok): called by an officer, opened with a frozen roll,
closed by sealing the ballot box into the log with the tally. Ballots themselves never pass
through this aggregate while the vote is open: they live in the ballot box (core/ballot_box.py).

The rules for counting (quorum, threshold, weights) are the union's AD/ART, stored on the vote
when it is called, and applied by the pure functions of core/vote_rules.py (exact integer maths).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from core import values
from core.errors import Conflict, Forbidden, InvalidInput
from core.vote_rules import Fraction, decide, public_result, roll_hash

MAX_OPTIONS = 10
MAX_WEIGHT = 1000  # a delegate's votes; each becomes that many unit ballots (see README)
MAX_ROLL = 100_000
DEFAULT_K = 10


class Vote(Aggregate):
    """called -> open -> closed. The roll is frozen when it opens; the result when it closes."""

    class Called(Aggregate.Created):
        question: str
        options: list[str]
        affiliate_id: str
        branch_id: str | None
        opens_at: datetime
        closes_at: datetime
        quorum: dict[str, Any]
        threshold: dict[str, Any]
        k: int
        weights: dict[str, int] | None
        actor: str

    class Opened(Aggregate.Event):
        roll: dict[str, int]  # person id -> weight (1 for a members' vote)
        roll_hash: str
        actor: str

    class TurnoutCounted(Aggregate.Event):
        turnout: int  # a count only: never who, never what

    class LinkIssued(Aggregate.Event):
        person_id: str
        code_hash: str
        actor: str

    class Sealed(Aggregate.Event):
        """The ballot box, sealed: unit ballots in shuffled order (each an option index), the
        tally, and the receipt hashes sorted, with nothing that pairs a receipt with a choice."""

        ballots: list[int]
        tally: list[int]
        turnout: int
        receipts: list[str]
        result: dict[str, Any]
        actor: str

    class ParticipationSealed(Aggregate.Event):
        """Who voted, sorted: participation without order or time, in an event of its own
        so that no record holds both names and choices."""

        voted: list[str]

    @event(Called)
    def __init__(
        self,
        *,
        id: UUID,
        question: str,
        options: list[str],
        affiliate_id: str,
        branch_id: str | None,
        opens_at: datetime,
        closes_at: datetime,
        quorum: dict[str, Any],
        threshold: dict[str, Any],
        k: int,
        weights: dict[str, int] | None,
        actor: str,
    ) -> None:
        self.question = question
        self.options = options
        self.affiliate_id = affiliate_id
        self.branch_id = branch_id
        self.opens_at = opens_at
        self.closes_at = closes_at
        self.quorum = quorum
        self.threshold = threshold
        self.k = k
        self.weights = weights
        self.status = "called"
        self.roll: dict[str, int] = {}
        self.roll_hash: str | None = None
        self.turnout = 0
        self.links: dict[str, str] = {}  # code hash -> person id (the latest link per person)
        self.tally: list[int] | None = None
        self.receipts: list[str] = []
        self.voted: list[str] = []
        self.result: dict[str, Any] | None = None

    @classmethod
    def call(
        cls,
        *,
        id: UUID,
        question: str,
        options: list[str],
        affiliate_id: UUID,
        branch_id: UUID | None,
        opens_at: datetime,
        closes_at: datetime,
        quorum: dict[str, Any],
        threshold: dict[str, Any],
        k: int | None,
        weights: dict[str, int] | None,
        now: datetime,
        actor: str,
    ) -> Vote:
        question = values.text("question", question, max_length=500)
        if not 2 <= len(options) <= MAX_OPTIONS:
            raise InvalidInput("out_of_range", field="options", min=2, max=MAX_OPTIONS)
        options = [values.text(f"options[{i}]", o, max_length=100) for i, o in enumerate(options)]
        if len(set(options)) != len(options):
            raise InvalidInput("duplicate", field="options")
        values.aware("opens_at", opens_at)
        values.aware("closes_at", closes_at)
        if closes_at <= opens_at:
            raise InvalidInput("ends_before_start", field="closes_at")
        if closes_at <= now:
            raise InvalidInput("in_the_past", field="closes_at")
        q = Fraction.parse("quorum", quorum, threshold=False)
        t = Fraction.parse("threshold", threshold, threshold=True)
        k = DEFAULT_K if k is None else values.count("k", k, maximum=1000)
        if weights is not None:
            if not weights:
                raise InvalidInput("required", field="weights")
            if len(weights) > MAX_ROLL:
                raise InvalidInput("too_long", field="weights", max=MAX_ROLL)
            for person, w in weights.items():
                if not isinstance(w, int) or isinstance(w, bool) or not 1 <= w <= MAX_WEIGHT:
                    raise InvalidInput(
                        "out_of_range", field=f"weights.{person}", min=1, max=MAX_WEIGHT
                    )
            try:
                weights = {str(UUID(p)): w for p, w in sorted(weights.items())}
            except ValueError:
                raise InvalidInput("not_uuid", field="weights") from None
        return cls(
            id=id,
            question=question,
            options=options,
            affiliate_id=str(affiliate_id),
            branch_id=None if branch_id is None else str(branch_id),
            opens_at=opens_at,
            closes_at=closes_at,
            quorum=q.as_dict(),
            threshold=t.as_dict(),
            k=k,
            weights=weights,
            actor=actor,
        )

    def facts(self) -> tuple[Any, ...]:
        return (
            self.question,
            self.options,
            self.affiliate_id,
            self.branch_id,
            self.opens_at,
            self.closes_at,
            self.quorum,
            self.threshold,
            self.k,
            self.weights,
        )

    # -- opening -------------------------------------------------------------------------------

    def open(self, *, roll: dict[str, int], now: datetime, actor: str) -> bool:
        if self.status == "open":
            return False
        if self.status != "called":
            raise Conflict("vote_closed", field="vote_id")
        if now < self.opens_at:
            raise Conflict("vote_not_open_yet", field="vote_id", opens_at=self.opens_at.isoformat())
        if now >= self.closes_at:
            raise Conflict("vote_closed", field="vote_id")
        if not roll:
            raise Conflict("empty_roll", field="vote_id")
        self._opened(
            roll=dict(sorted(roll.items())), roll_hash=roll_hash(self.id, roll), actor=actor
        )
        return True

    @event(Opened)
    def _opened(self, *, roll: dict[str, int], roll_hash: str, actor: str) -> None:
        self.roll = roll
        self.roll_hash = roll_hash
        self.status = "open"

    def check_can_vote(self, person_id: str, now: datetime) -> int:
        """The voter's weight, if they may vote now; one member one vote is the box's job."""
        if self.status == "called":
            raise Conflict("vote_not_open_yet", field="vote_id", opens_at=self.opens_at.isoformat())
        if self.status != "open" or now >= self.closes_at:
            raise Conflict("vote_closed", field="vote_id")
        weight = self.roll.get(person_id)
        if weight is None:  # not theirs to vote in: as any other refusal, with no detail
            raise Forbidden(field="vote_id")
        return weight

    def count_turnout(self, turnout: int) -> bool:
        """Turnout only grows; two casts saving out of order must not make it shrink."""
        if self.status != "open" or turnout <= self.turnout:
            return False
        self._turnout_counted(turnout=turnout)
        return True

    @event(TurnoutCounted)
    def _turnout_counted(self, *, turnout: int) -> None:
        self.turnout = turnout

    def issue_link(self, *, person_id: str, code_hash: str, actor: str) -> None:
        if self.status == "sealed":
            raise Conflict("vote_closed", field="vote_id")
        if person_id not in self.roll and self.status == "open":
            raise Conflict("not_on_roll", field="person_id")
        self._link_issued(person_id=person_id, code_hash=code_hash, actor=actor)

    @event(LinkIssued)
    def _link_issued(self, *, person_id: str, code_hash: str, actor: str) -> None:
        # A new link for the same person replaces the old one.
        self.links = {h: p for h, p in self.links.items() if p != person_id}
        self.links[code_hash] = person_id

    # -- closing -------------------------------------------------------------------------------

    def may_close(self, now: datetime, turnout: int) -> bool:
        """At the closing time, or earlier once every roll entry has voted."""
        return now >= self.closes_at or (self.status == "open" and turnout >= len(self.roll))

    def seal(
        self,
        *,
        voted: list[str],
        ballots: list[int],
        receipts: list[str],
        actor: str,
    ) -> None:
        """Check the box against the roll and seal it: refused loudly if anything is off."""
        if self.status == "sealed":
            raise Conflict("vote_closed", field="vote_id")
        if self.status != "open":
            raise Conflict("vote_not_open_yet", field="vote_id")
        strangers = [p for p in voted if p not in self.roll]
        if strangers or len(set(voted)) != len(voted):
            raise BallotBoxMismatch(problem="marks_not_on_roll", marks=len(voted))
        if len(receipts) != len(voted):
            raise BallotBoxMismatch(
                "receipts_not_turnout", receipts=len(receipts), turnout=len(voted)
            )
        expected = sum(self.roll[p] for p in voted)
        if len(ballots) != expected:
            raise BallotBoxMismatch(
                problem="ballots_not_turnout", ballots=len(ballots), expected=expected
            )
        if any(not 0 <= b < len(self.options) for b in ballots):
            raise BallotBoxMismatch(problem="ballot_out_of_range", ballots=len(ballots))
        tally = [0] * len(self.options)
        for b in ballots:
            tally[b] += 1
        result = decide(
            tally=tally,
            turnout_weight=expected,
            roll_weight=sum(self.roll.values()),
            quorum=Fraction(**self.quorum),
            threshold=Fraction(**self.threshold),
        )
        self._sealed(
            ballots=ballots,
            tally=tally,
            turnout=len(voted),
            receipts=sorted(receipts),
            result=result,
            actor=actor,
        )
        self._participation_sealed(voted=sorted(voted))

    @event(Sealed)
    def _sealed(
        self,
        *,
        ballots: list[int],
        tally: list[int],
        turnout: int,
        receipts: list[str],
        result: dict[str, Any],
        actor: str,
    ) -> None:
        self.status = "sealed"
        self.tally = tally
        self.turnout = turnout
        self.receipts = receipts
        self.result = result

    @event(ParticipationSealed)
    def _participation_sealed(self, *, voted: list[str]) -> None:
        self.voted = voted

    # -- what anyone allowed to read the vote may see ------------------------------------------

    def public(self) -> dict[str, Any]:
        """The vote as published: never a running tally; per-option counts after close only
        when at least k voted (below that, only the outcome)."""
        out: dict[str, Any] = {
            "id": str(self.id),
            "question": self.question,
            "options": self.options,
            "affiliate_id": self.affiliate_id,
            "branch_id": self.branch_id,
            "opens_at": self.opens_at.isoformat(),
            "closes_at": self.closes_at.isoformat(),
            "quorum": self.quorum,
            "threshold": self.threshold,
            "k": self.k,
            "weighted": self.weights is not None,
            "status": self.status,
            "roll_size": len(self.roll),
            "roll_hash": self.roll_hash,
            "turnout": self.turnout,
            "result": None,
        }
        if self.status == "sealed" and self.result is not None:
            out["result"] = public_result(self.result, self.tally or [], self.turnout, self.k)
            out["receipts"] = self.receipts
        return out


class BallotBoxMismatch(Conflict):
    """The ballot box disagrees with the roll: sealing refused, nothing published."""

    status = 500
    code = "ballot_box_mismatch"
