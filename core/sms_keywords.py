"""The SMS keyword language of korlaps without data: one text in, a typed report or a typed
refusal (with the form to reply) out. Pure: no store, no clock, no sender; forgiving of case,
extra spaces, common typos and English words, strict about numbers and kinds."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Final, Literal, TypeVar

T = TypeVar("T")

MAX_TEXT: Final = 480  # three SMS segments; longer is no report typed on a phone
MAX_NOTE: Final = 200  # the domain's longest free text
MAX_COUNT: Final = 10_000_000
MAX_QUANTITY: Final = 100_000
REF_ALPHABET: Final = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford's base32, lower case
REF_LENGTH: Final = 10  # 50 random bits: the phone page's short id of a queued item

Keyword = Literal["HADIR", "JUMLAH", "STATUS", "INSIDEN", "BANTUAN", "BATAL"]

# The right form of each keyword, as a reply shows it.
FORMS: Final[dict[Keyword, str]] = {
    "HADIR": "HADIR <kode lokasi>",
    "JUMLAH": "JUMLAH <angka> [<kode lokasi>]",
    "STATUS": "STATUS <fase> [<suasana>]",
    "INSIDEN": "INSIDEN <jenis> <teks>",
    "BANTUAN": "BANTUAN <jenis> <jumlah> [<catatan>]",
    "BATAL": "BATAL <kode laporan>",
}

# Every spelling taken for each keyword: Indonesian, abbreviations people text, English.
_KEYWORDS: Final[dict[str, Keyword]] = {
    **dict.fromkeys(("HADIR", "ABSEN", "CHECKIN", "CHECK-IN", "HERE", "ARRIVED"), "HADIR"),
    **dict.fromkeys(("JUMLAH", "JML", "JMLH", "MASSA", "COUNT", "HEADCOUNT"), "JUMLAH"),
    **dict.fromkeys(("STATUS", "STS", "STAT", "KEADAAN"), "STATUS"),
    **dict.fromkeys(("INSIDEN", "INSIDENT", "KEJADIAN", "INCIDENT"), "INSIDEN"),
    **dict.fromkeys(("BANTUAN", "BANTU", "TOLONG", "MINTA", "HELP", "REQUEST"), "BANTUAN"),
    **dict.fromkeys(("BATAL", "BTL", "BATALKAN", "CANCEL", "UNDO"), "BATAL"),
}
_ENGLISH: Final = frozenset(
    [
        "CHECKIN",
        "CHECK-IN",
        "HERE",
        "ARRIVED",
        "COUNT",
        "HEADCOUNT",
        "INCIDENT",
        "HELP",
        "REQUEST",
        "CANCEL",
        "UNDO",
    ]
)

PHASES: Final[dict[str, str]] = {
    **dict.fromkeys(("KUMPUL", "BERKUMPUL", "BERSIAP", "ASSEMBLING", "GATHERING"), "assembling"),
    **dict.fromkeys(("JALAN", "BERJALAN", "BERGERAK", "LONGMARCH", "MARCHING"), "marching"),
    **dict.fromkeys(("BERTAHAN", "TAHAN", "DUDUK", "ORASI", "HOLDING"), "holding"),
    **dict.fromkeys(("BUBAR", "SELESAI", "PULANG", "DISPERSED", "DONE"), "dispersed"),
}
MOODS: Final[dict[str, str]] = {
    **dict.fromkeys(("AMAN", "KONDUSIF", "TENANG", "CALM", "SAFE"), "calm"),
    **dict.fromkeys(("TEGANG", "PANAS", "RICUH", "RAWAN", "TENSE"), "tense"),
}
INCIDENT_KINDS: Final[dict[str, str]] = {
    **dict.fromkeys(("TANGKAP", "DITANGKAP", "PENANGKAPAN", "DITAHAN", "ARREST"), "arrest"),
    **dict.fromkeys(("LUKA", "TERLUKA", "CEDERA", "PINGSAN", "INJURY"), "injury"),
    **dict.fromkeys(("POLISI", "APARAT", "BLOKADE", "POLICE"), "police"),
    **dict.fromkeys(("PROVOKASI", "PROVOKATOR", "PENYUSUP", "PROVOCATION"), "provocation"),
    **dict.fromkeys(("KEKERASAN", "BENTROK", "PUKUL", "VIOLENCE"), "violence"),
    **dict.fromkeys(("CUACA", "HUJAN", "PANAS-TERIK", "WEATHER"), "weather"),
    **dict.fromkeys(("LOGISTIK", "LOGISTICS"), "logistics"),
    **dict.fromkeys(("LAIN", "LAINNYA", "OTHER"), "other"),
}
# An incident's severity when the text names none: what the posko would assume from its kind.
DEFAULT_SEVERITY: Final[dict[str, str]] = {
    "arrest": "high",
    "injury": "high",
    "violence": "high",
    "police": "medium",
    "provocation": "medium",
    "weather": "low",
    "logistics": "low",
    "other": "medium",
}
SEVERITIES: Final[dict[str, str]] = {
    **dict.fromkeys(("RINGAN", "LOW"), "low"),
    **dict.fromkeys(("SEDANG", "MEDIUM"), "medium"),
    **dict.fromkeys(("BERAT", "SERIUS", "HIGH"), "high"),
    **dict.fromkeys(("KRITIS", "DARURAT", "CRITICAL"), "critical"),
}
HELP_KINDS: Final[dict[str, str]] = {
    **dict.fromkeys(("MEDIS", "MEDIK", "P3K", "AMBULANS", "DOKTER", "MEDIC"), "medic"),
    **dict.fromkeys(
        ("AIR", "MAKAN", "MINUM", "KONSUMSI", "LOGISTIK", "FOOD", "WATER"), "water_food"
    ),
    **dict.fromkeys(("HUKUM", "LBH", "ADVOKAT", "PENGACARA", "LEGAL", "LAWYER"), "legal_aid"),
    **dict.fromkeys(("TRANSPORT", "TRANSPORTASI", "KENDARAAN", "BUS", "MOBIL"), "transport"),
    **dict.fromkeys(("SOUND", "SOUNDSYSTEM", "TOA", "PENGERAS", "MEGAPHONE"), "sound"),
    **dict.fromkeys(("LAIN", "LAINNYA", "OTHER"), "other"),
}

Reason = Literal[
    "empty",
    "too_long",
    "unknown_keyword",
    "needs_site_code",
    "needs_number",
    "bad_number",
    "unknown_phase",
    "unknown_mood",
    "unknown_incident_kind",
    "needs_text",
    "unknown_help_kind",
    "bad_quantity",
    "needs_report_code",
    "extra_words",
]


@dataclass(frozen=True, slots=True)
class CheckIn:
    site_code: str
    ref: str | None = None  # the phone page's short id of the same item, when it wrote this SMS


@dataclass(frozen=True, slots=True)
class Headcount:
    count: int
    site_code: str | None = None
    ref: str | None = None


@dataclass(frozen=True, slots=True)
class Status:
    phase: str | None
    mood: str | None = None
    ref: str | None = None


@dataclass(frozen=True, slots=True)
class IncidentReport:
    kind: str
    severity: str
    text: str
    ref: str | None = None


@dataclass(frozen=True, slots=True)
class HelpRequest:
    kind: str
    quantity: int
    note: str = ""
    ref: str | None = None


@dataclass(frozen=True, slots=True)
class Cancel:
    report_code: str


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a text is no report, and which form to show in the reply (None: list them all)."""

    reason: Reason
    keyword: Keyword | None = None
    word: str | None = None  # the word that was not understood, to quote back
    english: bool = False  # the keyword was an English one: answer in English

    @property
    def form(self) -> str:
        return FORMS[self.keyword] if self.keyword else " | ".join(FORMS.values())


Message = CheckIn | Headcount | Status | IncidentReport | HelpRequest | Cancel


@dataclass(frozen=True, slots=True)
class Parsed:
    message: Message
    keyword: Keyword
    english: bool  # the keyword was an English one: answer in English


def parse(text: str) -> Parsed | Refusal:
    """What an SMS says, or why it says nothing Posko can file."""
    if len(text) > MAX_TEXT:
        return Refusal("too_long")
    words, ref = _words(text)
    if not words:
        return Refusal("empty")
    first = words[0].upper()
    keyword = _keyword(first)
    if keyword is None:
        return Refusal("unknown_keyword", word=words[0][:20])
    english = first.strip(".!?") in _ENGLISH
    rest = words[1:]
    result = _PARSERS[keyword](rest, ref)
    if isinstance(result, Refusal):
        return replace(result, english=english)
    return Parsed(result, keyword, english)


# -- words ---------------------------------------------------------------------------------------

_REF = re.compile(r"#([0-9A-Za-z]{" + str(REF_LENGTH) + r"})\b")
_SEPARATORS = re.compile(r"[\s:;=,]+")
_GLUED = re.compile(r"^([A-Z-]{3,}?)(\d[\d.,]*)$")  # JUMLAH1500 -> JUMLAH 1500


def _words(text: str) -> tuple[list[str], str | None]:
    """The words as written, the phone page's #ref taken out. Commas separate words (phones
    autocorrect spaces into them) except inside numbers, which _number reads."""
    ref = None
    match = _REF.search(text)
    if match:
        ref = normalise_ref(match.group(1))
        text = text[: match.start()] + " " + text[match.end() :]
    text = re.sub(r"(?<=\d)[.,](?=\d{3}\b)", "", text)  # 1.500 / 1,500 -> 1500
    words = [w for w in _SEPARATORS.split(text.strip()) if w]
    if words:
        glued = _GLUED.match(words[0].upper())
        if glued and _keyword(glued.group(1)):
            words[:1] = [glued.group(1), glued.group(2)]
    return words, ref


def normalise_ref(ref: str) -> str:
    """A short id as the phone wrote it, forgiving the letters people misread (O, I, L)."""
    return ref.lower().translate(str.maketrans("oil", "011"))


def _keyword(word: str) -> Keyword | None:
    word = word.strip(".!?")
    if word in _KEYWORDS:
        return _KEYWORDS[word]
    return _fuzzy(word, _KEYWORDS)


def _fuzzy(word: str, vocabulary: dict[str, T]) -> T | None:
    """The one meaning within one typo (two for long words) of `word`; None when none, or
    when typos of different meanings are equally close (a guess would be a wrong report)."""
    if len(word) < 4:
        return None
    best: dict[int, set[T]] = {}
    limit = 2 if len(word) >= 8 else 1
    for candidate, meaning in vocabulary.items():
        if abs(len(candidate) - len(word)) > limit:
            continue
        distance = _distance(word, candidate, limit)
        if distance <= limit:
            best.setdefault(distance, set()).add(meaning)
    for distance in sorted(best):
        meanings = best[distance]
        return next(iter(meanings)) if len(meanings) == 1 else None
    return None


def _distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance, giving up past `limit`."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _lookup(word: str, vocabulary: dict[str, str]) -> str | None:
    word = word.upper()
    return vocabulary.get(word) or _fuzzy(word, vocabulary)


_THOUSANDS = ("RB", "RIBU", "K")


def _number(words: list[str]) -> tuple[int | None, list[str]]:
    """A whole number at the front (1500, 1.500, 2RB, 2 RIBU, 1500 ORANG), and the words after."""
    if not words:
        return None, words
    match = re.fullmatch(r"(\d{1,9})(RB|RIBU|K|ORANG|ORG)?", words[0].upper())
    if match is None:
        return None, words
    value, rest = int(match.group(1)), words[1:]
    if match.group(2) in _THOUSANDS:
        value *= 1000
    elif match.group(2) is None and rest and rest[0].upper() in _THOUSANDS:
        value, rest = value * 1000, rest[1:]
    if rest and rest[0].upper() in ("ORANG", "ORG", "PEOPLE"):
        rest = rest[1:]
    return value, rest


def _site_code(words: list[str]) -> tuple[str | None, list[str]]:
    """A site code (letters then digits: BUN1) at the front, and the words after. Forgiven:
    lower case, a space between letters and digits (BUN 1), O typed for 0 in the digits."""
    if not words:
        return None, words
    first = words[0].upper()
    rest = words[1:]
    if first.isalpha() and rest and rest[0].isdigit():
        first, rest = first + rest[0], rest[1:]
    letters = first.rstrip("0123456789O")
    if not letters:
        letters = first.rstrip("0123456789")  # a code of digits only
    return letters + first[len(letters) :].replace("O", "0"), rest


def _extra(keyword: Keyword, rest: list[str]) -> Refusal:
    return Refusal("extra_words", keyword, word=rest[0][:20])


# -- one parser per keyword ----------------------------------------------------------------------


def _hadir(words: list[str], ref: str | None) -> CheckIn | Refusal:
    code, rest = _site_code(words)
    if code is None:
        return Refusal("needs_site_code", "HADIR")
    if rest:
        return _extra("HADIR", rest)
    return CheckIn(code, ref)


def _jumlah(words: list[str], ref: str | None) -> Headcount | Refusal:
    if not words:
        return Refusal("needs_number", "JUMLAH")
    count, rest = _number(words)
    if count is None or count > MAX_COUNT:
        return Refusal("bad_number", "JUMLAH", word=words[0][:20])
    code, rest = _site_code(rest)
    if rest:
        return _extra("JUMLAH", rest)
    return Headcount(count, code, ref)


def _status(words: list[str], ref: str | None) -> Status | Refusal:
    if not words:
        return Refusal("unknown_phase", "STATUS")
    phase = _lookup(words[0], PHASES)
    if phase is None:
        mood = _lookup(words[0], MOODS)  # STATUS TEGANG: the mood alone is a status too
        if mood is None:
            return Refusal("unknown_phase", "STATUS", word=words[0][:20])
        return _extra("STATUS", words[1:]) if len(words) > 1 else Status(None, mood, ref)
    if len(words) == 1:
        return Status(phase, None, ref)
    mood = _lookup(words[1], MOODS)
    if mood is None:
        return Refusal("unknown_mood", "STATUS", word=words[1][:20])
    return _extra("STATUS", words[2:]) if len(words) > 2 else Status(phase, mood, ref)


def _insiden(words: list[str], ref: str | None) -> IncidentReport | Refusal:
    if not words:
        return Refusal("unknown_incident_kind", "INSIDEN")
    kind = _lookup(words[0], INCIDENT_KINDS)
    if kind is None:
        return Refusal("unknown_incident_kind", "INSIDEN", word=words[0][:20])
    rest = words[1:]
    severity = DEFAULT_SEVERITY[kind]
    if rest and rest[0].upper() in SEVERITIES:  # exact only: a typo here would eat the text
        severity, rest = SEVERITIES[rest[0].upper()], rest[1:]
    text = " ".join(rest)[:MAX_NOTE]
    if not text:
        return Refusal("needs_text", "INSIDEN")
    return IncidentReport(kind, severity, text, ref)


def _bantuan(words: list[str], ref: str | None) -> HelpRequest | Refusal:
    if not words:
        return Refusal("unknown_help_kind", "BANTUAN")
    kind = _lookup(words[0], HELP_KINDS)
    if kind is None:
        return Refusal("unknown_help_kind", "BANTUAN", word=words[0][:20])
    quantity, rest = _number(words[1:])
    if quantity is None or not 1 <= quantity <= MAX_QUANTITY:
        return Refusal("bad_quantity", "BANTUAN", word=words[1][:20] if len(words) > 1 else None)
    return HelpRequest(kind, quantity, " ".join(rest)[:MAX_NOTE], ref)


def _batal(words: list[str], ref: str | None) -> Cancel | Refusal:
    code = normalise_ref(words[0].lstrip("#")) if words else ref
    if not code:
        return Refusal("needs_report_code", "BATAL")
    if len(words) > 1:
        return _extra("BATAL", words[1:])
    return Cancel(code)


_PARSERS: Final = {
    "HADIR": _hadir,
    "JUMLAH": _jumlah,
    "STATUS": _status,
    "INSIDEN": _insiden,
    "BANTUAN": _bantuan,
    "BATAL": _batal,
}
