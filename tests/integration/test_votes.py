"""Strike votes end to end on the real stores (SQLite and PostgreSQL): the frozen roll, one
member one vote (also racing), no tally before close, sealing with its checked invariant,
receipts, voting links, weighted delegate votes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from core.errors import Conflict, Forbidden, NotFound
from core.vote import BallotBoxMismatch, Vote
from core.vote_rules import entry_digest, receipt_hash
from tests.integration.vote_world import World, add_member, make_world


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    yield from make_world(request.param, request, tmp_path)


def open_vote(world: World, **over: object) -> UUID:
    vote_id = world.call(**over)
    world.app.open_vote(vote_id=vote_id, actor="person:officer")
    return vote_id


def test_roll_is_frozen_at_opening_from_members_in_good_standing(world: World) -> None:
    vote_id = open_vote(world)
    vote = world.app.vote(vote_id)
    assert sorted(vote.roll) == sorted(str(m) for m in world.members)  # not idle, not outsider
    assert vote.public()["roll_size"] == 5 and vote.roll_hash
    latecomer = add_member(world.app, world.affiliate, world.branch, 99)
    assert str(latecomer) not in world.app.vote(vote_id).roll
    with pytest.raises(Forbidden):
        world.app.cast_ballot(vote_id=vote_id, person_id=str(latecomer), choice=0)
    me = world.app.roll_entry(vote_id=vote_id, person_id=str(world.members[0]))
    assert me["on_roll"] and me["entry"] == entry_digest(vote_id, str(world.members[0]))
    assert f"{me['entry']}:1" in world.app.roll_digests(vote_id)
    assert not world.app.roll_entry(vote_id=vote_id, person_id=str(latecomer))["on_roll"]


def test_a_branch_vote_rolls_only_that_branchs_members(world: World) -> None:
    elsewhere = add_member(world.app, world.affiliate, None, 70)
    vote_id = open_vote(world, branch_id=world.branch)
    assert str(elsewhere) not in world.app.vote(vote_id).roll
    assert len(world.app.vote(vote_id).roll) == 5


def test_one_member_one_vote(world: World) -> None:
    vote_id = open_vote(world)
    member = str(world.members[0])
    cast = world.app.cast_ballot(vote_id=vote_id, person_id=member, choice=0)
    assert len(cast.receipt) == 10 and cast.turnout == 1
    with pytest.raises(Conflict) as caught:
        world.app.cast_ballot(vote_id=vote_id, person_id=member, choice=1)
    assert caught.value.code == "already_voted"
    assert world.box.turnout(vote_id) == 1
    assert world.app.roll_entry(vote_id=vote_id, person_id=member)["voted"]


def test_two_casts_at_once_by_one_member_record_one_ballot(world: World) -> None:
    vote_id = open_vote(world)
    member = str(world.members[1])
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def cast(choice: int) -> None:
        barrier.wait()
        try:
            world.app.cast_ballot(vote_id=vote_id, person_id=member, choice=choice)
            outcomes.append("ok")
        except Conflict as error:
            outcomes.append(error.code)

    threads = [threading.Thread(target=cast, args=(i % 2,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["already_voted"] * 5 + ["ok"]
    sealed = world.box.seal(vote_id)
    assert len(sealed.ballots) == 1 and len(sealed.receipts) == 1 and sealed.voted == [member]


def test_members_voting_at_once_are_all_counted(world: World) -> None:
    vote_id = open_vote(world)
    barrier = threading.Barrier(len(world.members))

    def cast(person: UUID) -> None:
        barrier.wait()
        world.app.cast_ballot(vote_id=vote_id, person_id=str(person), choice=0)

    threads = [threading.Thread(target=cast, args=(m,)) for m in world.members]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert world.box.turnout(vote_id) == 5
    assert world.app.vote(vote_id).turnout == 5  # the count in the log caught up


def test_no_tally_before_close_and_closing_early_refused(world: World) -> None:
    vote_id = open_vote(world)
    for m, choice in zip(world.members[:3], [0, 0, 1], strict=True):
        world.app.cast_ballot(vote_id=vote_id, person_id=str(m), choice=choice)
    vote = world.app.vote(vote_id)
    assert vote.tally is None and vote.public()["result"] is None
    assert vote.public()["turnout"] == 3
    assert not hasattr(world.box, "tally")  # the port offers no way to count choices
    with pytest.raises(Conflict) as caught:
        world.app.close_vote(vote_id=vote_id, actor="person:officer")
    assert caught.value.code == "vote_still_open"


def test_sealing_publishes_tally_and_receipts_and_empties_the_box(world: World) -> None:
    vote_id = open_vote(world)
    receipts = []
    for m, choice in zip(world.members, [0, 0, 0, 1, 1], strict=True):
        receipts.append(world.app.cast_ballot(vote_id=vote_id, person_id=str(m), choice=choice))
    world.app.close_vote(vote_id=vote_id, actor="person:officer")  # all voted: may close early
    vote = world.app.vote(vote_id)
    public = vote.public()
    assert public["status"] == "sealed" and public["turnout"] == 5
    assert public["result"]["tally"] == [3, 2] and public["result"]["carried"]
    assert public["result"]["option"] == 0
    assert sorted(public["receipts"]) == sorted(receipt_hash(r.receipt) for r in receipts)
    assert vote.voted == sorted(str(m) for m in world.members)
    assert world.box.turnout(vote_id) == 0 and world.box.seal(vote_id).ballots == []
    with pytest.raises(Conflict) as caught:
        world.app.cast_ballot(vote_id=vote_id, person_id=str(world.members[0]), choice=0)
    assert caught.value.code == "vote_closed"
    again = world.app.close_vote(vote_id=vote_id, actor="person:officer")
    assert not again.created


def test_closing_after_the_closing_time_with_low_turnout_misses_quorum(world: World) -> None:
    opens = datetime.now(UTC) - timedelta(minutes=1)
    vote_id = open_vote(world, closes_at=opens + timedelta(minutes=30))
    world.app.cast_ballot(vote_id=vote_id, person_id=str(world.members[0]), choice=0)
    world.app.cast_ballot(vote_id=vote_id, person_id=str(world.members[1]), choice=0)
    world.app.close_vote(vote_id=vote_id, actor="t", now=opens + timedelta(hours=1))
    result = world.app.vote(vote_id).public()["result"]
    assert not result["quorum_met"] and not result["carried"]
    assert result["tally"] is None  # 2 voters < k=3: counts per option withheld


def test_a_box_that_disagrees_with_the_turnout_is_refused_loudly(world: World) -> None:
    vote_id = open_vote(world)
    for m in world.members:
        world.app.cast_ballot(vote_id=vote_id, person_id=str(m), choice=0)
    stuff_ballot(world, vote_id)
    with pytest.raises(BallotBoxMismatch) as caught:
        world.app.close_vote(vote_id=vote_id, actor="t")
    assert caught.value.code == "ballot_box_mismatch"
    assert world.app.vote(vote_id).status == "open"  # nothing sealed, nothing published
    with pytest.raises(Conflict):  # and the box takes no more ballots meanwhile
        world.app.cast_ballot(vote_id=vote_id, person_id=str(world.members[0]), choice=0)


def stuff_ballot(world: World, vote_id: UUID) -> None:
    if world.backend == "sqlite":
        import sqlite3

        assert world.data_dir is not None
        with sqlite3.connect(world.data_dir / "ballots.db") as conn:
            conn.execute("INSERT INTO ballots VALUES (?, ?, 1)", (str(vote_id), b"x" * 16))
    else:
        import psycopg

        with psycopg.connect(world.url, options=f"-c search_path={world.schema}") as conn:
            conn.execute("INSERT INTO ballots VALUES (%s, %s, 1)", (vote_id, b"x" * 16))


def test_weighted_delegate_vote(world: World) -> None:
    d1, d2, d3 = world.members[:3]
    weights = {str(d1): 30, str(d2): 25, str(d3): 4}
    vote_id = open_vote(world, weights=weights, k=1)
    assert world.app.vote(vote_id).roll == dict(sorted(weights.items()))
    world.app.cast_ballot(vote_id=vote_id, person_id=str(d1), choice=1)
    world.app.cast_ballot(vote_id=vote_id, person_id=str(d2), choice=0)
    world.app.cast_ballot(vote_id=vote_id, person_id=str(d3), choice=0)
    world.app.close_vote(vote_id=vote_id, actor="t")
    vote = world.app.vote(vote_id)
    assert vote.tally == [29, 30] and vote.turnout == 3
    result = vote.public()["result"]
    assert result["carried"] and result["option"] == 1 and result["roll_weight"] == 59
    assert world.app.vote(vote_id).weights is not None


def test_a_voting_link_works_once_for_its_roll_entry(world: World) -> None:
    vote_id = open_vote(world)
    member = world.members[2]
    _, old = world.app.issue_voting_link(vote_id=vote_id, person_id=member, actor="t")
    _, code = world.app.issue_voting_link(vote_id=vote_id, person_id=member, actor="t")
    with pytest.raises(NotFound):  # a new link voids the old one
        world.app.cast_by_link(vote_id=vote_id, code=old, choice=0)
    assert world.app.person_for_link(vote_id=vote_id, code=code) == str(member)
    world.app.cast_by_link(vote_id=vote_id, code=code, choice=1)
    with pytest.raises(Conflict) as caught:
        world.app.cast_by_link(vote_id=vote_id, code=code, choice=0)
    assert caught.value.code == "already_voted"
    with pytest.raises(NotFound):
        world.app.cast_by_link(vote_id=vote_id, code="tebakan", choice=0)
    with pytest.raises(Conflict):  # nobody off the roll gets a link
        world.app.issue_voting_link(vote_id=vote_id, person_id=world.outsider or uuid4(), actor="t")


def test_calling_twice_with_the_same_id_is_one_vote(world: World) -> None:
    vote_id = uuid4()
    opens = datetime.now(UTC)
    first = world.call(id=vote_id, opens_at=opens, closes_at=opens + timedelta(hours=1))
    second = world.call(id=vote_id, opens_at=opens, closes_at=opens + timedelta(hours=1))
    assert first == second
    with pytest.raises(Conflict):
        world.call(
            id=vote_id, question="Lain", opens_at=opens, closes_at=opens + timedelta(hours=1)
        )
    assert isinstance(world.app.vote(vote_id), Vote)


def test_the_clock_opens_and_closes_votes_at_their_times(world: World, tmp_path: Path) -> None:
    from posko import vote_clock
    from projections.port import ViewPort
    from projections.runner import ProjectionRunner
    from projections.store import SQLiteViewStore

    opens = datetime.now(UTC) + timedelta(hours=1)
    vote_id = world.call(opens_at=opens, closes_at=opens + timedelta(hours=2))
    store = SQLiteViewStore(tmp_path / "clock-views.db")
    runner = ProjectionRunner(world.app, ViewPort(store))

    def project() -> None:
        after = store.position()
        news = world.app.recorder.select_notifications(
            start=after, limit=10_000, inclusive_of_start=False
        )
        if news:
            runner.apply(news)

    try:
        project()
        assert vote_clock.tick(world.app, store, opens - timedelta(minutes=1)) == []
        assert vote_clock.tick(world.app, store, opens) == [("opened", str(vote_id))]
        assert world.app.vote(vote_id).status == "open" and len(world.app.vote(vote_id).roll) == 5
        world.app.cast_ballot(vote_id=vote_id, person_id=str(world.members[0]), choice=0, now=opens)
        project()
        closes = opens + timedelta(hours=2)
        assert vote_clock.tick(world.app, store, closes) == [("closed", str(vote_id))]
        assert world.app.vote(vote_id).status == "sealed"
        project()
        assert vote_clock.tick(world.app, store, closes) == []  # nothing left to do
    finally:
        store.close()


def test_the_postgres_box_does_not_let_the_server_log_its_statements(world: World) -> None:
    if world.backend != "postgres":
        pytest.skip("PostgreSQL only: SQLite has no statement log")
    from posko.ballot_box import PostgresBallotBox

    assert isinstance(world.box, PostgresBallotBox)
    with world.box._pool.connection() as conn:
        settings = [
            conn.execute(f"SHOW {name}").fetchone()
            for name in ("log_statement", "log_min_duration_statement", "log_duration")
        ]
    assert [row[0] for row in settings if row] == ["none", "-1", "off"]
