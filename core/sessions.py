"""Sessions (a browser's or phone's sign-in) and invite links for korlaps. Tokens and invite
codes are random secrets held by the client; Posko keeps only their hashes, as the ids of the
aggregates that record them, so a lookup needs no table of secrets."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from core.people import token_hash

SESSION_TTL = timedelta(days=7)
SESSION_IDLE = timedelta(hours=12)  # unused this long, a session ends (POSKO_SESSION_IDLE_HOURS)
TOUCH_EVERY = timedelta(minutes=5)  # how finely use is recorded: one event per this, at most
INVITE_SESSION_TTL = timedelta(hours=24)  # and never past the invite's own expiry
MAX_INVITE_TTL = timedelta(days=14)
MAX_INVITE_PHONES = 50  # numbers an invite may name for reports by SMS
# A link forwarded beyond the korlaps it was meant for stops working after this many opens.
DEFAULT_MAX_USES = 5
MAX_USES = 1000


def session_id(token: str) -> UUID:
    return uuid5(NAMESPACE_URL, "posko:session:" + token_hash(token))


def invite_id(code: str) -> UUID:
    return uuid5(NAMESPACE_URL, "posko:invite:" + token_hash(code))


class Session(Aggregate):
    class Started(Aggregate.Created):
        person_id: UUID | None
        invite_id: UUID | None
        expires_at: datetime
        client: str  # the user agent, shortened: for people listing their sessions
        actor: str

    class Ended(Aggregate.Event):
        reason: str  # "logout" | "revoked"
        actor: str

    class Used(Aggregate.Event):
        at: datetime  # the session was used then (recorded at most every TOUCH_EVERY)

    @event(Started)
    def __init__(
        self,
        *,
        id: UUID,
        person_id: UUID | None,
        invite_id: UUID | None,
        expires_at: datetime,
        client: str,
        actor: str,
    ) -> None:
        self.person_id = person_id
        self.invite_id = invite_id
        self.expires_at = expires_at
        self.client = client
        self.holder = actor  # who holds it: "person:<id>", or one use of an invite
        self.last_used: datetime | None = None
        self.ended = False

    def live(self, now: datetime, idle: timedelta = SESSION_IDLE) -> bool:
        """Not ended, not expired, and used within `idle`."""
        return not self.ended and now < self.expires_at and now - self.seen <= idle

    @property
    def seen(self) -> datetime:
        return self.last_used or self.created_on

    def touch(self, now: datetime) -> bool:
        """Record a use, if the last recorded one is older than TOUCH_EVERY."""
        if now - self.seen < TOUCH_EVERY:
            return False
        self._used(at=now)
        return True

    @event(Used)
    def _used(self, *, at: datetime) -> None:
        self.last_used = at

    def end(self, *, reason: str, actor: str) -> bool:
        if self.ended:
            return False
        self._ended(reason=reason, actor=actor)
        return True

    @event(Ended)
    def _ended(self, *, reason: str, actor: str) -> None:
        self.ended = True


class Invite(Aggregate):
    """A link a coordinator shares over WhatsApp or SMS: opening it on a phone gives an
    organiser session scoped to one action (and optionally one site), without a password."""

    class Created(Aggregate.Created):
        action_id: UUID
        site_id: UUID | None
        label: str
        expires_at: datetime
        actor: str
        max_uses: int | None = None  # None: made before limits existed; DEFAULT_MAX_USES

    class Used(Aggregate.Event):
        session_id: UUID
        name: str
        actor: str

    class Revoked(Aggregate.Event):
        actor: str

    @event(Created)
    def __init__(
        self,
        *,
        id: UUID,
        action_id: UUID,
        site_id: UUID | None,
        label: str,
        expires_at: datetime,
        actor: str,
        max_uses: int | None = None,
    ) -> None:
        self.action_id = action_id
        self.site_id = site_id
        self.label = label
        self.expires_at = expires_at
        self.max_uses = DEFAULT_MAX_USES if max_uses is None else max_uses
        self.revoked = False
        self.uses = 0

    def usable(self, now: datetime) -> bool:
        """Its sessions still work: not revoked, not expired (however often it was opened)."""
        return not self.revoked and now < self.expires_at

    @property
    def used_up(self) -> bool:
        return self.uses >= self.max_uses

    def use_actor(self, use: int) -> str:
        """The actor of the `use`-th opening: each korlap who opened the link apart."""
        return f"invite:{self.id}/{use}"

    def use(self, *, session_id: UUID, name: str, actor: str) -> None:
        self._used(session_id=session_id, name=name, actor=actor)

    @event(Used)
    def _used(self, *, session_id: UUID, name: str, actor: str) -> None:
        self.uses += 1

    def revoke(self, *, actor: str) -> bool:
        if self.revoked:
            return False
        self._revoked(actor=actor)
        return True

    @event(Revoked)
    def _revoked(self, *, actor: str) -> None:
        self.revoked = True
