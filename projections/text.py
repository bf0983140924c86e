"""The text the views write for ids and moments, made once per value and reused.

Every view turns the same event's ids and times into text (a report's site id about six
times, its time four), and `str(UUID)` and `datetime.isoformat()` were among the largest costs
of a rebuild. The text is the same as theirs; only how often it is made changes. The runner's
mapper keeps the text each moment was stored as (eventsourcing stores `isoformat()`), so the
views make none for the events they apply.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, Mapper

KEEP_IDS = 50_000  # ids kept (sites and actions recur; a report's own id only within its event)
KEEP_MOMENTS = 64  # moments kept: those of the last few events

_ids: dict[int, str] = {}
_moments: dict[int, tuple[datetime, str]] = {}


def ident(value: UUID | str) -> str:
    """`str(value)`: an id's canonical text (a text id is already that)."""
    if type(value) is str:
        return value
    if type(value) is not UUID:
        return str(value)
    text = _ids.get(value.int)
    if text is None:
        if len(_ids) >= KEEP_IDS:
            _ids.clear()
        text = _ids[value.int] = str(value)
    return text


class _KeepingText(DatetimeAsISO):
    """Decodes as DatetimeAsISO does, into plain datetimes (within 2 % of the application's
    mapper; a datetime subclass carrying its text is built in Python and cost 7 %), and keeps
    the text for `iso`."""

    def decode(self, data: str) -> datetime:
        moment = datetime.fromisoformat(data)
        _keep(moment, data)
        return moment


def keeping_text(mapper: Mapper[Any]) -> Mapper[Any]:
    """A mapper that decodes as `mapper` does, and keeps the text each moment was stored as."""
    if not isinstance(mapper.transcoder, JSONTranscoder):
        return mapper
    transcoder = JSONTranscoder()
    for transcoding in mapper.transcoder.names.values():
        transcoder.register(transcoding)
    transcoder.register(_KeepingText())
    return Mapper(transcoder, compressor=mapper.compressor, cipher=mapper.cipher)


def iso(moment: datetime) -> str:
    """`moment.isoformat()`. Kept by the object, not its value: equal moments in other zones
    have other text. The kept object itself makes sure its id is not reused meanwhile."""
    kept = _moments.get(id(moment))
    if kept is not None and kept[0] is moment:
        return kept[1]
    text = moment.isoformat()
    _keep(moment, text)
    return text


def _keep(moment: datetime, text: str) -> None:
    if len(_moments) >= KEEP_MOMENTS:
        _moments.clear()
    _moments[id(moment)] = (moment, text)
