"""Views of people and access, for the admin pages and the gateway: people with their roles,
each person's sessions, each action's invites and exact check-in positions (private rows, read
by the API only), and `system:access`, which tells gateways whose subscriptions must end."""

from __future__ import annotations

from typing import Any

from core.people import Affiliate, Person
from core.report import FieldReport
from core.sessions import DEFAULT_MAX_USES, Invite, Session
from projections.rows import Doc, Rows
from projections.text import ident, iso

PEOPLE = "_people"
AFFILIATES = "_affiliates"
ACCESS = "system:access"  # published to gateways; no client may subscribe to it


def sessions_channel(person_id: Any) -> str:
    return f"_sessions:{ident(person_id)}"


def invites_channel(action_id: Any) -> str:
    return f"_invites:{ident(action_id)}"


def checkins_channel(action_id: Any) -> str:
    return f"_checkins:{ident(action_id)}"


# The events `apply` reacts to (projections.channels calls it for these alone).
EVENTS = (
    FieldReport.Filed,
    Affiliate.Registered,
    Affiliate.BranchAdded,
    Affiliate.Renamed,
    Affiliate.BranchRenamed,
    Person.Registered,
    Person.Edited,
    Person.RoleGranted,
    Person.RoleRevoked,
    Person.Deactivated,
    Person.Reactivated,
    Person.PasswordSet,
    Session.Started,
    Session.Ended,
    Invite.Created,
    Invite.Used,
    Invite.Revoked,
)


def apply(rows: Rows, event: Any) -> None:
    if isinstance(event, FieldReport.Filed):  # most events are reports: asked first
        if event.kind == "checkin":
            _checkin(rows, event)
    elif isinstance(event, Affiliate.Registered):
        rows.put(
            AFFILIATES,
            ident(event.originator_id),
            {"id": ident(event.originator_id), "name": event.name, "branches": []},
        )
    elif isinstance(event, Affiliate.BranchAdded):
        affiliate = rows.get(AFFILIATES, ident(event.originator_id))
        if affiliate is not None:
            affiliate["branches"].append({"id": ident(event.branch_id), "name": event.name})
            rows.put(AFFILIATES, ident(event.originator_id), affiliate)
    elif isinstance(event, Affiliate.Renamed | Affiliate.BranchRenamed):
        _affiliate_renamed(rows, event)
    elif isinstance(event, Person.Registered):
        rows.put(PEOPLE, ident(event.originator_id), _person(event))
    elif isinstance(
        event,
        Person.Edited
        | Person.RoleGranted
        | Person.RoleRevoked
        | Person.Deactivated
        | Person.Reactivated,
    ):
        _person_changed(rows, event)
    elif isinstance(event, Person.PasswordSet) and event.sessions_before is not None:
        _end_sessions_but(rows, ident(event.originator_id), event.kept_session)
    elif isinstance(event, Session.Started):
        _session_started(rows, event)
    elif isinstance(event, Session.Ended):
        _session_ended(rows, event)
    elif isinstance(event, Invite.Created):
        rows.put(invites_channel(event.action_id), ident(event.originator_id), _invite(event))
        rows.put(
            "_invite_action", ident(event.originator_id), {"action_id": ident(event.action_id)}
        )
    elif isinstance(event, Invite.Used | Invite.Revoked):
        _invite_changed(rows, event)


def _checkin(rows: Rows, event: Any) -> None:
    report_id = ident(event.originator_id)
    rows.put(
        checkins_channel(event.action_id),
        report_id,
        {
            "id": report_id,
            "site_id": ident(event.site_id),
            "reporter": event.actor,
            "lat": event.lat,
            "lon": event.lon,
            "accuracy_m": event.accuracy_m,
            "at": iso(event.at),
        },
    )


def _affiliate_renamed(rows: Rows, event: Any) -> None:
    affiliate = rows.get(AFFILIATES, ident(event.originator_id))
    if affiliate is None:
        return
    if isinstance(event, Affiliate.Renamed):
        affiliate["name"] = event.name
    else:
        for branch in affiliate["branches"]:
            if branch["id"] == ident(event.branch_id):
                branch["name"] = event.name
    rows.put(AFFILIATES, ident(event.originator_id), affiliate)


def _person(event: Any) -> Doc:
    return {
        "id": ident(event.originator_id),
        "name": event.name,
        "phone": event.phone,
        "email": event.email,
        "affiliate_id": None if event.affiliate_id is None else ident(event.affiliate_id),
        "branch_id": None if event.branch_id is None else ident(event.branch_id),
        "roles": [],
        "active": True,
        "registered_at": iso(event.timestamp),
        "registered_by": event.actor,
    }


def _person_changed(rows: Rows, event: Any) -> None:
    person_id = ident(event.originator_id)
    doc = rows.get(PEOPLE, person_id)
    if doc is None:
        return
    if isinstance(event, Person.Edited):
        doc.update(
            name=event.name,
            phone=event.phone,
            email=event.email,
            affiliate_id=None if event.affiliate_id is None else ident(event.affiliate_id),
            branch_id=None if event.branch_id is None else ident(event.branch_id),
        )
    elif isinstance(event, Person.RoleGranted):
        doc["roles"].append(event.role)
    elif isinstance(event, Person.RoleRevoked):
        doc["roles"] = [r for r in doc["roles"] if r != event.role]
        _end_access(rows, "person", person_id)  # re-authorise from scratch on reconnect
    elif isinstance(event, Person.Deactivated):
        doc["active"] = False
        _end_access(rows, "person", person_id)
        for session in (rows.get("_open_sessions", person_id) or {"ids": []})["ids"]:
            _mark_session(rows, sessions_channel(person_id), session, "deactivated")
    elif isinstance(event, Person.Reactivated):
        doc["active"] = True
    rows.put(PEOPLE, person_id, doc)


def _end_sessions_but(rows: Rows, person_id: str, kept: Any) -> None:
    """A new password: every open session of the person ends but the one it was changed from."""
    open_sessions = rows.get("_open_sessions", person_id) or {"ids": []}
    ending = [s for s in open_sessions["ids"] if s != (None if kept is None else ident(kept))]
    for session in ending:
        _mark_session(rows, sessions_channel(person_id), session, "password_changed")
        _end_access(rows, "session", session)
    if ending:
        open_sessions["ids"] = [s for s in open_sessions["ids"] if s not in ending]
        rows.put("_open_sessions", person_id, open_sessions)


def _session_started(rows: Rows, event: Any) -> None:
    session_id = ident(event.originator_id)
    owner = event.person_id if event.person_id is not None else event.invite_id
    channel = sessions_channel(owner)
    rows.put("_session_owner", session_id, {"owner": ident(owner)})
    rows.put(
        channel,
        session_id,
        {
            "id": session_id,
            "client": event.client,
            "started_at": iso(event.timestamp),
            "expires_at": iso(event.expires_at),
            "ended": None,
        },
    )
    open_sessions = rows.get("_open_sessions", ident(owner)) or {"ids": []}
    open_sessions["ids"].append(session_id)
    rows.put("_open_sessions", ident(owner), open_sessions)


def _session_ended(rows: Rows, event: Any) -> None:
    session_id = ident(event.originator_id)
    owner = rows.get("_session_owner", session_id)
    if owner is not None:
        _mark_session(rows, sessions_channel(owner["owner"]), session_id, event.reason)
        open_sessions = rows.get("_open_sessions", owner["owner"]) or {"ids": []}
        if session_id in open_sessions["ids"]:
            open_sessions["ids"].remove(session_id)
            rows.put("_open_sessions", owner["owner"], open_sessions)
    _end_access(rows, "session", session_id)


def _mark_session(rows: Rows, channel: str, session_id: str, reason: str) -> None:
    doc = rows.get(channel, session_id)
    if doc is not None and doc["ended"] is None:
        doc["ended"] = reason
        rows.put(channel, session_id, doc)


def _invite(event: Any) -> Doc:
    return {
        "id": ident(event.originator_id),
        "action_id": ident(event.action_id),
        "site_id": None if event.site_id is None else ident(event.site_id),
        "label": event.label,
        "expires_at": iso(event.expires_at),
        "created_at": iso(event.timestamp),
        "created_by": event.actor,
        "max_uses": DEFAULT_MAX_USES if event.max_uses is None else event.max_uses,
        "revoked": False,
        "uses": [],
    }


def _invite_changed(rows: Rows, event: Any) -> None:
    invite_id = ident(event.originator_id)
    where = rows.get("_invite_action", invite_id)
    if where is None:
        return
    channel = invites_channel(where["action_id"])
    doc = rows.get(channel, invite_id)
    if doc is None:
        return
    if isinstance(event, Invite.Used):
        doc["uses"].append(
            {
                "name": event.name,
                "actor": event.actor,
                "session_id": ident(event.session_id),
                "at": iso(event.timestamp),
            }
        )
    else:
        doc["revoked"] = True
        _end_access(rows, "invite", invite_id)
        for session in (rows.get("_open_sessions", invite_id) or {"ids": []})["ids"]:
            _mark_session(rows, sessions_channel(invite_id), session, "revoked")
    rows.put(channel, invite_id, doc)


def _end_access(rows: Rows, kind: str, id: str) -> None:
    """Tell gateways to close the subscriptions of this session, person or invite."""
    rows.put(ACCESS, f"{kind}:{id}", {"kind": kind, "id": id})
