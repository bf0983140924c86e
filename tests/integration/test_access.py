"""Every HTTP endpoint against every kind of caller: an admin, a national coordinator, the
coordinator of action A, the coordinator of another action, a korlap invited to one site of A,
a member, and nobody. Each is allowed (2xx), refused (403 problem+json), or, anonymous, asked
to sign in (401). One server and one world for the module; every case makes what it changes
(a new action, person, site...) or repeats an idempotent change, so cases do not interfere."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
import pytest_asyncio
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from core.access import Role
from core.sessions import session_id
from posko.bootstrap import build, web_services
from posko.settings import Settings
from web.app import create_app

pytestmark = pytest.mark.asyncio(loop_scope="module")

KEY = "a" * 32
PASSWORD = "kata-sandi-yang-panjang"
CALLERS = (
    "admin",
    "national",
    "coord_a",
    "coord_b",
    "korlap_a",
    "member",
    "officer_a",  # an officer of the union (w.affiliate) that gives the notices
    "officer_x",  # an officer of another union
    "officer_u",  # an officer of the union that holds the votes
    "member_u",  # a member of that union, on its votes' rolls
    "treasurer",
    "officer",
    "auditor",
    "unit_member",
    "anonymous",
)
EVERYONE = frozenset(CALLERS) - {"anonymous"}
READ_A = frozenset({"admin", "national", "coord_a", "korlap_a"})
COORDINATE_A = frozenset({"admin", "national", "coord_a"})
NATIONAL = frozenset({"admin", "national"})
ADMIN = frozenset({"admin"})
NOTICES_A = COORDINATE_A | {"officer_a", "officer"}  # notices of A by the union w.affiliate
# notices of the strike action S (coord_a is not its coordinator)
NOTICES_S = NATIONAL | {"officer_a", "officer"}
RUN_VOTE = frozenset({"admin", "officer_u"})
READ_VOTE = frozenset({"admin", "national", "coord_a", "coord_b", "officer_u", "member_u"})
PERSONS = EVERYONE - {"korlap_a"}  # a korlap by invite is no person
# Things found by their id: a caller who may not act on one hears 404, as if it did not exist.
HIDDEN = ("/api/incidents/", "/api/requests/", "/api/invites/", "/api/sessions/")
# The solidarity fund F belongs to the affiliate; its treasurer and auditor are the fund's, the
# officer and unit_member the affiliate's. The national member belongs to no unit of F.
FUND_TOTALS = frozenset({"admin", "treasurer", "officer", "auditor", "unit_member", "officer_a"})
FUND_READ = frozenset({"admin", "treasurer", "officer", "auditor", "officer_a"})
FUND_RECORD = frozenset({"admin", "treasurer"})
FUND_REQUEST = frozenset({"admin", "treasurer", "officer", "officer_a"})
FUND_APPROVE = frozenset({"admin", "officer", "officer_a"})
FUND_SIGN = frozenset({"admin", "treasurer", "officer", "officer_a"})
FUND_LINK = frozenset({"admin", "treasurer", "officer", "officer_a"})
# Who sees the fund linked to action A on A's dashboard: readers of A who may read the fund's
# totals anyway (none but the admin here) or coordinate A (the link shares it with them).
LINKED_FUND_A = frozenset({"admin", "national", "coord_a"})
FUND_CLOSED = ("2024-H1", "2024-H2", "2025-H1", "2025-H2")  # closed when the world is made


@dataclass
class World:
    session: ClientSession
    tokens: dict[str, str]
    people: dict[str, str]  # caller -> their person id
    action_a: str
    action_b: str
    site: str  # the korlap's site
    other_site: str
    invite: str  # an invite nobody uses, for revoking
    affiliate: str
    target: str  # a person the admin cases change
    target_session: str
    items: dict[str, str] = field(default_factory=dict)  # incidents and requests by step
    sms_message: str = "-"  # a text in action A's SMS inbox
    union: str = ""  # the affiliate whose votes these are
    vote: str = ""  # open, member_u on its roll
    sealed_vote: str = ""  # closed already: closing again changes nothing
    receipt: str = "ABCDEFGH12"  # member_u's receipt code: a resend answers 200
    fund: str = ""
    fund_items: dict[str, str] = field(default_factory=dict)  # "<step>:<caller>" -> an id

    async def call(self, caller: str, method: str, path: str, body: Any = None) -> Any:
        headers = (
            {"Authorization": f"Bearer {self.tokens[caller]}"} if caller in self.tokens else {}
        )
        data: bytes | str | None = None
        content_type = "application/json"
        if isinstance(body, bytes):  # an upload: a scan or photo
            data, content_type = body, "image/png"
        elif body is not None:
            data = json.dumps(body)
        async with self.session.request(
            method, path, data=data, headers={**headers, "Content-Type": content_type}
        ) as response:
            if response.content_type in ("application/pdf", "application/zip", "image/png"):
                return response.status, response.content_type, await response.read()
            text = await response.text()
            if not text or "json" not in response.content_type:  # the CSV exports
                return response.status, response.content_type, text or None
            return response.status, response.content_type, json.loads(text)


def _action() -> dict[str, Any]:
    starts = datetime.now(UTC)
    return {
        "title": "Aksi",
        "kind": "rally",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=4)).isoformat(),
    }


def _site() -> dict[str, Any]:
    return {"name": "Lokasi", "lat": -6.2, "lon": 106.8, "target": 100}


def _report(site_id: str) -> dict[str, Any]:
    return {
        "id": str(uuid4()),
        "site_id": site_id,
        "kind": "headcount",
        "headcount": 10,
        "at": datetime.now(UTC).isoformat(),
    }


def _phone() -> str:
    return f"0857{uuid4().int % 10**8:08d}"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    data_dir = Path(tmp_path_factory.mktemp("access"))
    components = build(Settings(data_dir=data_dir, api_key=KEY), runner=True, gateway=False)
    services = web_services(components)
    server = TestServer(create_app(services))
    await server.start_server(access_log=None)
    assert components.runner is not None
    projecting = asyncio.create_task(components.runner.run())
    session = ClientSession(base_url=str(server.make_url("/")))
    w = World(session, {"admin": KEY}, {}, "", "", "", "", "", "", "", "")
    try:
        await _populate(w)
        w.sms_message = await _sms_inbox_text(w, services)
        await services.port.views_at_least(await services.port.log_position())
        yield w
    finally:
        await session.close()
        projecting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await projecting
        await server.close()
        # A cancelled runner may still be committing a batch in a worker thread: let it
        # finish before the store's connections close under it.
        await asyncio.get_running_loop().shutdown_default_executor()
        components.close()


async def _populate(w: World) -> None:
    async def admin(path: str, body: Any = None) -> Any:
        status, _, reply = await w.call("admin", "POST", path, body)
        assert status in (200, 201), reply
        return reply

    w.action_a = (await admin("/api/actions", _action()))["id"]
    w.action_b = (await admin("/api/actions", _action()))["id"]
    w.site = (await admin(f"/api/actions/{w.action_a}/sites", _site()))["id"]
    w.other_site = (await admin(f"/api/actions/{w.action_a}/sites", _site()))["id"]
    roles = {
        "admin": Role("admin"),
        "national": Role("coordinator"),
        "coord_a": Role("coordinator", action_id=w.action_a),
        "coord_b": Role("coordinator", action_id=w.action_b),
        "member": Role("member"),
    }
    w.affiliate = (await admin("/api/affiliates", {"name": "FSPMI"}))["id"]
    other_union = (await admin("/api/affiliates", {"name": "KSPSI"}))["id"]
    roles["officer_a"] = Role("officer", affiliate_id=w.affiliate)
    roles["officer_x"] = Role("officer", affiliate_id=other_union)
    w.fund = (await admin("/api/funds", _fund_body(w.affiliate)))["id"]
    roles |= {
        "treasurer": Role("treasurer", fund_id=w.fund),
        "officer": Role("officer", affiliate_id=w.affiliate),
        "auditor": Role("auditor", fund_id=w.fund),
        "unit_member": Role("member", affiliate_id=w.affiliate),
        "officer_2": Role("officer", affiliate_id=w.affiliate),  # a helper, not a caller
    }
    for caller, role in roles.items():
        phone = _phone()
        person = await admin("/api/people", {"name": caller, "phone": phone, "password": PASSWORD})
        await admin(f"/api/people/{person['id']}/roles", role.as_dict())
        status, _, signed_in = await w.call(
            "anonymous", "POST", "/api/session", {"login": phone, "password": PASSWORD}
        )
        assert status == 201, signed_in
        w.tokens[caller] = signed_in["token"]
        w.people[caller] = person["id"]
    invite = await admin(f"/api/actions/{w.action_a}/invites", {"label": "K", "site_id": w.site})
    status, _, redeemed = await w.call(
        "anonymous", "POST", "/api/invites/redeem", {"code": invite["code"], "name": "Sri"}
    )
    assert status == 201, redeemed
    w.tokens["korlap_a"] = redeemed["token"]
    w.invite = (await admin(f"/api/actions/{w.action_a}/invites", {"label": "spare"}))["id"]
    w.items["branch"] = (await admin(f"/api/affiliates/{w.affiliate}/branches", {"name": "PUK"}))[
        "id"
    ]
    phone = _phone()
    w.target = (await admin("/api/people", {"name": "T", "phone": phone, "password": PASSWORD}))[
        "id"
    ]
    status, _, signed_in = await w.call(
        "anonymous", "POST", "/api/session", {"login": phone, "password": PASSWORD}
    )
    assert status == 201, signed_in
    w.target_session = str(session_id(signed_in["token"]))
    await _street(w, admin)
    await _notices(w, admin)
    await _union(w, admin)
    await _secrets(w, admin)
    await _fund(w, admin)


async def _notices(w: World, admin: Callable[..., Any]) -> None:
    """A strike action S, a scan, notices in every state a case starts from, and one evidence
    entry, so every allowed caller's repeat answers 2xx."""
    starts = datetime.now(UTC) + timedelta(days=40)
    strike = {**_action(), "kind": "strike", "starts_at": starts.isoformat()}
    strike["ends_at"] = (starts + timedelta(hours=8)).isoformat()
    w.items["strike_action"] = (await admin("/api/actions", strike))["id"]
    status, _, reply = await w.call(
        "admin", "POST", f"/api/actions/{w.action_a}/attachments?affiliate_id={w.affiliate}", PNG
    )
    assert status == 201, reply
    w.items["scan"] = reply["id"]
    w.items["strike"] = (
        await admin(f"/api/actions/{w.items['strike_action']}/notices", _strike_notice(w))
    )["id"]
    for state in ("draft", "ready", "sent", "withdraw", "cancel"):
        notice = (await admin(f"/api/actions/{w.action_a}/notices", _demo_notice(w)))["id"]
        w.items[f"demo_{state}"] = notice
        if state != "draft" and state != "withdraw":
            await admin(f"/api/notices/{notice}/ready", {})
        if state in ("sent", "cancel"):
            await admin(f"/api/notices/{notice}/sent", {"sent_on": "2026-07-06"})
        if state == "cancel":
            await admin(f"/api/notices/{notice}/cancel", {"reason": "batal"})
        if state == "withdraw":
            await admin(f"/api/notices/{notice}/withdraw", {"reason": "ganti"})
    await admin(f"/api/notices/{w.items['demo_sent']}/receipts", _sttp(w))
    await admin(f"/api/actions/{w.action_a}/evidence", _evidence(w))


PNG = b"\x89PNG\r\n\x1a\n tanda terima"
EVIDENCE_ID = str(uuid4())


def _strike_notice(w: World) -> dict[str, Any]:
    return {
        "kind": "strike",
        "affiliate_id": w.affiliate,
        "fields": {"employer_name": "PT Contoh", "disnaker_name": "Disnaker Kab. Bekasi"},
    }


def _demo_notice(w: World) -> dict[str, Any]:
    return {
        "id": str(uuid4()),
        "kind": "demo",
        "affiliate_id": w.affiliate,
        "fields": {
            "police_unit": "Polres Metro Jakarta Pusat",
            "scope": "district",
            "purpose": "Upah layak",
            "form": "unjuk_rasa",
            "responsible": [{"name": "Budi"}],
            "organisation_name": "FSPMI",
            "organisation_address": "Jakarta",
            "props": "Spanduk",
            "participants": 80,
        },
    }


def _sttp(w: World) -> dict[str, Any]:
    return {
        "recipient": "police",
        "received": "2026-07-06T10:00:00+07:00",
        "received_by": "Bripka Joko",
        "attachment_id": w.items["scan"],
    }


def _evidence(w: World) -> dict[str, Any]:
    return {
        "id": EVIDENCE_ID,
        "affiliate_id": w.affiliate,
        "kind": "retaliation",
        "category": "intimidation",
        "occurred_at": "2026-07-21T09:00:00+07:00",
        "description": "Ancaman PHK",
    }


async def _union(w: World, admin: Callable[..., Any]) -> None:
    """A union with an officer and a member, an open vote and a sealed one."""
    w.union = (await admin("/api/affiliates", {"name": "SPN"}))["id"]
    for caller, role in (("officer_u", "officer"), ("member_u", "member")):
        phone = _phone()
        person = await admin("/api/people", {"name": caller, "phone": phone, "password": PASSWORD})
        await admin(f"/api/people/{person['id']}/roles", {"name": role, "affiliate_id": w.union})
        status, _, signed_in = await w.call(
            "anonymous", "POST", "/api/session", {"login": phone, "password": PASSWORD}
        )
        assert status == 201, signed_in
        w.tokens[caller] = signed_in["token"]
        w.people[caller] = person["id"]
    w.vote = (await admin("/api/votes", _vote(w.union)))["id"]
    await admin(f"/api/votes/{w.vote}/open")
    w.sealed_vote = (await admin("/api/votes", _vote(w.union)))["id"]
    await admin(f"/api/votes/{w.sealed_vote}/open")
    status, _, cast = await w.call(
        "member_u", "POST", f"/api/votes/{w.sealed_vote}/ballots", {"choice": 0}
    )
    assert status == 201, cast
    await admin(f"/api/votes/{w.sealed_vote}/close")


def _vote(union: str) -> dict[str, Any]:
    opens = datetime.now(UTC) - timedelta(minutes=1)
    return {
        "id": str(uuid4()),
        "question": "Mogok?",
        "options": ["Setuju", "Tidak setuju"],
        "affiliate_id": union,
        "opens_at": opens.isoformat(),
        "closes_at": (opens + timedelta(hours=2)).isoformat(),
        "quorum": {"num": 1, "den": 2},
        "threshold": {"num": 1, "den": 2, "rule": "more_than"},
    }


# What a phone's GPS produced and what the legal team writes: the leak table below looks for
# these strings in every answer. Digits no id, time or distance in the answers can contain.
EXACT = {"incident": (-6.1987654, 106.8234567), "checkin": (-6.2034567, 106.8045678)}
EXACT_MARKS = ("1987654", "8234567", "2034567", "8045678")
LEGAL_MARKS = ("RAHASIA-PENANGKAPAN", "RAHASIA-CATATAN", "RAHASIA-BANTUAN", "RAHASIA-PERGI")
READ_EXACT = COORDINATE_A  # READ_EXACT_POSITIONS in action A
READ_LEGAL = COORDINATE_A  # READ_LEGAL in action A


async def _secrets(w: World, admin: Callable[..., Any]) -> None:
    """A check-in and an incident with exact positions sent by the korlap's phone, an arrest
    (with a resolution note) and a legal-aid request (with a note, later cancelled)."""

    async def korlap(path: str, body: Any) -> Any:
        status, _, reply = await w.call("korlap_a", "POST", path, body)
        assert status == 201, reply
        return reply

    lat, lon = EXACT["checkin"]
    await korlap(
        f"/api/actions/{w.action_a}/reports",
        {**_street_item(w.site), "kind": "checkin", "lat": lat, "lon": lon, "accuracy_m": 8},
    )
    lat, lon = EXACT["incident"]
    body = {**_street_item(w.site), "kind": "injury", "severity": "high", "lat": lat, "lon": lon}
    await korlap(f"/api/actions/{w.action_a}/incidents", {**body, "description": "luka"})
    body = {
        **_street_item(w.site),
        "kind": "arrest",
        "severity": "critical",
        "lat": lat,
        "lon": lon,
    }
    arrest = await korlap(
        f"/api/actions/{w.action_a}/incidents",
        {**body, "description": "RAHASIA-PENANGKAPAN Budi dibawa ke Polsek"},
    )
    await admin(f"/api/incidents/{arrest['id']}/resolve", {"note": "RAHASIA-CATATAN pengacara"})
    help_ = await korlap(
        f"/api/actions/{w.action_a}/requests",
        {**_street_item(w.site), "kind": "legal_aid", "quantity": 1, "note": "RAHASIA-BANTUAN"},
    )
    await admin(f"/api/requests/{help_['id']}/cancel", {"reason": "RAHASIA-PERGI"})


async def _street(w: World, admin: Callable[..., Any]) -> None:
    """An incident and a request for each step a case takes, each already where that step
    starts from (so every allowed caller's repeat changes nothing and answers 200)."""
    for step in ("acknowledge", "resolve", "reopen"):
        body = {**_street_item(w.site), "kind": "police", "severity": "low", "description": "x"}
        w.items[step] = (await admin(f"/api/actions/{w.action_a}/incidents", body))["id"]
    await admin(f"/api/incidents/{w.items['reopen']}/resolve", {"note": "ok"})
    for step in ("commit", "fulfil", "cancel"):
        body = {**_street_item(w.site), "kind": "medic", "quantity": 1}
        w.items[step] = (await admin(f"/api/actions/{w.action_a}/requests", body))["id"]
    await admin(f"/api/requests/{w.items['fulfil']}/commit", {"by": "Tim"})


async def _sms_inbox_text(w: World, services: Any) -> str:
    """A korlap of A texts something no keyword fits: it waits in A's SMS inbox."""
    phone = _phone()
    status, _, person = await w.call("admin", "POST", "/api/people", {"name": "S", "phone": phone})
    assert status == 201, person
    role = Role("organiser", action_id=w.action_a).as_dict()
    await w.call("admin", "POST", f"/api/people/{person['id']}/roles", role)
    gateway, _ = services.port.app.add_sms_gateway(name="HP", server_key=KEY, actor="cli")
    now = datetime.now(UTC)
    text = await services.port.receive_sms(
        gateway_id=gateway.id,
        gateway_message_id="m-1",
        sender=phone,
        text="halo posko",
        sent_at=now,
        now=now,
    )
    assert text.outcome == "unparsed"
    return str(text.id)


FUND_THRESHOLD = 1_000_000


def _fund_body(affiliate: str) -> dict[str, Any]:
    return {
        "id": str(uuid4()),
        "name": "Dana Solidaritas FSPMI",
        "unit_kind": "affiliate",
        "unit_id": affiliate,
        "threshold": FUND_THRESHOLD,
    }


def _contribution() -> dict[str, Any]:
    return {
        "id": str(uuid4()),
        "source": "member",
        "payer": "Anggota",
        "channel": "cash",
        "amount": 100_000,
        "income_account": "income:solidarity",
        "asset_account": "cash",
        "effective_date": "2026-11-02",
    }


def _disbursement(amount: int = 10_000) -> dict[str, Any]:
    return {
        "id": str(uuid4()),
        "purpose": "Transport",
        "beneficiary": "Korlap",
        "amount": amount,
        "expense_account": "expense:transport",
        "pay_from": "cash",
        "evidence": "Nota",
    }


DUES_RULE = {
    "rate_bp": 100,
    "base": "umk",
    "rounding": "floor",
    "split": {"dpp": 4500, "puk": 5500},
    "own_level": "puk",
}


async def _fund(w: World, admin: Callable[..., Any]) -> None:
    """The fund's money and, for each step a case takes, one thing per caller already where
    that step starts from: a disbursement to approve, reject, pay or change, an entry to
    reverse, a receipt to void, a closed period to sign."""
    f = f"/api/funds/{w.fund}"

    async def as_(caller: str, path: str, body: Any = None) -> Any:
        status, _, reply = await w.call(caller, "POST", path, body)
        assert status in (200, 201), reply
        return reply

    await w.call("admin", "PUT", f"{f}/dues-rule", DUES_RULE)
    await as_("treasurer", f"{f}/contributions", {**_contribution(), "amount": 50_000_000})
    for period in FUND_CLOSED:
        await admin(f"{f}/periods/{period}/close")
    for n, caller in enumerate(CALLERS):
        # Change the amount: the requester's own (only they may), else the treasurer's.
        requester = caller if caller in FUND_REQUEST else "treasurer"
        mine = await as_(requester, f"{f}/disbursements", _disbursement())
        w.fund_items[f"amount:{caller}"] = mine["id"]
        for step in ("approve", "reject"):
            d = await as_("treasurer", f"{f}/disbursements", _disbursement())
            w.fund_items[f"{step}:{caller}"] = d["id"]
        # To pay: asked by the officer, approved by a second officer, so anyone else may pay.
        d = await as_("officer", f"{f}/disbursements", _disbursement())
        await as_("officer_2", f"{f}/disbursements/{d['id']}/approve")
        w.fund_items[f"pay:{caller}"] = d["id"]
        d = await as_("treasurer", f"{f}/disbursements", _disbursement())
        await as_("officer", f"{f}/disbursements/{d['id']}/reject", {"reason": "x"})
        w.fund_items[f"expire:{caller}"] = d["id"]  # closed already: expiring is a no-op
        entry = await as_("treasurer", f"{f}/contributions", _contribution())
        w.fund_items[f"reverse:{caller}"] = entry["id"]
        w.fund_items[f"receipt:{caller}"] = f"2026-{n + 2:06d}"
        w.fund_items[f"period:{caller}"] = FUND_CLOSED[n % len(FUND_CLOSED)]
    w.fund_items["receipt"] = "2026-000001"
    await as_("treasurer", f"{f}/links", {"action_id": w.action_a})
    w.fund_items["unlink"] = str(uuid4())  # an action never linked: unlinking it is a 200


def _sign_role(caller: str) -> dict[str, str]:
    return {"role": "chair" if caller in ("officer", "officer_a") else "treasurer"}


def _signing_period(w: World, caller: str) -> str:
    # Each signer its own period: admin, treasurer and officer never meet on one role.
    return {"admin": "2024-H1", "treasurer": "2024-H2", "officer": "2025-H1"}.get(caller, "2025-H2")


def _street_item(site_id: str) -> dict[str, Any]:
    return {"id": str(uuid4()), "site_id": site_id, "at": datetime.now(UTC).isoformat()}


# (name, method, path and body for a caller, who may) -------------------------------------------

Request = Callable[[World, str], tuple[str, Any]]


def case(name: str, method: str, request: Request, allowed: frozenset[str]) -> Any:
    return pytest.param(method, request, allowed, id=name)


def route_of(method: str, path: str, w: World) -> tuple[str, str]:
    """The documented route a request goes to: ids put back as their parameters."""
    for name, value in (
        ("{id}", w.action_a),
        ("{id}", w.affiliate),
        ("{id}", w.target),
        ("{invite_id}", w.invite),
        ("{site_id}", w.site),
        ("{branch_id}", w.items.get("branch", "-")),
        ("{session_id}", w.target_session),
        ("{message_id}", w.sms_message),
        ("{id}", w.vote),
        ("{id}", w.sealed_vote),
    ):
        path = path.replace(value, name)
    for caller_id in [*w.people.values(), *w.items.values()]:
        path = path.replace(caller_id, "{id}")
    if w.fund:
        path = path.replace(w.fund, "{id}")
        for key, value in w.fund_items.items():
            name = {
                "reverse": "{entry_id}",
                "receipt": "{number}",
                "period": "{period}",
                "unlink": "{action_id}",
            }.get(key.split(":")[0], "{disbursement_id}")
            path = path.replace(value, name)
        for period in FUND_CLOSED:
            path = path.replace(period, "{period}")
        path = path.replace("/budgets/2026", "/budgets/{year}")
    return method.lower(), path.split("?")[0]


def _f(w: World, rest: str = "") -> str:
    return f"/api/funds/{w.fund}{rest}"


def _fd(w: World, step: str, caller: str) -> str:
    return _f(w, f"/disbursements/{w.fund_items[f'{step}:{caller}']}/{step}")


FUND_CASES = [
    case("open a fund", "POST", lambda w, c: ("/api/funds", _fund_body(w.affiliate)), ADMIN),
    case("list funds", "GET", lambda w, c: ("/api/funds", None), EVERYONE),
    case("a fund's totals", "GET", lambda w, c: (_f(w), None), FUND_TOTALS),
    case("balances", "GET", lambda w, c: (_f(w, "/balances?as_of=2026-11-02"), None), FUND_TOTALS),
    case("disbursements", "GET", lambda w, c: (_f(w, "/disbursements"), None), FUND_TOTALS),
    case("the ledger", "GET", lambda w, c: (_f(w, "/ledger?account=cash"), None), FUND_READ),
    case("receipts", "GET", lambda w, c: (_f(w, "/receipts"), None), FUND_READ),
    case(
        "a receipt",
        "GET",
        lambda w, c: (_f(w, f"/receipts/{w.fund_items['receipt']}"), None),
        FUND_READ,
    ),
    case(
        "the period report",
        "GET",
        lambda w, c: (_f(w, "/periods/2025-H1/report"), None),
        FUND_READ,
    ),
    case("verify", "GET", lambda w, c: (_f(w, "/verify"), None), FUND_READ),
    case(
        "verify against checkpoints",
        "POST",
        lambda w, c: (_f(w, "/verify"), {"checkpoints": []}),
        FUND_READ,
    ),
    case("export entries", "GET", lambda w, c: (_f(w, "/export/entries.csv"), None), FUND_READ),
    case("export events", "GET", lambda w, c: (_f(w, "/export/events.json"), None), FUND_READ),
    case(
        "open an account",
        "POST",
        lambda w, c: (
            _f(w, "/accounts"),
            {"code": "expense:medical", "name": "Bantuan medis", "type": "expense"},
        ),
        FUND_RECORD,
    ),
    case("set the dues rule", "PUT", lambda w, c: (_f(w, "/dues-rule"), DUES_RULE), FUND_RECORD),
    case(
        "declare a membership",
        "POST",
        lambda w, c: (
            _f(w, "/memberships"),
            {"affiliate": "PUK", "effective_from": "2026-11", "members": 40, "base_amount": 10**6},
        ),
        FUND_RECORD,
    ),
    case(
        "dues arrears", "GET", lambda w, c: (_f(w, "/arrears?as_of=2026-11-02"), None), FUND_TOTALS
    ),
    case("export arrears", "GET", lambda w, c: (_f(w, "/export/arrears.csv"), None), FUND_READ),
    case(
        "record a contribution",
        "POST",
        lambda w, c: (_f(w, "/contributions"), _contribution()),
        FUND_RECORD,
    ),
    case(
        "record dues",
        "POST",
        lambda w, c: (
            _f(w, "/dues"),
            {
                "id": str(uuid4()),
                "payer": "PUK",
                "month": "2026-11",
                "base_amount": 5_000_000,
                "channel": "checkoff",
                "asset_account": "bank",
                "effective_date": "2026-11-02",
            },
        ),
        FUND_RECORD,
    ),
    case(
        "post an entry",
        "POST",
        lambda w, c: (
            _f(w, "/entries"),
            {
                "id": str(uuid4()),
                "memo": "Setor ke bank",
                "effective_date": "2026-11-03",
                "legs": [
                    {"account": "bank", "side": "debit", "amount": 1_000},
                    {"account": "cash", "side": "credit", "amount": 1_000},
                ],
            },
        ),
        FUND_RECORD,
    ),
    case(
        "reverse an entry",
        "POST",
        lambda w, c: (
            _f(w, f"/entries/{w.fund_items[f'reverse:{c}']}/reverse"),
            {"id": str(uuid4()), "reason": "Salah", "effective_date": "2026-11-03"},
        ),
        FUND_RECORD,
    ),
    case(
        "void a receipt",
        "POST",
        lambda w, c: (
            _f(w, f"/receipts/{w.fund_items[f'receipt:{c}']}/void"),
            {"reason": "Nama salah", "reissue": True},
        ),
        FUND_RECORD,
    ),
    case(
        "request a disbursement",
        "POST",
        lambda w, c: (_f(w, "/disbursements"), _disbursement()),
        FUND_REQUEST,
    ),
    case("approve", "POST", lambda w, c: (_fd(w, "approve", c), None), FUND_APPROVE),
    case("reject", "POST", lambda w, c: (_fd(w, "reject", c), {"reason": "x"}), FUND_APPROVE),
    case(
        "change the amount",
        "POST",
        lambda w, c: (_fd(w, "amount", c), {"amount": 20_000}),
        FUND_REQUEST,
    ),
    case(
        "pay",
        "POST",
        lambda w, c: (_fd(w, "pay", c), {"payment_ref": "REF", "effective_date": "2026-11-03"}),
        FUND_RECORD,
    ),
    case("expire", "POST", lambda w, c: (_fd(w, "expire", c), None), FUND_RECORD),
    case(
        "close a period",
        "POST",
        lambda w, c: (_f(w, "/periods/2024-H1/close"), None),
        FUND_RECORD,
    ),
    case(
        "link a fund to an action",
        "POST",
        lambda w, c: (_f(w, "/links"), {"action_id": w.action_a}),
        FUND_LINK,
    ),
    case("the fund's actions", "GET", lambda w, c: (_f(w, "/links"), None), FUND_READ),
    case(
        "unlink a fund",
        "DELETE",
        lambda w, c: (_f(w, f"/links/{w.fund_items['unlink']}"), None),
        FUND_LINK,
    ),
    case(
        "an action's linked funds",
        "GET",
        lambda w, c: (f"/api/actions/{w.action_a}/funds", None),
        READ_A,
    ),
    case(
        "set the budget",
        "POST",
        lambda w, c: (
            _f(w, "/budgets/2026"),
            {"id": str(uuid4()), "lines": [{"account": "income:dues", "amount": 1_000}]},
        ),
        FUND_RECORD,
    ),
    case("the budget", "GET", lambda w, c: (_f(w, "/budgets/2026"), None), FUND_TOTALS),
    case("export the budget", "GET", lambda w, c: (_f(w, "/export/budget.csv"), None), FUND_READ),
    case(
        "sign a checkpoint",
        "POST",
        lambda w, c: (_f(w, f"/periods/{_signing_period(w, c)}/sign"), _sign_role(c)),
        FUND_SIGN,
    ),
]


CASES = [
    case("config", "GET", lambda w, c: ("/api/config", None), EVERYONE),
    # Asked without credentials: 200 {"actor": null}, so a page learns it is signed out
    # without an error in the console.
    case("who am I", "GET", lambda w, c: ("/api/session", None), frozenset(CALLERS)),
    case("list actions", "GET", lambda w, c: ("/api/actions", None), EVERYONE),
    case("plan action", "POST", lambda w, c: ("/api/actions", _action()), NATIONAL),
    case("read action", "GET", lambda w, c: (f"/api/actions/{w.action_a}", None), READ_A),
    case("read map", "GET", lambda w, c: (f"/api/actions/{w.action_a}/map", None), READ_A),
    case(
        "add site",
        "POST",
        lambda w, c: (f"/api/actions/{w.action_a}/sites", _site()),
        COORDINATE_A,
    ),
    case(
        "change status",
        "POST",
        lambda w, c: (f"/api/actions/{w.action_a}/status", {"status": "live"}),
        COORDINATE_A,
    ),
    case(
        "report at the korlap's site",
        "POST",
        lambda w, c: (f"/api/actions/{w.action_a}/reports", _report(w.site)),
        READ_A,
    ),
    case(
        "report at another site",
        "POST",
        lambda w, c: (f"/api/actions/{w.action_a}/reports", _report(w.other_site)),
        COORDINATE_A,
    ),
    case(
        "exact positions",
        "GET",
        lambda w, c: (f"/api/actions/{w.action_a}/checkins", None),
        COORDINATE_A,
    ),
    case(
        "create invite",
        "POST",
        lambda w, c: (f"/api/actions/{w.action_a}/invites", {"label": "Korlap"}),
        COORDINATE_A,
    ),
    case(
        "list invites",
        "GET",
        lambda w, c: (f"/api/actions/{w.action_a}/invites", None),
        COORDINATE_A,
    ),
    case(
        "revoke invite",
        "POST",
        lambda w, c: (f"/api/invites/{w.invite}/revoke", None),
        COORDINATE_A,
    ),
    case("read feed", "GET", lambda w, c: (f"/api/actions/{w.action_a}/feed", None), READ_A),
    case(
        "read the map as it was",
        "GET",
        lambda w, c: (f"/api/actions/{w.action_a}/map?at=2026-05-01T10:00:00Z", None),
        READ_A,
    ),
    case(
        "read legal channel",
        "GET",
        lambda w, c: (f"/api/actions/{w.action_a}/legal", None),
        COORDINATE_A,
    ),
    case(
        "nearest site",
        "GET",
        lambda w, c: (f"/api/actions/{w.action_a}/nearest-site?lat=-6.2&lon=106.8", None),
        READ_A,
    ),
    case(
        "set a target",
        "POST",
        lambda w, c: (
            f"/api/actions/{w.action_a}/targets",
            {"affiliate_id": w.affiliate, "target": 50},
        ),
        COORDINATE_A,
    ),
    case(
        "incident at the korlap's site",
        "POST",
        lambda w, c: (
            f"/api/actions/{w.action_a}/incidents",
            {**_street_item(w.site), "kind": "injury", "severity": "low", "description": "x"},
        ),
        READ_A,
    ),
    case(
        "request at the korlap's site",
        "POST",
        lambda w, c: (
            f"/api/actions/{w.action_a}/requests",
            {**_street_item(w.site), "kind": "water_food", "quantity": 10},
        ),
        READ_A,
    ),
    case(
        "request at another site",
        "POST",
        lambda w, c: (
            f"/api/actions/{w.action_a}/requests",
            {**_street_item(w.other_site), "kind": "water_food", "quantity": 10},
        ),
        COORDINATE_A,
    ),
    *(
        case(
            f"{step} an incident",
            "POST",
            lambda w, c, step=step, body=body: (
                f"/api/incidents/{w.items[step]}/{step}",
                body,
            ),
            COORDINATE_A,
        )
        for step, body in (
            ("acknowledge", {}),
            ("resolve", {"note": "ok"}),
            ("reopen", {"reason": "again"}),
        )
    ),
    *(
        case(
            f"{step} a request",
            "POST",
            lambda w, c, step=step, body=body: (f"/api/requests/{w.items[step]}/{step}", body),
            COORDINATE_A,
        )
        for step, body in (("commit", {"by": "Tim"}), ("fulfil", {}), ("cancel", {"reason": "x"}))
    ),
    *(
        case(
            f"export {name}",
            "GET",
            lambda w, c, name=name: (f"/api/actions/{w.action_a}/{name}", None),
            READ_A,
        )
        for name in (
            "export/reports.csv",
            "export/incidents.csv",
            "export/requests.csv",
            "sites.geojson",
        )
    ),
    case("read the legal rules", "GET", lambda w, c: ("/api/legal-rules", None), EVERYONE),
    case(
        "upload a scan",
        "POST",
        lambda w, c: (f"/api/actions/{w.action_a}/attachments?affiliate_id={w.affiliate}", PNG),
        NOTICES_A,
    ),
    case(
        "read a scan", "GET", lambda w, c: (f"/api/attachments/{w.items['scan']}", None), NOTICES_A
    ),
    case(
        "draft a notice",
        "POST",
        lambda w, c: (f"/api/actions/{w.action_a}/notices", _demo_notice(w)),
        NOTICES_A,
    ),
    case(
        "list notices",
        "GET",
        lambda w, c: (f"/api/actions/{w.action_a}/notices", None),
        NOTICES_A | {"officer_x", "officer_u"},  # officers of other unions see none of them
    ),
    *(
        case(
            f"read a notice {suffix or 'as JSON'}",
            "GET",
            lambda w, c, suffix=suffix: (f"/api/notices/{w.items['demo_draft']}{suffix}", None),
            NOTICES_A,
        )
        for suffix in ("", "/html", "/pdf")
    ),
    case(
        "edit a notice",
        "PUT",
        lambda w, c: (f"/api/notices/{w.items['demo_draft']}", {"fields": {"props": "Spanduk"}}),
        NOTICES_A,
    ),
    case(
        "attach negotiation evidence",
        "POST",
        lambda w, c: (
            f"/api/notices/{w.items['strike']}/negotiations",
            {"kind": "request", "date": "2026-06-01", "note": "Surat ajakan berunding"},
        ),
        NOTICES_S,
    ),
    case(
        "mark a notice ready",
        "POST",
        lambda w, c: (f"/api/notices/{w.items['demo_ready']}/ready", {}),
        NOTICES_A,
    ),
    case(
        "mark a notice sent",
        "POST",
        lambda w, c: (f"/api/notices/{w.items['demo_sent']}/sent", {"sent_on": "2026-07-06"}),
        NOTICES_A,
    ),
    case(
        "record a receipt",
        "POST",
        lambda w, c: (f"/api/notices/{w.items['demo_sent']}/receipts", _sttp(w)),
        NOTICES_A,
    ),
    case(
        "withdraw a notice",
        "POST",
        lambda w, c: (f"/api/notices/{w.items['demo_withdraw']}/withdraw", {"reason": "ganti"}),
        NOTICES_A,
    ),
    case(
        "cancel a notice",
        "POST",
        lambda w, c: (f"/api/notices/{w.items['demo_cancel']}/cancel", {"reason": "batal"}),
        NOTICES_A,
    ),
    case(
        "record evidence",
        "POST",
        lambda w, c: (f"/api/actions/{w.action_a}/evidence", _evidence(w)),
        NOTICES_A,
    ),
    case(
        "read evidence",
        "GET",
        lambda w, c: (f"/api/actions/{w.action_a}/evidence", None),
        COORDINATE_A,  # the legal team (READ_LEGAL)
    ),
    case(
        "evidence bundle",
        "GET",
        lambda w, c: (f"/api/actions/{w.action_a}/evidence/bundle.zip", None),
        COORDINATE_A,
    ),
    # planning (web/planning.py): repeats of a no-op edit answer 200 even once A is live
    case(
        "edit a planned action",
        "PUT",
        lambda w, c: (f"/api/actions/{w.action_a}", {"title": "Aksi"}),
        COORDINATE_A,
    ),
    case(
        "adjust a site",
        "PUT",
        lambda w, c: (f"/api/actions/{w.action_a}/sites/{w.site}", _site()),
        COORDINATE_A,
    ),
    *(
        case(
            f"{name} a CSV of sites",
            "POST",
            lambda w, c, path=path: (
                f"/api/actions/{w.action_a}/sites/{path}",
                {"csv": "nama,lat,lon,target\nImpor,-6.2,106.8,5\n"},
            ),
            COORDINATE_A,
        )
        for name, path in (("preview", "import/preview"), ("import", "import"))
    ),
    case(
        "record lobbying",
        "POST",
        lambda w, c: (
            f"/api/actions/{w.action_a}/lobbying",
            {"kind": "hearing", "with_whom": "DPRD", "at": "2026-05-01T10:00:00+07:00"},
        ),
        COORDINATE_A,
    ),
    case(
        "record an outcome",
        "POST",
        lambda w, c: (
            f"/api/actions/{w.action_a}/outcomes",
            {"kind": "other", "description": "Dijanjikan"},
        ),
        COORDINATE_A,
    ),
    case(
        "read the korlap roster",
        "GET",
        lambda w, c: (f"/api/actions/{w.action_a}/roster", None),
        COORDINATE_A,
    ),
    case(
        "make korlaps' links in one go",
        "POST",
        lambda w, c: (
            f"/api/actions/{w.action_a}/roster/invites",
            {"korlaps": [{"site_id": w.site, "name": "Korlap"}]},
        ),
        COORDINATE_A,
    ),
    *(
        case(
            f"read the action report ({name})",
            "GET",
            lambda w, c, name=name: (f"/api/actions/{w.action_a}/{name}", None),
            COORDINATE_A,
        )
        for name in ("report", "report.html", "report.pdf")
    ),
    case("list affiliates", "GET", lambda w, c: ("/api/affiliates", None), EVERYONE),
    case("register affiliate", "POST", lambda w, c: ("/api/affiliates", {"name": "KSPI"}), ADMIN),
    case(
        "add branch",
        "POST",
        lambda w, c: (f"/api/affiliates/{w.affiliate}/branches", {"name": "PUK"}),
        ADMIN,
    ),
    case(
        "rename an affiliate",
        "PUT",
        lambda w, c: (f"/api/affiliates/{w.affiliate}", {"name": "FSPMI"}),
        ADMIN,
    ),
    case(
        "rename a branch",
        "PUT",
        lambda w, c: (
            f"/api/affiliates/{w.affiliate}/branches/{w.items['branch']}",
            {"name": "PUK"},
        ),
        ADMIN,
    ),
    case("list people", "GET", lambda w, c: ("/api/people", None), ADMIN),
    case(
        "register person",
        "POST",
        lambda w, c: ("/api/people", {"name": "Baru", "phone": _phone()}),
        ADMIN,
    ),
    case("read a person", "GET", lambda w, c: (f"/api/people/{w.target}", None), ADMIN),
    case(
        "read oneself",
        "GET",
        lambda w, c: (f"/api/people/{w.people.get(c, w.target)}", None),
        EVERYONE - {"korlap_a"},  # a korlap by invite is no person
    ),
    case(
        "edit a person",
        "PUT",
        lambda w, c: (f"/api/people/{w.target}", {"name": "Target", "phone": _phone()}),
        ADMIN,
    ),
    case(
        "set a person's password",
        "PUT",
        lambda w, c: (f"/api/people/{w.target}/password", {"password": PASSWORD}),
        ADMIN,
    ),
    case(
        "grant a role",
        "POST",
        lambda w, c: (f"/api/people/{w.target}/roles", {"name": "member"}),
        ADMIN,
    ),
    case(
        "revoke a role",
        "DELETE",
        lambda w, c: (f"/api/people/{w.target}/roles", {"name": "treasurer"}),
        ADMIN,
    ),
    case("deactivate", "POST", lambda w, c: (f"/api/people/{w.target}/deactivate", None), ADMIN),
    case("reactivate", "POST", lambda w, c: (f"/api/people/{w.target}/reactivate", None), ADMIN),
    case(
        "a person's sessions",
        "GET",
        lambda w, c: (f"/api/people/{w.target}/sessions", None),
        ADMIN,
    ),
    case(
        "one's own sessions",
        "GET",
        lambda w, c: (f"/api/people/{w.people.get(c, w.target)}/sessions", None),
        EVERYONE - {"korlap_a"},
    ),
    case(
        "end a person's session",
        "DELETE",
        lambda w, c: (f"/api/sessions/{w.target_session}", None),
        ADMIN,
    ),
    # reports by SMS: the gateway's endpoints take signatures, not callers (see below)
    case(
        "site codes and the SMS number",
        "GET",
        lambda w, c: (f"/api/actions/{w.action_a}/sms", None),
        READ_A,
    ),
    case(
        "the SMS inbox",
        "GET",
        lambda w, c: (f"/api/actions/{w.action_a}/sms/inbox", None),
        COORDINATE_A,
    ),
    case(
        "file a text from the inbox by hand",
        "POST",
        lambda w, c: (
            f"/api/actions/{w.action_a}/sms/inbox/{w.sms_message}/report",
            {"type": "report", "site_id": w.site, "kind": "headcount", "headcount": 5},
        ),
        COORDINATE_A,
    ),
    case("call a vote", "POST", lambda w, c: ("/api/votes", _vote(w.union)), RUN_VOTE),
    case("list votes", "GET", lambda w, c: ("/api/votes", None), EVERYONE),
    case("read a vote", "GET", lambda w, c: (f"/api/votes/{w.vote}", None), READ_VOTE),
    case("open a vote", "POST", lambda w, c: (f"/api/votes/{w.vote}/open", None), RUN_VOTE),
    case(
        "close a vote", "POST", lambda w, c: (f"/api/votes/{w.sealed_vote}/close", None), RUN_VOTE
    ),
    case("read the roll", "GET", lambda w, c: (f"/api/votes/{w.vote}/roll", None), READ_VOTE),
    case("am I on the roll", "GET", lambda w, c: (f"/api/votes/{w.vote}/roll/me", None), PERSONS),
    case(
        "vote",
        "POST",
        lambda w, c: (f"/api/votes/{w.vote}/ballots", {"choice": 1, "receipt": w.receipt}),
        frozenset({"member_u"}),
    ),
    case(
        "send a voting link",
        "POST",
        lambda w, c: (f"/api/votes/{w.vote}/links", {"person_id": w.people["member_u"]}),
        RUN_VOTE,
    ),
    *FUND_CASES,
]

SIGNED_BY_GATEWAYS = [("POST", "/api/sms/inbound"), ("GET", "/api/sms/outbound")]


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(("method", "path"), SIGNED_BY_GATEWAYS)
async def test_the_sms_gateway_endpoints_take_no_callers_token(
    world: World, caller: str, method: str, path: str
) -> None:
    """Only a gateway's HMAC signature opens them: a session or the API key is refused."""
    body = {"message_id": "x", "from": "+6281200000001", "text": "HADIR", "sent_at": "now"}
    status, content_type, reply = await world.call(caller, method, path, body)

    assert (status, reply["code"]) == (401, "sms_signature"), reply
    assert content_type == "application/problem+json"


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(("method", "request_for", "allowed"), CASES)
async def test_each_endpoint_allows_exactly_whom_it_should(
    world: World, caller: str, method: str, request_for: Request, allowed: frozenset[str]
) -> None:
    path, body = request_for(world, caller)

    status, content_type, reply = await world.call(caller, method, path, body)

    if caller in allowed:
        assert 200 <= status < 300, (status, reply)
    else:
        expected = (401, "unauthenticated") if caller == "anonymous" else (403, "forbidden")
        if caller != "anonymous" and path.startswith(HIDDEN):  # found by id: "not yours" is
            expected = (404, reply.get("code"))  # "not there", whatever the missing thing is
            assert reply["code"].startswith("unknown_"), reply
        assert (status, reply["code"]) == expected, reply
        assert content_type == "application/problem+json"


def _later() -> str:
    return (datetime.now(UTC) + timedelta(hours=1)).isoformat().replace("+", "%2B")


# Every read of action A's views, live and as of a moment (replays), and every export.
READS = {
    "overview": lambda w: "/api/actions",
    "action": lambda w: f"/api/actions/{w.action_a}",
    "map": lambda w: f"/api/actions/{w.action_a}/map",
    "feed": lambda w: f"/api/actions/{w.action_a}/feed",
    "legal": lambda w: f"/api/actions/{w.action_a}/legal",
    "checkins": lambda w: f"/api/actions/{w.action_a}/checkins",
    "map replay": lambda w: f"/api/actions/{w.action_a}/map?at={_later()}",
    "feed replay": lambda w: f"/api/actions/{w.action_a}/feed?at={_later()}",
    "legal replay": lambda w: f"/api/actions/{w.action_a}/legal?at={_later()}",
    "reports.csv": lambda w: f"/api/actions/{w.action_a}/export/reports.csv",
    "incidents.csv": lambda w: f"/api/actions/{w.action_a}/export/incidents.csv",
    "requests.csv": lambda w: f"/api/actions/{w.action_a}/export/requests.csv",
    "sites.geojson": lambda w: f"/api/actions/{w.action_a}/sites.geojson",
    "nearest site": lambda w: f"/api/actions/{w.action_a}/nearest-site?lat=-6.2&lon=106.8",
}


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("read", READS)
async def test_no_exact_position_or_legal_text_reaches_a_caller_without_the_permission(
    world: World, caller: str, read: str
) -> None:
    status, _, reply = await world.call(caller, "GET", READS[read](world))
    text = reply if isinstance(reply, str) else json.dumps(reply)

    assert status < 500, text
    if caller not in READ_EXACT:
        assert [m for m in EXACT_MARKS if m in text] == [], text
    if caller not in READ_LEGAL:
        assert [m for m in LEGAL_MARKS if m in text] == [], text


@pytest.mark.parametrize(
    ("read", "marks"),
    [
        ("checkins", EXACT_MARKS[2:]),
        ("reports.csv", EXACT_MARKS[2:]),
        ("incidents.csv", (*EXACT_MARKS[:2], *LEGAL_MARKS[:2])),
        ("requests.csv", LEGAL_MARKS[2:]),
        ("legal", LEGAL_MARKS),
        ("legal replay", LEGAL_MARKS),
    ],
)
async def test_those_with_the_permission_get_the_exact_positions_and_legal_text(
    world: World, read: str, marks: tuple[str, ...]
) -> None:
    for caller in READ_EXACT & READ_LEGAL:
        status, _, reply = await world.call(caller, "GET", READS[read](world))
        text = reply if isinstance(reply, str) else json.dumps(reply)
        assert status == 200, text
        assert [m for m in marks if m not in text] == [], (caller, text)


async def test_others_see_a_legal_item_only_as_its_kind_and_time_at_its_site(world: World) -> None:
    _, _, feed_ = await world.call("korlap_a", "GET", f"/api/actions/{world.action_a}/feed")
    legal = [i for i in feed_["items"] if i["legal"]]
    assert sorted(i["kind"] for i in legal) == ["arrest", "legal_aid"]
    for item in legal:
        assert set(item) <= {"id", "type", "kind", "at", "site_id", "legal", "status"}, item
        assert item["site_id"] == world.site
    _, _, map_ = await world.call("korlap_a", "GET", f"/api/actions/{world.action_a}/map")
    sites = {f["id"]: f for f in map_["features"] if f["properties"]["kind"] == "site"}
    for incident in (f for f in map_["features"] if f["properties"]["kind"] == "incident"):
        assert incident["geometry"] == sites[world.site]["geometry"], incident


async def test_the_action_list_shows_each_caller_only_their_actions(world: World) -> None:
    seen = {}
    for caller in EVERYONE:
        status, _, reply = await world.call(caller, "GET", "/api/actions")
        assert status == 200
        seen[caller] = {a["id"] for a in reply["actions"]} & {world.action_a, world.action_b}

    both = {world.action_a, world.action_b}
    assert seen == {
        "admin": both,
        "national": both,
        "coord_a": {world.action_a},
        "coord_b": {world.action_b},
        "korlap_a": {world.action_a},
        "member": set(),
        "officer_a": set(),
        "officer_x": set(),
        "officer_u": set(),
        "member_u": set(),
        "treasurer": set(),
        "officer": set(),
        "auditor": set(),
        "unit_member": set(),
    }


async def test_no_caller_sees_a_tally_before_close(world: World) -> None:
    """Turnout only while the vote is open, for everyone, administrators included."""
    for caller in EVERYONE:
        for path in ("/api/votes", f"/api/votes/{world.vote}"):
            status, _, reply = await world.call(caller, "GET", path)
            docs = reply.get("votes", [reply]) if status == 200 else []
            for doc in docs:
                if doc["id"] == world.vote:
                    assert doc["status"] == "open" and doc["result"] is None, (caller, doc)
                    assert "receipts" not in doc and "tally" not in json.dumps(doc)
    status, _, sealed = await world.call("admin", "GET", f"/api/votes/{world.sealed_vote}")
    assert status == 200 and sealed["result"]["carried"] is not None  # the same reads, closed


async def test_the_table_covers_every_endpoint_that_needs_a_caller(world: World) -> None:
    from web.openapi import openapi_document

    documented = {
        (method, path)
        for path, item in openapi_document()["paths"].items()
        for method, operation in item.items()
        if path.startswith("/api/")
        and operation.get("security") != []
        and (method.upper(), path) not in SIGNED_BY_GATEWAYS  # their own test, above
    }
    covered = {
        route_of(param.values[0], param.values[1](world, "admin")[0], world) for param in CASES
    }

    # Signing out needs no permission (anyone signed in may); the auth tests cover it.
    assert documented - covered == {("delete", "/api/session")}


async def test_the_units_members_see_purposes_and_amounts_not_beneficiaries(world: World) -> None:
    path = f"/api/funds/{world.fund}/disbursements"
    _, _, for_member = await world.call("unit_member", "GET", path)
    _, _, for_officer = await world.call("officer", "GET", path)
    assert for_member["disbursements"] and for_officer["disbursements"]
    for row in for_member["disbursements"]:
        assert {"purpose", "amount", "status"} <= set(row)
        assert not {"beneficiary", "evidence", "requester", "approvers"} & set(row)
    assert all(row["beneficiary"] == "Korlap" for row in for_officer["disbursements"])


async def test_an_actions_dashboard_shows_the_linked_fund_to_whom_it_should(world: World) -> None:
    seen = {}
    for caller in READ_A:
        status, _, reply = await world.call(caller, "GET", f"/api/actions/{world.action_a}/funds")
        assert status == 200, reply
        seen[caller] = [f["fund_id"] for f in reply["funds"]]
        for row in reply["funds"]:  # totals, purposes and amounts; never who is paid
            text = json.dumps(row)
            assert "beneficiary" not in text and "Korlap" not in text, text
            assert not {"requester", "approvers", "payer", "evidence"} & set(json.loads(text))
    assert {c for c, funds in seen.items() if funds == [world.fund]} == LINKED_FUND_A


async def test_the_units_members_see_arrears_per_affiliate_as_totals_only(world: World) -> None:
    declared = {"affiliate": "SPN", "effective_from": "2026-10", "members": 5, "base_amount": 10**6}
    status, _, reply = await world.call(
        "treasurer", "POST", f"/api/funds/{world.fund}/memberships", declared
    )
    assert status in (200, 201)
    path = f"/api/funds/{world.fund}/arrears?as_of=2027-01-01&min_position={reply['position']}"
    _, _, for_member = await world.call("unit_member", "GET", path)
    _, _, for_officer = await world.call("officer", "GET", path)
    assert for_member["affiliates"] and for_officer["affiliates"]
    for row in for_member["affiliates"]:
        assert set(row) == {"affiliate", "declared", "due", "paid", "arrears", "credit"} | {
            "months_behind"
        }
    assert all("behind" in row and "last_payment" in row for row in for_officer["affiliates"])
