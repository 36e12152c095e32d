"""What the API writes reaches the feed on the next fetch; hostile text is stored without its
control characters and escaped where rendered."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import icalendar

from backend.policy import Detail, Policy
from tests.conftest import ApiClient, soon
from tests.test_api_objects import SAMPLES


def push_references(api: ApiClient) -> None:
    for kind, body in SAMPLES.items():
        api.put(f"/{kind}/x1", body)


def booking(start: datetime, **changes: Any) -> dict[str, Any]:
    return {
        "kind": "appointment",
        "service_id": "x1",
        "start": start.isoformat(),
        "end": (start + timedelta(hours=1)).isoformat(),
        **changes,
    }


def events(api: ApiClient, token: str) -> list[Any]:
    response = api.harness.feed(token)
    assert response.status_code == 200
    return icalendar.Calendar.from_ical(response.text).walk("VEVENT")


def test_a_booking_pushed_through_the_api_shows_moves_and_goes_in_the_feed(
    api: ApiClient,
) -> None:
    push_references(api)
    _, link = api.harness.create_calendar("acme")
    assert events(api, link.token) == []
    start = soon(24)

    api.put("/bookings/bk-1", booking(start))
    (shown,) = events(api, link.token)
    assert str(shown["SUMMARY"]) == "Haircut"
    assert shown.decoded("DTSTART") == start

    api.put("/bookings/bk-1", booking(start, status="cancelled"))
    assert events(api, link.token) == []

    moved = start + timedelta(days=2)
    api.put("/bookings/bk-1", booking(moved))
    (shown,) = events(api, link.token)
    assert shown.decoded("DTSTART") == moved

    api.put("/services/x1", {"name": "Beard trim"})
    (shown,) = events(api, link.token)
    assert str(shown["SUMMARY"]) == "Beard trim"

    assert api.delete("/bookings/bk-1").status_code == 204
    assert events(api, link.token) == []


def test_a_batch_shows_in_the_feed_on_the_next_fetch(api: ApiClient) -> None:
    push_references(api)
    _, link = api.harness.create_calendar("acme")
    assert events(api, link.token) == []
    items = [{"id": f"b{n}", **booking(soon(24 + n))} for n in range(3)]
    assert api.post("/batch", {"bookings": items}).status_code == 200
    assert len(events(api, link.token)) == 3


HOSTILE = [
    "Cut\r\nATTENDEE:mailto:evil@example.com\r\nX-EVIL:1",
    "Tab\there, bell\x07, escape\x1b[31m, nul\x00 and DEL\x7f",
    "<script>alert('x')</script> & \"quotes\"; commas, semicolons\\",
    "é" * 200,
]


def as_stored(text: str) -> str:
    """Line breaks as LF and tabs kept; every other control character dropped."""
    text = text.replace("\r\n", "\n")
    return "".join(c for c in text if c in "\t\n" or not (ord(c) < 32 or ord(c) == 127))


def test_hostile_text_is_stored_clean_and_cannot_break_the_feed(api: ApiClient) -> None:
    push_references(api)
    policy = Policy(details=frozenset({Detail.NOTES, Detail.DESCRIPTION}))
    _, link = api.harness.create_calendar("acme", policy=policy)
    for n, text in enumerate(HOSTILE):
        assert api.put(f"/services/h{n}", {"name": text, "description": text}).status_code == 201
        notes = text * 40
        response = api.put(
            f"/bookings/b{n}", booking(soon(24 + n), service_id=f"h{n}", notes=notes)
        )
        assert response.status_code == 201
        assert api.get(f"/services/h{n}").json()["name"] == as_stored(text)
        assert api.get(f"/bookings/b{n}").json()["notes"] == as_stored(notes)

    body = api.harness.feed(link.token).content
    lines = body.split(b"\r\n")
    assert not any(line.startswith((b"ATTENDEE", b"X-EVIL")) for line in lines)
    assert all(len(line) <= 75 for line in lines)
    assert not any(byte < 0x20 and byte not in (0x0D, 0x0A, 0x09) for byte in body)
    assert b"\r\n\r\n" not in body
    parsed = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert len(parsed) == len(HOSTILE)
    summaries = [str(event["SUMMARY"]) for event in parsed]
    assert any(summary.startswith("<script>alert('x')</script> & ") for summary in summaries)
    assert any(summary.startswith("Cut ATTENDEE:") for summary in summaries)
