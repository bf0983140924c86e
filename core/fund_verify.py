"""Verification of a fund's history, recomputed from the stored events alone: the version
sequence has no holes, every event names the hash before it and hashes to what it says, every
entry balances, every closed period's checkpoint (chain head, Merkle root, entry count) matches
what the events make, and so does every checkpoint an affiliate kept and hands in. The first
thing that does not match is named: its version, its kind and its entry."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from core import ledger
from core.fund import Fund, event_body


def verify(
    fund_id: UUID,
    stored: Sequence[Any],
    decode: Callable[[Any], Any],
    given: list[dict[str, Any]],
) -> dict[str, Any]:
    fund = str(fund_id)
    head = ledger.GENESIS
    leaves: dict[str, list[str]] = {}
    checkpoints: dict[str, dict[str, Any]] = {}
    entries = 0
    debits = credits = 0
    mismatch: dict[str, Any] | None = None

    def fail(version: int, problem: str, event: Any = None, **more: Any) -> dict[str, Any]:
        found: dict[str, Any] = {"version": version, "problem": problem, **more}
        if event is not None:
            found["event"] = type(event).__name__
            found["recorded_at"] = event.timestamp.isoformat()
            for key in ("entry_id", "disbursement_id", "number", "period"):
                if key in vars(event):
                    found[key] = vars(event)[key]
        return found

    for expected, item in enumerate(stored, start=1):
        version = int(item.originator_version)
        if version != expected:
            mismatch = fail(expected, "missing_event", found_version=version)
            break
        try:
            event = decode(item)
        except Exception as error:  # an edit that broke the stored JSON itself
            mismatch = fail(version, "undecodable", error=type(error).__name__)
            break
        fields = vars(event)
        if fields.get("prev_hash") != head:
            mismatch = fail(version, "broken_link", event)
            break
        recomputed = ledger.chain_hash(
            head, type(event).__name__, version, event_body(fund, fields)
        )
        if recomputed != fields.get("hash"):
            mismatch = fail(version, "hash_mismatch", event)
            break
        if isinstance(event, Fund.EntryPosted):
            entry_debits = sum(leg["amount"] for leg in event.legs if leg["side"] == "debit")
            entry_credits = sum(leg["amount"] for leg in event.legs if leg["side"] == "credit")
            if entry_debits != entry_credits or len(event.legs) < 2:
                mismatch = fail(version, "unbalanced", event)
                break
            debits += entry_debits
            credits += entry_credits
            entries += 1
            period = ledger.period_of(date.fromisoformat(event.effective_date))
            if period in checkpoints:
                mismatch = fail(version, "entry_in_closed_period", event)
                break
            leaves.setdefault(period, []).append(event.hash)
        elif isinstance(event, Fund.PeriodClosed):
            period_leaves = leaves.get(event.period, [])
            expected_checkpoint = {
                "chain_head": head,
                "version": version - 1,
                "entries": len(period_leaves),
                "merkle_root": ledger.merkle_root(period_leaves),
            }
            stated = {k: event.checkpoint.get(k) for k in expected_checkpoint}
            if stated != expected_checkpoint:
                mismatch = fail(version, "checkpoint_mismatch", event)
                break
            checkpoints[event.period] = {"period": event.period, **expected_checkpoint}
        head = recomputed

    given_results = []
    for i, kept in enumerate(given):
        kept_period = kept.get("period")
        ours = checkpoints.get(kept_period) if isinstance(kept_period, str) else None
        ok = (
            ours is not None
            and kept.get("chain_head") == ours["chain_head"]
            and kept.get("merkle_root", ours["merkle_root"]) == ours["merkle_root"]
        )
        given_results.append({"index": i, "period": kept_period, "ok": ok})
        if not ok and mismatch is None:
            mismatch = {"problem": "checkpoint_differs", "period": kept_period, "index": i}

    return {
        "ok": mismatch is None and debits == credits,
        "fund_id": str(fund_id),
        "events": len(stored),
        "entries": entries,
        "chain_head": head,
        "debits": debits,
        "credits": credits,
        "checkpoints": list(checkpoints.values()),
        "given": given_results,
        "first_mismatch": mismatch,
    }
