"""Without a store: the ledger's page filters and cursor bounds (projections/fund_ledger.py),
and who may read a fund linked to an action (its channel and core.access)."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from core.access import FundScope, Permission, Principal, Role, may_read_linked_fund
from projections import channels, fund, fund_link
from projections.fund_ledger import LedgerFilter, bounds


def entry(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "contribution",
        "effective_date": "2026-11-02",
        "memo": "Dana mogok",
        "legs": [
            {"account": "bank", "side": "debit", "amount": 5},
            {"account": "income:strike", "side": "credit", "amount": 5},
        ],
        "details": {"payer": "FSPMI Bekasi", "reference": "TRX-Bus-7"},
        **overrides,
    }


@pytest.mark.parametrize(
    ("wanted", "matches"),
    [
        (LedgerFilter(), True),
        (LedgerFilter(account="bank"), True),
        (LedgerFilter(account="cash"), False),
        (LedgerFilter(kind="contribution"), True),
        (LedgerFilter(kind="payment"), False),
        (LedgerFilter(effective_from="2026-11-02", effective_to="2026-11-02"), True),
        (LedgerFilter(effective_from="2026-11-03"), False),
        (LedgerFilter(effective_to="2026-11-01"), False),
        (LedgerFilter(text="bus"), True),  # the reference, any case
        (LedgerFilter(text="BEKASI"), True),  # the payer
        (LedgerFilter(text="mogok"), True),  # the memo
        (LedgerFilter(text="kaos"), False),
        (LedgerFilter(account="bank", text="kaos"), False),  # every filter must hold
    ],
)
def test_a_filter_keeps_the_entries_it_names(wanted: LedgerFilter, matches: bool) -> None:
    assert wanted.matches(entry()) is matches


def test_the_text_filter_reads_a_payments_reference_and_ignores_missing_details() -> None:
    paid = entry(kind="payment", details={"payment_ref": "BCA-778899", "beneficiary": "Sri"})
    assert LedgerFilter(text="bca-77").matches(paid)
    assert not LedgerFilter(text="sri").matches(paid)  # not a beneficiary: only what it names
    assert not LedgerFilter(text="x").matches(entry(details={}))


def test_pages_lie_after_the_cursor_in_the_order_asked() -> None:
    assert bounds(None, descending=False) == bounds(None, descending=True) == ("e:", "e;")
    assert bounds(7, descending=False) == (fund.entry_key(7), "e;")
    assert bounds(7, descending=True) == ("e:", fund.entry_key(7))
    # Every entry's key lies within the bounds, and neither summary nor disbursements do.
    first, end = bounds(None, descending=False)
    assert first < fund.entry_key(1) < fund.entry_key(10**11) < end
    assert not first < fund.SUMMARY_KEY < end and not first < fund.disbursement_key("d") < end


def test_an_actions_fund_channel_is_parsed_only_in_its_canonical_spelling() -> None:
    action, fund_id = uuid4(), uuid4()
    name = fund_link.channel(action, fund_id)
    ref = channels.parse(name)
    assert ref is not None and (ref.kind, ref.action_id, ref.fund_id) == (
        "action_fund",
        action,
        fund_id,
    )
    assert channels.permission(ref) is Permission.READ_LINKED_FUND
    assert channels.parse(name.upper().replace("ACTION", "action").replace("FUND", "fund")) is None
    assert channels.parse(f"action:{action}:fund:nope") is None


@pytest.mark.parametrize(
    ("role", "linked", "allowed"),
    [
        (Role("coordinator", action_id="A"), True, True),  # the link shares it with them
        (Role("coordinator", action_id="A"), False, False),
        (Role("coordinator"), True, True),  # a national coordinator coordinates every action
        (Role("coordinator", action_id="B"), True, False),  # another action's
        (Role("organiser", action_id="A"), True, False),  # a korlap reads A, not the fund
        (Role("treasurer", fund_id="F"), True, False),  # the fund's, but not a reader of A
        (Role("admin"), False, True),
    ],
)
def test_who_sees_a_linked_fund_on_an_actions_dashboard(
    role: Role, linked: bool, allowed: bool
) -> None:
    action, fund_id = uuid4(), uuid4()
    ids = {"A": str(action), "B": str(uuid4()), "F": str(fund_id)}
    scoped = Role(
        role.name,
        action_id=ids.get(role.action_id or ""),
        fund_id=ids.get(role.fund_id or ""),
    )
    principal = Principal("person:x", (scoped,))
    scope = FundScope(str(fund_id), "confederation", None)
    assert may_read_linked_fund(principal, scope, action, linked) is allowed
    ref = channels.parse(fund_link.channel(action, fund_id))
    assert ref is not None
    assert channels.may_read(principal, ref, None, scope, linked) is allowed
    assert not channels.may_read(principal, ref, None, None, linked)  # no such fund: nobody
