"""How a strike vote counts, as the union's AD/ART says: exact fractions for quorum and
threshold, the decision, what of it may be published (the k threshold), and the digests that
publish the roll and the receipts without naming anyone. Pure functions, no state."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from core import values
from core.errors import InvalidInput

RULES = ("more_than", "at_least")
BASES = ("votes", "roll")


@dataclass(frozen=True)
class Fraction:
    """A share as the AD/ART states it: "lebih dari 1/2", "sekurang-kurangnya 2/3"."""

    num: int
    den: int
    rule: str = "at_least"  # or "more_than"
    of: str = "votes"  # thresholds: share of the ballots cast, or of the whole roll

    @classmethod
    def parse(cls, field: str, data: dict[str, Any], *, threshold: bool) -> Fraction:
        num, den = data.get("num"), data.get("den")
        if not isinstance(num, int) or isinstance(num, bool) or num < 0:
            raise InvalidInput("out_of_range", field=f"{field}.num", min=0, max=1000)
        if not isinstance(den, int) or isinstance(den, bool) or not 0 < den <= 1000:
            raise InvalidInput("out_of_range", field=f"{field}.den", min=1, max=1000)
        if num > den:
            raise InvalidInput("out_of_range", field=f"{field}.num", min=0, max=den)
        rule = values.choice(f"{field}.rule", str(data.get("rule", "at_least")), RULES)
        default = "votes" if threshold else "roll"
        allowed = BASES if threshold else ("roll",)
        of = values.choice(f"{field}.of", str(data.get("of", default)), allowed)
        return cls(num=num, den=den, rule=rule, of=of)

    def met(self, part: int, whole: int) -> bool:
        """part/whole compared with num/den without floats (an empty whole meets nothing
        but a zero share)."""
        if whole == 0:
            return self.num == 0 and self.rule == "at_least"
        if self.rule == "more_than":
            return part * self.den > self.num * whole
        return part * self.den >= self.num * whole

    def as_dict(self) -> dict[str, Any]:
        return {"num": self.num, "den": self.den, "rule": self.rule, "of": self.of}


def roll_hash(vote_id: UUID, entries: dict[str, int]) -> str:
    """The published fingerprint of the frozen roll: SHA-256 over the sorted entry digests
    (each a member's entry_digest with its weight), so a member who knows their own digest
    can check they are counted in the published list without the list naming anyone."""
    lines = sorted(f"{entry_digest(vote_id, p)}:{w}" for p, w in entries.items())
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def entry_digest(vote_id: UUID, person_id: str) -> str:
    return hashlib.sha256(f"posko-roll:{vote_id}:{person_id}".encode()).hexdigest()


def receipt_hash(code: str) -> str:
    """How a receipt code is kept and published: its SHA-256 (the page computes the same)."""
    return hashlib.sha256(("posko-receipt:" + code.strip().upper()).encode()).hexdigest()


def decide(
    *,
    tally: list[int],
    turnout_weight: int,
    roll_weight: int,
    quorum: Fraction,
    threshold: Fraction,
) -> dict[str, Any]:
    """Quorum on turnout against the roll, then the leading option against the threshold.
    A tie for the lead carries nothing."""
    quorum_met = quorum.met(turnout_weight, roll_weight)
    votes = sum(tally)
    leader = max(range(len(tally)), key=lambda i: tally[i]) if votes else None
    tied = leader is not None and tally.count(tally[leader]) > 1
    base = votes if threshold.of == "votes" else roll_weight
    carried = quorum_met and leader is not None and not tied and threshold.met(tally[leader], base)
    return {
        "quorum_met": quorum_met,
        "carried": carried,
        "option": leader if carried else None,
        "votes": votes,
        "roll_weight": roll_weight,
    }


def public_result(result: dict[str, Any], tally: list[int], turnout: int, k: int) -> dict[str, Any]:
    out = dict(result)
    if turnout >= k:
        out["tally"] = tally
    else:
        out["tally"] = None  # fewer than k voted: counts per option would expose people
        out["votes"] = None
    return out
