"""Passwords: checked for strength, hashed with argon2id, verified. Hashing takes ~0.1 s of CPU
and 64 MiB on purpose, so callers run these in the services' executor, never on the loop."""

from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.errors import InvalidInput

MIN_LENGTH = 10
MAX_LENGTH = 256  # longer adds no strength, only hashing work an attacker could ask for

_hasher = PasswordHasher()  # argon2id with RFC 9106's low-memory parameters


def checked(field: str, password: str) -> str:
    """The password if it is strong enough to keep, else InvalidInput naming `field`."""
    if len(password) < MIN_LENGTH or not password.strip():
        raise InvalidInput("weak_password", field=field, min=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        raise InvalidInput("too_long", field=field, max=MAX_LENGTH)
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    """True when `password` matches. Without a hash (no such person, or no password set) it
    checks against a dummy hash anyway, so the answer takes as long as a real mismatch."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def warm_up() -> None:
    """Make the dummy hash before the first sign-in, so that one is not slower than the rest."""
    _dummy_hash()


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash("posko: nobody has this password")
