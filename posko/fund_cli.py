"""`posko fund verify FUND_ID [--checkpoints FILE]`: recompute a fund's hash chain, entries
and period checkpoints from the event store and print the result as JSON. Exit status 0 when
everything matches, 1 when something does not (the first mismatch is named), 2 when there is
no such fund or the checkpoints file cannot be read."""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from pathlib import Path
from typing import Any, TextIO

from core.errors import PoskoError
from posko.bootstrap import build
from posko.settings import Settings


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    fund_parser = commands.add_parser("fund", help="solidarity funds: verify a fund's history")
    funds = fund_parser.add_subparsers(dest="fund_command", required=True)
    verify = funds.add_parser(
        "verify",
        help="recompute a fund's chain and checkpoints from the store; name the first mismatch",
    )
    verify.add_argument("fund_id", type=uuid.UUID)
    verify.add_argument(
        "--checkpoints",
        type=Path,
        help="a JSON file with checkpoints kept outside Posko: a list of "
        '{"period", "chain_head", "merkle_root"} (or a verify result holding "checkpoints")',
    )


def run(settings: Settings, args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    try:
        given = _checkpoints(args.checkpoints)
    except (OSError, ValueError) as error:
        print(f"posko: cannot read the checkpoints: {error}", file=sys.stderr)
        return 2
    components = build(settings, runner=False, gateway=False)
    try:
        result = components.app.verify_fund(args.fund_id, given)
    except PoskoError as error:
        print(f"posko: {error.code}", file=sys.stderr)
        return 2
    finally:
        components.close()
    json.dump(result, out, indent=2, ensure_ascii=False)
    out.write("\n")
    return 0 if result["ok"] else 1


def _checkpoints(path: Path | None) -> list[dict[str, Any]]:
    if path is None:
        return []
    data = json.loads(path.read_text())
    if isinstance(data, dict):
        data = data.get("checkpoints", [])
    if not isinstance(data, list) or not all(isinstance(c, dict) for c in data):
        raise ValueError("expected a list of checkpoint objects")
    return data
