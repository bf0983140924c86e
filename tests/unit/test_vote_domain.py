"""Counting rules of strike votes: quorum and threshold edge cases with exact fractions, ties,
the roll hash, and the k threshold on what is published."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from core.errors import Forbidden, InvalidInput
from core.vote import Vote
from core.vote_rules import Fraction, decide, entry_digest, public_result, roll_hash

HALF = Fraction(1, 2, "more_than", "votes")


def test_more_than_half_needs_strictly_more() -> None:
    assert not HALF.met(5, 10)
    assert HALF.met(6, 10)
    assert Fraction(1, 2, "at_least").met(5, 10)


def test_two_thirds_at_least_is_exact_without_floats() -> None:
    two_thirds = Fraction(2, 3, "at_least")
    assert two_thirds.met(2, 3)
    assert two_thirds.met(200, 300)
    assert not two_thirds.met(199, 300)


def test_quorum_edge_exactly_met_and_one_short() -> None:
    quorum = Fraction(1, 2, "at_least", "roll")
    met = decide(tally=[3, 2], turnout_weight=5, roll_weight=10, quorum=quorum, threshold=HALF)
    short = decide(tally=[3, 1], turnout_weight=4, roll_weight=10, quorum=quorum, threshold=HALF)
    assert met["quorum_met"] and met["carried"] and met["option"] == 0
    assert not short["quorum_met"] and not short["carried"] and short["option"] is None


def test_a_tie_carries_nothing() -> None:
    result = decide(
        tally=[4, 4], turnout_weight=8, roll_weight=8, quorum=Fraction(0, 1), threshold=HALF
    )
    assert not result["carried"] and result["option"] is None


def test_threshold_of_the_whole_roll_counts_those_who_stayed_away() -> None:
    of_roll = Fraction(1, 2, "more_than", "roll")
    result = decide(
        tally=[40, 10], turnout_weight=50, roll_weight=100, quorum=Fraction(0, 1), threshold=of_roll
    )
    assert not result["carried"]  # 40 of 100 is not more than half of the roll
    assert decide(
        tally=[51, 0], turnout_weight=51, roll_weight=100, quorum=Fraction(0, 1), threshold=of_roll
    )["carried"]


def test_nobody_voting_carries_nothing_and_meets_only_a_zero_quorum() -> None:
    result = decide(
        tally=[0, 0], turnout_weight=0, roll_weight=10, quorum=Fraction(1, 4), threshold=HALF
    )
    assert not result["quorum_met"] and not result["carried"]


def test_counts_per_option_are_withheld_below_k() -> None:
    result = {"quorum_met": True, "carried": True, "option": 0, "votes": 4, "roll_weight": 5}
    hidden = public_result(result, [4, 0], turnout=4, k=5)
    shown = public_result(result, [4, 0], turnout=5, k=5)
    assert hidden["tally"] is None and hidden["votes"] is None and hidden["carried"]
    assert shown["tally"] == [4, 0]


def test_roll_hash_is_order_free_and_names_nobody() -> None:
    vote_id = uuid4()
    a, b = str(uuid4()), str(uuid4())
    assert roll_hash(vote_id, {a: 1, b: 2}) == roll_hash(vote_id, {b: 2, a: 1})
    assert roll_hash(vote_id, {a: 1, b: 2}) != roll_hash(vote_id, {a: 1, b: 3})
    assert a not in entry_digest(vote_id, a)


def _call(**over: object) -> Vote:
    now = datetime(2026, 5, 1, tzinfo=UTC)
    args: dict[str, object] = {
        "id": uuid4(),
        "question": "Mogok?",
        "options": ["Setuju", "Tidak setuju"],
        "affiliate_id": uuid4(),
        "branch_id": None,
        "opens_at": now,
        "closes_at": now + timedelta(days=1),
        "quorum": {"num": 1, "den": 2},
        "threshold": {"num": 1, "den": 2, "rule": "more_than"},
        "k": None,
        "weights": None,
        "now": now,
        "actor": "test",
    }
    args.update(over)
    return Vote.call(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"options": ["Ya"]}, "options"),
        ({"options": ["Ya", "Ya"]}, "options"),
        ({"question": " "}, "question"),
        ({"quorum": {"num": 3, "den": 2}}, "quorum.num"),
        ({"quorum": {"num": 1, "den": 0}}, "quorum.den"),
        ({"quorum": {"num": 1, "den": 2, "of": "votes"}}, "quorum.of"),
        ({"threshold": {"num": 1, "den": 2, "rule": "most"}}, "threshold.rule"),
        ({"weights": {str(uuid4()): 0}}, None),
        ({"closes_at": datetime(2026, 4, 30, tzinfo=UTC)}, "closes_at"),
    ],
)
def test_calling_a_vote_refuses_bad_rules_naming_the_field(
    over: dict[str, object], field: str | None
) -> None:
    with pytest.raises(InvalidInput) as caught:
        _call(**over)
    if field is not None:
        assert caught.value.field == field
    else:
        assert (caught.value.field or "").startswith("weights.")


def test_no_tally_in_the_public_vote_while_open() -> None:
    vote = _call()
    person = str(uuid4())
    vote.open(roll={person: 1}, now=datetime(2026, 5, 1, 1, tzinfo=UTC), actor="t")
    public = vote.public()
    assert public["result"] is None and "receipts" not in public
    assert public["roll_size"] == 1 and public["status"] == "open"
    with pytest.raises(Forbidden):
        vote.check_can_vote(str(uuid4()), datetime(2026, 5, 1, 2, tzinfo=UTC))
