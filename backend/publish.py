"""From a calendar's policy to what its subscribers get: the window, the redacted events,
and the rendered, validated, compressed feed.

A calendar can hold 100,000 bookings, which take seconds of CPU to resolve, redact, render and
compress: that work runs in a worker thread, so the event loop keeps serving other requests.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from email.utils import format_datetime
from zoneinfo import ZoneInfo

import msgspec

from backend import feed_parts
from backend.feed_parts import FeedParts, PartsCache
from backend.http_cache import compress, content_tag, etags
from backend.ics import CalendarMeta, EventWriter, calendar_head
from backend.policy import Policy, PublicEvent, Redactor, booking_fields, selects
from backend.store import accounts, bookings, calendars
from backend.store.db import Connection, Database, now_utc


class Window(msgspec.Struct, frozen=True):
    """The days a calendar reaches, in the account's zone; it moves at local midnight."""

    first_day: date
    last_day: date  # exclusive
    start: datetime
    end: datetime


class RenderedFeed(msgspec.Struct, frozen=True, kw_only=True):
    body: bytes
    gzipped: bytes
    etag: str  # the strong validator of the identity body, quoted
    gzip_etag: str
    modified: datetime  # when these bytes were first published (whole seconds)
    filename: str

    @property
    def last_modified(self) -> str:
        return format_datetime(self.modified.astimezone(UTC), usegmt=True)


def window_for(policy: Policy, time_zone: str, now: datetime) -> Window:
    zone = ZoneInfo(time_zone)
    today = now.astimezone(zone).date()
    first = today - timedelta(days=policy.past_days)
    last = today + timedelta(days=policy.future_days + 1)
    return Window(
        first_day=first,
        last_day=last,
        start=datetime.combine(first, time(), zone).astimezone(UTC),
        end=datetime.combine(last, time(), zone).astimezone(UTC),
    )


class Unredacted:
    """Bookings as read for a calendar's policy, not yet redacted: `public()` redacts them in
    whichever thread the work that follows runs (a widget page's layout), one hop for both."""

    __slots__ = ("_found", "_policy")

    def __init__(self, found: bookings.WindowRows | None, policy: Policy) -> None:
        self._found = found
        self._policy = policy

    @property
    def empty(self) -> bool:
        return self._found is None or not self._found.rows

    def public(self) -> list[PublicEvent]:
        """The events as the calendar's subscribers may see them, in start order."""
        return [] if self._found is None else _redacted(self._found, self._policy)


async def public_events(
    db: Database,
    account_id: str,
    calendar_id: int,
    now: datetime,
    within: tuple[datetime, datetime] | None = None,
) -> tuple[CalendarMeta, list[PublicEvent]]:
    """The calendar's meta and its events as its subscribers may see them, in start order;
    with `within`, only those overlapping that span and the window both (a page's days)."""
    meta, found = await public_bookings(db, account_id, calendar_id, now, within)
    return meta, [] if found.empty else await asyncio.to_thread(found.public)


async def public_bookings(
    db: Database,
    account_id: str,
    calendar_id: int,
    now: datetime,
    within: tuple[datetime, datetime] | None = None,
) -> tuple[CalendarMeta, Unredacted]:
    """`public_events` read but not yet redacted."""
    meta, policy, found = await _window(db, account_id, calendar_id, now, within)
    return meta, Unredacted(found, policy)


async def _window(
    db: Database,
    account_id: str,
    calendar_id: int,
    now: datetime,
    within: tuple[datetime, datetime] | None = None,
) -> tuple[CalendarMeta, Policy, bookings.WindowRows | None]:
    """The calendar's meta and policy, and its window's bookings (those within `within`; None
    when that span misses the window) as read for that policy. A whole window can be 100,000
    rows: it is read where decoding them holds up no request."""
    read = db.reading if within else db.bulk_reading
    async with read() as conn:
        record, calendar, window = await _calendar_now(conn, account_id, calendar_id, now)
        policy = calendar.policy
        start, end = window.start, window.end
        if within is not None:
            start, end = max(start, within[0]), min(end, within[1])
        found = None
        if start < end:
            fields = booking_fields(policy)
            found = await bookings.in_window(conn, account_id, record.uid_salt, start, end, fields)
    return calendar_meta(calendar, record.account.time_zone, window), policy, found


async def _calendar_now(
    conn: Connection, account_id: str, calendar_id: int, now: datetime
) -> tuple[accounts.AccountRecord, calendars.CalendarRecord, Window]:
    """The account's record, the calendar, and the window the calendar reaches now."""
    record = await accounts.get_record(conn, account_id)
    calendar = await calendars.get_calendar(conn, account_id, calendar_id)
    return record, calendar, window_for(calendar.policy, record.account.time_zone, now)


def calendar_meta(
    calendar: calendars.CalendarRecord, time_zone: str, window: Window
) -> CalendarMeta:
    policy = calendar.policy
    return CalendarMeta(
        name=calendar.name,
        time_zone=time_zone,
        window_start=window.first_day,
        window_end=window.last_day,
        refresh_minutes=policy.refresh_minutes,
        description=policy.description,
        color=policy.color,
    )


def _redacted(found: bookings.WindowRows, policy: Policy) -> list[PublicEvent]:
    redact = Redactor(policy)
    return [redact(view) for view in found.views() if selects(policy, view)]


def package(
    body: bytes,
    name: str,
    modified: datetime,
    tag: str | None = None,
    gzipped: bytes | None = None,
) -> RenderedFeed:
    """A rendered calendar with everything HTTP needs to serve and validate it (`tag`, its
    content tag, and `gzipped`, its compressed copy, when already known)."""
    etag, gzip_etag = etags(tag or content_tag(body))
    return RenderedFeed(
        body=body,
        gzipped=compress(body) if gzipped is None else gzipped,
        etag=etag,
        gzip_etag=gzip_etag,
        modified=modified,
        filename=_filename(name),
    )


async def publish(
    db: Database, account_id: str, calendar_id: int, now: datetime, kept: PartsCache
) -> RenderedFeed:
    """Render the calendar's feed; its Last-Modified is when these bytes were first served.
    With parts `kept` from an earlier render, only the bookings written since are rendered."""
    parts = kept.get(calendar_id)
    async with db.bulk_reading() as conn:
        record, calendar, window = await _calendar_now(conn, account_id, calendar_id, now)
        policy = calendar.policy
        bounds = (window.start, window.end)
        fields = booking_fields(policy)
        if (
            parts is not None
            and parts.window == bounds
            and parts.holds(calendar.version, record.objects_version, record.deleted_version)
        ):
            found = await bookings.changed_since(
                conn, account_id, record.uid_salt, parts.as_of, fields
            )
        else:
            parts = None
            found = await bookings.in_window(
                conn, account_id, record.uid_salt, window.start, window.end, fields
            )
    meta = calendar_meta(calendar, record.account.time_zone, window)
    versions = (calendar.version, record.objects_version, record.data_version)
    kept.drop(calendar_id)  # until this render has succeeded
    parts, body, tag, gzipped = await asyncio.to_thread(
        _rendered, found, policy, meta, bounds, versions, parts, kept.max_events
    )
    if parts is not None:
        kept.put(calendar_id, parts)
    async with db.transaction() as conn:
        modified = await calendars.mark_published(conn, calendar_id, tag, now_utc())
    return package(body, meta.name, modified, tag, gzipped)


CHUNK = 2_000  # bookings resolved, redacted and written at a time


def _rendered(
    found: bookings.WindowRows,
    policy: Policy,
    meta: CalendarMeta,
    window: tuple[datetime, datetime],
    versions: tuple[int, int, int],
    parts: FeedParts | None,
    max_kept: int,
) -> tuple[FeedParts | None, bytes, str, bytes]:
    """The feed's parts (None for a calendar too large to keep), bytes, content tag and gzip
    copy: the kept parts caught up with the bookings written since, or every booking
    rendered."""
    if parts is not None:
        parts = feed_parts.caught_up(parts, found.views(), policy, meta.time_zone, versions[2])
    elif len(found.rows) <= max_kept:
        head = calendar_head(meta)
        parts = feed_parts.rendered(found.views(), policy, meta.time_zone, head, window, versions)
    else:
        redact, writer = Redactor(policy), EventWriter(meta.time_zone)
        events = (
            ((view.booking.start, view.booking.id), writer.lines(redact(view)))
            for views in found.chunks(CHUNK)  # resolved and redacted a chunk at a time
            for view in views
            if selects(policy, view)
        )
        return None, *feed_parts.streamed(calendar_head(meta), events)
    return parts, parts.body(), *parts.packed()


def empty_feed(name: str, time_zone: str, now: datetime, changed_at: datetime) -> RenderedFeed:
    """A valid calendar with no events: subscribed apps drop the copy they hold."""
    today = now.date()
    meta = CalendarMeta(name=name, time_zone=time_zone, window_start=today, window_end=today)
    body, tag, gzipped = feed_parts.streamed(calendar_head(meta), [])  # as a live feed's
    return package(body, name, changed_at, tag, gzipped)


def _filename(name: str) -> str:
    ascii_name = "".join(c if c.isascii() and c.isalnum() else "-" for c in name)
    return ("-".join(part for part in ascii_name.split("-") if part) or "calendar") + ".ics"
