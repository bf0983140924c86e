"""Commands of strike votes: call, open (freeze the roll), cast (into the ballot box, never the
log), voting links, close (seal the box into the log with the tally). See core/vote.py for the
aggregate and core/ballot_box.py for the box's promises."""

from __future__ import annotations

import contextlib
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from core.ballot_box import AlreadyVoted, BallotBox, BoxClosed, ReceiptTaken
from core.base import PoskoBase, Recorded
from core.errors import Conflict, InvalidInput, NotFound, PoskoError, Unavailable
from core.people import Affiliate, Person, token_hash
from core.vote import BallotBoxMismatch, Vote
from core.vote_rules import entry_digest, receipt_hash

log = logging.getLogger("posko.votes")
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECEIPT_LENGTH = 10  # 50 bits: guessing someone's code is hopeless, reading it aloud is easy


def new_receipt_code() -> str:
    return "".join(secrets.choice(CROCKFORD) for _ in range(RECEIPT_LENGTH))


@dataclass(frozen=True)
class Cast:
    receipt: str  # shown to the voter once, stored nowhere (only its hash)
    turnout: int
    created: bool = True  # False: a resend of a ballot already in the box


class VoteCommands(PoskoBase):
    _ballot_box: BallotBox | None = None

    def attach_ballot_box(self, box: BallotBox) -> None:
        self._ballot_box = box

    @property
    def ballot_box(self) -> BallotBox:
        if self._ballot_box is None:
            raise Unavailable("no_ballot_box")
        return self._ballot_box

    # -- calling and opening -------------------------------------------------------------------

    def call_vote(
        self,
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
        k: int | None = None,
        weights: dict[str, int] | None = None,
        actor: str,
        now: datetime | None = None,
    ) -> Recorded:
        def make() -> Vote:
            return Vote.call(
                id=id,
                question=question,
                options=options,
                affiliate_id=affiliate_id,
                branch_id=branch_id,
                opens_at=opens_at,
                closes_at=closes_at,
                quorum=quorum,
                threshold=threshold,
                k=k,
                weights=weights,
                now=now or datetime.now(UTC),
                actor=actor,
            )

        def check(vote: Vote) -> None:
            affiliate = self._load(affiliate_id, Affiliate, field="affiliate_id")
            if branch_id is not None and str(branch_id) not in affiliate.branches:
                raise InvalidInput("unknown_branch", field="branch_id")
            for person in vote.weights or {}:
                if self._find(UUID(person), Person) is None:
                    raise InvalidInput("unknown_person", field=f"weights.{person}")

        return self._create(id, make, check)

    def open_vote(self, *, vote_id: UUID, actor: str, now: datetime | None = None) -> Recorded:
        """Freeze the roll from the members in good standing (or the listed delegates) and
        open the box."""
        vote = self.vote(vote_id)
        if vote.status == "open":  # a repeated click: nothing to freeze again
            return Recorded(vote_id, self._latest_position(), created=False)
        roll = self._roll_for(vote)
        self.ballot_box.open(vote_id)
        when = now or datetime.now(UTC)
        return self._change(
            vote_id, Vote, lambda v: v.open(roll=roll, now=when, actor=actor), field="vote_id"
        )

    def _roll_for(self, vote: Vote) -> dict[str, int]:
        if vote.weights is not None:
            return {p: w for p, w in vote.weights.items() if self._in_good_standing(p, None)}
        return {p: 1 for p in self._people() if self._in_good_standing(p, vote)}

    def _in_good_standing(self, person_id: str, vote: Vote | None) -> bool:
        """Active; for a members' vote also a member of the vote's union (and branch). Posko
        knows dues arrears per affiliate (core/arrears.py), not per member: they do not count."""
        person = self._find(UUID(person_id), Person)
        if person is None or not person.active:
            return False
        if vote is None:
            return True
        return any(
            r.get("name") == "member"
            and r.get("affiliate_id") == vote.affiliate_id
            and (vote.branch_id is None or r.get("branch_id") == vote.branch_id)
            for r in person.roles
        )

    def _people(self) -> list[str]:
        topic = get_topic(Person.Registered)
        found: list[str] = []
        start: int | None = None
        while True:
            page = self.recorder.select_notifications(
                start=start, limit=1000, topics=[topic], inclusive_of_start=start is None
            )
            found.extend(str(n.originator_id) for n in page)
            if len(page) < 1000:
                return found
            start = page[-1].id

    # -- voting --------------------------------------------------------------------------------

    def cast_ballot(
        self,
        *,
        vote_id: UUID,
        person_id: str,
        choice: int,
        receipt: str | None = None,
        now: datetime | None = None,
    ) -> Cast:
        """One member, one vote: the mark, the ballot and the receipt go into the box in one
        transaction. The log learns only the new turnout (a count). `receipt`, a code the
        phone made, lets a resend after a lost answer hear "recorded" with the same code."""
        when = now or datetime.now(UTC)
        vote = self._load(vote_id, Vote, field="vote_id", copy=False)
        weight = vote.check_can_vote(person_id, when)
        if isinstance(choice, bool) or not isinstance(choice, int):
            raise InvalidInput("not_an_integer", field="choice")
        if not 0 <= choice < len(vote.options):
            raise InvalidInput("out_of_range", field="choice", min=0, max=len(vote.options) - 1)
        code = receipt or new_receipt_code()
        try:
            turnout = self.ballot_box.cast(
                vote_id,
                person_id=person_id,
                choice=choice,
                weight=weight,
                receipt_hash=receipt_hash(code),
                on=when.astimezone(UTC).date(),
            )
        except AlreadyVoted:
            if receipt is not None and self.ballot_box.has_receipt(vote_id, receipt_hash(code)):
                return Cast(receipt=code, turnout=self.ballot_box.turnout(vote_id), created=False)
            raise Conflict("already_voted", field="vote_id") from None
        except BoxClosed:
            raise Conflict("vote_closed", field="vote_id") from None
        except ReceiptTaken:
            raise Conflict("receipt_taken", field="receipt") from None
        # The ballot is safe in the box; a lost count is corrected by the next one.
        with contextlib.suppress(PoskoError):
            self._change(vote_id, Vote, lambda v: v.count_turnout(turnout), field="vote_id")
        return Cast(receipt=code, turnout=turnout)

    def issue_voting_link(
        self, *, vote_id: UUID, person_id: UUID, actor: str
    ) -> tuple[Recorded, str]:
        """A one-time personal link for one roll entry; only its hash is kept. Issuing a new
        one for the same person voids the old."""
        code = secrets.token_urlsafe(24)

        def issue(vote: Vote) -> bool:
            if vote.status == "called" and self._find(person_id, Person) is None:
                raise NotFound("unknown_person", field="person_id")
            vote.issue_link(person_id=str(person_id), code_hash=token_hash(code), actor=actor)
            return True

        return self._change(vote_id, Vote, issue, field="vote_id"), code

    def person_for_link(self, *, vote_id: UUID, code: str) -> str:
        vote = self._load(vote_id, Vote, field="vote_id", copy=False)
        person = vote.links.get(token_hash(code))
        if person is None:
            raise NotFound("unknown_voting_link", field="code")
        return person

    def cast_by_link(
        self,
        *,
        vote_id: UUID,
        code: str,
        choice: int,
        receipt: str | None = None,
        now: datetime | None = None,
    ) -> Cast:
        """The link's roll entry votes; the link is spent with it (its entry is marked)."""
        person = self.person_for_link(vote_id=vote_id, code=code)
        return self.cast_ballot(
            vote_id=vote_id, person_id=person, choice=choice, receipt=receipt, now=now
        )

    # -- closing -------------------------------------------------------------------------------

    def close_vote(self, *, vote_id: UUID, actor: str, now: datetime | None = None) -> Recorded:
        """Seal: stop casts, check the box against the roll (refused loudly when they
        disagree), put the shuffled ballots, tally and receipts into the log in one event,
        then destroy the box's rows."""
        when = now or datetime.now(UTC)
        vote = self.vote(vote_id)
        if vote.status == "sealed":
            self.ballot_box.purge(vote_id)  # a crash after sealing may have left rows
            return Recorded(vote_id, self._latest_position(), created=False)
        if vote.status != "open":
            raise Conflict("vote_not_open_yet", field="vote_id")
        if not vote.may_close(when, self.ballot_box.turnout(vote_id)):
            raise Conflict("vote_still_open", field="vote_id", closes_at=vote.closes_at.isoformat())
        box = self.ballot_box.seal(vote_id)
        ballots = list(box.ballots)
        secrets.SystemRandom().shuffle(ballots)

        def seal(v: Vote) -> bool:
            if v.status == "sealed":
                return False
            v.seal(voted=box.voted, ballots=ballots, receipts=box.receipts, actor=actor)
            return True

        try:
            recorded = self._change(vote_id, Vote, seal, field="vote_id")
        except BallotBoxMismatch as error:
            log.error("vote %s: ballot box refused at sealing: %s", vote_id, error)
            raise
        self.ballot_box.purge(vote_id)
        return recorded

    # -- reading -------------------------------------------------------------------------------

    def vote(self, vote_id: UUID) -> Vote:
        return self._load(vote_id, Vote, field="vote_id")

    def roll_entry(self, *, vote_id: UUID, person_id: str) -> dict[str, Any]:
        """What a member may check about themself: on the roll, their entry digest (in the
        published roll), and whether their vote was recorded."""
        vote = self._load(vote_id, Vote, field="vote_id", copy=False)
        on_roll = person_id in vote.roll
        if vote.status == "sealed":
            voted = person_id in vote.voted
        else:
            voted = on_roll and self.ballot_box.has_voted(vote_id, person_id)
        return {
            "on_roll": on_roll,
            "entry": entry_digest(vote_id, person_id) if on_roll else None,
            "weight": vote.roll.get(person_id),
            "voted": voted,
            "roll_hash": vote.roll_hash,
            "roll_size": len(vote.roll),
        }

    def roll_digests(self, vote_id: UUID) -> list[str]:
        vote = self._load(vote_id, Vote, field="vote_id", copy=False)
        return sorted(f"{entry_digest(vote_id, p)}:{w}" for p, w in vote.roll.items())
