"""Who may do what: the one policy that every endpoint and every channel subscription asks.

Roles carry their scope: a coordinator of one action (or national, with no action), an organiser
(korlap) of one action and optionally one site, a treasurer of a fund, an officer or member of an
affiliate or branch. Handlers and the gateway ask `may` and nothing else decides.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID

ROLE_NAMES = ("admin", "coordinator", "organiser", "treasurer", "officer", "member", "auditor")
SCOPE_KEYS = ("action_id", "site_id", "fund_id", "affiliate_id", "branch_id")


class Permission(StrEnum):
    READ_ACTIONS = "read_actions"  # the national overview of every action
    PLAN_ACTIONS = "plan_actions"  # plan new actions
    READ_ACTION = "read_action"  # one action: its map and details
    CHANGE_ACTION = "change_action"  # add sites, move it through its lifecycle
    FILE_REPORTS = "file_reports"  # check-ins and headcounts from the field (at a site)
    READ_EXACT_POSITIONS = "read_exact_positions"  # people's GPS positions in an action
    READ_LEGAL = "read_legal"  # arrests and legal-aid requests (for the legal team, LBH)
    HANDLE_FIELD = "handle_field"  # acknowledge and resolve incidents, commit and fulfil help
    MANAGE_INVITES = "manage_invites"  # invite links for korlaps of an action
    MANAGE_PEOPLE = "manage_people"  # people, roles, sessions, the organisation
    READ_ORGANISATION = "read_organisation"  # affiliates and branches by name: anyone signed in
    # legal notices (strike, demonstration) and the evidence log: coordinators of the action
    # and the officers of the union concerned (an officer with no affiliate: every union)
    WRITE_NOTICES = "write_notices"
    READ_VOTE = "read_vote"  # a union's strike vote: question, turnout, result (never a ballot)
    RUN_VOTE = "run_vote"  # call, open and close a union's votes, send voting links
    # Solidarity funds: asked with may_fund, scoped by the fund and its organisational unit.
    OPEN_FUNDS = "open_funds"  # open a fund for a unit (administrators)
    READ_FUND_TOTALS = "read_fund_totals"  # balances, totals and purposes: the unit's members too
    READ_FUND = "read_fund"  # the ledger with payers and beneficiaries, receipts, the channel
    RECORD_FUND = "record_fund"  # contributions, dues, entries, reversals, payments, close
    REQUEST_DISBURSEMENT = "request_disbursement"  # ask for a payout (treasurer or officer)
    APPROVE_DISBURSEMENT = "approve_disbursement"  # officers of the fund's unit
    AUDIT_FUND = "audit_fund"  # verify the chain and export everything
    SIGN_CHECKPOINT = "sign_checkpoint"  # treasurer (as treasurer) or officer (as chair)
    LINK_FUND = "link_fund"  # link a fund to an action (or unlink it): treasurer or officer
    # A linked fund's balance and pending payouts on an action's dashboard: asked with
    # may_read_linked_fund (the fund's scope, the action, and whether they are linked).
    READ_LINKED_FUND = "read_linked_fund"


@dataclass(frozen=True)
class Role:
    name: str
    action_id: str | None = None
    site_id: str | None = None
    fund_id: str | None = None
    affiliate_id: str | None = None
    branch_id: str | None = None

    def as_dict(self) -> dict[str, str]:
        out = {"name": self.name}
        for key in SCOPE_KEYS:
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> Role:
        return cls(name=data["name"], **{k: data[k] for k in SCOPE_KEYS if k in data})

    def covers_action(self, action_id: UUID | None) -> bool:
        """A national role (no action) covers every action; a scoped one only its own."""
        return self.action_id is None or (
            action_id is not None and self.action_id == str(action_id)
        )


@dataclass(frozen=True)
class Principal:
    """Who is asking: the API key, a person in a session, or a korlap through an invite."""

    id: str  # actor recorded on events: "api-key", "person:<uuid>", "invite:<uuid>"
    roles: tuple[Role, ...] = ()
    session_id: str | None = None
    expires_at: datetime | None = None  # the gateway closes subscriptions when it passes

    @property
    def admin(self) -> bool:
        return any(r.name == "admin" for r in self.roles)

    def has(self, name: str) -> list[Role]:
        return [r for r in self.roles if r.name == name]


API_KEY_PRINCIPAL = Principal(id="api-key", roles=(Role("admin"),))


def may(
    principal: Principal | None,
    permission: Permission,
    action_id: UUID | None = None,
    site_id: UUID | None = None,
    *,
    affiliate_id: UUID | str | None = None,
) -> bool:
    """True when `principal` may do `permission` on the given action (and site), or for the
    given union (affiliate): the one a notice or an evidence entry is made for, or whose vote
    it is."""
    if principal is None:
        return False
    if principal.admin or permission is Permission.READ_ORGANISATION:
        return True
    union = None if affiliate_id is None else str(affiliate_id)
    if permission in (Permission.READ_VOTE, Permission.RUN_VOTE):
        return _on_votes(principal, permission, union)
    coordinates = any(r.covers_action(action_id) for r in principal.has("coordinator"))
    national = any(r.action_id is None for r in principal.has("coordinator"))
    if permission in (Permission.READ_ACTIONS, Permission.PLAN_ACTIONS):
        return national
    if action_id is None:
        return False
    if permission in (
        Permission.CHANGE_ACTION,
        Permission.READ_EXACT_POSITIONS,
        Permission.READ_LEGAL,
        Permission.HANDLE_FIELD,
        Permission.MANAGE_INVITES,
    ):
        return coordinates
    if permission is Permission.WRITE_NOTICES:
        return coordinates or any(
            r.affiliate_id is None or (union is not None and r.affiliate_id == union)
            for r in principal.has("officer")
        )
    organises = [r for r in principal.has("organiser") if r.action_id == str(action_id)]
    if permission is Permission.READ_ACTION:
        return coordinates or bool(organises)
    if permission is Permission.FILE_REPORTS:
        return coordinates or any(
            r.site_id is None or (site_id is not None and r.site_id == str(site_id))
            for r in organises
        )
    return False  # MANAGE_PEOPLE: administrators only


def _on_votes(principal: Principal, permission: Permission, affiliate_id: str | None) -> bool:
    """A union's officers run its votes; its officers and members, and the Satgas's
    coordinators (whose dashboard shows the votes of an action's unions), read them."""
    officer = affiliate_id is not None and any(
        r.affiliate_id == affiliate_id for r in principal.has("officer")
    )
    if permission is Permission.RUN_VOTE:
        return officer
    member = affiliate_id is not None and any(
        r.affiliate_id == affiliate_id for r in principal.has("member")
    )
    return officer or member or bool(principal.has("coordinator"))


@dataclass(frozen=True)
class FundScope:
    """A fund as access sees it: its id and the organisational unit it belongs to."""

    fund_id: str
    unit_kind: str  # "confederation" | "affiliate" | "branch"
    unit_id: str | None


def fund_roles(principal: Principal, fund: FundScope) -> set[str]:
    """The caller's roles in a fund: treasurer and auditor of the fund itself, officer and
    member of its unit (a national officer or member has no affiliate or branch)."""
    out: set[str] = set()
    for role in principal.roles:
        if role.name in ("treasurer", "auditor") and role.fund_id == fund.fund_id:
            out.add(role.name)
        elif role.name in ("officer", "member") and role.fund_id is None:
            if fund.unit_kind == "confederation":
                covers = role.affiliate_id is None and role.branch_id is None
            elif fund.unit_kind == "affiliate":
                covers = role.affiliate_id == fund.unit_id and role.branch_id is None
            else:
                covers = role.branch_id == fund.unit_id
            if covers:
                out.add(role.name)
    return out


_FUND_PERMISSIONS: dict[Permission, frozenset[str]] = {
    Permission.READ_FUND_TOTALS: frozenset({"treasurer", "officer", "auditor", "member"}),
    Permission.READ_FUND: frozenset({"treasurer", "officer", "auditor"}),
    Permission.RECORD_FUND: frozenset({"treasurer"}),
    Permission.REQUEST_DISBURSEMENT: frozenset({"treasurer", "officer"}),
    Permission.APPROVE_DISBURSEMENT: frozenset({"officer"}),
    Permission.AUDIT_FUND: frozenset({"treasurer", "officer", "auditor"}),
    Permission.SIGN_CHECKPOINT: frozenset({"treasurer", "officer"}),
    Permission.LINK_FUND: frozenset({"treasurer", "officer"}),
}


def may_fund(principal: Principal | None, permission: Permission, fund: FundScope | None) -> bool:
    """True when `principal` may do `permission` on the fund (None: on funds in general).
    Who requested, approved or paid a disbursement is checked by the fund itself: roles say
    who may take part, the two-person rule who may take which step."""
    if principal is None:
        return False
    if principal.admin:
        return True
    if fund is None:
        return False  # opening funds and listing all of them: administrators
    allowed = _FUND_PERMISSIONS.get(permission, frozenset())
    return bool(allowed & fund_roles(principal, fund))


def may_read_linked_fund(
    principal: Principal | None, fund: FundScope | None, action_id: UUID, linked: bool
) -> bool:
    """Whether the action's dashboard may show the caller the fund's balance and pending
    payouts (totals and purposes, never beneficiaries): only a reader of the action, and then
    whoever reads the fund's totals anyway, or, while the fund is linked to the action, the
    action's coordinators: the treasurer or officer who linked it shared it with the posko,
    which needs to know whether the money for transport or legal aid is there."""
    if principal is None or fund is None or not may(principal, Permission.READ_ACTION, action_id):
        return False
    if may_fund(principal, Permission.READ_FUND_TOTALS, fund):
        return True
    return linked and any(r.covers_action(action_id) for r in principal.has("coordinator"))


@dataclass
class Authenticator:
    """Turns a bearer token (or session cookie) into a principal: the server's API key, or a
    session looked up by `sessions` (which may touch the store, so call it off the loop)."""

    api_key: str
    sessions: Callable[[str], Principal | None] = field(default=lambda token: None)

    def principal(self, token: str | None) -> Principal | None:
        if not token:
            return None
        return self.key_principal(token) or self.sessions(token)

    def key_principal(self, token: str) -> Principal | None:
        """The API key's principal if `token` is the key; no I/O, so the loop may call it."""
        if hmac.compare_digest(token.encode(), self.api_key.encode()):
            return API_KEY_PRINCIPAL
        return None
