"""A calendar's feed kept as one rendered VEVENT per booking, so that after a write the next
fetch renders only the bookings written since and joins the rest as they were.

The parts hold for one calendar version (policy), one window (day) and one version of the
account's objects; the bookings written since are read by the account's data version, which
every write moves under the account's lock. A deletion or an object change since, and any
other version or day, means a full render: the parts never guess.
"""

from __future__ import annotations

import zlib
from bisect import bisect_left
from collections import OrderedDict
from datetime import datetime

import msgspec

from backend import metrics
from backend.domain import BookingView
from backend.http_cache import deflate_piece, gzip_of_pieces
from backend.ics import CALENDAR_END, EventWriter
from backend.policy import Policy, Redactor, selects

_RUN_MASK = 0xFF  # runs of 256 events on average: about 100 KB, a millisecond to compress
_CHANGES = metrics.EVENTS_RENDERED.labels("changes")
Place = tuple[datetime, str]  # where a booking sits in the feed: start, then booking id


class FeedParts(msgspec.Struct, frozen=True, kw_only=True):
    calendar_version: int
    objects_version: int
    as_of: int  # the account's data version the parts show
    window: tuple[datetime, datetime]
    head: bytes
    places: list[Place]  # in feed order
    lines: list[bytes]  # each place's VEVENT
    place_of: dict[str, Place]  # booking id → its place
    # Compressed runs of the body by their lines, shared by the parts that follow these: a
    # run is compressed once, and again only when one of its lines changes.
    pieces: dict[tuple[bytes, ...], bytes] = msgspec.field(default_factory=dict)

    def body(self) -> bytes:
        return b"".join((self.head, *self.lines, CALENDAR_END))

    def gzipped(self, body: bytes) -> bytes:
        """The body (as body() gave it) gzipped, from the runs' compressed pieces."""
        runs = self._runs()
        pieces = [self.pieces.get(run) or deflate_piece(b"".join(run)) for run in runs]
        self.pieces.clear()
        self.pieces.update(zip(runs, pieces, strict=True))
        return gzip_of_pieces(pieces, body)

    def _runs(self) -> list[tuple[bytes, ...]]:
        """The body cut into runs of lines: the head, then events up to and including one
        whose booking id ends a run (by its hash, so a run's end stays where it is whatever
        comes or goes around it), then the end."""
        runs: list[tuple[bytes, ...]] = [(self.head,)]
        start = 0
        for index, (_, booking_id) in enumerate(self.places):
            if zlib.crc32(booking_id.encode()) & _RUN_MASK == 0:
                runs.append(tuple(self.lines[start : index + 1]))
                start = index + 1
        runs.append((*self.lines[start:], CALENDAR_END))
        return runs

    def holds(self, calendar_version: int, objects_version: int, deleted_version: int) -> bool:
        """Whether the bookings written since `as_of` are all it takes to bring them up to
        date (the caller compares the window)."""
        return (
            calendar_version == self.calendar_version
            and objects_version == self.objects_version
            and deleted_version <= self.as_of
        )


def _shown(view: BookingView, policy: Policy, window: tuple[datetime, datetime]) -> bool:
    booking = view.booking
    return booking.start < window[1] and booking.end > window[0] and selects(policy, view)


def rendered(
    views: list[BookingView],
    policy: Policy,
    time_zone: str,
    head: bytes,
    window: tuple[datetime, datetime],
    versions: tuple[int, int, int],
) -> FeedParts:
    """Parts for the whole window from every booking in it (`versions`: calendar, objects,
    account data version)."""
    shown = sorted(
        ((view.booking.start, view.booking.id), view)
        for view in views
        if _shown(view, policy, window)
    )
    metrics.EVENTS_RENDERED.labels("full").inc(len(shown))
    redact, writer = Redactor(policy), EventWriter(time_zone)
    return FeedParts(
        calendar_version=versions[0],
        objects_version=versions[1],
        as_of=versions[2],
        window=window,
        head=head,
        places=[place for place, _ in shown],
        lines=[writer.lines(redact(view)) for _, view in shown],
        place_of={place[1]: place for place, _ in shown},
    )


def caught_up(
    parts: FeedParts, changed: list[BookingView], policy: Policy, time_zone: str, as_of: int
) -> FeedParts:
    """The parts with the bookings written since re-rendered, moved, added or dropped."""
    places, lines, place_of = list(parts.places), list(parts.lines), dict(parts.place_of)
    redact, writer = Redactor(policy), EventWriter(time_zone)
    for view in changed:
        old = place_of.pop(view.booking.id, None)
        if old is not None:
            index = bisect_left(places, old)
            del places[index], lines[index]
        if _shown(view, policy, parts.window):
            place = (view.booking.start, view.booking.id)
            index = bisect_left(places, place)
            places.insert(index, place)
            lines.insert(index, writer.lines(redact(view)))
            place_of[view.booking.id] = place
            _CHANGES.inc()
    return msgspec.structs.replace(
        parts, as_of=as_of, places=places, lines=lines, place_of=place_of
    )


class PartsCache:
    """Parts by calendar id, least recently used dropped first once they hold more than
    `max_events` events in all. Parts cost about as much memory again as the feed they
    build (some 600 bytes an event), so a calendar larger than the budget is not kept: its
    every change renders it in full, as before."""

    def __init__(self, max_events: int = 60_000) -> None:
        self._entries: OrderedDict[int, FeedParts] = OrderedDict()
        self.max_events = max_events
        self._events = 0

    def get(self, calendar_id: int) -> FeedParts | None:
        found = self._entries.get(calendar_id)
        if found is not None:
            self._entries.move_to_end(calendar_id)
        return found

    def put(self, calendar_id: int, parts: FeedParts) -> None:
        self.drop(calendar_id)
        self._entries[calendar_id] = parts
        self._events += len(parts.lines)
        while self._events > self.max_events and self._entries:
            _, evicted = self._entries.popitem(last=False)
            self._events -= len(evicted.lines)

    def drop(self, calendar_id: int) -> None:
        old = self._entries.pop(calendar_id, None)
        if old is not None:
            self._events -= len(old.lines)
