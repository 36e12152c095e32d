"""Feed benchmark: render cost per event against the icalendar object API, and a served feed's
requests/s and latency against a raw ASGI app returning the same bytes, all in one run.

    .venv/bin/python -m bench.feeds [--seconds 8]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import urllib.request
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import icalendar

from backend.accounts import create_account
from backend.calendars import CalendarService
from backend.domain import Account, Booking, BookingKind, Customer, Location, Service, StaffMember
from backend.ics import CalendarMeta, render_calendar
from backend.links import LinkKeys
from backend.policy import Detail, Policy, PublicEvent, PublicLocation, PublicPerson
from backend.store import bookings, objects
from backend.store.db import Database, now_utc
from bench.serving import granian, wrk

SECRET = "bench secret key"
META = CalendarMeta(
    name="Benchmark studio",
    time_zone="Europe/London",
    window_start=date(2026, 1, 1),
    window_end=date(2027, 12, 31),
)


def sample_events(count: int) -> list[PublicEvent]:
    start = datetime(2026, 3, 1, 9, tzinfo=UTC)
    return [
        PublicEvent(
            uid=f"{i:032x}@bookfeed",
            start=start + timedelta(hours=7 * i),
            end=start + timedelta(hours=7 * i + 1),
            stamp=start,
            sequence=i % 3,
            title=f"Sports Massage – session {i}",
            description="60 minutes, deep tissue; bring comfortable clothes.",
            location=PublicLocation(name="Islington", address="12 Upper Street, London N1 0PQ"),
            customers=(PublicPerson(name="Jane D.", phone="+44 7700 900123"),),
        )
        for i in range(count)
    ]


def with_icalendar(events: list[PublicEvent]) -> bytes:
    """The same calendar through icalendar's object API: the baseline."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Bookfeed//bench//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", META.name)
    zone = icalendar.Timezone.from_tzid(
        META.time_zone, first_date=META.window_start, last_date=META.window_end
    )
    calendar.add_component(zone)
    tz = zone.to_tz()
    for item in events:
        event = icalendar.Event()
        event.add("uid", item.uid)
        event.add("dtstamp", item.stamp)
        event.add("sequence", item.sequence)
        event.add("dtstart", item.start.astimezone(tz))
        event.add("dtend", item.end.astimezone(tz))
        event.add("summary", item.title)
        assert item.location is not None
        event.add("location", f"{item.location.name}, {item.location.address}")
        event.add("description", f"{item.description}\nCustomer: Jane D., +44 7700 900123")
        calendar.add_component(event)
    return calendar.to_ical()


def best_of(repeats: int, build: Callable[[], bytes]) -> tuple[float, int]:
    best, size = float("inf"), 0
    for _ in range(repeats):
        began = time.perf_counter()
        size = len(build())
        best = min(best, time.perf_counter() - began)
    return best, size


def render_figures() -> None:
    print("Cold render (best of runs; µs and bytes per event)")
    print(f"{'events':>7} {'bookfeed µs':>12} {'icalendar µs':>13} {'speed-up':>9} {'bytes':>7}")
    for count in (100, 1_000, 10_000):
        events = sample_events(count)
        ours, size = best_of(
            5 if count < 10_000 else 3, lambda events=events: render_calendar(META, events)
        )
        theirs, _ = best_of(
            2 if count < 10_000 else 1, lambda events=events: with_icalendar(events)
        )
        print(
            f"{count:>7} {1e6 * ours / count:>12.1f} {1e6 * theirs / count:>13.1f}"
            f" {theirs / ours:>8.1f}x {size / count:>7.0f}"
        )


async def seed(database: Path, count: int) -> str:
    """An account with `count` appointments in the window and one calendar; its token."""
    db = await Database.open(database)
    try:
        await create_account(db, Account(id="bench", name="Bench", time_zone="Europe/London"))
        references = (
            StaffMember(id="st", name="Maya Okafor"),
            Service(id="sv", name="Sports Massage", description="60 minutes, deep tissue."),
            Location(id="lc", name="Islington", address="12 Upper Street, London N1 0PQ"),
            Customer(id="cu", name="Jane Doe", phone="+44 7700 900123"),
        )
        first = now_utc().replace(minute=0, second=0) + timedelta(days=1)
        async with db.transaction() as conn:
            for item in references:
                await objects.upsert(conn, "bench", item)
            for i in range(count):
                start = first + timedelta(hours=5 * i)
                booking = Booking(
                    id=f"bk-{i}",
                    kind=BookingKind.APPOINTMENT,
                    service_id="sv",
                    start=start,
                    end=start + timedelta(hours=1),
                    staff_ids=("st",),
                    customer_ids=("cu",),
                    location_id="lc",
                )
                await bookings.upsert(conn, "bench", booking, now_utc())
        policy = Policy(
            details=frozenset({Detail.DESCRIPTION, Detail.LOCATION, Detail.CUSTOMER_NAME})
        )
        service = CalendarService(db, LinkKeys(SECRET.encode()))
        _, link = await service.create_calendar("bench", "Bench", policy)
        return link.token
    finally:
        await db.close()


def load_figures(seconds: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bench.sqlite3"
        token = asyncio.run(seed(database, 200))
        env = {"BOOKFEED_DATABASE": str(database), "BOOKFEED_SECRET_KEY": SECRET}
        with granian("backend.app:app_from_environment", env) as base:
            url = f"{base}/feeds/{token}.ics"
            with urllib.request.urlopen(url) as response:
                body = response.read()
                etag = response.headers["etag"]
            body_file = Path(folder) / "body.ics"
            body_file.write_bytes(body)
            print(
                f"\nServed under load: a {len(body) // 1024} KB feed of 200 events, "
                f"wrk -t1 -c32 -d{seconds}s, one granian worker"
            )
            warm = wrk(url, seconds)
            not_modified = wrk(url, seconds, headers={"If-None-Match": etag})
        with granian("bench.raw_asgi:app_factory", {"BENCH_BODY_FILE": str(body_file)}) as base:
            ceiling = wrk(base + "/", seconds)
    print(ceiling.line("raw ASGI, same bytes (ceiling)"))
    print(warm.line("feed, warm (200 OK)", ceiling))
    print(not_modified.line("feed, If-None-Match (304)", ceiling))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=8, help="length of each load run")
    parser.add_argument("--skip-load", action="store_true", help="only the render figures")
    args = parser.parse_args()
    render_figures()
    if not args.skip_load:
        load_figures(args.seconds)


if __name__ == "__main__":
    main()
