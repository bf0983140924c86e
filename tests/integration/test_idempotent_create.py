"""The one idempotent create path (`PoskoBase._create`): identical requests arriving together
both get the first answer, on a real SQLite store and through the real HTTP server."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from core.application import Posko, Recorded
from core.errors import Conflict
from posko.persistence import eventsourcing_env
from tests.integration.test_api import Api, api  # noqa: F401  (the server fixture)

ROUNDS = 25  # races per test: each round sends two copies at the same instant
PHONES = iter(range(10**7, 10**8))


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Posko]:
    posko = Posko(env=eventsourcing_env("", tmp_path))
    try:
        yield posko
    finally:
        posko.close()


def together(first: Callable[[], Recorded], second: Callable[[], Recorded]) -> list[Any]:
    """Both calls released at the same moment from two threads; their answers or errors."""
    start = threading.Barrier(2)

    def run(call: Callable[[], Recorded]) -> Any:
        start.wait()
        try:
            return call()
        except Exception as error:
            return error

    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(run, [first, second]))


def person(app: Posko, person_id: Any, phone: str, **overrides: Any) -> Callable[[], Recorded]:
    details = {"name": "Sari", "phone": phone, "email": f"{phone}@serikat.example"}
    details.update(overrides)
    return lambda: app.register_person(id=person_id, actor="api-key", **details)


def test_two_identical_person_registrations_at_once_get_the_same_answer(app: Posko) -> None:
    for _ in range(ROUNDS):
        person_id, phone = uuid4(), f"0812{next(PHONES)}"
        answers = together(
            person(app, person_id, phone, password_hash="$argon2id$first-salt"),
            person(app, person_id, phone, password_hash="$argon2id$other-salt"),
        )
        assert all(isinstance(answer, Recorded) for answer in answers), answers
        assert {(a.id, a.position) for a in answers} == {(person_id, answers[0].position)}
        assert sorted(a.created for a in answers) == [False, True]
    assert app.person_by_login(phone) is not None


def test_a_different_person_claiming_the_same_phone_at_once_is_refused(app: Posko) -> None:
    for _ in range(ROUNDS):
        phone = f"0812{next(PHONES)}"
        answers = together(person(app, uuid4(), phone), person(app, uuid4(), phone))
        refused = [a for a in answers if isinstance(a, Conflict)]
        assert len(refused) == 1 and refused[0].code == "login_taken"
        assert sum(isinstance(a, Recorded) for a in answers) == 1


def test_the_same_id_with_other_details_is_id_reused_not_a_retry(app: Posko) -> None:
    person_id, phone = uuid4(), f"0812{next(PHONES)}"
    first = person(app, person_id, phone)()
    with pytest.raises(Conflict) as refused:
        person(app, person_id, phone, name="Budi")()
    assert refused.value.code == "id_reused"
    assert person(app, person_id, phone)() == Recorded(person_id, first.position, created=False)


def test_a_resend_after_an_edit_still_gets_the_first_answer(app: Posko) -> None:
    """A phone that timed out resends after the admin already corrected the name."""
    person_id, phone = uuid4(), f"0812{next(PHONES)}"
    first = person(app, person_id, phone)()
    app.edit_person(
        person_id=person_id,
        name="Sari Dewi",
        phone=phone,
        email=None,
        affiliate_id=None,
        branch_id=None,
        actor="api-key",
    )
    assert person(app, person_id, phone)() == Recorded(person_id, first.position, created=False)


def test_affiliates_and_actions_created_twice_at_once_get_the_same_answer(app: Posko) -> None:
    starts = datetime(2026, 5, 1, 9, tzinfo=UTC)
    for _ in range(ROUNDS):
        affiliate_id, action_id = uuid4(), uuid4()

        def affiliate(affiliate_id: UUID = affiliate_id) -> Recorded:
            return app.register_affiliate(id=affiliate_id, name="KSPI", actor="api-key")

        def action(action_id: UUID = action_id) -> Recorded:
            return app.plan_action(
                id=action_id,
                title="Aksi",
                kind="rally",
                demands=[],
                starts_at=starts,
                ends_at=starts + timedelta(hours=4),
                actor="api-key",
            )

        for make in (affiliate, action):
            answers = together(make, make)
            assert all(isinstance(a, Recorded) for a in answers), answers
            assert answers[0].position == answers[1].position
            assert sorted(a.created for a in answers) == [False, True]


async def test_the_same_registration_posted_twice_at_once_answers_the_same_twice(
    api: Api,  # noqa: F811
) -> None:
    for _ in range(5):
        body = {
            "id": str(uuid4()),
            "name": "Sari",
            "phone": f"0812{next(PHONES)}",
            "password": "a-long-enough-password",
        }
        first, second = await asyncio.gather(
            api.post("/api/people", body), api.post("/api/people", body)
        )
        assert first.body == second.body, (first, second)
        assert sorted([first.status, second.status]) == [200, 201]
        assert first.body["id"] == body["id"]
