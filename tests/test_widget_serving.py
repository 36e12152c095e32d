"""How the widget is served: each page reads only the bookings of the days it shows, within
the calendar's window, and every answer carries the page's headers, as GET or as HEAD."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from backend.policy import Policy
from backend.store import bookings
from tests.conftest import Harness, appointment

LONDON = ZoneInfo("Europe/London")


def reads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[datetime, datetime, int]]:
    """Each booking read the app makes: its bounds and how many bookings it returned."""
    found: list[tuple[datetime, datetime, int]] = []
    original = bookings.in_window

    async def recorded(
        conn: Any, account_id: str, salt: bytes, start: Any, end: Any, *fields: Any
    ) -> Any:
        rows = await original(conn, account_id, salt, start, end, *fields)
        found.append((start, end, len(rows.rows)))
        return rows

    monkeypatch.setattr(bookings, "in_window", recorded)
    return found


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), LONDON)


def booked(harness: Harness, booking_id: str, day: date, hours: float = 1) -> None:
    start = at(day)
    harness.put("acme", appointment(booking_id, start=start, end=start + timedelta(hours=hours)))


def token_of(harness: Harness, policy: Policy | None = None) -> str:
    return harness.create_calendar("acme", "Studio", policy)[1].token


def event_links(page: str) -> list[str]:
    return [
        link.replace("&amp;", "&")
        for link in re.findall(r'href="(/embed/[^"]+/events/[^"]+)"', page)
    ]


def test_a_month_page_reads_only_the_bookings_of_its_weeks(
    acme: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    month = (datetime.now(LONDON).date() + timedelta(days=100)).replace(day=15)
    booked(acme, "bk-shown", month)
    booked(acme, "bk-later", month + timedelta(days=60))
    token = token_of(acme)
    found = reads(monkeypatch)
    page = acme.client.get(f"/embed/{token}", params={"view": "month", "date": month.isoformat()})
    assert page.status_code == 200 and "Haircut" in page.text
    ((start, end, count),) = found
    first = month.replace(day=1)
    grid_first = first - timedelta(days=first.weekday())  # the account's week starts on Monday
    assert start == at(grid_first, 0)
    assert grid_first + timedelta(days=35) <= end.date() <= grid_first + timedelta(days=42)
    assert count == 1, "the booking two months later is not read"


def test_week_and_list_pages_read_only_their_days(
    acme: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = datetime.now(LONDON).date() + timedelta(days=30)
    booked(acme, "bk-shown", day)
    token = token_of(acme)
    found = reads(monkeypatch)
    for view, days in (("week", 7), ("list", 14)):
        page = acme.client.get(f"/embed/{token}", params={"view": view, "date": day.isoformat()})
        assert "Haircut" in page.text, view
        start, end, count = found[-1]
        assert end - start <= timedelta(days=days, hours=1), view  # a clock change adds an hour
        assert count == 1, view


def test_days_outside_the_window_show_nothing_and_read_nothing(
    acme: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    today = datetime.now(LONDON).date()
    beyond, before = today + timedelta(days=40), today - timedelta(days=40)
    booked(acme, "bk-beyond", beyond)
    booked(acme, "bk-before", before)
    token = token_of(acme, Policy(past_days=7, future_days=20))
    found = reads(monkeypatch)
    for day in (beyond, before):
        page = acme.client.get(f"/embed/{token}", params={"view": "week", "date": day.isoformat()})
        assert page.status_code == 200
        assert "Haircut" not in page.text, day
    assert found == []


def test_a_page_at_the_windows_edge_reads_only_inside_it(
    acme: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    today = datetime.now(LONDON).date()
    booked(acme, "bk-inside", today + timedelta(days=3))
    booked(acme, "bk-outside", today + timedelta(days=12))
    token = token_of(acme, Policy(past_days=0, future_days=5))
    found = reads(monkeypatch)
    page = acme.client.get(f"/embed/{token}", params={"view": "list"}).text
    assert page.count(">Haircut<") == 2, "tomorrow's and the one in three days"
    ((start, end, count),) = found
    assert (start, end) == (at(today, 0), at(today + timedelta(days=6), 0))
    assert count == 2


def test_an_events_details_read_only_the_day_it_starts(
    acme: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = datetime.now(LONDON).date() + timedelta(days=9)
    booked(acme, "bk-one", day)
    token = token_of(acme)
    page = acme.client.get(f"/embed/{token}", params={"view": "week", "date": day.isoformat()})
    (link,) = set(event_links(page.text))
    assert f"/events/{day.isoformat()}/" in link
    found = reads(monkeypatch)
    details = acme.client.get(link)
    assert details.status_code == 200 and "Haircut" in details.text
    ((start, end, count),) = found
    assert (start, end, count) == (at(day, 0), at(day + timedelta(days=1), 0), 1)


def test_an_event_begun_before_the_window_still_opens(acme: Harness) -> None:
    today = datetime.now(LONDON).date()
    booked(acme, "bk-long", today - timedelta(days=3), hours=24 * 5)
    token = token_of(acme, Policy(past_days=0))
    page = acme.client.get(f"/embed/{token}", params={"view": "list"}).text
    links = [link for link in event_links(page) if (today - timedelta(days=3)).isoformat() in link]
    assert links, "the long booking is shown"
    assert acme.client.get(links[0]).status_code == 200


def test_a_wrong_or_malformed_day_in_an_event_link_finds_nothing(acme: Harness) -> None:
    day = datetime.now(LONDON).date() + timedelta(days=9)
    booked(acme, "bk-one", day)
    token = token_of(acme)
    page = acme.client.get(f"/embed/{token}", params={"view": "week", "date": day.isoformat()})
    (link,) = set(event_links(page.text))
    uid = link.rsplit("/", 1)[1]
    wrong = (day + timedelta(days=1)).isoformat()
    for path in (f"/embed/{token}/events/{wrong}/{uid}", f"/embed/{token}/events/2026-13-40/{uid}"):
        response = acme.client.get(path)
        assert response.status_code == 404, path
        assert "Haircut" not in response.text
    legacy = acme.client.get(f"/embed/{token}/events/{uid}")  # a link from before days were
    assert legacy.status_code == 200 and "Haircut" in legacy.text


def test_a_new_booking_shows_on_the_next_visit(acme: Harness) -> None:
    day = datetime.now(LONDON).date() + timedelta(days=9)
    token = token_of(acme)
    params = {"view": "week", "date": day.isoformat()}
    assert "Haircut" not in acme.client.get(f"/embed/{token}", params=params).text
    booked(acme, "bk-new", day)
    assert "Haircut" in acme.client.get(f"/embed/{token}", params=params).text


def test_head_answers_with_the_pages_headers_and_no_body(acme: Harness) -> None:
    token = token_of(acme)
    page = acme.client.get(f"/embed/{token}")
    head = acme.client.head(f"/embed/{token}")
    assert head.status_code == 200 and head.content == b""
    for name in (
        "content-type",
        "content-length",
        "etag",
        "cache-control",
        "content-security-policy",
        "referrer-policy",
        "x-content-type-options",
        "x-robots-tag",
        "vary",
    ):
        assert head.headers[name] == page.headers[name], name


def test_other_methods_are_refused_with_allow(acme: Harness) -> None:
    token = token_of(acme)
    response = acme.client.post(f"/embed/{token}")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    assert response.text == "Method not allowed\n"
