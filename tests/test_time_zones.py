"""Every calendar app reads the same instants: bookings around every clock change of a
400-day window, in zones with unusual rules, read back by independent parsers and shown by
the widget at the same local times."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import msgspec
import pytest
import recurring_ical_events
import vobject
from litestar.testing import TestClient

from backend.app import create_app
from backend.ics import CalendarMeta, render_calendar
from backend.policy import Policy, PublicEvent
from backend.publish import Window, window_for
from backend.settings import Settings
from backend.store import accounts
from backend.store.bookings import booking_uid
from tests.conftest import REFERENCES, Harness, appointment

ZONES = (
    "Europe/London",
    "Europe/Dublin",  # tzdata's negative summer time: winter GMT is the "DST"
    "America/New_York",
    "America/Santiago",  # changes at local midnight
    "America/Sao_Paulo",  # summer time abolished in 2019
    "Africa/Casablanca",  # summer time suspended for Ramadan
    "Australia/Lord_Howe",  # a 30-minute change
    "Pacific/Chatham",  # +12:45 / +13:45
    "Asia/Kathmandu",  # +5:45
    "Asia/Kolkata",
)
PARSERS = ("icalendar", "vobject", "ical.js", "recurring-ical-events")
POLICY = Policy(past_days=35, future_days=364)  # a 400-day window
READ_ICAL = Path(__file__).resolve().parent / "browser" / "read_ical.mjs"
# Starts relative to a moment and durations, in minutes: before, across and inside the hour a
# change skips or repeats (whatever its size), and long enough to span it.
AROUND = ((-150, 60), (-90, 120), (-45, 30), (-20, 10), (0, 60), (10, 10), (25, 50), (75, 30))

QUARTER = timedelta(minutes=15)

Instants = dict[str, tuple[datetime, datetime]]


def transitions(zone: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """The instants in [start, end) where the zone's UTC offset changes: on a quarter hour
    of UTC in every zone here (an oracle of its own, not the code under test)."""
    steps = (start + n * QUARTER for n in range((end - start) // QUARTER))
    return [
        t
        for t in steps
        if t.astimezone(zone).utcoffset() != (t - QUARTER).astimezone(zone).utcoffset()
    ]


@cache
def booking_times(zone: ZoneInfo, window: Window) -> list[tuple[datetime, datetime]]:
    """Bookings one day before, on and after every change (or at a few dates in a zone
    without changes), at moments around it and at local noon, inside the window."""
    changes = transitions(zone, window.start, window.end)
    anchors = changes or [window.start + timedelta(days=days) for days in (40, 200, 390)]
    times = set()
    for anchor in anchors:
        for day in (-1, 0, 1):
            moment = anchor + timedelta(days=day)
            times.update(
                (moment + timedelta(minutes=at), moment + timedelta(minutes=at + minutes))
                for at, minutes in AROUND
            )
            local = moment.astimezone(zone)
            noon = local.replace(hour=12, minute=0, second=0).astimezone(UTC)
            times.add((noon, noon + timedelta(hours=1)))
    return sorted(t for t in times if window.start <= t[0] and t[1] <= window.end)


class ZoneFeed(msgspec.Struct):
    zone: str
    token: str
    body: bytes
    expected: Instants


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    folder = tmp_path_factory.mktemp("zones")
    settings = Settings(database=folder / "bookfeed.sqlite3", secret_key=b"test secret key")
    with TestClient(create_app(settings)) as client:
        yield Harness(client)


@pytest.fixture(scope="module")
def feeds(harness: Harness) -> dict[str, ZoneFeed]:
    """One account per zone with its bookings pushed, and its calendar's feed."""
    result = {}
    for number, name in enumerate(ZONES):
        account = f"zone-{number}"
        zone = ZoneInfo(name)
        harness.create_account(account, time_zone=name)
        window = window_for(POLICY, name, datetime.now(UTC))
        times = booking_times(zone, window)
        pushed = [
            appointment(f"bk-{index}", start=start, end=end)
            for index, (start, end) in enumerate(times)
        ]
        harness.put(account, *REFERENCES, *pushed)

        async def salt(account: str = account) -> bytes:
            async with harness.runtime.db.reading() as conn:
                return (await accounts.get_record(conn, account)).uid_salt

        uid_salt = harness.call(salt)
        expected = {booking_uid(uid_salt, b.id): (b.start, b.end) for b in pushed}
        _, link = harness.create_calendar(account, f"Studio {name}", POLICY)
        response = harness.feed(link.token)
        assert response.status_code == 200
        result[name] = ZoneFeed(name, link.token, response.content, expected)
    return result


def read_icalendar(body: bytes) -> Instants:
    return {
        str(event["UID"]): (
            event.decoded("DTSTART").astimezone(UTC),
            event.decoded("DTEND").astimezone(UTC),
        )
        for event in icalendar.Calendar.from_ical(body).walk("VEVENT")
    }


def read_vobject(body: bytes) -> Instants:
    """Radicale's parser. It keeps the first VTIMEZONE it meets for a TZID for the life of
    the process, so each calendar is read as a fresh process would read it."""
    registry = vars(vobject.icalendar)["__tzidMap"]
    for tzid in [tzid for tzid in registry if tzid != "UTC"]:
        del registry[tzid]
    return {
        event.uid.value: (
            event.dtstart.value.astimezone(UTC),
            event.dtend.value.astimezone(UTC),
        )
        for event in vobject.readOne(body.decode()).vevent_list
    }


def read_ical_js(body: bytes) -> Instants:
    """Thunderbird's and Nextcloud's parser, run by node."""
    assert (READ_ICAL.parent / "node_modules" / "ical.js").exists(), (
        "ical.js is missing: ./scripts/test installs it (npm ci --prefix tests/browser)"
    )
    done = subprocess.run(
        ["node", str(READ_ICAL)], input=body, capture_output=True, timeout=60, check=True
    )
    return {
        uid: (datetime.fromisoformat(start), datetime.fromisoformat(end))
        for uid, (start, end) in json.loads(done.stdout).items()
    }


def read_recurring_ical_events(body: bytes) -> Instants:
    """The reader that applies X-WR-TIMEZONE (through the x-wr-timezone package)."""
    calendar = icalendar.Calendar.from_ical(body)
    return {
        str(event["UID"]): (event["DTSTART"].dt.astimezone(UTC), event["DTEND"].dt.astimezone(UTC))
        for event in recurring_ical_events.of(calendar).between((1970, 1, 1), (2100, 1, 1))
    }


READERS = {
    "icalendar": read_icalendar,
    "vobject": read_vobject,
    "ical.js": read_ical_js,
    "recurring-ical-events": read_recurring_ical_events,
}


def disagreements(expected: Instants, read: Instants) -> list[str]:
    wrong = [
        f"{start:%Y-%m-%d %H:%M}Z–{end:%H:%M}Z read as "
        + (f"{read[uid][0]:%Y-%m-%d %H:%M}Z–{read[uid][1]:%H:%M}Z" if uid in read else "nothing")
        for uid, (start, end) in expected.items()
        if read.get(uid) != (start, end)
    ]
    wrong += [f"unexpected event {uid}" for uid in read.keys() - expected.keys()]
    return wrong


@pytest.mark.parametrize("parser", PARSERS)
@pytest.mark.parametrize("zone", ZONES)
def test_every_parser_reads_the_pushed_instants(
    feeds: dict[str, ZoneFeed], zone: str, parser: str
) -> None:
    feed = feeds[zone]
    assert len(feed.expected) >= 24
    wrong = disagreements(feed.expected, READERS[parser](feed.body))
    assert not wrong, f"{len(wrong)} of {len(feed.expected)} events disagree: {wrong[:5]}"


def fixed_window(first: date, last: date, zone: ZoneInfo) -> Window:
    return Window(
        first_day=first,
        last_day=last,
        start=datetime.combine(first, time(), zone).astimezone(UTC),
        end=datetime.combine(last, time(), zone).astimezone(UTC),
    )


@pytest.mark.parametrize("parser", PARSERS)
@pytest.mark.parametrize("zone", ZONES)
def test_a_window_of_three_years_reads_the_same_everywhere(zone: str, parser: str) -> None:
    """Three changes of each kind: the window of a long-sighted calendar."""
    window = fixed_window(date(2026, 1, 1), date(2029, 1, 1), ZoneInfo(zone))
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    expected = {
        f"{index}@zones": times for index, times in enumerate(booking_times(ZoneInfo(zone), window))
    }
    events = [
        PublicEvent(uid=uid, start=start, end=end, stamp=stamp, sequence=0, title="Haircut")
        for uid, (start, end) in expected.items()
    ]
    meta = CalendarMeta(
        name="Studio", time_zone=zone, window_start=window.first_day, window_end=window.last_day
    )
    wrong = disagreements(expected, READERS[parser](render_calendar(meta, events)))
    assert not wrong, f"{len(wrong)} of {len(expected)} events disagree: {wrong[:5]}"


_WHEN = re.compile(r'<p class="bf-when"><time datetime="([^"]+)"[^>]*>(.*?)</p>', re.DOTALL)


@pytest.mark.parametrize("zone", ZONES)
def test_the_widget_shows_the_same_local_times(
    harness: Harness, feeds: dict[str, ZoneFeed], zone: str
) -> None:
    feed = feeds[zone]
    local = ZoneInfo(zone)
    wrong = []
    for uid, (start, end) in feed.expected.items():
        page = harness.client.get(f"/embed/{feed.token}/events/{uid}").text
        match = _WHEN.search(page)
        assert match, page
        times = re.sub(r"<[^>]+>", "", match.group(2))  # the printed text, not the attributes
        shown = (match.group(1), re.findall(r"\d\d:\d\d", times))
        first, last = start.astimezone(local), end.astimezone(local)
        if shown != (first.isoformat(), [f"{first:%H:%M}", f"{last:%H:%M}"]):
            wrong.append(f"{first.isoformat()}–{last:%H:%M} shown as {shown}")
    assert not wrong, f"{len(wrong)} of {len(feed.expected)} events: {wrong[:5]}"
