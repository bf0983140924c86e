"""The SMS inbox view without a store: unreadable texts in, rows per action out; a text filed by
hand stays, marked filed, by whom and as what; texts that were read are not in it."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from core.sms import SmsMessage
from projections import sms_inbox
from projections.rows import Doc, Rows

A, B = uuid4(), uuid4()
NOW = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)


def received(outcome: str, action_ids: list[str]) -> SmsMessage:
    return SmsMessage(
        id=uuid4(),
        gateway_id=uuid4(),
        gateway_message_id="m",
        sender="+6281200000001",
        text="halo posko",
        sent_at=NOW,
        outcome=outcome,
        reply={"code": "sms_unknown_keyword", "params": {}, "lang": "id"},
        report_id=None,
        report_type=None,
        action_ids=action_ids,
        actor="person:x",
    )


def run(
    *aggregates: SmsMessage, store: dict[tuple[str, str], Doc] | None = None
) -> dict[tuple[str, str], Doc]:
    store = {} if store is None else store
    for aggregate in aggregates:
        rows = Rows(lambda channel, key: copy.deepcopy(store.get((channel, key))))
        event: Any
        for event in aggregate.collect_events():
            sms_inbox.apply(rows, event)
        store.update(rows.changed)
    return store


def inbox(store: dict[tuple[str, str], Doc], action: Any) -> list[Doc]:
    docs = [
        doc for (channel, _), doc in sorted(store.items()) if channel == sms_inbox.channel(action)
    ]
    return sms_inbox.waiting(docs)


def test_an_unreadable_text_waits_in_each_of_the_senders_actions() -> None:
    text = received("unparsed", [str(A), str(B)])
    store = run(text)
    assert [d["text"] for d in inbox(store, A)] == ["halo posko"]
    assert [d["id"] for d in inbox(store, B)] == [str(text.id)]
    assert all(not channel.startswith("action:") for channel, _ in store)  # never published


def test_texts_that_were_read_are_not_in_it() -> None:
    assert inbox(run(received("accepted", [str(A)]), received("refused", [str(A)])), A) == []


def test_a_text_filed_by_hand_leaves_every_inbox_and_says_by_whom() -> None:
    text = received("unparsed", [str(A), str(B)])
    store = run(text)
    report = uuid4()
    text.transcribe(report_id=report, report_type="request", actor="person:rina")
    run(text, store=store)
    assert inbox(store, A) == inbox(store, B) == []
    filed = [d for (c, _), d in store.items() if c == sms_inbox.channel(A)]
    assert filed[0]["filed_by"] == "person:rina" and filed[0]["report_id"] == str(report)
