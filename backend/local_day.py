"""The date it is in a time zone, as the feed and widget caches are keyed on every request:
worked out once a minute per zone, as no zone in use changes its date between whole minutes."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

_SEEN: dict[str, tuple[int, str]] = {}  # zone → (minute since the epoch, its date there)


def local_date(time_zone: str, now: datetime) -> str:
    """The ISO date at `now` in `time_zone`."""
    minute = int(now.timestamp()) // 60
    seen = _SEEN.get(time_zone)
    if seen is not None and seen[0] == minute:
        return seen[1]
    day = now.astimezone(ZoneInfo(time_zone)).date().isoformat()
    _SEEN[time_zone] = (minute, day)
    return day
