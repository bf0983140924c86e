"""The evidence bundle for the legal team: a zip of the log (evidence.json, with each entry's
digest chain), the attached files by their SHA-256, a stand-alone verify script and a note in
Bahasa Indonesia and English on how to check it. Built in memory from what the app returns."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

VERIFY_SCRIPT = Path(__file__).with_name("evidence_verify.py")
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
README = """BUKTI AKSI — cara memeriksa keutuhan / EVIDENCE — how to check it is intact

1. Ekstrak zip ini ke satu folder. / Unzip into one folder.
2. Jalankan / Run:   python3 verify_evidence.py .
3. "UTUH / INTACT" berarti tidak ada catatan yang diubah, dihapus atau ditukar urutannya, dan
   setiap lampiran sama dengan yang disebut catatan. / means no entry was changed, removed or
   reordered, and every attachment is the file the entries name.
4. Bandingkan digest "head" dengan yang dicatat saat ekspor (header X-Evidence-Head) atau yang
   dikirim terpisah oleh serikat. / Compare the head digest with the one noted at export time.

Setiap catatan: digest = sha256(JSON kanonik {prev, entry}); prev = digest catatan sebelumnya,
catatan pertama: 64 angka nol. / Each entry's digest covers the previous one's.
"""


class StoredFile(Protocol):
    @property
    def sha256(self) -> str: ...

    @property
    def filename(self) -> str: ...

    @property
    def media_type(self) -> str: ...

    def data(self) -> bytes: ...


def build(
    evidence: dict[str, Any], files: Iterable[tuple[str, StoredFile]], now: datetime
) -> bytes:
    """The zip's bytes. `files` are (attachment id, stored file) for every id the entries name."""
    manifest: dict[str, Any] = {}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for attachment_id, stored in files:
            path = f"attachments/{stored.sha256}{EXTENSIONS.get(stored.media_type, '.pdf')}"
            manifest[attachment_id] = {
                "path": path,
                "sha256": stored.sha256,
                "filename": stored.filename,
                "media_type": stored.media_type,
            }
            bundle.writestr(path, stored.data())
        document = {**evidence, "exported_at": now.isoformat(), "attachments": manifest}
        bundle.writestr(
            "evidence.json", json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True)
        )
        bundle.writestr("verify_evidence.py", VERIFY_SCRIPT.read_text("utf-8"))
        bundle.writestr("BACA-SAYA.txt", README)
    return buffer.getvalue()
