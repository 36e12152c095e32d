"""The writer's bytes against a reference feed written by the writer it replaced (commit
6d1182e): hundreds of varied events, each byte the same, so that no subscribed device sees a
change that is not one."""

from __future__ import annotations

import gzip
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.domain import BookingStatus
from backend.ics import CalendarMeta, render_calendar
from backend.policy import Places, PublicEvent, PublicLocation, PublicPerson
from backend.timezones import repeated

REFERENCE = Path(__file__).parent / "data" / "reference_feed.ics.gz"
WORDS = (
    "Haircut",
    "Sports Massage",
    "Ünïcödé café",
    "日本語のレッスン",
    "emoji 🎉🎉",
    "semi;colon, comma\\back",
    "line\nbreak",
    "crlf\r\nbreak",
    "tab\there",
    "ctrl\x00\x07\x1b\x7f\x85\u2028x",
    "a" * 90,
    "é" * 50,
    "Jane Doe",
    "+44 7700 900123",
    "12 Upper Street, London N1 0PQ",
    "",
)
ZONES = ("Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC")


def varied_events(seed: int, count: int) -> list[PublicEvent]:
    """Events with every field the writer reads, in many forms, around clock changes too."""
    rng = random.Random(seed)
    text = lambda: rng.choice(WORDS) + rng.choice(("", " ", " " + rng.choice(WORDS)))  # noqa: E731
    maybe = lambda: text() if rng.random() < 0.5 else None  # noqa: E731
    people = lambda: tuple(  # noqa: E731
        PublicPerson(
            name=maybe(),
            email=maybe(),
            phone=maybe(),
            address=maybe(),
            custom_fields=tuple((text(), text()) for _ in range(rng.randrange(3))),
        )
        for _ in range(rng.randrange(3))
    )
    events = []
    for n in range(count):
        # Within a few hours of London's and New York's 2026 clock changes, or anywhere.
        anchor = rng.choice(
            (
                datetime(2026, 10, 25, 1, tzinfo=UTC),
                datetime(2026, 3, 29, 1, tzinfo=UTC),
                datetime(2026, 11, 1, 6, tzinfo=UTC),
                datetime(2026, 4, 5, 15, 30, tzinfo=UTC),
                datetime(2027, 1, 1, tzinfo=UTC),
            )
        )
        start = anchor + timedelta(minutes=rng.randrange(-300, 300, 5))
        if rng.random() < 0.3:
            start = datetime(2026, 6, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(10**7))
        places = None
        if rng.random() < 0.3:
            places = Places(taken=rng.randrange(9), capacity=rng.choice((None, 0, 4, 10)))
        location = None
        if rng.random() < 0.6:
            location = PublicLocation(name=text(), address=maybe())
        events.append(
            PublicEvent(
                uid=f"{n:032x}@bookfeed",
                start=start,
                end=start + timedelta(minutes=rng.choice((5, 30, 60, 90, 1440, 50000))),
                stamp=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(10**8)),
                sequence=rng.randrange(5),
                title=text() or "Busy",
                busy=rng.random() < 0.2,
                status=rng.choice((None, None, *BookingStatus)),
                description=maybe(),
                staff=people(),
                resources=tuple(text() for _ in range(rng.randrange(3))),
                location=location,
                customers=people(),
                booking_fields=tuple((text(), text()) for _ in range(rng.randrange(3))),
                notes=maybe(),
                places=places,
            )
        )
    return events


def reference_calendar() -> bytes:
    """One calendar per zone, each with its own varied events, end to end."""
    return b"".join(
        render_calendar(
            CalendarMeta(
                name=f"Studio; {zone}, ünï\ncode " + "x" * 60,
                time_zone=zone,
                window_start=date(2026, 1, 1),
                window_end=date(2027, 12, 31),
                refresh_minutes=30 + index,
                description=("A long description, with; escapes\\ " * 4) if index % 2 else None,
                color=("#ff8800", None)[index % 2],
            ),
            varied_events(index, 300),
        )
        for index, zone in enumerate(ZONES)
    )


def test_the_writer_writes_the_reference_bytes() -> None:
    expected = gzip.decompress(REFERENCE.read_bytes())
    written = reference_calendar()
    assert written.count(b"BEGIN:VEVENT") == 300 * len(ZONES)
    assert written == expected


def doubled(zone: ZoneInfo, moment: datetime) -> bool:
    """zoneinfo's own answer: whether the local time of `moment` also names another instant."""
    local = moment.astimezone(zone)
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()


@pytest.mark.parametrize(
    "tzid",
    [
        "Europe/London",
        "America/New_York",
        "Australia/Lord_Howe",
        "Europe/Dublin",
        "Africa/Casablanca",
        "America/Santiago",
    ],
)
def test_repeated_local_times_are_those_zoneinfo_reads_twice(tzid: str) -> None:
    """Every 5 minutes within hours of each clock change of five years, and hourly between."""
    zone = ZoneInfo(tzid)
    step, checked = timedelta(minutes=5), 0
    moment, stop = datetime(2024, 1, 1, tzinfo=UTC), datetime(2029, 1, 1, tzinfo=UTC)
    while moment < stop:
        later = moment + timedelta(hours=1)
        near = moment.astimezone(zone).utcoffset() != later.astimezone(zone).utcoffset()
        for instant in [moment + step * n for n in range(-36, 48)] if near else [moment]:
            ours = any(a <= instant < b for a, b in repeated(tzid, instant.year))
            assert ours == doubled(zone, instant), instant
            checked += ours
        moment = later
    assert checked > 0 or tzid == "Africa/Casablanca"


@settings(max_examples=300, deadline=None)
@given(
    tzid=st.sampled_from(sorted(available_timezones())),
    moment=st.datetimes(
        min_value=datetime(1900, 1, 2), max_value=datetime(2999, 12, 30), timezones=st.just(UTC)
    ),
)
def test_repeated_agrees_with_zoneinfo_anywhere(tzid: str, moment: datetime) -> None:
    found = any(a <= moment < b for a, b in repeated(tzid, moment.year))
    assert found == doubled(ZoneInfo(tzid), moment)
