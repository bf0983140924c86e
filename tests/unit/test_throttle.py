"""The sign-in throttle on a clock the test owns: five failures, then waits that double up to
fifteen minutes; a success clears its login; counts start over after a quiet window; and
however many keys a storm brings, the table keeps at most its bound."""

from __future__ import annotations

import pytest

from web.throttle import (
    ADDRESS_LIMIT,
    FIRST_DELAY,
    LIMIT,
    LOGIN_LIMIT,
    LOGIN_MAX_DELAY,
    MAX_DELAY,
    WINDOW,
    SignInThrottle,
    Throttle,
    TooManyAttempts,
    login_key,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_the_first_failures_are_free_and_the_fifth_starts_a_wait(clock: Clock) -> None:
    throttle = Throttle(clock=clock)

    for _ in range(LIMIT - 1):
        assert throttle.retry_after("a") == 0
        throttle.attempt("a")
    assert throttle.retry_after("a") == 0
    throttle.attempt("a")

    assert throttle.retry_after("a") == FIRST_DELAY
    assert throttle.retry_after("b") == 0  # other keys are not affected


def test_each_further_failure_doubles_the_wait_up_to_fifteen_minutes(clock: Clock) -> None:
    throttle = Throttle(clock=clock)
    for _ in range(LIMIT):
        throttle.attempt("a")
    waits = []
    for _ in range(8):
        wait = throttle.retry_after("a")
        waits.append(wait)
        clock.advance(wait)  # wait it out, then fail again
        throttle.attempt("a")

    assert waits == [30, 60, 120, 240, 480, 900, 900, 900]
    assert max(waits) == MAX_DELAY


def test_a_wait_passes_with_time(clock: Clock) -> None:
    throttle = Throttle(clock=clock)
    for _ in range(LIMIT):
        throttle.attempt("a")

    clock.advance(FIRST_DELAY - 1)
    assert throttle.retry_after("a") == 1
    clock.advance(1)
    assert throttle.retry_after("a") == 0


def test_counts_start_over_after_a_quiet_window(clock: Clock) -> None:
    throttle = Throttle(clock=clock)
    for _ in range(LIMIT - 1):
        throttle.attempt("a")

    clock.advance(WINDOW + 1)
    throttle.attempt("a")

    assert throttle.retry_after("a") == 0


def test_forgive_takes_back_one_attempt_and_lifts_the_wait_it_caused(clock: Clock) -> None:
    throttle = Throttle(clock=clock)
    for _ in range(LIMIT):
        throttle.attempt("a")
    assert throttle.retry_after("a") > 0

    throttle.forgive("a")

    assert throttle.retry_after("a") == 0
    throttle.attempt("a")  # the fifth failure again
    assert throttle.retry_after("a") == FIRST_DELAY


def test_the_table_never_holds_more_than_its_bound(clock: Clock) -> None:
    throttle = Throttle(clock=clock, max_keys=100)

    for i in range(10_000):
        throttle.attempt(f"login-{i}")

    assert len(throttle) == 100
    assert throttle.retry_after("login-0") == 0  # the oldest were forgotten first


def test_a_key_seen_again_is_kept_over_older_ones(clock: Clock) -> None:
    throttle = Throttle(clock=clock, max_keys=3, limit=1)
    throttle.attempt("victim")
    throttle.attempt("x")
    throttle.attempt("y")
    throttle.attempt("victim")  # seen again: now the most recent

    throttle.attempt("z")  # pushes out the least recently seen, "x"

    assert throttle.retry_after("victim") > 0
    assert len(throttle) == 3


def test_five_wrong_passwords_block_that_login_from_that_address_only(clock: Clock) -> None:
    throttle = SignInThrottle(clock=clock)
    for _ in range(LIMIT):
        throttle.begin("0812-1111-2222", "10.0.0.1")

    with pytest.raises(TooManyAttempts) as refused:
        throttle.begin("+6281211112222", "10.0.0.1")  # the same login, spelt otherwise
    assert refused.value.params == {"retry_after": FIRST_DELAY}
    throttle.begin("0812-3333-4444", "10.0.0.1")  # someone else behind the same address
    throttle.begin("0812-1111-2222", "10.0.0.2")  # the person from elsewhere
    throttle.succeeded("0812-1111-2222", "10.0.0.2")
    clock.advance(FIRST_DELAY)
    throttle.begin("0812-1111-2222", "10.0.0.1")


def test_a_login_tried_from_everywhere_waits_but_never_long(clock: Clock) -> None:
    throttle = SignInThrottle(clock=clock)
    waits = []
    for i in range(LOGIN_LIMIT + 40):  # guesses from ever new addresses, as fast as allowed
        try:
            throttle.begin("ani@example.org", f"10.1.{i // 250}.{i % 250}")
        except TooManyAttempts as refused:
            waits.append(refused.params["retry_after"])
            clock.advance(refused.params["retry_after"])
            throttle.begin("ani@example.org", f"10.1.{i // 250}.{i % 250}")

    assert waits and max(waits) == LOGIN_MAX_DELAY < MAX_DELAY
    # The person, with the right password, waits at most that long, then is in and cleared.
    clock.advance(LOGIN_MAX_DELAY)
    throttle.begin("ani@example.org", "192.168.1.5")
    throttle.succeeded("ani@example.org", "192.168.1.5")
    throttle.begin("ani@example.org", "192.168.1.5")


def test_an_address_trying_many_logins_waits_past_a_generous_limit(clock: Clock) -> None:
    throttle = SignInThrottle(clock=clock)
    for i in range(ADDRESS_LIMIT):
        throttle.begin(f"user{i}@example.org", "10.0.0.1")

    with pytest.raises(TooManyAttempts):
        throttle.begin("someone-else@example.org", "10.0.0.1")
    throttle.begin("someone-else@example.org", "10.0.0.2")  # another address may still try


def test_a_refused_attempt_adds_nothing_to_the_tables(clock: Clock) -> None:
    throttle = SignInThrottle(clock=clock)
    for i in range(ADDRESS_LIMIT):
        throttle.begin(f"user{i}@example.org", "10.0.0.1")

    for i in range(1000):
        with pytest.raises(TooManyAttempts):
            throttle.begin(f"storm{i}@example.org", "10.0.0.1")

    assert (len(throttle.pairs), len(throttle.logins), len(throttle.addresses)) == (
        ADDRESS_LIMIT,
        ADDRESS_LIMIT,
        1,
    )


@pytest.mark.parametrize(
    ("login", "key"),
    [
        ("0812-1111-2222", "+6281211112222"),
        ("+62 812 1111 2222", "+6281211112222"),
        (" Ani@Example.ORG ", "ani@example.org"),
        ("not a login", "not a login"),
        ("x" * 10_000, "x" * 254),
    ],
)
def test_logins_are_keyed_however_they_are_spelt(login: str, key: str) -> None:
    assert login_key(login) == key
