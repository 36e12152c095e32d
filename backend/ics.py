"""RFC 5545 writer for redacted calendars: deterministic bytes, escaped text, folded lines.

The icalendar library's object API costs ~250 µs per event; this writer does the same job
for a few µs (backend.timezones writes the VTIMEZONE); icalendar parses in the tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import msgspec

from backend.domain import BookingStatus
from backend.policy import PublicEvent, PublicPerson
from backend.text import CONTROLS, clean
from backend.timezones import nearest_css_color, repeated, vtimezone

PRODID = "-//Bookfeed//Bookfeed 0.1//EN"
MAX_OCTETS = 75
TEXTS_KEPT = 4096  # distinct property values an EventWriter keeps written


class CalendarMeta(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    time_zone: str
    window_start: date
    window_end: date
    refresh_minutes: int = 60
    description: str | None = None
    color: str | None = None  # "#rrggbb"
    # False: a file of events to import, without the name, refresh hints and colour that
    # make apps such as Outlook open it as a calendar of its own.
    subscription: bool = True


_NEEDS_ESCAPING = re.compile(rf"[\\;,{CONTROLS}]")


def escape_text(value: str) -> str:
    """A value as RFC 5545 TEXT: it can never end a line or split a property."""
    if _NEEDS_ESCAPING.search(value) is None:
        return value
    # Backslashes first: no later replacement makes a character an earlier one escapes.
    value = clean(value).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\n", "\\n")


def fold(line: str) -> str:
    """Split a content line into CRLF-joined chunks of at most 75 octets, never inside a
    UTF-8 sequence."""
    if len(line) <= MAX_OCTETS and line.isascii():
        return line + "\r\n"
    data = line.encode("utf-8", "replace")
    if len(data) <= MAX_OCTETS:
        return line + "\r\n"
    chunks = []
    start, limit = 0, MAX_OCTETS
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:
            end -= 1  # step back to the first byte of a multi-byte character
        chunks.append(data[start:end].decode("utf-8"))
        start, limit = end, MAX_OCTETS - 1  # continuation lines start with one space
    return "\r\n ".join(chunks) + "\r\n"


CALENDAR_END = b"END:VCALENDAR\r\n"


def render_calendar(meta: CalendarMeta, events: Iterable[PublicEvent]) -> bytes:
    """The whole VCALENDAR: header, the zone's VTIMEZONE, one VEVENT per event in order."""
    writer = EventWriter(meta.time_zone)
    return b"".join([calendar_head(meta), *map(writer.lines, events), CALENDAR_END])


def calendar_head(meta: CalendarMeta) -> bytes:
    """What comes before the events: the calendar's properties and the zone's VTIMEZONE."""
    zone = vtimezone(meta.time_zone, meta.window_start.year, meta.window_end.year)
    return _header(meta).encode("utf-8", "replace") + zone


def _header(meta: CalendarMeta) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    if not meta.subscription:
        return "".join(fold(line) for line in lines)
    name = escape_text(meta.name)
    ttl = f"PT{meta.refresh_minutes}M"
    lines += [
        f"NAME:{name}",
        f"X-WR-CALNAME:{name}",
        f"REFRESH-INTERVAL;VALUE=DURATION:{ttl}",
        f"X-PUBLISHED-TTL:{ttl}",
    ]
    if meta.description:
        description = escape_text(meta.description)
        lines += [f"DESCRIPTION:{description}", f"X-WR-CALDESC:{description}"]
    if meta.color:
        lines += [f"COLOR:{nearest_css_color(meta.color)}", f"X-APPLE-CALENDAR-COLOR:{meta.color}"]
    return "".join(fold(line) for line in lines)


class EventWriter:
    """Writes VEVENTs in one time zone. Bookings fall on few days and at few times of day,
    and their stamps repeat: each of these is formatted once per writer."""

    def __init__(self, time_zone: str) -> None:
        self._time_zone = time_zone
        self._zone = ZoneInfo(time_zone)
        self._tzid = f";TZID={time_zone}:"
        self._tzid_fits = len(f"DTSTART{self._tzid}20261125T093000") <= MAX_OCTETS
        self._days: dict[int, str] = {}
        self._clock: dict[int, str] = {}
        self._stamps: dict[datetime, str] = {}
        self._texts: dict[str, str] = {}

    def lines(self, event: PublicEvent) -> bytes:
        """One VEVENT, folded and CRLF-terminated, as UTF-8."""
        stamp = self._stamps.get(event.stamp)
        if stamp is None:
            stamp = self._stamps[event.stamp] = self._compact(event.stamp.astimezone(UTC)) + "Z"
        status = event.status
        cancelled = status is BookingStatus.CANCELLED
        title = f"Cancelled: {event.title}" if cancelled else event.title
        uid = f"UID:{event.uid}"
        parts = [
            "BEGIN:VEVENT\r\n",
            f"{uid}\r\n" if len(uid) <= MAX_OCTETS and uid.isascii() else fold(uid),
            f"DTSTAMP:{stamp}\r\nLAST-MODIFIED:{stamp}\r\nSEQUENCE:{event.sequence}\r\n",
            self._times(event.start, event.end),
            self._text("SUMMARY:", title),
            f"STATUS:{status.name if status else 'CONFIRMED'}\r\n",
            "TRANSP:TRANSPARENT\r\n" if cancelled else "TRANSP:OPAQUE\r\n",
        ]
        location = where(event)
        if location:
            parts.append(self._text("LOCATION:", location))
        description = describe(event)
        if description:
            parts.append(self._text("DESCRIPTION:", description))
        parts.append("END:VEVENT\r\n")
        return "".join(parts).encode("utf-8", "replace")

    def _text(self, name: str, value: str) -> str:
        """A TEXT property, escaped and folded; most values recur (titles, places), so the
        first few thousand distinct ones are kept."""
        key = name + value
        line = self._texts.get(key)
        if line is None:
            line = fold(name + escape_text(value))
            if len(self._texts) < TEXTS_KEPT:
                self._texts[key] = line
        return line

    def _times(self, start: datetime, end: datetime) -> str:
        """The DTSTART and DTEND lines, as `;TZID=…:local`, or both in UTC when either falls
        in the hour a clock change repeats. Parsers disagree on which occurrence such a local
        time names (RFC 5545 says the first, vobject the second), and a TZID start with a UTC
        end is stretched by the change's size where the end is computed as start + duration
        in local time (recurring-ical-events)."""
        if self._repeated(start) or self._repeated(end):
            utc = (self._compact(start.astimezone(UTC)), self._compact(end.astimezone(UTC)))
            return f"DTSTART:{utc[0]}Z\r\nDTEND:{utc[1]}Z\r\n"
        local = (
            self._compact(start.astimezone(self._zone)),
            self._compact(end.astimezone(self._zone)),
        )
        if self._tzid_fits:
            return f"DTSTART{self._tzid}{local[0]}\r\nDTEND{self._tzid}{local[1]}\r\n"
        return fold(f"DTSTART{self._tzid}{local[0]}") + fold(f"DTEND{self._tzid}{local[1]}")

    def _repeated(self, moment: datetime) -> bool:
        spans = repeated(self._time_zone, moment.year)
        return any(first <= moment < last for first, last in spans)

    def _compact(self, moment: datetime) -> str:
        """20261125T093000, the DATE-TIME form, from the wall-clock fields of `moment`."""
        m = moment
        day = self._days.get(ordinal := m.toordinal())
        if day is None:
            day = self._days[ordinal] = "%04d%02d%02dT" % (m.year, m.month, m.day)  # noqa: UP031 (fastest)
        clock = self._clock.get(second := m.hour * 3600 + m.minute * 60 + m.second)
        if clock is None:
            clock = self._clock[second] = "%02d%02d%02d" % (m.hour, m.minute, m.second)  # noqa: UP031
        return day + clock


def where(event: PublicEvent) -> str | None:
    """The event's shown location as one line, for LOCATION."""
    if event.location is None:
        return None
    if event.location.address:
        return f"{event.location.name}, {event.location.address}"
    return event.location.name


def describe(event: PublicEvent) -> str:
    """The event's shown details as plain text lines, for DESCRIPTION."""
    lines: list[str] = []
    if event.description:
        lines.append(event.description)
    if event.staff:
        lines.append("Staff: " + "; ".join(_person_line(p) for p in event.staff))
    if event.resources:
        lines.append("Resources: " + ", ".join(event.resources))
    if event.places:
        places = f"Places: {event.places.taken} taken"
        if event.places.left is not None:
            places += f", {event.places.left} left"
        lines.append(places)
    for customer in event.customers:
        lines.append("Customer: " + _person_line(customer))
        lines.extend(f"  {key}: {value}" for key, value in customer.custom_fields)
    lines.extend(f"{key}: {value}" for key, value in event.booking_fields)
    if event.notes:
        lines.append("Notes: " + event.notes)
    return "\n".join(lines)


def _person_line(person: PublicPerson) -> str:
    shown = (person.name, person.email, person.phone, person.address)
    return ", ".join(part for part in shown if part)
