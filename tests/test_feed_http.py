"""The feed over HTTP: validators, compression, freshness, and the life of a link."""

from __future__ import annotations

import gzip
import logging
import time
from datetime import timedelta
from email.utils import parsedate_to_datetime

import icalendar
import pytest
from litestar.testing import TestClient

from backend.app import create_app
from backend.domain import BookingStatus
from backend.policy import Policy, Scope
from backend.settings import Settings
from tests.conftest import Harness, appointment, soon


def events_in(body: bytes) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(body).walk("VEVENT"))


def test_headers_say_what_the_body_is_and_how_to_revalidate(acme: Harness) -> None:
    _, link = acme.create_calendar(name="Front desk – Ground floor")
    acme.feed(link.token)
    time.sleep(1.1)  # a copy served in the second of a change carries no Last-Modified
    response = acme.feed(link.token)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="Front-desk-Ground-floor.ics"'
    )
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["etag"].startswith('"')
    assert response.headers["last-modified"].endswith("GMT")
    assert response.headers["referrer-policy"] == "no-referrer"


def test_unchanged_feed_is_byte_for_byte_identical_and_answers_304(acme: Harness) -> None:
    _, link = acme.create_calendar()
    acme.feed(link.token)
    time.sleep(1.1)
    first = acme.feed(link.token)
    second = acme.feed(link.token)
    assert first.content == second.content
    assert first.headers["etag"] == second.headers["etag"]
    by_etag = acme.feed(link.token, **{"if-none-match": first.headers["etag"]})
    assert by_etag.status_code == 304
    assert by_etag.content == b""
    assert by_etag.headers["etag"] == first.headers["etag"]
    by_date = acme.feed(link.token, **{"if-modified-since": first.headers["last-modified"]})
    assert by_date.status_code == 304
    stale = acme.feed(link.token, **{"if-none-match": '"something-else"'})
    assert stale.status_code == 200


def test_head_answers_the_same_headers_without_a_body(acme: Harness) -> None:
    _, link = acme.create_calendar()
    full = acme.feed(link.token, **{"accept-encoding": "identity"})
    head = acme.client.head(f"/feeds/{link.token}.ics", headers={"accept-encoding": "identity"})
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["etag"] == full.headers["etag"]
    assert head.headers["content-length"] == str(len(full.content))


def test_gzip_when_asked(acme: Harness) -> None:
    _, link = acme.create_calendar()
    plain = acme.feed(link.token, **{"accept-encoding": "identity"})
    with acme.client.stream(
        "GET", f"/feeds/{link.token}.ics", headers={"accept-encoding": "gzip"}
    ) as zipped:
        raw = b"".join(zipped.iter_raw())
        assert zipped.headers["content-encoding"] == "gzip"
        assert zipped.headers["etag"] != plain.headers["etag"]
        assert zipped.headers["vary"] == "accept-encoding"
    assert gzip.decompress(raw) == plain.content
    assert len(raw) < len(plain.content)
    assert "content-encoding" not in plain.headers


@pytest.mark.parametrize(
    ("accept_encoding", "gzipped"),
    [
        ("gzip, deflate, br", True),
        ("GZIP;q=0.5", True),
        ("*", True),
        ("gzip;q=0", False),
        ("gzip; q=0.000, deflate", False),
        ("*, gzip;q=0", False),  # refused by name, whatever "*" allows
        ("identity", False),
    ],
)
def test_gzip_only_when_the_client_accepts_it(
    acme: Harness, accept_encoding: str, gzipped: bool
) -> None:
    _, link = acme.create_calendar()
    response = acme.feed(link.token, **{"accept-encoding": accept_encoding})
    assert ("content-encoding" in response.headers) is gzipped
    assert response.headers["etag"].endswith('-gz"') is gzipped


def test_other_methods_are_refused(acme: Harness) -> None:
    _, link = acme.create_calendar()
    response = acme.client.post(f"/feeds/{link.token}.ics")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


def test_a_booking_change_shows_on_the_very_next_fetch(acme: Harness) -> None:
    _, link = acme.create_calendar()
    (before,) = events_in(acme.feed(link.token).content)
    acme.put("acme", appointment(hours=48))
    (moved,) = events_in(acme.feed(link.token).content)
    assert moved["UID"] == before["UID"]
    assert moved.decoded("DTSTART") == before.decoded("DTSTART") + timedelta(hours=24)
    assert int(moved["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    acme.put("acme", appointment(hours=48, status=BookingStatus.CANCELLED))
    assert events_in(acme.feed(link.token).content) == []
    acme.put("acme", appointment("bk-2", hours=72))
    acme.delete_booking("acme", "bk-2")
    assert events_in(acme.feed(link.token).content) == []


def test_a_policy_change_shows_on_the_very_next_fetch(acme: Harness) -> None:
    calendar, link = acme.create_calendar()
    assert b"SUMMARY:Haircut" in acme.feed(link.token).content
    acme.call(
        acme.runtime.calendars.update_calendar,
        "acme",
        calendar.id,
        "Renamed",
        Policy(busy_only=True),
    )
    body = acme.feed(link.token).content
    assert b"SUMMARY:Busy" in body
    assert b"X-WR-CALNAME:Renamed" in body


def test_an_event_session_is_one_event_however_many_attendees(acme: Harness) -> None:
    from backend.domain import BookingKind, Customer

    others = [Customer(id=f"cu-x{i}", name=f"Person {i}") for i in range(5)]
    session = appointment(
        "es-1",
        kind=BookingKind.EVENT_SESSION,
        service_id=None,
        event_id="ev-1",
        customer_ids=tuple(c.id for c in others),
    )
    empty_session = appointment(
        "es-2",
        hours=30,
        kind=BookingKind.EVENT_SESSION,
        service_id=None,
        event_id="ev-1",
        customer_ids=(),
    )
    acme.put("acme", *others, session, empty_session)
    _, link = acme.create_calendar()
    titles = [str(e["SUMMARY"]) for e in events_in(acme.feed(link.token).content)]
    assert titles.count("Yoga – Beginners") == 2


def test_disabled_link_serves_an_empty_calendar_until_enabled(acme: Harness) -> None:
    calendar, first = acme.create_calendar()
    second = acme.call(acme.runtime.calendars.add_link, "acme", calendar.id, "Alice's phone")
    acme.call(acme.runtime.calendars.set_link_enabled, "acme", first.record.id, False)
    disabled = acme.feed(first.token)
    assert disabled.status_code == 200
    assert events_in(disabled.content) == []
    assert icalendar.Calendar.from_ical(disabled.content)["X-WR-CALNAME"] == "Calendar"
    assert len(events_in(acme.feed(second.token).content)) == 1
    acme.call(acme.runtime.calendars.set_link_enabled, "acme", first.record.id, True)
    assert len(events_in(acme.feed(first.token).content)) == 1


def test_regenerated_link_serves_empty_calendar_and_the_new_url_works(acme: Harness) -> None:
    _, link = acme.create_calendar()
    renewed = acme.call(acme.runtime.calendars.regenerate_link, "acme", link.record.id)
    assert renewed.token != link.token
    old = acme.feed(link.token)
    assert old.status_code == 200
    assert events_in(old.content) == []
    assert len(events_in(acme.feed(renewed.token).content)) == 1


def test_deleted_link_and_calendar_serve_empty_calendars(acme: Harness) -> None:
    calendar, link = acme.create_calendar()
    other = acme.call(acme.runtime.calendars.add_link, "acme", calendar.id, "Website")
    acme.call(acme.runtime.calendars.delete_link, "acme", link.record.id)
    assert events_in(acme.feed(link.token).content) == []
    assert len(events_in(acme.feed(other.token).content)) == 1
    acme.call(acme.runtime.calendars.delete_calendar, "acme", calendar.id)
    for token in (link.token, other.token):
        response = acme.feed(token)
        assert response.status_code == 200
        assert events_in(response.content) == []


def test_after_the_retention_period_a_retired_link_is_gone(settings: Settings) -> None:
    quick = Settings(
        database=settings.database, secret_key=settings.secret_key, link_retention_days=0
    )
    with TestClient(create_app(quick)) as client:
        harness = Harness(client)
        harness.create_account()
        _, link = harness.create_calendar()
        harness.call(harness.runtime.calendars.set_link_enabled, "acme", link.record.id, False)
        time.sleep(1.1)  # retention 0 days: gone as soon as a second has passed
        assert harness.feed(link.token).status_code == 404


def test_unknown_and_malformed_tokens_get_the_same_plain_404(acme: Harness) -> None:
    _, link = acme.create_calendar()
    unknown = "A" * len(link.token)
    near_miss = link.token[:-1] + ("B" if link.token[-1] != "B" else "C")
    answers = [
        acme.client.get(path)
        for path in (
            f"/feeds/{unknown}.ics",
            f"/feeds/{near_miss}.ics",
            "/feeds/short.ics",
            f"/feeds/{link.token}",
            "/feeds/%3Cscript%3E.ics",
        )
    ]
    assert {a.status_code for a in answers} == {404}
    assert {a.content for a in answers} == {b"Not found\n"}
    assert {a.headers["content-type"] for a in answers} == {"text/plain; charset=utf-8"}


def test_the_token_never_reaches_the_logs(acme: Harness, caplog: pytest.LogCaptureFixture) -> None:
    _, link = acme.create_calendar()
    caplog.set_level(logging.DEBUG)
    acme.feed(link.token)
    acme.feed("Z" * 24)
    acme.call(acme.runtime.recorder.flush, acme.runtime.db)
    server_side = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    logged = "\n".join(r.getMessage() for r in server_side)
    assert link.token not in logged
    assert "Z" * 24 not in logged


@pytest.mark.sqlite_only
def test_the_database_alone_holds_no_working_link(acme: Harness, settings: Settings) -> None:
    _, link = acme.create_calendar()
    acme.call(acme.runtime.recorder.flush, acme.runtime.db)
    stored = b"".join(
        path.read_bytes() for path in settings.database.parent.glob("bookfeed.sqlite3*")
    )
    assert link.token.encode() not in stored


def test_a_feed_url_stays_far_below_googles_limit(acme: Harness) -> None:
    _, link = acme.create_calendar()
    url = f"https://calendar.some-rather-long-business-domain.example/feeds/{link.token}.ics"
    assert len(url) < 120
    assert len(link.token) * 6 >= 128  # at least 128 bits in base64url


def test_fetches_are_recorded_with_the_kind_of_client(acme: Harness) -> None:
    calendar, link = acme.create_calendar()
    acme.feed(link.token, **{"user-agent": "Google-Calendar-Importer"})
    acme.feed(link.token, **{"user-agent": "Microsoft Office/16.0 (Windows NT 10.0; Outlook)"})
    acme.feed(link.token, **{"user-agent": "iOS/17.1 (21B80) dataaccessd/1.0"})
    acme.call(acme.runtime.recorder.flush, acme.runtime.db)
    (refreshed,) = acme.call(acme.runtime.calendars.links, "acme", calendar.id)
    assert refreshed.record.last_client == "apple"
    assert refreshed.record.last_fetched_at is not None
    assert refreshed.record.last_fetched_at >= soon(-1)

    async def counts() -> dict[int, dict[str, int]]:
        from backend.store.fetches import counts_since

        async with acme.runtime.db.reading() as conn:
            return await counts_since(conn, [link.record.id], "2000-01-01")

    assert acme.call(counts) == {link.record.id: {"google": 1, "outlook": 1, "apple": 1}}


def test_a_re_enabled_link_looks_newer_than_the_empty_copy_devices_hold(acme: Harness) -> None:
    _, link = acme.create_calendar()
    acme.call(acme.runtime.calendars.set_link_enabled, "acme", link.record.id, False)
    time.sleep(1.1)  # a copy served in the second of a change carries no Last-Modified
    empty = acme.feed(link.token)
    acme.call(acme.runtime.calendars.set_link_enabled, "acme", link.record.id, True)
    again = acme.feed(link.token, **{"if-modified-since": empty.headers["last-modified"]})
    assert again.status_code == 200
    assert len(events_in(again.content)) == 1


def test_last_modified_tells_of_this_calendars_changes_only(acme: Harness) -> None:
    from backend.domain import StaffMember

    _, link = acme.create_calendar(policy=Policy(scope=Scope.STAFF, scope_id="st-1"))
    acme.feed(link.token)
    time.sleep(1.1)
    first = acme.feed(link.token)
    acme.put("acme", StaffMember(id="st-2", name="Other"), appointment("bk-9", staff_ids=("st-2",)))
    unrelated = acme.feed(link.token)
    assert unrelated.headers["etag"] == first.headers["etag"]
    assert unrelated.headers["last-modified"] == first.headers["last-modified"]
    acme.put("acme", appointment(hours=30))
    changed = acme.feed(link.token)
    assert changed.headers["etag"] != first.headers["etag"]
    assert "last-modified" not in changed.headers  # served within the second of the change
    time.sleep(1.1)
    later = acme.feed(link.token, **{"if-modified-since": first.headers["last-modified"]})
    assert later.status_code == 200
    assert parsedate_to_datetime(later.headers["last-modified"]) > parsedate_to_datetime(
        first.headers["last-modified"]
    )
