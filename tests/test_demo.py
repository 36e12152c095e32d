"""The demo account is realistic enough to show every part of the product."""

from __future__ import annotations

from datetime import UTC, date, datetime

import icalendar
import vobject

from backend.demo import DEMO_ACCOUNT, seed_demo
from backend.domain import BookingStatus, Customer, Resource, StaffMember
from backend.store import accounts, bookings, objects
from tests.conftest import Harness

TODAY = date(2026, 11, 25)


def seeded(harness: Harness) -> Harness:
    created = harness.call(seed_demo, harness.runtime.db, harness.runtime.calendars, TODAY)
    assert created is True
    return harness


def test_the_demo_is_seeded_once(harness: Harness) -> None:
    seeded(harness)
    again = harness.call(seed_demo, harness.runtime.db, harness.runtime.calendars, TODAY)
    assert again is False
    assert len(harness.call(harness.runtime.calendars.list_calendars, DEMO_ACCOUNT)) == 3


def test_the_demo_has_a_studios_worth_of_data(harness: Harness) -> None:
    seeded(harness)

    async def load() -> tuple[str, dict, list]:
        async with harness.runtime.db.reading() as conn:
            account = await accounts.get(conn, DEMO_ACCOUNT)
            counts = {
                kind: len(await objects.all_by_id(conn, DEMO_ACCOUNT, kind))
                for kind in (StaffMember, Resource, Customer)
            }
            every = await bookings.list_page(conn, DEMO_ACCOUNT, None, 10_000)
            return account.time_zone, counts, every

    zone, counts, every = harness.call(load)
    assert zone == "Europe/London"
    assert counts == {StaffMember: 4, Resource: 3, Customer: 40}
    statuses = {b.status for b in every}
    assert statuses == set(BookingStatus)
    first, last = min(b.start for b in every), max(b.start for b in every)
    assert (last - first).days >= 85
    clock_change = datetime(2026, 10, 25, 1, tzinfo=UTC)
    assert first < clock_change < last


def test_demo_calendars_show_what_they_promise(harness: Harness) -> None:
    seeded(harness)
    links = {}
    for calendar in harness.call(harness.runtime.calendars.list_calendars, DEMO_ACCOUNT):
        (link,) = harness.call(harness.runtime.calendars.links, DEMO_ACCOUNT, calendar.id)
        links[calendar.name] = link.token
    website = harness.feed(links["Northside Studio – timetable"]).content
    staff = harness.feed(links["Maya's appointments"]).content
    assert b"Customer:" not in website
    assert b"+44 7700 9" not in website
    assert b"Customer:" in staff and b"+44 7700 9" in staff
    events = list(icalendar.Calendar.from_ical(website).walk("VEVENT"))
    offsets = {e.decoded("DTSTART").utcoffset().total_seconds() for e in events}
    assert offsets == {0.0, 3600.0}  # bookings on both sides of the October clock change
    independent = vobject.readOne(website.decode())
    assert len(independent.vevent_list) == len(events)
    assert [v.dtstart.value for v in independent.vevent_list] == [
        e.decoded("DTSTART") for e in events
    ]
