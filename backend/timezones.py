"""VTIMEZONE components and calendar colour names, computed once and reused."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import msgspec
import webcolors

_HOUR = timedelta(hours=1)
_DAY = timedelta(days=1)
_SECOND = timedelta(seconds=1)
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class Observance(msgspec.Struct, frozen=True):
    """What a zone's clocks say for a while: offset, abbreviation, and tzdata's DST amount
    (negative in Europe/Dublin's winter and Africa/Casablanca's Ramadan)."""

    offset: timedelta
    name: str
    dst: timedelta


class Transition(msgspec.Struct, frozen=True):
    at: datetime  # UTC
    before: Observance
    after: Observance

    @property
    def onset(self) -> datetime:
        """The wall-clock time it happens, read on the clock before it (RFC 5545 DTSTART)."""
        return (self.at + self.before.offset).replace(tzinfo=None)


def _observance(zone: ZoneInfo, moment: datetime) -> Observance:
    local = moment.astimezone(zone)
    return Observance(local.utcoffset(), local.tzname(), local.dst())  # type: ignore[arg-type]


def _transitions(zone: ZoneInfo, start: datetime, end: datetime) -> list[Transition]:
    """Every change of the zone's clocks in [start, end), to the second, as zoneinfo (the
    same tz database the feed's local times come from) has it."""
    found = []
    moment, current = start, _observance(zone, start)
    while moment < end:
        following = moment + _HOUR
        after = _observance(zone, following)
        if after != current:
            low, high = moment, following
            while high - low > _SECOND:
                middle = low + (high - low) / 2
                if _observance(zone, middle) == current:
                    low = middle
                else:
                    high = middle
            found.append(Transition(high.replace(microsecond=0), current, after))
        moment, current = following, after
    return found


@lru_cache(maxsize=4096)
def _year_changes(tzid: str, year: int) -> tuple[Transition, ...]:
    start = datetime(year, 1, 1, tzinfo=UTC)
    return tuple(_transitions(ZoneInfo(tzid), start, start.replace(year=year + 1)))


def _changes(tzid: str, first_year: int, last_year: int) -> list[Transition]:
    """Every change of the zone's clocks in these whole (UTC) years, found once per year."""
    return [
        change for year in range(first_year, last_year + 1) for change in _year_changes(tzid, year)
    ]


@lru_cache(maxsize=4096)
def repeated(tzid: str, year: int) -> tuple[tuple[datetime, datetime], ...]:
    """The instants of `year` (and a day either side) whose local time the zone's clocks
    show twice: [change - d, change + d) for each change that turns them back by d."""
    zone, start, end = (
        ZoneInfo(tzid),
        datetime(year, 1, 1, tzinfo=UTC),
        datetime(year + 1, 1, 1, tzinfo=UTC),
    )
    changes = [
        *_transitions(zone, start - _DAY, start),
        *_year_changes(tzid, year),
        *_transitions(zone, end, end + _DAY),
    ]
    return tuple(
        (change.at - back, change.at + back)
        for change in changes
        if (back := change.before.offset - change.after.offset) > timedelta(0)
    )


@lru_cache(maxsize=256)
def vtimezone(tzid: str, first_year: int, last_year: int) -> bytes:
    """The VTIMEZONE for `tzid` covering whole years, CRLF-terminated, in the form every
    client reads alike: a yearly STANDARD/DAYLIGHT rule pair where the zone follows one
    (as Outlook and Apple Calendar write it), otherwise one component per change, each with
    a single DTSTART (ical.js and vobject read only the first value of a list)."""
    zone = ZoneInfo(tzid)
    start = datetime(first_year - 1, 1, 1, tzinfo=UTC)  # a year back: each rule's last onset
    changes = _changes(tzid, start.year, last_year)
    negative = any(change.after.dst < timedelta(0) for change in changes)
    rules = _yearly_rules(changes, start.year, last_year)
    if rules is not None:
        components = [_component(change, negative, rule) for change, rule in rules]
    else:
        first = _observance(zone, datetime(first_year, 1, 1, tzinfo=UTC))
        since = Transition(datetime(1970, 1, 1, tzinfo=UTC) - first.offset, first, first)
        kept = [change for change in changes if change.at.year >= first_year]
        components = [_component(change, negative) for change in [since, *kept]]
    lines = ["BEGIN:VTIMEZONE", f"TZID:{tzid}", *components, "END:VTIMEZONE"]
    return "".join(line + "\r\n" for line in lines).encode()


def _yearly_rules(
    changes: list[Transition], first_year: int, last_year: int
) -> list[tuple[Transition, str]] | None:
    """The zone's changes as two yearly RRULEs, each with its first onset, if two such rules
    give exactly these changes in every year from `first_year` to `last_year`."""
    kinds: dict[tuple[Observance, Observance], list[Transition]] = {}
    for change in changes:
        kinds.setdefault((change.before, change.after), []).append(change)
    if len(kinds) != 2 or any((after, before) not in kinds for before, after in kinds):
        return None
    rules = []
    for (before, after), onsets in kinds.items():
        first = onsets[0].onset
        shared = set.intersection(*(set(_weekday_rules(o.onset)) for o in onsets))
        if not shared or any(o.onset.time() != first.time() for o in onsets):
            return None
        rule = min(shared)  # "-1SU" (last) before "4SU" when both fit every year seen
        expected = [
            Transition(_rule_onset(year, first, rule) - before.offset, before, after)
            for year in range(first_year, last_year + 1)
        ]
        if onsets != expected:
            return None
        rules.append((onsets[0], f"FREQ=YEARLY;BYMONTH={first.month};BYDAY={rule}"))
    return sorted(rules, key=lambda pair: pair[0].after.offset)


def _weekday_rules(onset: datetime) -> list[str]:
    """The BYDAY values naming the day of `onset` in its month: its ordinal and/or "last"."""
    weekday = _WEEKDAYS[onset.weekday()]
    ordinal = (onset.day - 1) // 7 + 1
    rules = [f"{ordinal}{weekday}"] if ordinal <= 4 else []
    if onset.day + 7 > calendar.monthrange(onset.year, onset.month)[1]:
        rules.append(f"-1{weekday}")
    return rules


def _rule_onset(year: int, first: datetime, rule: str) -> datetime:
    """The onset a BYDAY rule for `first`'s month and wall-clock time gives in `year`, with
    the clock's reading as if it were UTC (the caller subtracts the offset)."""
    ordinal, weekday = int(rule[:-2]), _WEEKDAYS.index(rule[-2:])
    days = calendar.monthrange(year, first.month)[1]
    matching = [d for d in range(1, days + 1) if calendar.weekday(year, first.month, d) == weekday]
    day = matching[ordinal if ordinal < 0 else ordinal - 1]
    return first.replace(year=year, day=day, tzinfo=UTC)


def _component(change: Transition, negative: bool, rule: str | None = None) -> str:
    """One observance from its onset. Summer is DAYLIGHT, also where tzdata calls winter
    the (negative) DST, as the clients' own zone data does."""
    after = change.after
    daylight = after.dst > timedelta(0) or (negative and after.dst == timedelta(0))
    kind = "DAYLIGHT" if daylight else "STANDARD"
    lines = [
        f"BEGIN:{kind}",
        f"DTSTART:{change.onset:%Y%m%dT%H%M%S}",
        *([f"RRULE:{rule}"] if rule else []),
        f"TZNAME:{after.name}",
        f"TZOFFSETFROM:{_offset(change.before.offset)}",
        f"TZOFFSETTO:{_offset(after.offset)}",
        f"END:{kind}",
    ]
    return "\r\n".join(lines)


def _offset(offset: timedelta) -> str:
    """+0530, -0300, or +HHMMSS where the offset has seconds."""
    seconds = int(offset.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{seconds:02d}" if seconds else "")


@lru_cache(maxsize=256)
def nearest_css_color(hex_color: str) -> str:
    """RFC 7986 COLOR takes a CSS3 colour name; pick the one closest to the owner's #rrggbb."""
    red, green, blue = webcolors.hex_to_rgb(hex_color)

    def distance(name: str) -> int:
        r, g, b = webcolors.name_to_rgb(name)
        return (r - red) ** 2 + (g - green) ** 2 + (b - blue) ** 2

    return min(sorted(webcolors.names("css3")), key=distance)
