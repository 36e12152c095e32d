"""The date caches are keyed by: right on each side of a zone's midnight, whatever its offset."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from backend.local_day import local_date


@pytest.mark.parametrize(
    ("zone", "day"),
    [
        ("Asia/Kathmandu", date(2026, 3, 10)),  # UTC+5:45
        ("Pacific/Chatham", date(2026, 4, 5)),  # UTC+13:45, the day clocks go back
        ("America/New_York", date(2026, 3, 8)),  # the day clocks go forward
        ("Europe/London", date(2026, 10, 25)),  # the day they go back
    ],
)
def test_the_date_turns_at_the_zones_midnight(zone: str, day: date) -> None:
    midnight = datetime.combine(day, time(), ZoneInfo(zone)).astimezone(UTC)
    before = midnight - timedelta(microseconds=1)
    # Asked in order, as requests come: the minute before midnight is remembered first.
    asked = [before - timedelta(seconds=59), before, midnight, midnight + timedelta(hours=22)]
    expected = [(day - timedelta(days=1)).isoformat()] * 2 + [day.isoformat()] * 2
    assert [local_date(zone, moment) for moment in asked] == expected
