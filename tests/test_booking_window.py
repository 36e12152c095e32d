"""The window read behind every feed and widget page: exactly the bookings that overlap the
window, in order, read by an index bounded on both sides, with only the columns a calendar's
policy shows; a feed written a chunk of bookings at a time, and gzipped fast when large."""

from __future__ import annotations

import gzip
import random
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import backend.publish
from backend.domain import Booking, BookingKind, BookingStatus, Customer, StaffMember
from backend.feed_parts import PartsCache
from backend.http_cache import LARGE_BODY, compress
from backend.ics import render_calendar
from backend.policy import Detail, NameFormat, Policy, Redactor, Scope, booking_fields, selects
from backend.publish import public_events, publish
from backend.store import accounts, bookings
from backend.store.bookings import OPTIONAL_FIELDS, WindowRows, window_sql
from backend.store.db import now_utc
from tests.conftest import CLASS, CUSTOMER, PLACE, REFERENCES, ROOM, SERVICE, STAFF, Harness

WINDOW_START = datetime(2026, 3, 31, 23, tzinfo=UTC)  # an hour before a month ends
WINDOW_END = datetime(2027, 4, 1, tzinfo=UTC)
LENGTHS = [timedelta(minutes=m) for m in (1, 60, 23 * 60, 30 * 1440, 31 * 1440, 40 * 1440)]
LENGTHS += [timedelta(days=400), timedelta(days=1200)]


def varied_bookings(count: int) -> list[Booking]:
    """Bookings from three years before the window to a year after it, lasting a minute to
    three years, some starting or ending exactly at the window's edges."""
    rng = random.Random(7)
    found = []
    for n in range(count):
        length = rng.choice(LENGTHS)
        start = WINDOW_START + timedelta(minutes=5 * rng.randrange(-320_000, 210_000))
        if n % 10 == 0:
            start = rng.choice((WINDOW_START, WINDOW_END, WINDOW_START - length))
        found.append(
            Booking(
                id=f"bk-{n:03d}",
                kind=BookingKind.APPOINTMENT,
                service_id=SERVICE.id,
                start=start,
                end=start + length,
            )
        )
    # Two at one instant: ordered by id after start.
    found.append(
        Booking(
            id="bk-z",
            kind=BookingKind.APPOINTMENT,
            service_id=SERVICE.id,
            start=WINDOW_START,
            end=WINDOW_END,
        )
    )
    return found


def read_window(
    harness: Harness, start: datetime, end: datetime, fields: frozenset[str] = OPTIONAL_FIELDS
) -> WindowRows:
    async def read() -> WindowRows:
        async with harness.runtime.db.reading() as conn:
            record = await accounts.get_record(conn, "acme")
            return await bookings.in_window(conn, "acme", record.uid_salt, start, end, fields)

    return harness.call(read)


def test_the_window_holds_exactly_the_bookings_overlapping_it_in_start_order(
    harness: Harness,
) -> None:
    harness.create_account("acme")
    pushed = varied_bookings(300)
    harness.put("acme", *REFERENCES, *pushed)
    windows = [
        (WINDOW_START, WINDOW_END),
        (datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC)),
        (datetime(2025, 12, 31, 12, tzinfo=UTC), datetime(2026, 1, 1, 12, tzinfo=UTC)),
    ]
    for start, end in windows:
        expected = sorted(
            (b for b in pushed if b.start < end and b.end > start), key=lambda b: (b.start, b.id)
        )
        found = [view.booking for view in read_window(harness, start, end).views()]
        assert [b.id for b in found] == [b.id for b in expected]
        assert found == expected
    assert len(read_window(harness, *windows[0]).views()) > 50


def test_a_read_for_fewer_fields_leaves_the_others_at_their_defaults(acme: Harness) -> None:
    (stored,) = read_window(acme, now_utc(), now_utc() + timedelta(days=3)).views()
    assert stored.booking.staff_ids == (STAFF.id,)
    assert stored.customers == (CUSTOMER,)
    (bare,) = read_window(acme, now_utc(), now_utc() + timedelta(days=3), frozenset()).views()
    assert (bare.booking.staff_ids, bare.booking.customer_ids, bare.customers) == ((), (), ())
    assert bare.booking.location_id is None and bare.location is None
    assert (bare.uid, bare.booking.start, bare.booking.service_id) == (
        stored.uid,
        stored.booking.start,
        SERVICE.id,
    )


POLICIES = [
    Policy(),
    Policy(busy_only=True, details=frozenset(Detail)),
    Policy(scope=Scope.STAFF, scope_id=STAFF.id),
    Policy(scope=Scope.STAFF, scope_id="st-2", details=frozenset(Detail)),
    Policy(scope=Scope.RESOURCE, scope_id=ROOM.id, details=frozenset({Detail.LOCATION})),
    Policy(location_ids=frozenset({PLACE.id})),
    Policy(event_ids=frozenset({CLASS.id}), details=frozenset({Detail.PLACES})),
    Policy(keep_cancelled=True, details=frozenset({Detail.TENTATIVE, Detail.NOTES})),
    Policy(
        details=frozenset({Detail.CUSTOMER_NAME, Detail.CUSTOMER_FIELDS}),
        customer_name_format=NameFormat.INITIALS,
    ),
    *(Policy(details=frozenset({detail})) for detail in Detail),
    Policy(details=frozenset(Detail), keep_cancelled=True),
]


@pytest.mark.parametrize("policy", POLICIES)
def test_a_calendar_reads_every_field_its_policy_shows(harness: Harness, policy: Policy) -> None:
    """The feed's events, read with only the fields the policy needs, are those of bookings
    read whole."""
    harness.create_account("acme")
    other = Customer(id="cu-2", name="Ann Other\nLine", custom_fields={"k": "v"})
    start = now_utc() + timedelta(days=1)
    harness.put(
        "acme", *REFERENCES, other, StaffMember(id="st-2", name="Al"), *rich_bookings(start)
    )
    _, link = harness.create_calendar("acme", policy=policy)
    record = harness.call(calendar_of, harness)
    _, events = harness.call(public_events, harness.runtime.db, "acme", record, now_utc())
    whole = read_window(harness, start - timedelta(days=40), start + timedelta(days=40))
    redact = Redactor(policy)
    expected = [redact(view) for view in whole.views() if selects(policy, view)]
    assert events == expected
    assert booking_fields(policy) <= OPTIONAL_FIELDS
    assert harness.feed(link.token).status_code == 200


def rich_bookings(start: datetime) -> list[Booking]:
    base: dict[str, Any] = {"start": start, "end": start + timedelta(hours=1)}
    return [
        Booking(
            id="bk-full",
            kind=BookingKind.APPOINTMENT,
            service_id=SERVICE.id,
            location_id=PLACE.id,
            staff_ids=(STAFF.id,),
            resource_ids=(ROOM.id,),
            customer_ids=(CUSTOMER.id, "cu-2"),
            notes="Door code 1234",
            custom_fields={"Parking": "yes"},
            **base,
        ),
        Booking(
            id="bk-class",
            kind=BookingKind.EVENT_SESSION,
            event_id=CLASS.id,
            customer_ids=("cu-2",),
            status=BookingStatus.TENTATIVE,
            **base,
        ),
        Booking(
            id="bk-gone",
            kind=BookingKind.APPOINTMENT,
            service_id=SERVICE.id,
            status=BookingStatus.CANCELLED,
            staff_ids=(STAFF.id,),
            **base,
        ),
        Booking(id="bk-bare", kind=BookingKind.APPOINTMENT, service_id=SERVICE.id, **base),
    ]


async def calendar_of(harness: Harness) -> int:
    async with harness.runtime.db.reading() as conn:
        cursor = await conn.execute("SELECT id FROM calendars WHERE account_id = 'acme'")
        (calendar_id,) = await cursor.fetchone()
    return calendar_id


def test_a_feed_written_in_chunks_is_the_calendar_written_whole(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness.create_account("acme")
    start = now_utc() + timedelta(days=1)
    many = [
        Booking(
            id=f"bk-{n}",
            kind=BookingKind.APPOINTMENT,
            service_id=SERVICE.id,
            staff_ids=(STAFF.id,) if n % 3 else (),
            start=start + timedelta(hours=n),
            end=start + timedelta(hours=n + 1),
        )
        for n in range(40)
    ]
    harness.put("acme", *REFERENCES, *many)
    harness.create_calendar("acme", policy=Policy(scope=Scope.STAFF, scope_id=STAFF.id))
    calendar_id = harness.call(calendar_of, harness)
    monkeypatch.setattr(backend.publish, "CHUNK", 7)
    meta, events = harness.call(public_events, harness.runtime.db, "acme", calendar_id, now_utc())
    assert len(events) == 26
    # Too large to keep in parts (none may be kept), the feed is written in chunks; else whole.
    feeds = [
        harness.call(publish, harness.runtime.db, "acme", calendar_id, now_utc(), kept)
        for kept in (PartsCache(max_events=0), PartsCache())
    ]
    for feed in feeds:
        assert feed.body == render_calendar(meta, events)
        assert gzip.decompress(feed.gzipped) == feed.body
    assert (feeds[0].etag, feeds[0].gzipped) == (feeds[1].etag, feeds[1].gzipped)


@pytest.mark.sqlite_only
def test_the_window_read_is_bounded_on_both_sides_by_an_index(acme: Harness) -> None:
    """SQLite's plan: the start index searched between two bounds, and the partial index of
    bookings spanning months from the window's start; no table scan."""
    database = acme.runtime.settings.database
    with sqlite3.connect(database) as conn:
        plan = conn.execute(
            "EXPLAIN QUERY PLAN " + window_sql("sqlite", OPTIONAL_FIELDS), ("acme", *[""] * 6)
        )
        details = [row[3] for row in plan.fetchall() if "bookings" in row[3] or " b " in row[3]]
    bounded = "SEARCH b USING INDEX bookings_by_start (account_id=? AND start_at>? AND start_at<?)"
    assert bounded in details
    assert "SEARCH b USING INDEX bookings_spanning_months (account_id=? AND end_at>?)" in details
    assert not [detail for detail in details if detail.startswith("SCAN")]


def test_a_large_body_is_gzipped_at_level_1_and_the_same_every_time() -> None:
    large = b"".join(
        b"BEGIN:VEVENT\r\nUID:%d@bookfeed\r\nEND:VEVENT\r\n" % n for n in range(40_000)
    )
    assert len(large) > LARGE_BODY
    assert compress(large) == compress(large) == gzip.compress(large, 1, mtime=0)
    assert gzip.decompress(compress(large)) == large
    small = large[: LARGE_BODY // 2]
    assert compress(small) == gzip.compress(small, 6, mtime=0)
