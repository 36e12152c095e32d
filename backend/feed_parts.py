"""A calendar's feed kept as one rendered VEVENT per booking, in runs of events each
compressed and hashed once, so that after a write the next fetch renders only the bookings
written since, compresses and hashes only the runs they touch, and joins the rest as they were.

The parts hold for one calendar version (policy), one window (day) and one version of the
account's objects; the bookings written since are read by the account's data version, which
every write moves under the account's lock. A deletion or an object change since, and any
other version or day, means a full render: the parts never guess.
"""

from __future__ import annotations

import io
import zlib
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import chain

import msgspec

from backend import metrics
from backend.domain import BookingView
from backend.http_cache import Piece, gzip_of_pieces, parts_tag, piece_of
from backend.ics import CALENDAR_END, EventWriter
from backend.policy import Policy, Redactor, selects

_RUN_MASK = 0xFF  # runs of 256 events on average: about 100 KB, a millisecond to compress
_CHANGES = metrics.EVENTS_RENDERED.labels("changes")
_END = piece_of(CALENDAR_END)
Place = tuple[datetime, str]  # where a booking sits in the feed: start, then booking id
Event = tuple[Place, bytes]  # a booking's place and its VEVENT


def cut(events: Iterable[Event]) -> Iterator[list[Event]]:
    """Events in feed order cut into runs: up to and including one whose booking id ends a
    run (by its hash, so a run's end stays where it is whatever comes or goes around it),
    then the rest. A body is always cut the same way, whoever renders it."""
    run: list[Event] = []
    for event in events:
        run.append(event)
        if ends_run(event[0][1]):
            yield run
            run = []
    if run:
        yield run


def ends_run(booking_id: str) -> bool:
    return zlib.crc32(booking_id.encode()) & _RUN_MASK == 0


def _packed(pieces: list[Piece]) -> tuple[str, bytes]:
    """The content tag and gzip copy of a feed from its pieces: its head's, its runs', its
    end's. Every render of the same body cuts it the same way, so gets the same of both."""
    return parts_tag([piece.digest for piece in pieces]), gzip_of_pieces(pieces)


def streamed(head: bytes, events: Iterable[Event]) -> tuple[bytes, str, bytes]:
    """The feed of `events` (in feed order), its content tag and gzip copy, made as parts of
    the same body make them, yet with nothing kept: the bytes grow in one buffer, so a
    calendar too large to keep never holds all its events at once, nor its bytes twice."""
    out = io.BytesIO()
    out.write(head)
    pieces = [piece_of(head)]
    for run in cut(events):
        data = b"".join([lines for _, lines in run])
        out.write(data)
        pieces.append(piece_of(data))
    out.write(CALENDAR_END)
    return out.getvalue(), *_packed([*pieces, _END])  # the buffer itself, not a copy


class Run(msgspec.Struct, frozen=True):
    """A run of the feed's events, and its bytes compressed and hashed once, again only when
    one of its events changes."""

    places: list[Place]
    lines: list[bytes]  # each place's VEVENT
    piece: Piece


_NEW_RUN = Run(places=[], lines=[], piece=piece_of(b""))  # what events after the last run join


def _run(events: list[Event]) -> Run:
    lines = [lines for _, lines in events]
    return Run(places=[place for place, _ in events], lines=lines, piece=piece_of(b"".join(lines)))


class FeedParts(msgspec.Struct, frozen=True, kw_only=True):
    calendar_version: int
    objects_version: int
    as_of: int  # the account's data version the parts show
    window: tuple[datetime, datetime]
    head: bytes
    head_piece: Piece
    runs: list[Run]  # in feed order; the parts that follow these share the runs not changed
    place_of: dict[str, Place]  # booking id → its place

    @property
    def events(self) -> int:
        return len(self.place_of)

    def body(self) -> bytes:
        lines = [run.lines for run in self.runs]
        return b"".join(chain((self.head,), *lines, (CALENDAR_END,)))

    def packed(self) -> tuple[str, bytes]:
        """The body's content tag and gzip copy, as every render of the same body gives them."""
        return _packed([self.head_piece, *[run.piece for run in self.runs], _END])

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
    events = ((place, writer.lines(redact(view))) for place, view in shown)
    return FeedParts(
        calendar_version=versions[0],
        objects_version=versions[1],
        as_of=versions[2],
        window=window,
        head=head,
        head_piece=piece_of(head),
        runs=[_run(run) for run in cut(events)],
        place_of={place[1]: place for place, _ in shown},
    )


def caught_up(
    parts: FeedParts, changed: list[BookingView], policy: Policy, time_zone: str, as_of: int
) -> FeedParts:
    """The parts with the bookings written since re-rendered, moved, added or dropped: only
    the runs they leave or join are copied, cut again, compressed and hashed."""
    runs = parts.runs
    # A place belongs to the first run that ends at or after it, else to the last run if that
    # is open (ends at no run's end), else to a new run after it.
    ends = [run.places[-1] for run in runs]
    if ends and not ends_run(ends[-1][1]):
        ends.pop()
    edited: dict[int, tuple[list[Place], list[bytes]]] = {}  # by run, its places and lines

    def edit(place: Place) -> tuple[list[Place], list[bytes]]:
        at = bisect_left(ends, place)
        if at not in edited:
            run = runs[at] if at < len(runs) else _NEW_RUN
            edited[at] = list(run.places), list(run.lines)
        return edited[at]

    place_of = parts.place_of.copy()  # unlike dict(), fast with the holes pop() leaves
    redact, writer = Redactor(policy), EventWriter(time_zone)
    for view in changed:
        old = place_of.pop(view.booking.id, None)
        if old is not None:
            places, lines = edit(old)
            index = bisect_left(places, old)
            del places[index], lines[index]
        if _shown(view, policy, parts.window):
            place = (view.booking.start, view.booking.id)
            places, lines = edit(place)
            index = bisect_left(places, place)
            places.insert(index, place)
            lines.insert(index, writer.lines(redact(view)))
            place_of[view.booking.id] = place
            _CHANGES.inc()
    cut_again: list[Run] = []
    pending: list[Event] = []  # events of edited runs, and of those after them, not yet cut
    for at, run in enumerate([*runs, _NEW_RUN]):
        if at in edited or pending:
            places, lines = edited.get(at, (run.places, run.lines))
            pending.extend(zip(places, lines, strict=True))
            done = list(cut(pending))
            pending = done.pop() if done and not ends_run(done[-1][-1][0][1]) else []
            cut_again.extend(map(_run, done))
        elif run.places:
            cut_again.append(run)
    if pending:
        cut_again.append(_run(pending))
    return msgspec.structs.replace(parts, as_of=as_of, runs=cut_again, place_of=place_of)


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
        self._events += parts.events
        while self._events > self.max_events and self._entries:
            _, evicted = self._entries.popitem(last=False)
            self._events -= evicted.events

    def drop(self, calendar_id: int) -> None:
        old = self._entries.pop(calendar_id, None)
        if old is not None:
            self._events -= old.events
