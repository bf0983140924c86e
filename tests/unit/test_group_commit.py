"""Group commit with a save function we own: an in-memory recorder that behaves like
eventsourcing's Application.save (it drains the aggregates' pending events, refuses a second
event at an existing (originator, version), and answers with Recordings)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Notification, Recording

from core.action import Action
from core.group_commit import GroupCommit

DEADLINE = 10.0  # seconds; a condition not met by then is a failure, not a hang


class FakeRecorder:
    """Stores events in a list; can hold its first save until released, or fail on purpose."""

    def __init__(self, *, hold_first: bool = False) -> None:
        self.lock = threading.Lock()
        self.saves: list[list[Any]] = []  # the events of every save call, failed ones included
        self.stored: list[Any] = []
        self.fail_with: BaseException | None = None  # raised by saves after the first
        self.release = threading.Event()
        if not hold_first:
            self.release.set()

    def save(self, *objs: Any) -> list[Recording[UUID]]:
        events: list[Any] = []
        for obj in objs:  # like ProcessingEvent.collect_events: aggregates or events
            if isinstance(obj, Aggregate):
                events.extend(obj.collect_events())
            else:
                events.append(obj)
        with self.lock:
            self.saves.append(events)
            first = len(self.saves) == 1
        if first:
            assert self.release.wait(DEADLINE), "the first save was never released"
        with self.lock:
            if not first and self.fail_with is not None:
                raise self.fail_with
            keys = [(e.originator_id, e.originator_version) for e in events]
            taken = {(e.originator_id, e.originator_version) for e in self.stored}
            if len(set(keys)) < len(keys) or taken.intersection(keys):
                raise IntegrityError("duplicate (originator_id, originator_version)")
            recordings = []
            for event in events:
                self.stored.append(event)
                notification = Notification(
                    id=len(self.stored),
                    originator_id=event.originator_id,
                    originator_version=event.originator_version,
                    topic=type(event).__qualname__,
                    state=b"",
                )
                recordings.append(Recording(domain_event=event, notification=notification))
            return recordings

    def stored_ids(self) -> list[UUID]:
        with self.lock:
            return [e.originator_id for e in self.stored]


def action(action_id: UUID | None = None) -> Action:
    starts = datetime(2026, 5, 1, 3, tzinfo=UTC)
    return Action.plan(
        id=action_id or uuid4(),
        title="Aksi",
        kind="rally",
        demands=[],
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        actor="tester",
    )


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting until {what}")
        time.sleep(0.001)


class Caller(threading.Thread):
    """One command: saves its aggregates through the group commit and keeps the outcome."""

    def __init__(self, commit: GroupCommit, *aggregates: Aggregate) -> None:
        super().__init__(daemon=True)
        self.commit = commit
        self.aggregates = aggregates
        self.ids = [a.id for a in aggregates]
        self.recordings: list[Recording[UUID]] | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.recordings = self.commit.save(*self.aggregates)
        except BaseException as error:
            self.error = error


def start_batch(recorder: FakeRecorder, commit: GroupCommit, callers: list[Caller]) -> Caller:
    """A leader whose save is held, then `callers` queued behind it; returns the leader.

    The queue is read to know that every caller is waiting, so the next batch is exactly them.
    """
    leader = Caller(commit, action())
    leader.start()
    wait_until(lambda: len(recorder.saves) == 1, "the leader is saving")
    for caller in callers:
        caller.start()
    wait_until(lambda: len(commit._queue) == len(callers), "every caller has queued")
    recorder.release.set()
    for thread in (leader, *callers):
        thread.join(DEADLINE)
        assert not thread.is_alive(), "a caller never returned"
    return leader


def test_a_lone_caller_is_written_at_once_in_its_own_save() -> None:
    recorder = FakeRecorder()
    commit = GroupCommit(recorder.save)
    planned = action()

    recordings = commit.save(planned)

    assert len(recorder.saves) == 1
    assert [r.domain_event.originator_id for r in recordings] == [planned.id]
    assert recorder.stored_ids() == [planned.id]


def test_concurrent_callers_share_saves_and_each_gets_exactly_its_own_recordings() -> None:
    recorder = FakeRecorder(hold_first=True)
    commit = GroupCommit(recorder.save)
    callers = [Caller(commit, action()) for _ in range(30)]
    callers += [Caller(commit, action(), action()) for _ in range(10)]  # two aggregates each

    leader = start_batch(recorder, commit, callers)

    assert len(recorder.saves) == 2  # the leader alone, then everyone who queued meanwhile
    for caller in (leader, *callers):
        assert caller.error is None
        assert caller.recordings is not None
        assert [r.domain_event.originator_id for r in caller.recordings] == caller.ids
    positions = [r.notification.id for c in (leader, *callers) for r in c.recordings or []]
    assert sorted(positions) == list(range(1, len(positions) + 1))


def test_a_batch_is_split_at_max_batch() -> None:
    recorder = FakeRecorder(hold_first=True)
    commit = GroupCommit(recorder.save, max_batch=4)
    callers = [Caller(commit, action()) for _ in range(10)]

    start_batch(recorder, commit, callers)

    assert [len(events) for events in recorder.saves] == [1, 4, 4, 2]
    assert all(c.recordings is not None and len(c.recordings) == 1 for c in callers)


def test_one_callers_integrity_error_fails_only_that_caller() -> None:
    recorder = FakeRecorder(hold_first=True)
    commit = GroupCommit(recorder.save)
    taken = uuid4()
    recorder.release.set()
    commit.save(action(taken))  # stored already: a retry of it conflicts
    recorder.saves.clear()
    recorder.release.clear()
    before, duplicate, after = (
        Caller(commit, action()),
        Caller(commit, action(taken)),
        Caller(commit, action()),
    )

    start_batch(recorder, commit, [before, duplicate, after])

    assert isinstance(duplicate.error, IntegrityError)
    assert duplicate.recordings is None
    for caller in (before, after):
        assert caller.error is None
        assert caller.recordings is not None
        assert [r.domain_event.originator_id for r in caller.recordings] == caller.ids
    stored = recorder.stored_ids()
    assert stored.count(taken) == 1
    assert before.ids[0] in stored
    assert after.ids[0] in stored


def test_two_callers_saving_the_same_new_id_one_wins_one_conflicts() -> None:
    recorder = FakeRecorder(hold_first=True)
    commit = GroupCommit(recorder.save)
    same = uuid4()
    first, second = Caller(commit, action(same)), Caller(commit, action(same))

    start_batch(recorder, commit, [first, second])

    winners = [c for c in (first, second) if c.error is None]
    (loser,) = [c for c in (first, second) if c.error is not None]
    assert len(winners) == 1
    assert isinstance(loser.error, IntegrityError)
    assert recorder.stored_ids().count(same) == 1


def test_a_generic_error_reaches_every_caller_in_that_batch() -> None:
    recorder = FakeRecorder(hold_first=True)
    commit = GroupCommit(recorder.save)
    recorder.fail_with = OSError("disk gone")
    callers = [Caller(commit, action()) for _ in range(5)]

    leader = start_batch(recorder, commit, callers)

    assert leader.error is None  # its batch was written before the failure
    assert all(c.error is recorder.fail_with for c in callers)
    assert recorder.stored_ids() == leader.ids


def test_the_group_commit_recovers_after_a_failed_batch() -> None:
    recorder = FakeRecorder()
    commit = GroupCommit(recorder.save)
    recorder.fail_with = OSError("blip")
    commit.save(action())  # the first save is never failed by the fake
    with pytest.raises(OSError):
        commit.save(action())

    recorder.fail_with = None
    planned = action()
    recordings = commit.save(planned)

    assert [r.domain_event.originator_id for r in recordings] == [planned.id]
