"""After a write, the next fetch renders only the bookings written since and joins the rest as
rendered before; the bytes and the ETag are always those of a full render from scratch."""

from __future__ import annotations

import gzip
import struct
import zlib
from collections.abc import Iterator
from itertools import count
from random import Random

import pytest
from prometheus_client import REGISTRY

import backend.feed_parts
import backend.publish
from backend.domain import BookingStatus, StaffMember
from backend.feed_parts import PartsCache, ends_run
from backend.http_cache import Piece, gzip_of_pieces, piece_of
from backend.ics import CalendarMeta, calendar_head
from backend.policy import Detail, Policy
from backend.publish import RenderedFeed, empty_feed, publish
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


def run_ending_ids() -> Iterator[str]:
    return (f"end-{n}" for n in count() if ends_run(f"end-{n}"))


def pieces_made(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The bytes of each piece of a feed compressed and hashed from now on."""
    made: list[bytes] = []

    def counted(data: bytes) -> Piece:
        made.append(data)
        return piece_of(data)

    monkeypatch.setattr(backend.feed_parts, "piece_of", counted)
    return made


def test_a_change_compresses_and_hashes_only_the_runs_it_leaves_or_joins(
    acme: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A feed is cut into runs where booking ids say. A change compresses and hashes again only
    the run a booking leaves and the one it joins, cut again where a run's end comes or goes;
    the bytes and both ETags stay those of a full render."""
    calendar, link = acme.create_calendar(policy=Policy(details=frozenset({Detail.NOTES})))
    ending = run_ending_ids()
    plain = (f"b{n}" for n in count() if not ends_run(f"b{n}"))
    ids = [next(ending) if n % 10 == 9 else next(plain) for n in range(60)]
    acme.put("acme", *(appointment(booking_id, hours=30 + n) for n, booking_id in enumerate(ids)))
    acme.feed(link.token)
    made = pieces_made(monkeypatch)
    changes = [
        (appointment(ids[25], hours=55, notes="new notes"), 1),  # within one run
        (appointment(next(ending), hours=64.5), 2),  # ends a run in the middle of one: two
        (appointment(ids[19], hours=49, status=BookingStatus.CANCELLED), 1),  # a run's end goes
        (appointment(ids[3], hours=74.5), 2),  # leaves one run, joins another
        (appointment(next(plain), hours=100), 1),  # after the last run, which has ended
        (appointment(next(plain), hours=39.5), 1),  # after one run's end, before the next
        (appointment(next(plain), hours=101), 1),  # after the last run, which has not ended
    ]
    for change, runs in changes:
        full = rendered("full")
        acme.put("acme", change)
        made.clear()
        acme.feed(link.token)
        assert rendered("full") == full and len(made) == runs, change
        assert_as_from_scratch(acme, calendar.id, link.token)


def test_a_calendar_too_large_to_keep_gets_the_tag_its_parts_give(
    acme: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Written in chunks, as a calendar too large to keep in parts is, or caught up from kept
    parts, the same body gets the same gzip copy and ETags: processes sharing a database agree,
    and parts caught up past the size kept give what a full render gives."""
    calendar, _ = acme.create_calendar(policy=Policy(details=frozenset({Detail.NOTES})))
    ending = run_ending_ids()
    acme.put("acme", *(appointment(next(ending), hours=30 + n) for n in range(0, 20, 4)))
    acme.put("acme", *(appointment(f"b{n}", hours=30 + n) for n in range(20) if n % 4))
    monkeypatch.setattr(backend.publish, "CHUNK", 3)  # runs span chunks

    def render(kept: PartsCache) -> RenderedFeed:
        return acme.call(publish, acme.runtime.db, "acme", calendar.id, now_utc(), kept)

    kept = PartsCache()
    render(kept)
    acme.put("acme", appointment("b1", hours=45.5, notes="moved"))
    since = rendered("changes")
    caught_up = render(kept)
    assert rendered("changes") == since + 1
    streamed = render(PartsCache(max_events=0))
    assert streamed.body == caught_up.body and b"moved" in streamed.body
    assert (streamed.etag, streamed.gzip_etag) == (caught_up.etag, caught_up.gzip_etag)
    assert streamed.gzipped == caught_up.gzipped
    assert gzip.decompress(streamed.gzipped) == streamed.body


def test_an_empty_feed_gets_the_tag_and_gzip_copy_of_a_feed_with_the_same_bytes() -> None:
    now = now_utc()
    empty = empty_feed("Closed", "Europe/London", now, now)
    meta = CalendarMeta(
        name="Closed", time_zone="Europe/London", window_start=now.date(), window_end=now.date()
    )
    parts = backend.feed_parts.rendered(
        [], Policy(), "Europe/London", calendar_head(meta), (now, now), (1, 1, 1)
    )
    assert empty.body == parts.body()
    tag, gzipped = parts.packed()
    assert empty.etag == f'"{tag}"' and empty.gzipped == gzipped


def test_pieces_join_into_the_gzip_file_of_their_bytes() -> None:
    """The gzip trailer's CRC and length, worked out from the pieces', are the whole body's."""
    random = Random(11)
    parts = [b"", b"x", random.randbytes(70_000), b"", b"END:VCALENDAR\r\n" * 999]
    parts += [random.randbytes(random.randrange(5_000)) for _ in range(20)]
    body = b"".join(parts)
    zipped = gzip_of_pieces([piece_of(part) for part in parts])
    assert gzip.decompress(zipped) == body  # which checks the CRC and the length
    assert zipped[-8:] == struct.pack("<II", zlib.crc32(body), len(body))
