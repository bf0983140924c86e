"""Dues (iuran) arithmetic, pure and without I/O: a rate in basis points of a base (the member's
wage or the regional minimum wage, UMK), an explicit rounding rule, and a split between
organisational levels that always sums exactly to the amount (largest remainder)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.errors import InvalidInput
from core.ledger import rupiah

ROUNDINGS = ("floor", "half_up", "ceil")
BASES = ("wage", "umk")
FULL = 10_000  # basis points in a whole
MAX_LEVELS = 10


@dataclass(frozen=True)
class DuesRule:
    rate_bp: int  # 100 = 1% of the base
    base: str  # "wage" | "umk"
    rounding: str  # "floor" | "half_up" | "ceil"
    split: dict[
        str, int
    ]  # level -> basis points of the amount; sums to 10 000; insertion order breaks ties

    def as_dict(self) -> dict[str, Any]:
        return {
            "rate_bp": self.rate_bp,
            "base": self.base,
            "rounding": self.rounding,
            "split": dict(self.split),
        }


def rule(rate_bp: Any, base: Any, rounding: Any, split: Any) -> DuesRule:
    """A dues rule from untrusted values; each bad one names its field."""
    if isinstance(rate_bp, bool) or not isinstance(rate_bp, int) or not 1 <= rate_bp <= FULL:
        raise InvalidInput("out_of_range", field="rate_bp", min=1, max=FULL)
    if base not in BASES:
        raise InvalidInput("not_one_of", field="base", allowed=list(BASES))
    if rounding not in ROUNDINGS:
        raise InvalidInput("not_one_of", field="rounding", allowed=list(ROUNDINGS))
    if not isinstance(split, dict) or not 1 <= len(split) <= MAX_LEVELS:
        raise InvalidInput("split_levels", field="split", min=1, max=MAX_LEVELS)
    for level, share in split.items():
        if not isinstance(level, str) or not level.strip() or len(level) > 40:
            raise InvalidInput("bad_level", field="split")
        if isinstance(share, bool) or not isinstance(share, int) or not 0 < share <= FULL:
            raise InvalidInput("out_of_range", field=f"split.{level}", min=1, max=FULL)
    if sum(split.values()) != FULL:
        raise InvalidInput("split_not_whole", field="split", total=sum(split.values()))
    return DuesRule(rate_bp, base, rounding, dict(split))


def amount(base_amount: int, rate_bp: int, rounding: str) -> int:
    """base x rate / 10 000, rounded to whole rupiah by the rule (integers only, no floats)."""
    numerator = base_amount * rate_bp
    quotient, remainder = divmod(numerator, FULL)
    if rounding == "ceil" and remainder:
        return quotient + 1
    if rounding == "half_up" and remainder * 2 >= FULL:
        return quotient + 1
    return quotient


def split(total: int, shares: dict[str, int]) -> dict[str, int]:
    """Divide `total` rupiah by the shares (basis points summing to 10 000): each level gets
    the floor of its exact part, and the rupiah left over go one each to the largest
    remainders (ties: the level listed first). The parts always sum to `total`."""
    exact = {level: divmod(total * bp, FULL) for level, bp in shares.items()}
    parts = {level: q for level, (q, _r) in exact.items()}
    left = total - sum(parts.values())
    order = sorted(exact, key=lambda level: -exact[level][1])  # stable: ties keep listed order
    for level in order[:left]:
        parts[level] += 1
    return parts


def assess(base_amount: Any, dues_rule: DuesRule) -> tuple[int, dict[str, int]]:
    """The dues on a base and their split between levels."""
    base_amount = rupiah("base_amount", base_amount)
    total = amount(base_amount, dues_rule.rate_bp, dues_rule.rounding)
    if total <= 0:
        raise InvalidInput("dues_zero", field="base_amount")
    return total, split(total, dues_rule.split)
