"""A korlap's phone that may be taken: "keluar dan hapus" ends the session and erases what the
page kept, queued reports included; and where the phone was is dropped from received items
after a day. In Chromium, on a real `posko serve`."""

from __future__ import annotations

import time

from playwright.sync_api import Page, expect

from tests.e2e.process import Server
from tests.e2e.test_field_phone import RECEIVED_TIMEOUT, join, plan

OUTBOX = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("posko-lapor", 1);
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const request = open.result.transaction("outbox").objectStore("outbox").getAll();
    request.onsuccess = () => { open.result.close(); resolve(request.result); };
  };
})"""


def test_sign_out_and_erase_ends_the_session_and_leaves_nothing_on_the_phone(
    server: Server, phone: Page
) -> None:
    action_id, sites = plan(server)
    join(server, phone, action_id, sites["Bekasi - Kawasan Jababeka"])
    phone.locator("#checkin").tap()
    expect(phone.locator("#outbox li").first).to_have_attribute(
        "data-state", "received", timeout=RECEIVED_TIMEOUT
    )
    phone.context.set_offline(True)
    phone.locator("#checkin").tap()  # queued, never sent: erased all the same
    expect(phone.locator("#outbox li")).to_have_count(2)
    phone.context.set_offline(False)
    assert len(phone.evaluate(OUTBOX)) == 2

    phone.locator("#wipe").tap()
    phone.locator("#wipe-sure").tap()

    expect(phone.locator("html")).to_have_attribute("data-wiped", "1")
    assert phone.evaluate(OUTBOX) == []
    expect(phone.locator("#outbox li")).to_have_count(0)
    who = phone.evaluate("() => fetch('/api/session').then(r => r.json())")
    assert who["actor"] is None  # the cookie's session is over


def test_a_received_items_position_is_dropped_after_a_day(server: Server, phone: Page) -> None:
    action_id, sites = plan(server)
    join(server, phone, action_id, sites["Bekasi - Kawasan Jababeka"])
    phone.locator("#checkin").tap()
    expect(phone.locator("#outbox li").first).to_have_attribute(
        "data-state", "received", timeout=RECEIVED_TIMEOUT
    )
    (item,) = phone.evaluate(OUTBOX)
    assert "lat" in item["body"]
    # The same item as if it had been made 25 hours ago.
    phone.evaluate(
        """created => new Promise((resolve) => {
          const open = indexedDB.open("posko-lapor", 1);
          open.onsuccess = () => {
            const store = open.result.transaction("outbox", "readwrite").objectStore("outbox");
            store.getAll().onsuccess = (e) => {
              const item = e.target.result[0];
              store.put({ ...item, created }).onsuccess = () => { open.result.close(); resolve(); };
            };
          };
        })""",
        (time.time() - 25 * 3600) * 1000,
    )

    phone.reload()
    expect(phone.locator("html")).to_have_attribute("data-ready", "1")

    (kept,) = phone.evaluate(OUTBOX)
    assert kept["id"] == item["id"] and kept["state"] == "received"
    assert not {"lat", "lon", "accuracy_m"} & set(kept["body"])
