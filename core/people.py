"""The confederation's organisation and people: affiliates (federasi) with their branches
(SP/PUK), and people with their logins and roles. Every change records who made it."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from core import values
from core.access import ROLE_NAMES, Role
from core.errors import Conflict, InvalidInput


class Affiliate(Aggregate):
    """A federation (federasi) in the confederation, with its unions or branches (SP/PUK)."""

    class Registered(Aggregate.Created):
        name: str
        actor: str

    class BranchAdded(Aggregate.Event):
        branch_id: UUID
        name: str
        actor: str

    @event(Registered)
    def __init__(self, *, id: UUID, name: str, actor: str) -> None:
        self.name = name
        self.branches: dict[str, str] = {}

    @classmethod
    def register(cls, *, id: UUID, name: str, actor: str) -> Affiliate:
        return cls(id=id, name=values.text("name", name), actor=actor)

    def facts(self) -> dict[str, Any]:
        """What a resend must repeat to register the same affiliate."""
        return {"name": self.name}

    def add_branch(self, *, branch_id: UUID, name: str, actor: str) -> bool:
        name = values.text("name", name)
        existing = self.branches.get(str(branch_id))
        if existing is not None:
            if existing != name:
                raise Conflict("id_reused", field="id", id=str(branch_id))
            return False
        self._branch_added(branch_id=branch_id, name=name, actor=actor)
        return True

    @event(BranchAdded)
    def _branch_added(self, *, branch_id: UUID, name: str, actor: str) -> None:
        self.branches[str(branch_id)] = name


def login_id(login: str) -> UUID:
    """The id of the Login aggregate that reserves a phone number or an email address."""
    return uuid5(NAMESPACE_URL, "posko:login:" + login)


class Login(Aggregate):
    """Reserves one phone number or email for one person, so no two people share a login."""

    class Claimed(Aggregate.Created):
        person_id: UUID

    class Released(Aggregate.Event):
        pass

    class Reclaimed(Aggregate.Event):
        person_id: UUID

    @event(Claimed)
    def __init__(self, *, id: UUID, person_id: UUID) -> None:
        self.person_id: UUID | None = person_id

    def release(self) -> None:
        if self.person_id is not None:
            self._released()

    @event(Released)
    def _released(self) -> None:
        self.person_id = None

    def reclaim(self, person_id: UUID) -> None:
        if self.person_id is not None and self.person_id != person_id:
            raise Conflict("login_taken", field="login")
        if self.person_id is None:
            self._reclaimed(person_id=person_id)

    @event(Reclaimed)
    def _reclaimed(self, *, person_id: UUID) -> None:
        self.person_id = person_id


class Person(Aggregate):
    """Someone who uses Posko: a coordinator, korlap, treasurer, officer or member."""

    class Registered(Aggregate.Created):
        name: str
        phone: str
        email: str | None
        affiliate_id: UUID | None
        branch_id: UUID | None
        actor: str

    class Edited(Aggregate.Event):
        name: str
        phone: str
        email: str | None
        affiliate_id: UUID | None
        branch_id: UUID | None
        actor: str

    class PasswordSet(Aggregate.Event):
        password_hash: str  # argon2id; the password itself is never stored
        actor: str

    class RoleGranted(Aggregate.Event):
        role: dict[str, str]
        actor: str

    class RoleRevoked(Aggregate.Event):
        role: dict[str, str]
        actor: str

    class Deactivated(Aggregate.Event):
        actor: str

    class Reactivated(Aggregate.Event):
        actor: str

    @event(Registered)
    def __init__(
        self,
        *,
        id: UUID,
        name: str,
        phone: str,
        email: str | None,
        affiliate_id: UUID | None,
        branch_id: UUID | None,
        actor: str,
    ) -> None:
        self.name = name
        self.phone = phone
        self.email = email
        self.affiliate_id = affiliate_id
        self.branch_id = branch_id
        self.registered = {  # what a resend of the registration must repeat
            "name": name,
            "phone": phone,
            "email": email,
            "affiliate_id": affiliate_id,
            "branch_id": branch_id,
        }
        self.password_hash: str | None = None
        self.roles: list[dict[str, str]] = []
        self.active = True
        self.sessions_since: datetime | None = None  # sessions started before do not count

    @staticmethod
    def details(
        *,
        name: str,
        phone: str,
        email: str | None,
        affiliate: Affiliate | None,
        branch_id: UUID | None,
    ) -> dict[str, Any]:
        """Checked details for registering or editing a person."""
        if branch_id is not None and (
            affiliate is None or str(branch_id) not in affiliate.branches
        ):
            raise InvalidInput("unknown_branch", field="branch_id")
        return {
            "name": values.text("name", name),
            "phone": values.phone("phone", phone),
            "email": None if email is None else values.email("email", email),
            "affiliate_id": None if affiliate is None else affiliate.id,
            "branch_id": branch_id,
        }

    def logins(self) -> list[str]:
        return [self.phone] + ([self.email] if self.email else [])

    def facts(self) -> dict[str, Any]:
        """What a resend must repeat to register the same person: the details registered (not
        the password, which each request hashes with its own salt, nor later edits)."""
        return self.registered

    def current_details(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "phone": self.phone,
            "email": self.email,
            "affiliate_id": self.affiliate_id,
            "branch_id": self.branch_id,
        }

    def edit(self, *, actor: str, **details: Any) -> bool:
        if self.current_details() == details:
            return False
        self._edited(actor=actor, **details)
        return True

    @event(Edited)
    def _edited(
        self,
        *,
        name: str,
        phone: str,
        email: str | None,
        affiliate_id: UUID | None,
        branch_id: UUID | None,
        actor: str,
    ) -> None:
        self.name, self.phone, self.email = name, phone, email
        self.affiliate_id, self.branch_id = affiliate_id, branch_id

    def set_password(self, *, password_hash: str, actor: str) -> None:
        self._password_set(password_hash=password_hash, actor=actor)

    @event(PasswordSet)
    def _password_set(self, *, password_hash: str, actor: str) -> None:
        self.password_hash = password_hash

    def grant(self, role: Role, *, actor: str) -> bool:
        if role.name not in ROLE_NAMES:
            raise InvalidInput("not_one_of", field="role", allowed=list(ROLE_NAMES))
        if role.as_dict() in self.roles:
            return False
        self._role_granted(role=role.as_dict(), actor=actor)
        return True

    @event(RoleGranted)
    def _role_granted(self, *, role: dict[str, str], actor: str) -> None:
        self.roles.append(role)

    def revoke(self, role: Role, *, actor: str) -> bool:
        if role.as_dict() not in self.roles:
            return False
        self._role_revoked(role=role.as_dict(), actor=actor)
        return True

    @event(RoleRevoked)
    def _role_revoked(self, *, role: dict[str, str], actor: str) -> None:
        self.roles.remove(role)

    def deactivate(self, *, actor: str) -> bool:
        if not self.active:
            return False
        self._deactivated(actor=actor)
        return True

    @event(Deactivated)
    def _deactivated(self, *, actor: str) -> None:
        self.active = False

    def reactivate(self, *, actor: str) -> bool:
        if self.active:
            return False
        self._reactivated(actor=actor)
        return True

    @event(Reactivated)
    def _reactivated(self, *, actor: str) -> None:
        self.active = True
        # Sessions ended by the deactivation stay ended: every session started before it is
        # older than the event before this one (modified_on is not yet this event's time).
        self.sessions_since = self.modified_on

    def accepts_session(self, started: datetime) -> bool:
        """An active person, and a session not ended by an earlier deactivation."""
        return self.active and (self.sessions_since is None or started > self.sessions_since)

    def role_objects(self) -> tuple[Role, ...]:
        return tuple(Role.from_dict(r) for r in self.roles)


def token_hash(secret: str) -> str:
    """How session tokens and invite codes are kept: only their SHA-256, never themselves."""
    return hashlib.sha256(secret.encode()).hexdigest()
