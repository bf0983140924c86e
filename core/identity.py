"""Commands about people and access: the organisation, people and their logins and roles,
sessions, and invite links. Passwords never reach here: the web layer hashes them (argon2id)
and checks them; this module stores and returns hashes."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from core import values
from core.access import Principal, Role
from core.action import Action
from core.base import PoskoBase, Recorded
from core.errors import Conflict, InvalidInput, NotFound
from core.people import Affiliate, Login, Person, login_id
from core.sessions import (
    INVITE_SESSION_TTL,
    MAX_INVITE_TTL,
    SESSION_TTL,
    Invite,
    Session,
    invite_id,
    session_id,
)


class IdentityCommands(PoskoBase):
    # -- organisation --------------------------------------------------------------------------

    def register_affiliate(self, *, id: UUID, name: str, actor: str) -> Recorded:
        return self._create(id, lambda: Affiliate.register(id=id, name=name, actor=actor))

    def add_branch(self, *, affiliate_id: UUID, branch_id: UUID, name: str, actor: str) -> Recorded:
        def add(affiliate: Affiliate) -> bool:
            return affiliate.add_branch(branch_id=branch_id, name=name, actor=actor)

        return self._change(affiliate_id, Affiliate, add, field="affiliate_id", result_id=branch_id)

    # -- people --------------------------------------------------------------------------------

    def register_person(
        self,
        *,
        id: UUID,
        name: str,
        phone: str,
        email: str | None = None,
        affiliate_id: UUID | None = None,
        branch_id: UUID | None = None,
        password_hash: str | None = None,
        actor: str,
    ) -> Recorded:
        details = Person.details(
            name=name,
            phone=phone,
            email=email,
            affiliate=self._affiliate(affiliate_id),
            branch_id=branch_id,
        )

        def make() -> Person:
            person = Person(id=id, actor=actor, **details)
            if password_hash is not None:  # saved with the person: never a person half made
                person.set_password(password_hash=password_hash, actor=actor)
            return person

        def claim_logins(person: Person) -> list[Login]:
            return self._claim_logins(id, person.logins(), [])

        return self._create(id, make, claim_logins)

    def edit_person(
        self,
        *,
        person_id: UUID,
        name: str,
        phone: str,
        email: str | None,
        affiliate_id: UUID | None,
        branch_id: UUID | None,
        actor: str,
    ) -> Recorded:
        details = Person.details(
            name=name,
            phone=phone,
            email=email,
            affiliate=self._affiliate(affiliate_id),
            branch_id=branch_id,
        )
        person = self._load(person_id, Person, field="person_id")
        before = person.logins()
        if not person.edit(actor=actor, **details):
            return Recorded(person_id, self._latest_position(), created=False)
        logins = self._claim_logins(person_id, person.logins(), before)
        try:
            recordings = self._commits.save(person, *logins)
        except IntegrityError:
            raise Conflict("busy", field="person_id") from None
        return Recorded(person_id, recordings[-1].notification.id, created=True)

    def set_password(self, *, person_id: UUID, password_hash: str, actor: str) -> Recorded:
        def set_it(person: Person) -> bool:
            person.set_password(password_hash=password_hash, actor=actor)
            return True

        return self._change(person_id, Person, set_it, field="person_id")

    def grant_role(self, *, person_id: UUID, role: Role, actor: str) -> Recorded:
        self._check_scope(role)
        return self._change(
            person_id, Person, lambda p: p.grant(role, actor=actor), field="person_id"
        )

    def revoke_role(self, *, person_id: UUID, role: Role, actor: str) -> Recorded:
        return self._change(
            person_id, Person, lambda p: p.revoke(role, actor=actor), field="person_id"
        )

    def deactivate_person(self, *, person_id: UUID, actor: str) -> Recorded:
        """Their sessions stop working at once (every request checks the person is active)."""
        return self._change(
            person_id, Person, lambda p: p.deactivate(actor=actor), field="person_id"
        )

    def reactivate_person(self, *, person_id: UUID, actor: str) -> Recorded:
        return self._change(
            person_id, Person, lambda p: p.reactivate(actor=actor), field="person_id"
        )

    def person(self, person_id: UUID) -> Person:
        return self._load(person_id, Person, field="person_id")

    def person_by_login(self, login: str) -> Person | None:
        """The person signing in with this phone number or email, if any."""
        try:
            key = values.email("login", login) if "@" in login else values.phone("login", login)
        except InvalidInput:
            return None
        claim = self._find(login_id(key), Login)
        if claim is None or claim.person_id is None:
            return None
        return self._find(claim.person_id, Person)

    # -- sessions ------------------------------------------------------------------------------

    def start_session(
        self, *, token: str, person_id: UUID, client: str, now: datetime, actor: str
    ) -> Session:
        session = Session(
            id=session_id(token),
            person_id=person_id,
            invite_id=None,
            expires_at=now + SESSION_TTL,
            client=client[:120],
            actor=actor,
        )
        self._commits.save(session)
        return session

    def end_session(self, *, session_id: UUID, actor: str, reason: str = "logout") -> Recorded:
        return self._change(
            session_id,
            Session,
            lambda s: s.end(reason=reason, actor=actor),
            field="session_id",
        )

    def session(self, session_id: UUID) -> Session:
        return self._load(session_id, Session, field="session_id")

    def principal_for_token(self, token: str, now: datetime) -> Principal | None:
        """Who holds this session token, as long as the session, its person (active) or its
        invite (not revoked, not expired) are still good; None otherwise."""
        session = self._find(session_id(token), Session)
        if session is None or not session.live(now):
            return None
        if session.person_id is not None:
            person = self._find(session.person_id, Person)
            if person is None or not person.accepts_session(session.created_on):
                return None
            return Principal(
                id=f"person:{person.id}",
                roles=person.role_objects(),
                session_id=str(session.id),
                expires_at=session.expires_at,
            )
        invite = None if session.invite_id is None else self._find(session.invite_id, Invite)
        if invite is None or not invite.usable(now):
            return None
        return Principal(
            id=f"invite:{invite.id}",
            roles=(
                Role("organiser", action_id=str(invite.action_id), site_id=_str(invite.site_id)),
            ),
            session_id=str(session.id),
            expires_at=min(session.expires_at, invite.expires_at),
        )

    # -- invites -------------------------------------------------------------------------------

    def create_invite(
        self,
        *,
        code: str,
        action_id: UUID,
        site_id: UUID | None,
        label: str,
        expires_at: datetime,
        now: datetime,
        actor: str,
    ) -> Recorded:
        action = self._load(action_id, Action, field="action_id")
        if site_id is not None:
            action.site(site_id)
        values.aware("expires_at", expires_at)
        if not now < expires_at <= now + MAX_INVITE_TTL:
            raise InvalidInput("out_of_range", field="expires_at", min="now", max="14 days")
        invite = Invite(
            id=invite_id(code),
            action_id=action_id,
            site_id=site_id,
            label=values.text("label", label),
            expires_at=expires_at,
            actor=actor,
        )
        recordings = self._commits.save(invite)
        return Recorded(invite.id, recordings[-1].notification.id, created=True)

    def redeem_invite(
        self, *, code: str, token: str, name: str, client: str, now: datetime
    ) -> Session:
        """Open an invite link: a new organiser session, and the use recorded, in one save."""
        invite = self._find(invite_id(code), Invite)
        if invite is None or not invite.usable(now):
            raise NotFound("invite_unusable", field="code")
        session = Session(
            id=session_id(token),
            person_id=None,
            invite_id=invite.id,
            expires_at=min(now + INVITE_SESSION_TTL, invite.expires_at),
            client=client[:120],
            actor=f"invite:{invite.id}",
        )
        invite.use(
            session_id=session.id, name=values.text("name", name), actor=f"invite:{invite.id}"
        )
        try:
            self._commits.save(invite, session)
        except IntegrityError:
            raise Conflict("busy", field="code") from None
        return session

    def revoke_invite(self, *, invite_id: UUID, actor: str) -> Recorded:
        """Its sessions stop working at once (every request checks the invite)."""
        return self._change(invite_id, Invite, lambda i: i.revoke(actor=actor), field="invite_id")

    def invite(self, invite_id: UUID) -> Invite:
        return self._load(invite_id, Invite, field="invite_id")

    # -- helpers -------------------------------------------------------------------------------

    def _affiliate(self, affiliate_id: UUID | None) -> Affiliate | None:
        if affiliate_id is None:
            return None
        return self._load(affiliate_id, Affiliate, field="affiliate_id")

    def _claim_logins(self, person_id: UUID, logins: list[str], before: list[str]) -> list[Login]:
        """Login aggregates to save with the person: new logins claimed, dropped ones released."""
        changed: list[Login] = []
        for login in logins:
            if login in before:
                continue
            claim = self._find(login_id(login), Login)
            if claim is None:
                changed.append(Login(id=login_id(login), person_id=person_id))
            else:
                field = "email" if "@" in login else "phone"
                if claim.person_id not in (None, person_id):
                    raise Conflict("login_taken", field=field)
                claim.reclaim(person_id)
                changed.append(claim)
        for login in before:
            if login not in logins:
                claim = self._load(login_id(login), Login, field="login")
                claim.release()
                changed.append(claim)
        return changed

    def _check_scope(self, role: Role) -> None:
        """A role's scope must name things that exist: its action, site, affiliate, branch."""
        if role.action_id is not None:
            action = self._load(_uuid(role.action_id, "action_id"), Action, field="action_id")
            if role.site_id is not None:
                action.site(_uuid(role.site_id, "site_id"))
        elif role.site_id is not None:
            raise InvalidInput("required", field="action_id")
        if role.name == "organiser" and role.action_id is None:
            raise InvalidInput("required", field="action_id")
        if role.affiliate_id is not None:
            affiliate = self._load(
                _uuid(role.affiliate_id, "affiliate_id"), Affiliate, field="affiliate_id"
            )
            if role.branch_id is not None and role.branch_id not in affiliate.branches:
                raise InvalidInput("unknown_branch", field="branch_id")


def _uuid(value: str, field: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise InvalidInput("not_uuid", field=field) from None


def _str(value: Any) -> str | None:
    return None if value is None else str(value)
