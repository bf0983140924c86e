"""Checks an evidence bundle exported by Posko, with nothing but Python 3: every entry's digest
covers the one before it (a changed, removed or reordered entry breaks the chain), and every
attached file is the one the entries name. Usage: python3 verify_evidence.py <bundle folder>.
Shipped inside every bundle; it imports nothing from Posko on purpose."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

GENESIS = "0" * 64


def digest(prev: str, entry: dict[str, Any]) -> str:
    text = json.dumps(
        {"prev": prev, "entry": entry}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(text.encode()).hexdigest()


def problems(folder: Path) -> list[str]:
    found: list[str] = []
    data = json.loads((folder / "evidence.json").read_text("utf-8"))
    prev = GENESIS
    for i, link in enumerate(data["entries"]):
        if link.get("prev") != prev:
            found.append(f"entry {i + 1}: does not follow the entry before it")
        if digest(prev, link["entry"]) != link.get("digest"):
            found.append(f"entry {i + 1}: its content does not match its digest")
        prev = link.get("digest", "")
    if data["entries"] and data.get("head") != prev:
        found.append("the head digest is not the last entry's digest")
    files = data.get("attachments", {})
    for attachment_id, meta in files.items():
        path = folder / meta["path"]
        if not path.is_file():
            found.append(f"attachment {attachment_id}: missing from the bundle")
            continue
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        if sha != meta["sha256"]:
            found.append(f"attachment {attachment_id}: the file was changed")
    for i, link in enumerate(data["entries"]):
        for named in link["entry"].get("attachments", []):
            meta = files.get(named["id"])
            if meta is None:
                found.append(f"entry {i + 1}: attachment {named['id']} is not in the bundle")
            elif meta["sha256"] != named["sha256"]:
                found.append(f"entry {i + 1}: attachment {named['id']} is not the file it named")
    return found


def main(argv: list[str]) -> int:
    folder = Path(argv[1] if len(argv) > 1 else ".")
    found = problems(folder)
    data = json.loads((folder / "evidence.json").read_text("utf-8"))
    if found:
        print("TIDAK UTUH / NOT INTACT")
        for problem in found:
            print(" -", problem)
        return 1
    print(f"UTUH / INTACT: {len(data['entries'])} entries, head {data['head']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
