"""After a write, the next fetch renders only the bookings written since and joins the rest as
rendered before; the bytes and the ETag are always those of a full render from scratch."""

from __future__ import annotations

from prometheus_client import REGISTRY

from backend.domain import BookingStatus, StaffMember
from backend.feed_parts import PartsCache
from backend.policy import Detail, Policy
from backend.publish import publish
from backend.store.db import now_utc
from tests.conftest import STAFF, Harness, appointment


def rendered(render: str) -> float:
    labels = {"render": render}
    return REGISTRY.get_sample_value("bookfeed_feed_events_rendered_total", labels) or 0.0


def assert_as_from_scratch(harness: Harness, calendar_id: int, response: object) -> None:
    cold = harness.call(publish, harness.runtime.db, "acme", calendar_id, now_utc(), PartsCache())
    assert response.content == cold.body  # type: ignore[attr-defined]
    gzipped = response.headers.get("content-encoding") == "gzip"  # type: ignore[attr-defined]
    assert response.headers["etag"] == (cold.gzip_etag if gzipped else cold.etag)  # type: ignore[attr-defined]


def test_a_changed_booking_is_the_only_one_rendered_again(acme: Harness) -> None:
    policy = Policy(details=frozenset({Detail.STAFF_NAME, Detail.NOTES}))
    calendar, link = acme.create_calendar(policy=policy)
    acme.put("acme", *(appointment(f"b{n}", hours=30 + n) for n in range(20)))
    assert acme.feed(link.token).content.count(b"BEGIN:VEVENT") == 21

    changes = [
        [appointment("b3", hours=300, notes="moved past the others")],  # moves in the feed
        [appointment("bk-new", hours=31.5, notes="added between two")],  # added
        [appointment("b5", hours=35, status=BookingStatus.CANCELLED)],  # leaves the feed
        [appointment("b6", hours=24 * 800)],  # leaves the window
        [appointment("b7", hours=37, staff_ids=())],  # same place, new lines
    ]
    for change in changes:
        full, since = rendered("full"), rendered("changes")
        acme.put("acme", *change)
        response = acme.feed(link.token)
        assert rendered("full") == full, change
        assert rendered("changes") - since <= len(change)
        assert_as_from_scratch(acme, calendar.id, response)
    body = acme.feed(link.token).content
    assert body.count(b"BEGIN:VEVENT") == 20 and b"added between two" in body


def test_a_deletion_or_an_object_change_renders_everything_again(acme: Harness) -> None:
    calendar, link = acme.create_calendar(policy=Policy(details=frozenset({Detail.STAFF_NAME})))
    acme.put("acme", appointment("bk-2", hours=30))
    acme.feed(link.token)
    for write in (
        lambda: acme.delete_booking("acme", "bk-2"),
        lambda: acme.put("acme", StaffMember(id=STAFF.id, name="Renamed Staffer")),
    ):
        full = rendered("full")
        write()
        response = acme.feed(link.token)
        assert rendered("full") > full
        assert_as_from_scratch(acme, calendar.id, response)
    assert b"Renamed Staffer" in acme.feed(link.token).content


def test_a_policy_change_renders_everything_again(acme: Harness) -> None:
    calendar, link = acme.create_calendar()
    acme.feed(link.token)
    acme.call(
        acme.runtime.calendars.update_calendar,
        "acme",
        calendar.id,
        calendar.name,
        Policy(busy_only=True, future_days=400),
    )
    acme.put("acme", appointment("bk-2", hours=24 * 390))
    response = acme.feed(link.token)
    assert response.content.count(b"SUMMARY:Busy") == 2
    assert_as_from_scratch(acme, calendar.id, response)


def test_writes_from_another_process_are_caught_up_by_the_data_version(acme: Harness) -> None:
    """Writes straight through the store (as another process's would be) show up too."""
    calendar, link = acme.create_calendar()
    acme.feed(link.token)
    for hours in (26, 27, 28):
        acme.put("acme", appointment(f"bk-{hours}", hours=hours))
    acme.put("acme", appointment("bk-1", hours=30, notes="moved"))
    response = acme.feed(link.token)
    assert response.content.count(b"BEGIN:VEVENT") == 4
    assert_as_from_scratch(acme, calendar.id, response)
