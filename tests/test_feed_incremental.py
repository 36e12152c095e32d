"""After a write, the next fetch renders only the bookings written since and joins the rest as
rendered before; the bytes and the ETag are always those of a full render from scratch."""

from __future__ import annotations

import gzip

import msgspec
from prometheus_client import REGISTRY

from backend.domain import BookingStatus, StaffMember
from backend.feed_parts import FeedParts, PartsCache
from backend.policy import Detail, Policy
from backend.publish import publish
from backend.store.db import now_utc
from tests.conftest import STAFF, Harness, appointment


def rendered(render: str) -> float:
    labels = {"render": render}
    return REGISTRY.get_sample_value("bookfeed_feed_events_rendered_total", labels) or 0.0


def assert_as_from_scratch(harness: Harness, calendar_id: int, token: str) -> bytes:
    """The feed served now is what a full render from nothing gives, gzipped copy included."""
    plain = harness.feed(token, **{"accept-encoding": "identity"})
    path = f"/feeds/{token}.ics"
    with harness.client.stream("GET", path, headers={"accept-encoding": "gzip"}) as zipped:
        raw = b"".join(zipped.iter_raw())
        gzip_etag = zipped.headers["etag"]
    cold = harness.call(publish, harness.runtime.db, "acme", calendar_id, now_utc(), PartsCache())
    assert plain.content == cold.body and plain.headers["etag"] == cold.etag
    assert raw == cold.gzipped and gzip_etag == cold.gzip_etag
    assert gzip.decompress(raw) == cold.body
    return plain.content


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
        acme.feed(link.token)
        assert rendered("full") == full, change
        assert rendered("changes") - since <= len(change)
        body = assert_as_from_scratch(acme, calendar.id, link.token)
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
        acme.feed(link.token)
        assert rendered("full") > full
        assert_as_from_scratch(acme, calendar.id, link.token)
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
    body = assert_as_from_scratch(acme, calendar.id, link.token)
    assert body.count(b"SUMMARY:Busy") == 2


def test_writes_from_another_process_are_caught_up_by_the_data_version(acme: Harness) -> None:
    """Writes straight through the store (as another process's would be) show up too."""
    calendar, link = acme.create_calendar()
    acme.feed(link.token)
    for hours in (26, 27, 28):
        acme.put("acme", appointment(f"bk-{hours}", hours=hours))
    acme.put("acme", appointment("bk-1", hours=30, notes="moved"))
    body = assert_as_from_scratch(acme, calendar.id, link.token)
    assert body.count(b"BEGIN:VEVENT") == 4


def test_a_long_feeds_gzip_copy_recompresses_only_the_run_that_changed() -> None:
    now = now_utc()
    lines = [b"BEGIN:VEVENT\r\nUID:%05d\r\nEND:VEVENT\r\n" % n for n in range(5000)]
    places = [(now, f"bk-{n}") for n in range(5000)]
    parts = FeedParts(
        calendar_version=1,
        objects_version=0,
        as_of=0,
        window=(now, now),
        head=b"BEGIN:VCALENDAR\r\n",
        places=places,
        lines=lines,
        place_of={},
    )
    parts.gzipped(parts.body())
    runs = len(parts.pieces)
    assert runs > 10  # the runs are cut by booking id, about 256 events each
    changed = msgspec.structs.replace(parts, lines=[*lines[:2500], b"CHANGED\r\n", *lines[2501:]])
    before = dict(changed.pieces)
    body = changed.body()
    zipped = changed.gzipped(body)
    assert gzip.decompress(zipped) == body
    assert len(set(changed.pieces.values()) - set(before.values())) == 1
    fresh = msgspec.structs.replace(changed, pieces={})
    assert fresh.gzipped(body) == zipped
