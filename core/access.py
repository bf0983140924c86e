"""Who may do what: the one policy that every endpoint and every channel subscription asks.

Today the only principal is the server's API key, which acts as an administrator; people with
scoped roles (coordinator, organiser, treasurer, officer, member) extend `Principal` and `may`.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID


class Permission(StrEnum):
    READ_ACTIONS = "read_actions"  # the national overview
    READ_ACTION = "read_action"  # one action: its map and details
    PLAN_ACTIONS = "plan_actions"  # create actions, add sites, change their status
    FILE_REPORTS = "file_reports"  # check-ins and headcounts from the field


@dataclass(frozen=True)
class Principal:
    id: str  # "api-key" for the server key; a person's id once people exist
    admin: bool = False


API_KEY_PRINCIPAL = Principal(id="api-key", admin=True)


def may(principal: Principal | None, permission: Permission, action_id: UUID | None = None) -> bool:
    """True when `principal` may do `permission` (on the given action, if it concerns one)."""
    if principal is None:
        return False
    return principal.admin


class Authenticator:
    """Turns a bearer token into a principal. Today: the server's API key or nobody."""

    def __init__(self, api_key: str) -> None:
        self._api_key = api_key.encode()

    def principal(self, token: str | None) -> Principal | None:
        if not token:
            return None
        if hmac.compare_digest(token.encode(), self._api_key):
            return API_KEY_PRINCIPAL
        return None
