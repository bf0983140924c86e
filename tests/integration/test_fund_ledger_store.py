"""The ledger's pages read from each real view store (SQLite and PostgreSQL): the same entries,
in the fund's order either way, every one once across pages, and only entries, never the
fund's summary or disbursement rows that share its channel."""

from __future__ import annotations

import uuid
from typing import Any

from core.application import Posko
from projections.fund_ledger import LedgerFilter, read_page
from projections.port import ViewPort
from projections.runner import ProjectionRunner
from projections.store import ViewStore
from tests.integration.test_fund import OPEN_DAY, REQUESTER, contribute, open_fund
from tests.integration.test_projections import backend  # noqa: F401  (the fixture)


def pages(store: ViewStore, fund_id: str, wanted: LedgerFilter, **kw: Any) -> list[list[int]]:
    out, cursor = [], None
    while True:
        _position, entries, cursor = read_page(store, fund_id, wanted, cursor, **kw)
        out.append([e["version"] for e in entries])
        if cursor is None:
            return out


def test_pages_on_each_store(backend: tuple[Posko, tuple[Any, Any]]) -> None:  # noqa: F811
    app, (make_store, _reopen) = backend
    fund_id = open_fund(app)
    for n in range(7):
        contribute(app, fund_id, 1_000 + n, day=OPEN_DAY)
    app.request_disbursement(
        id=uuid.uuid4(),
        fund_id=fund_id,
        purpose="Transport",
        beneficiary="Korlap",
        amount=500,
        expense_account="expense:transport",
        pay_from="bank",
        evidence="Nota",
        actor=REQUESTER,
    )
    store = make_store()
    ProjectionRunner(app, ViewPort(store)).catch_up()
    fund = str(fund_id)
    _p, everything, _c = read_page(store, fund, LedgerFilter(), None, 500, False)
    versions = [e["version"] for e in everything]
    assert len(versions) == 7 and versions == sorted(versions)

    assert pages(store, fund, LedgerFilter(), limit=3, descending=False) == [
        versions[0:3],
        versions[3:6],
        versions[6:],
    ]
    assert pages(store, fund, LedgerFilter(), limit=3, descending=True) == [
        versions[::-1][0:3],
        versions[::-1][3:6],
        versions[::-1][6:],
    ]
    # A filter reads on until the page is full; exactly full at the end: no empty page after.
    assert pages(store, fund, LedgerFilter(kind="contribution"), limit=7, descending=False) == [
        versions
    ]
    assert pages(store, fund, LedgerFilter(kind="payment"), limit=2, descending=True) == [[]]
    store.close()
