"""Reports by SMS over HTTP on a real server (as tests/integration/test_api.py builds it): the
gateway's signatures, replays and stale texts, each keyword filed through the same aggregates as
the phone page, who may report, a text and an upload of one item counted once, replies handed out
once and limited per number, and the inbox a coordinator files from by hand."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer

from core.access import Role
from core.sms import REPLY_LIMIT, message_id
from core.sms_keywords import REF_ALPHABET
from posko.bootstrap import build, web_services
from posko.settings import Settings
from tests.integration import test_api
from tests.integration.test_api import (
    KEY,
    Api,
    Planned,
    Reply,
    action_body,
    assert_problem,
    now,
    plan_with_site,
    report_body,
    site_body,
)
from tests.integration.test_field_api import as_caller, coordinator_of, download, rows_of
from web.app import create_app

api = test_api.api
projecting = test_api.projecting

KORLAP = "+6281200000001"


@dataclass
class Gateway:
    id: str
    secret: str


def add_gateway(api: Api, name: str = "HP posko") -> Gateway:
    result, secret = api.components.app.add_sms_gateway(name=name, server_key=KEY, actor="cli")
    return Gateway(str(result.id), secret)


def sign(secret: str, payload: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def text_body(text: str, sender: str = KORLAP, **overrides: Any) -> dict[str, Any]:
    return {
        "message_id": str(uuid4()),
        "from": sender,
        "text": text,
        "sent_at": (now() - timedelta(seconds=5)).isoformat(),
        **overrides,
    }


async def inbound(
    api: Api, gateway: Gateway, body: dict[str, Any], *, secret: str | None = None
) -> Reply:
    raw = json.dumps(body).encode()
    headers = {
        "X-Posko-Gateway": gateway.id,
        "X-Posko-Signature": sign(secret or gateway.secret, raw),
        "Content-Type": "application/json",
    }
    return await api.call("POST", "/api/sms/inbound", raw=raw, headers=headers, auth=False)


async def text(api: Api, gateway: Gateway, message: str, sender: str = KORLAP) -> Reply:
    reply = await inbound(api, gateway, text_body(message, sender))
    assert reply.status == 200, reply.body
    return reply


async def outbound(api: Api, gateway: Gateway, *, ts: int | None = None) -> Reply:
    path = f"/api/sms/outbound?ts={int(time.time()) if ts is None else ts}&limit=50"
    headers = {
        "X-Posko-Gateway": gateway.id,
        "X-Posko-Signature": sign(gateway.secret, f"GET {path}".encode()),
    }
    return await api.call("GET", path, headers=headers, auth=False)


async def korlap_person(api: Api, action_id: str, phone: str = KORLAP, **scope: str) -> str:
    person = await api.post("/api/people", {"name": "Sri", "phone": phone})
    assert person.status == 201, person.body
    role = Role("organiser", action_id=action_id, **scope).as_dict()
    assert (await api.post(f"/api/people/{person.body['id']}/roles", role)).status == 201
    return str(person.body["id"])


async def feed_item(api: Api, action_id: str, item_id: str, position: int) -> dict[str, Any]:
    feed = await api.get(f"/api/actions/{action_id}/feed?min_position={position}")
    assert feed.status == 200, feed.body
    items = [i for i in feed.body["items"] if i["id"] == item_id]
    assert len(items) == 1, feed.body
    return dict(items[0])


async def site_with_korlap(api: Api) -> tuple[Planned, Gateway]:
    planned = await plan_with_site(api)
    await korlap_person(api, planned.action_id)
    return planned, add_gateway(api)


# -- signatures, replays, stale texts ------------------------------------------------------------


async def test_a_bad_missing_or_foreign_signature_is_401_and_writes_nothing(api: Api) -> None:
    _planned, gateway = await site_with_korlap(api)
    other = add_gateway(api, "another phone")
    body = text_body("HADIR BUN1")
    raw = json.dumps(body).encode()
    before = api.position()
    cases = [
        {"X-Posko-Gateway": gateway.id},  # no signature
        {"X-Posko-Signature": sign(gateway.secret, raw)},  # no gateway
        {"X-Posko-Gateway": gateway.id, "X-Posko-Signature": "sha256=" + "0" * 64},
        {"X-Posko-Gateway": gateway.id, "X-Posko-Signature": sign(other.secret, raw)},
        {"X-Posko-Gateway": gateway.id, "X-Posko-Signature": sign(gateway.secret, raw + b" ")},
        {"X-Posko-Gateway": str(uuid4()), "X-Posko-Signature": sign(gateway.secret, raw)},
        {"X-Posko-Gateway": "not-a-uuid", "X-Posko-Signature": sign(gateway.secret, raw)},
        {"X-Posko-Gateway": gateway.id, "X-Posko-Signature": "sha256=ÿ"},
    ]
    for headers in cases:
        reply = await api.call("POST", "/api/sms/inbound", raw=raw, headers=headers, auth=False)
        assert_problem(reply, 401, "sms_signature")
    assert api.position() == before
    assert api.events_of(message_id(UUID(gateway.id), body["message_id"])) == 0


async def test_a_removed_gateway_is_refused(api: Api) -> None:
    _, gateway = await site_with_korlap(api)
    api.components.app.remove_sms_gateway(gateway_id=UUID(gateway.id), actor="cli")
    assert_problem(await inbound(api, gateway, text_body("HADIR BUN1")), 401, "sms_signature")


async def test_a_secret_made_under_another_server_key_is_refused(api: Api) -> None:
    _, _gateway = await site_with_korlap(api)
    app = api.components.app
    result, foreign = app.add_sms_gateway(name="x", server_key="z" * 32, actor="cli")
    reply = await inbound(api, Gateway(str(result.id), foreign), text_body("HADIR BUN1"))
    assert_problem(reply, 401, "sms_signature")


async def test_a_replay_records_nothing_and_answers_as_the_first_time(api: Api) -> None:
    _, gateway = await site_with_korlap(api)
    body = text_body("JUMLAH 1500 BUN1")
    first = await inbound(api, gateway, body)
    assert first.status == 200, first.body
    assert first.body["outcome"] == "accepted"
    before = api.position()

    again = await inbound(api, gateway, body)
    changed = await inbound(api, gateway, {**body, "text": "JUMLAH 9 BUN1"})  # same id

    assert again.status == 200 and again.body == first.body
    assert changed.body == first.body
    assert api.position() == before


async def test_stale_texts_and_bad_bodies_are_refused_and_write_nothing(api: Api) -> None:
    _, gateway = await site_with_korlap(api)
    before = api.position()
    stale = text_body("HADIR BUN1", sent_at=(now() - timedelta(hours=3)).isoformat())
    assert_problem(await inbound(api, gateway, stale), 422, "sms_stale")
    future = text_body("HADIR BUN1", sent_at=(now() + timedelta(hours=1)).isoformat())
    assert_problem(await inbound(api, gateway, future), 422, "in_future")
    for field in ("message_id", "from", "text", "sent_at"):
        body = text_body("HADIR BUN1")
        del body[field]
        reply = await inbound(api, gateway, body)
        assert_problem(reply, 422, "required")
        assert reply.body["field"] == field
    naive = text_body("HADIR BUN1", sent_at="2026-05-01T10:00:00")
    assert_problem(await inbound(api, gateway, naive), 422, "needs_timezone")
    assert api.position() == before


# -- each keyword, through the same aggregates as the phone page ---------------------------------


@pytest.mark.usefixtures("projecting")
async def test_hadir_checks_in_at_the_site_position_marked_as_by_sms(api: Api) -> None:
    planned, gateway = await site_with_korlap(api)
    reply = await text(api, gateway, "hadir bun 1")

    assert reply.body["outcome"] == "accepted"
    assert reply.body["report_type"] == "report"
    assert "Bundaran HI" in reply.body["reply"]
    item = await feed_item(api, planned.action_id, reply.body["report_id"], reply.body["position"])
    assert item["kind"] == "checkin" and item["via"] == "sms"
    assert item["distance_m"] == 0 and item["far"] is False
    site = (await api.get(f"/api/actions/{planned.action_id}/map")).body["features"][0]
    assert site["properties"]["last_checkin_at"] is not None


@pytest.mark.usefixtures("projecting")
async def test_jumlah_sets_the_headcount_on_the_map(api: Api) -> None:
    planned, gateway = await site_with_korlap(api)
    reply = await text(api, gateway, "JML 1.500 BUN1")

    map_ = await api.get(
        f"/api/actions/{planned.action_id}/map?min_position={reply.body['position']}"
    )
    assert map_.body["features"][0]["properties"]["headcount"] == 1500
    item = await feed_item(api, planned.action_id, reply.body["report_id"], reply.body["position"])
    assert item["headcount"] == 1500 and item["via"] == "sms"


@pytest.mark.usefixtures("projecting")
async def test_status_insiden_and_bantuan_use_the_site_of_the_last_hadir(api: Api) -> None:
    planned = await plan_with_site(api)
    second = await api.post(
        f"/api/actions/{planned.action_id}/sites", site_body(name="Kantor Gubernur")
    )
    await korlap_person(api, planned.action_id)
    gateway = add_gateway(api)

    before_hadir = await text(api, gateway, "STATUS BERTAHAN AMAN")
    assert before_hadir.body["outcome"] == "refused"
    assert "HADIR" in before_hadir.body["reply"]

    await text(api, gateway, "HADIR KAN2")
    status = await text(api, gateway, "stattus bertahan tegang")
    incident = await text(api, gateway, "INSIDEN TANGKAP 2 orang dibawa ke polres")
    request = await text(api, gateway, "BANTUAN MEDIS 2 ada yang pingsan")

    status_item = await feed_item(
        api, planned.action_id, status.body["report_id"], status.body["position"]
    )
    assert status_item["site_id"] == second.body["id"]
    assert (status_item["phase"], status_item["mood"]) == ("holding", "tense")
    incident_item = await feed_item(
        api, planned.action_id, incident.body["report_id"], request.body["position"]
    )
    assert incident_item["type"] == "incident" and incident_item["kind"] == "arrest"
    assert "description" not in incident_item  # an arrest's details: the legal channel only
    legal = await api.get(f"/api/actions/{planned.action_id}/legal")
    (arrest,) = [i for i in legal.body["items"] if i["id"] == incident.body["report_id"]]
    assert arrest["severity"] == "high" and arrest["via"] == "sms"
    assert arrest["description"] == "2 orang dibawa ke polres"
    request_item = await feed_item(
        api, planned.action_id, request.body["report_id"], request.body["position"]
    )
    assert request_item["type"] == "request" and request_item["kind"] == "medic"
    assert request_item["quantity"] == 2 and request_item["site_id"] == second.body["id"]
    legal = await api.get(f"/api/actions/{planned.action_id}/legal")
    assert [i["via"] for i in legal.body["items"]] == ["sms"]  # the arrest, for the LBH


@pytest.mark.usefixtures("projecting")
async def test_batal_cancels_the_senders_request_and_nothing_else(api: Api) -> None:
    planned, gateway = await site_with_korlap(api)
    request = await text(api, gateway, "BANTUAN AIR 50")
    assert request.body["outcome"] == "accepted", request.body  # the action's only site
    code = request.body["reply"].rsplit("BATAL ", 1)[1]

    cancelled = await text(api, gateway, f"batal {code.upper()}")
    assert cancelled.body["outcome"] == "cancelled"
    item = await feed_item(
        api, planned.action_id, request.body["report_id"], cancelled.body["position"]
    )
    assert item["status"] == "cancelled"

    headcount = await text(api, gateway, "JUMLAH 100")
    headcount_code = headcount.body["reply"].rsplit("Kode ", 1)[1].rstrip(".")
    assert (await text(api, gateway, f"BATAL {headcount_code}")).body["outcome"] == "refused"
    someone_else = "+6281200000009"
    await korlap_person(api, planned.action_id, phone=someone_else)
    other = await text(api, gateway, f"BATAL {code}", sender=someone_else)
    assert "sms_unknown_report" not in other.body["reply"]
    assert other.body["outcome"] == "refused"


async def test_refusals_answer_with_the_right_form_and_file_nothing(api: Api) -> None:
    planned, gateway = await site_with_korlap(api)
    before = api.events_of(UUID(planned.action_id))
    for message, expected in [
        ("JUMLAH banyak BUN1", "JUMLAH <angka> [<kode lokasi>]"),
        ("HADIR", "HADIR <kode lokasi>"),
        ("BANTUAN helikopter 1", "BANTUAN <jenis> <jumlah> [<catatan>]"),
        ("apa kabar", "HADIR <kode lokasi> | JUMLAH"),
    ]:
        reply = await text(api, gateway, message)
        assert reply.body["outcome"] == "unparsed", reply.body
        assert reply.body["report_id"] is None
        assert expected in reply.body["reply"], reply.body["reply"]
    english = await text(api, gateway, "COUNT lots")
    assert "Form: JUMLAH" in english.body["reply"]
    assert api.events_of(UUID(planned.action_id)) == before


# -- who may report ------------------------------------------------------------------------------


@pytest.mark.usefixtures("projecting")
async def test_an_unknown_number_is_told_so_and_nothing_is_filed(api: Api) -> None:
    planned = await plan_with_site(api)
    gateway = add_gateway(api)
    reply = await text(api, gateway, "JUMLAH 1500 BUN1", sender="+6289999999999")
    assert reply.body["outcome"] == "unknown_sender" and reply.body["report_id"] is None
    garbage = await text(api, gateway, "JUMLAH 1500 BUN1", sender="PROMO-XL")
    assert garbage.body["outcome"] == "unknown_sender"
    sent = (await outbound(api, gateway)).body["messages"]
    assert [m["to"] for m in sent] == ["+6289999999999"]  # none to a sender that is no number
    too_long = await inbound(api, gateway, text_body("HADIR BUN1", sender="9" * 41))
    assert_problem(too_long, 422, "too_long")
    inbox = await api.get(
        f"/api/actions/{planned.action_id}/sms/inbox?min_position={api.position()}"
    )
    assert inbox.body["messages"] == []


async def test_a_number_without_a_role_in_the_action_may_not_report(api: Api) -> None:
    await plan_with_site(api)
    gateway = add_gateway(api)
    person = await api.post("/api/people", {"name": "Budi", "phone": KORLAP})
    assert person.status == 201
    reply = await text(api, gateway, "JUMLAH 1500 BUN1")
    assert reply.body["outcome"] == "refused" and reply.body["report_id"] is None
    assert "peran" in reply.body["reply"]
    # a deactivated korlap is no korlap
    budi2 = await korlap_person(api, (await plan_with_site(api)).action_id, phone="+6281200000002")
    assert (await api.post(f"/api/people/{budi2}/deactivate")).status == 201
    gone = await text(api, gateway, "JUMLAH 5 BUN1", sender="+6281200000002")
    assert gone.body["outcome"] == "unknown_sender"


async def test_a_site_code_from_another_action_is_unknown_to_the_sender(api: Api) -> None:
    mine = await plan_with_site(api)
    await korlap_person(api, mine.action_id)
    other = await api.post("/api/actions", action_body())
    await api.post(f"/api/actions/{other.body['id']}/sites", site_body(name="Monas"))
    gateway = add_gateway(api)

    reply = await text(api, gateway, "HADIR MON1")
    assert reply.body["outcome"] == "refused" and reply.body["report_id"] is None
    assert "MON1" in reply.body["reply"]
    assert api.events_of(UUID(other.body["id"])) == 2  # planned, site added: nothing else


async def test_a_number_named_on_an_invite_reports_for_its_site_while_it_lasts(api: Api) -> None:
    planned = await plan_with_site(api)
    second = await api.post(f"/api/actions/{planned.action_id}/sites", site_body(name="DPR"))
    invite = await api.post(
        f"/api/actions/{planned.action_id}/invites",
        {"label": "Korlap HI", "site_id": planned.site_id, "phones": ["0812-0000-0077"]},
    )
    assert invite.status == 201, invite.body
    gateway = add_gateway(api)
    number = "+6281200000077"

    here = await text(api, gateway, "JUMLAH 300", sender=number)  # the invite's site
    assert here.body["outcome"] == "accepted", here.body
    there = await text(api, gateway, "JUMLAH 300 DPR2", sender=number)
    assert there.body["outcome"] == "refused" and "DPR" in there.body["reply"]

    await api.post(f"/api/invites/{invite.body['id']}/revoke")
    revoked = await text(api, gateway, "JUMLAH 300", sender=number)
    assert revoked.body["outcome"] == "unknown_sender"
    assert second.status == 201


async def test_an_invite_with_a_bad_phone_number_is_refused_whole(api: Api) -> None:
    planned = await plan_with_site(api)
    before = api.position()
    reply = await api.post(
        f"/api/actions/{planned.action_id}/invites",
        {"label": "K", "phones": ["0812-0000-0077", "halo"]},
    )
    assert_problem(reply, 422, "not_a_phone")
    assert reply.body["field"] == "phones.1"
    assert api.position() == before


# -- one item by SMS and by data: counted once ---------------------------------------------------


def ref() -> str:
    return "".join(REF_ALPHABET[b % 32] for b in uuid4().bytes[:10])


def item_id_of(action_id: str, short: str) -> str:
    from core.sms import item_id

    return str(item_id(UUID(action_id), short))


@pytest.mark.usefixtures("projecting")
async def test_the_same_report_by_sms_then_by_data_counts_once(api: Api) -> None:
    planned, gateway = await site_with_korlap(api)
    token = await coordinator_of(api, planned.action_id)
    short = ref()
    by_sms = await text(api, gateway, f"JUMLAH 1500 BUN1 #{short}")
    assert by_sms.body["report_id"] == item_id_of(planned.action_id, short)

    body = report_body(planned.site_id, id=item_id_of(planned.action_id, short), headcount=1500)
    by_data = await as_caller(api, token, "POST", f"/api/actions/{planned.action_id}/reports", body)
    again = await as_caller(api, token, "POST", f"/api/actions/{planned.action_id}/reports", body)

    assert by_data.status == 200 and again.status == 200, by_data.body
    assert by_data.body["id"] == by_sms.body["report_id"]
    map_ = await api.get(f"/api/actions/{planned.action_id}/map?min_position={api.position()}")
    assert map_.body["features"][0]["properties"]["reports"] == 1
    status, csv_text, _ = await download(
        api, f"/api/actions/{planned.action_id}/export/reports.csv"
    )
    assert status == 200
    assert [row["via"] for row in rows_of(csv_text)] == ["sms"]  # once in the export, marked
    # a different report under a plain client id still conflicts as before
    clash = report_body(
        planned.site_id, id=by_sms.body["report_id"], kind="status", phase="holding"
    )
    clash.pop("headcount")
    reply = await as_caller(api, token, "POST", f"/api/actions/{planned.action_id}/reports", clash)
    assert_problem(reply, 409, "id_reused")


@pytest.mark.usefixtures("projecting")
async def test_the_same_report_by_data_then_by_sms_counts_once(api: Api) -> None:
    planned, gateway = await site_with_korlap(api)
    short = ref()
    body = report_body(planned.site_id, id=item_id_of(planned.action_id, short))
    assert (await api.post(f"/api/actions/{planned.action_id}/reports", body)).status == 201

    by_sms = await text(api, gateway, f"JUMLAH 1200 BUN1 #{short}")

    assert by_sms.body["outcome"] == "already"
    assert "sudah diterima" in by_sms.body["reply"]
    map_ = await api.get(f"/api/actions/{planned.action_id}/map?min_position={api.position()}")
    assert map_.body["features"][0]["properties"]["reports"] == 1


# -- replies -------------------------------------------------------------------------------------


async def test_replies_are_collected_once_by_their_own_gateway(api: Api) -> None:
    _, gateway = await site_with_korlap(api)
    other = add_gateway(api, "second phone")
    first = await text(api, gateway, "JUMLAH 10 BUN1")
    second = await text(api, gateway, "JUMLAH banyak")

    assert (await outbound(api, other)).body["messages"] == []
    collected = await outbound(api, gateway)
    assert collected.status == 200, collected.body
    assert [(m["to"], m["text"]) for m in collected.body["messages"]] == [
        (KORLAP, first.body["reply"]),
        (KORLAP, second.body["reply"]),
    ]
    assert (await outbound(api, gateway)).body["messages"] == []
    replay = await inbound(api, gateway, text_body("x", message_id="m"))
    await inbound(api, gateway, text_body("x", message_id="m"))  # a replay queues nothing
    assert len((await outbound(api, gateway)).body["messages"]) == 1
    assert replay.status == 200


async def test_a_poll_with_a_bad_signature_or_stale_time_is_401(api: Api) -> None:
    _, gateway = await site_with_korlap(api)
    await text(api, gateway, "JUMLAH 10 BUN1")
    stale = await outbound(api, gateway, ts=int(time.time()) - 3600)
    assert_problem(stale, 401, "sms_stale_poll")
    path = f"/api/sms/outbound?ts={int(time.time())}"
    forged = await api.call(
        "GET",
        path,
        headers={"X-Posko-Gateway": gateway.id, "X-Posko-Signature": sign("guess", path.encode())},
        auth=False,
    )
    assert_problem(forged, 401, "sms_signature")
    bearer = await api.get("/api/sms/outbound")  # the API key is no gateway
    assert_problem(bearer, 401, "sms_signature")
    assert len((await outbound(api, gateway)).body["messages"]) == 1  # still waiting


async def test_replies_to_one_number_are_limited_so_a_loop_cannot_drain_credit(api: Api) -> None:
    _, gateway = await site_with_korlap(api)
    loop = "+6281300000000"  # another machine answering every reply with a text
    for i in range(REPLY_LIMIT + 4):
        await text(api, gateway, f"Pesan otomatis {i}", sender=loop)
    await text(api, gateway, "JUMLAH 10 BUN1")  # others are still answered

    sent = (await outbound(api, gateway)).body["messages"]
    assert sum(1 for m in sent if m["to"] == loop) == REPLY_LIMIT
    assert sum(1 for m in sent if m["to"] == KORLAP) == 1


# -- codes and the inbox -------------------------------------------------------------------------


async def test_site_codes_and_the_number_are_for_those_who_read_the_action(api: Api) -> None:
    planned = await plan_with_site(api)
    await api.post(f"/api/actions/{planned.action_id}/sites", site_body(name="Kantor Gubernur"))
    codes = await api.get(f"/api/actions/{planned.action_id}/sms")
    assert codes.status == 200
    assert [s["code"] for s in codes.body["sites"]] == ["BUN1", "KAN2"]
    stranger = await coordinator_of(api, (await plan_with_site(api)).action_id)
    assert_problem(
        await as_caller(api, stranger, "GET", f"/api/actions/{planned.action_id}/sms"), 403
    )


@pytest.mark.usefixtures("projecting")
async def test_a_coordinator_files_an_unreadable_text_by_hand(api: Api) -> None:
    planned, gateway = await site_with_korlap(api)
    token = await coordinator_of(api, planned.action_id)
    unread = await text(api, gateway, "tolong ada yg pingsan 2 org di depan gerbang")
    assert unread.body["outcome"] == "unparsed"

    inbox_path = f"/api/actions/{planned.action_id}/sms/inbox"
    inbox = await as_caller(
        api, token, "GET", f"{inbox_path}?min_position={unread.body['position']}"
    )
    assert [m["text"] for m in inbox.body["messages"]] == [
        "tolong ada yg pingsan 2 org di depan gerbang"
    ]
    path = f"/api/actions/{planned.action_id}/sms/inbox/{unread.body['id']}/report"
    body = {"type": "request", "site_id": planned.site_id, "kind": "medic", "quantity": 2}
    filed = await as_caller(api, token, "POST", path, body)
    again = await as_caller(api, token, "POST", path, body)

    assert filed.status == 201, filed.body
    assert again.status == 200 and again.body["id"] == filed.body["id"]
    item = await feed_item(api, planned.action_id, filed.body["id"], again.body["position"])
    assert item["via"] == "sms" and item["reporter"].startswith("person:")
    after = await as_caller(api, token, "GET", f"{inbox_path}?min_position={api.position()}")
    assert after.body["messages"] == []
    message = api.components.app.sms_message(UUID(unread.body["id"]))
    assert message.transcribed_by == item["reporter"]


async def test_only_coordinators_read_the_inbox_and_file_from_it(api: Api) -> None:
    planned, gateway = await site_with_korlap(api)
    unread = await text(api, gateway, "halo")
    invite = await api.post(f"/api/actions/{planned.action_id}/invites", {"label": "K"})
    korlap = await api.post(
        "/api/invites/redeem", {"code": invite.body["code"], "name": "Sri"}, auth=False
    )
    token = korlap.body["token"]
    inbox = f"/api/actions/{planned.action_id}/sms/inbox"
    assert_problem(await as_caller(api, token, "GET", inbox), 403)
    body = {"type": "report", "site_id": planned.site_id, "kind": "headcount", "headcount": 5}
    reply = await as_caller(api, token, "POST", f"{inbox}/{unread.body['id']}/report", body)
    assert_problem(reply, 403)
    other = await plan_with_site(api)
    wrong = await api.post(
        f"/api/actions/{other.action_id}/sms/inbox/{unread.body['id']}/report",
        {**body, "site_id": other.site_id},
    )
    assert_problem(wrong, 422, "sms_other_action")


async def test_a_bad_transcription_is_refused_naming_its_field_and_writes_nothing(
    api: Api,
) -> None:
    planned, gateway = await site_with_korlap(api)
    unread = await text(api, gateway, "halo")
    path = f"/api/actions/{planned.action_id}/sms/inbox/{unread.body['id']}/report"
    before = api.position()
    for body, code, field in [
        ({"type": "note"}, "not_one_of", "type"),
        (
            {"type": "request", "site_id": planned.site_id, "kind": "pizza", "quantity": 1},
            "not_one_of",
            "kind",
        ),
        (
            {"type": "report", "site_id": planned.site_id, "kind": "headcount", "headcount": "5"},
            "wrong_type",
            "headcount",
        ),
    ]:
        reply = await api.post(path, body)
        assert_problem(reply, 422, code)
        assert reply.body["field"] == field
    # The body is read before the text is looked up: a bad body for no text is still a 422.
    nowhere = f"/api/actions/{planned.action_id}/sms/inbox/{uuid4()}/report"
    assert_problem(await api.post(nowhere, {"type": "request"}), 422, "required")
    assert api.position() == before


async def test_a_burst_of_texts_is_each_filed_and_answered_once(api: Api) -> None:
    planned, gateway = await site_with_korlap(api)
    senders = [f"+62812555{i:05d}" for i in range(12)]
    for number in senders:
        await korlap_person(api, planned.action_id, phone=number)

    replies = await asyncio.gather(
        *(text(api, gateway, f"JUMLAH {100 + i} BUN1", sender=n) for i, n in enumerate(senders))
    )

    assert {r.body["outcome"] for r in replies} == {"accepted"}
    assert len({r.body["report_id"] for r in replies}) == len(senders)
    sent = (await outbound(api, gateway)).body["messages"]
    assert sorted(m["to"] for m in sent) == sorted(senders)


# -- pushing replies to a provider ---------------------------------------------------------------


async def test_replies_are_pushed_signed_to_a_provider_once(tmp_path: Path) -> None:
    """A provider's HTTP API (a real server here) gets each reply once, signed with the
    gateway's secret; its first answer is a 503, so the reply is tried again."""
    received: list[dict[str, Any]] = []
    answers = [503]

    async def provider(request: web.Request) -> web.Response:
        raw = await request.read()
        assert request.headers["X-Posko-Signature"] == sign(gateway.secret, raw)
        if answers:
            return web.Response(status=answers.pop())
        received.append(json.loads(raw))
        return web.json_response({"ok": True})

    provider_app = web.Application()
    provider_app.add_routes([web.post("/send", provider)])
    provider_server = TestServer(provider_app)
    await provider_server.start_server()
    components = build(Settings(data_dir=tmp_path, api_key=KEY), runner=False, gateway=False)
    added, secret = components.app.add_sms_gateway(name="HP", server_key=KEY, actor="cli")
    gateway = Gateway(str(added.id), secret)
    components.settings = dataclasses.replace(
        components.settings,
        sms_push_url=str(provider_server.make_url("/send")),
        sms_push_gateway=gateway.id,
    )
    server = TestServer(create_app(web_services(components)))
    await server.start_server()
    session = ClientSession(base_url=str(server.make_url("/")))
    api = Api(session, components)
    try:
        await site_with_korlap_on(api)
        sent = await text(api, gateway, "JUMLAH 10 BUN1")
        deadline = time.monotonic() + 20
        while not received:
            assert time.monotonic() < deadline, "nothing was pushed"
            await asyncio.sleep(0.05)
        assert [(m["to"], m["text"]) for m in received] == [(KORLAP, sent.body["reply"])]
        assert (await outbound(api, gateway)).body["messages"] == []  # already gone, once
    finally:
        await session.close()
        await server.close()
        await provider_server.close()
        await asyncio.get_running_loop().shutdown_default_executor()
        components.close()


async def site_with_korlap_on(api: Api) -> None:
    planned = await plan_with_site(api)
    await korlap_person(api, planned.action_id)


@pytest.mark.usefixtures("projecting")
async def test_a_burst_of_unreadable_texts_all_reach_the_inbox(api: Api) -> None:
    planned, gateway = await site_with_korlap(api)
    senders = [f"+62812666{i:05d}" for i in range(12)]
    for number in senders:
        await korlap_person(api, planned.action_id, phone=number)

    replies = await asyncio.gather(
        *(text(api, gateway, f"halo posko {i}", sender=n) for i, n in enumerate(senders))
    )

    assert {r.body["outcome"] for r in replies} == {"unparsed"}
    inbox = await api.get(
        f"/api/actions/{planned.action_id}/sms/inbox?min_position={api.position()}"
    )
    assert len(inbox.body["messages"]) == len(senders)
