"""The text the views write for ids and moments, made once per value and reused.

Every view turns the same event's ids and times into text (a report's site id about six
times, its time four), and `str(UUID)` and `datetime.isoformat()` were among the largest costs
of a rebuild. The text is the same as theirs; only how often it is made changes: a moment's
once per event. (Decoding moments into a datetime subclass that kept its stored text made the
runner's decoding a tenth slower than the application's: a subclass is built in Python.)
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

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


def iso(moment: datetime) -> str:
    """`moment.isoformat()`. Kept by the object, not its value: equal moments in other zones
    have other text. The kept object itself makes sure its id is not reused meanwhile."""
    kept = _moments.get(id(moment))
    if kept is not None and kept[0] is moment:
        return kept[1]
    if len(_moments) >= KEEP_MOMENTS:
        _moments.clear()
    text = moment.isoformat()
    _moments[id(moment)] = (moment, text)
    return text
