"""The RFC 5545 writer: any text stays text, lines fold safely, time zones are right."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import vobject
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.domain import BookingStatus
from backend.ics import (
    CALENDAR_END,
    CalendarMeta,
    EventWriter,
    calendar_head,
    escape_text,
    fold,
    render_calendar,
)
from backend.policy import PublicEvent, PublicLocation
from backend.timezones import vtimezone

LONDON = ZoneInfo("Europe/London")


def meta(**changes: object) -> CalendarMeta:
    values: dict[str, object] = {
        "name": "Studio",
        "time_zone": "Europe/London",
        "window_start": date(2026, 9, 1),
        "window_end": date(2027, 6, 1),
    }
    values.update(changes)
    return CalendarMeta(**values)  # type: ignore[arg-type]


def event(title: str = "Haircut", start: datetime | None = None, **changes: object) -> PublicEvent:
    start = start or datetime(2026, 11, 26, 10, tzinfo=UTC)
    values: dict[str, object] = {
        "uid": "abc@bookfeed",
        "start": start,
        "end": start + timedelta(hours=1),
        "stamp": datetime(2026, 11, 1, 9, tzinfo=UTC),
        "sequence": 0,
        "title": title,
    }
    values.update(changes)
    return PublicEvent(**values)  # type: ignore[arg-type]


def parsed_events(body: bytes) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(body).walk("VEVENT"))


def expected_text(value: str) -> str:
    """What a parser should read back: line breaks kept, other C0/C1 controls and DEL dropped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    for separator in ("\x85", "\u2028", "\u2029"):
        value = value.replace(separator, "\n")
    return "".join(c for c in value if c in "\t\n" or not (ord(c) < 32 or 127 <= ord(c) < 160))


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=300))
def test_any_text_round_trips_as_text_and_never_breaks_the_structure(text: str) -> None:
    body = render_calendar(meta(), [event(text, location=PublicLocation(name=text))])
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))
    assert b"\r\n" not in body.replace(b"\r\n", b"") and b"\n" not in body.replace(b"\r\n", b"")
    (parsed,) = parsed_events(body)
    assert str(parsed["SUMMARY"]) == expected_text(text)
    assert str(parsed["LOCATION"]) == expected_text(text)


def test_hostile_booking_text_cannot_inject_properties() -> None:
    hostile = "Cut\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:injected;x=1,<script>\x00\x1b"
    body = render_calendar(meta(), [event(hostile)])
    (parsed,) = parsed_events(body)
    assert str(parsed["SUMMARY"]) == "Cut\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:injected;x=1,<script>"
    assert body.count(b"\r\nBEGIN:VEVENT\r\n") == 1
    assert len(parsed_events(body)) == 1


def test_folding_never_splits_a_multibyte_character() -> None:
    line = "SUMMARY:" + "Ünïcödé ✂ 日本語 " * 20
    folded = fold(line).encode()
    parts = folded.split(b"\r\n")
    assert all(len(part) <= 75 for part in parts)
    for part in parts:
        part.decode("utf-8")  # raises if a character was cut
    assert folded.replace(b"\r\n ", b"").decode() == line + "\r\n"


def test_escaping_covers_the_rfc_5545_specials() -> None:
    assert escape_text("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne"


def test_times_are_local_with_tzid_and_right_across_the_clock_change() -> None:
    before = datetime(2026, 10, 24, 10, tzinfo=LONDON)  # BST, UTC+1
    after = datetime(2026, 10, 26, 10, tzinfo=LONDON)  # GMT, UTC+0
    body = render_calendar(meta(), [event(start=before), event(start=after, uid="def@bookfeed")])
    assert b"DTSTART;TZID=Europe/London:20261024T100000" in body
    assert b"DTSTART;TZID=Europe/London:20261026T100000" in body
    assert b"BEGIN:VTIMEZONE" in body and b"TZID:Europe/London" in body
    starts = [e.decoded("DTSTART").astimezone(UTC) for e in parsed_events(body)]
    assert starts == [datetime(2026, 10, 24, 9, tzinfo=UTC), datetime(2026, 10, 26, 10, tzinfo=UTC)]
    independent = vobject.readOne(body.decode())
    vstarts = [v.dtstart.value.astimezone(UTC) for v in independent.vevent_list]
    assert vstarts == starts


def test_the_repeated_hour_at_the_clock_change_keeps_each_instant() -> None:
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 01:30 BST
    second = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 01:30 GMT, the hour again
    body = render_calendar(meta(), [event(start=first), event(start=second, uid="b@bookfeed")])
    starts = [e.decoded("DTSTART").astimezone(UTC) for e in parsed_events(body)]
    assert starts == [first, second]
    ends = [e.decoded("DTEND").astimezone(UTC) for e in parsed_events(body)]
    assert ends == [first + timedelta(hours=1), second + timedelta(hours=1)]
    vstarts = [v.dtstart.value.astimezone(UTC) for v in vobject.readOne(body.decode()).vevent_list]
    assert vstarts == [first, second]


def test_an_event_touching_the_repeated_hour_is_written_wholly_in_utc() -> None:
    start = datetime(2026, 10, 24, 23, 30, tzinfo=UTC)  # 00:30 BST, before the change
    end = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 01:30 GMT, inside the repeated hour
    body = render_calendar(meta(), [event(start=start, end=end)])
    assert b"\r\nDTSTART:20261024T233000Z\r\nDTEND:20261025T013000Z\r\n" in body


def test_a_zone_with_a_yearly_rule_gets_one_rrule_pair() -> None:
    text = vtimezone("America/New_York", 2026, 2028).decode()
    assert text.count("BEGIN:STANDARD") == text.count("BEGIN:DAYLIGHT") == 1
    assert "\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\n" in text
    assert "\r\nRRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\n" in text
    assert "RDATE" not in text


def test_a_zone_without_a_yearly_rule_gets_one_component_per_change() -> None:
    text = vtimezone("Africa/Casablanca", 2026, 2028).decode()  # the Ramadan suspensions
    assert "RRULE" not in text and "RDATE" not in text
    onsets = re.findall(r"\r\nDTSTART:(\d{8}T\d{6})\r\n", text)
    assert onsets[0] == "19700101T000000"  # the offset in force when the years begin
    assert len(onsets) == 7 and onsets == sorted(onsets)
    assert "DTSTART:20270207T030000\r\nTZNAME:+00\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0000" in text


def test_a_zone_without_changes_gets_one_standard_component() -> None:
    text = vtimezone("Asia/Kathmandu", 2026, 2027).decode()
    assert text.count("BEGIN:") == 2
    assert "TZOFFSETFROM:+0545\r\nTZOFFSETTO:+0545\r\n" in text


def test_summer_is_daylight_also_where_tzdata_calls_winter_the_dst() -> None:
    text = vtimezone("Europe/Dublin", 2026, 2027).decode()
    assert (
        "BEGIN:DAYLIGHT\r\nDTSTART:20250330T010000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"
        in text
    )
    assert "TZNAME:IST\r\nTZOFFSETFROM:+0000\r\nTZOFFSETTO:+0100\r\nEND:DAYLIGHT" in text


def test_the_vtimezone_is_computed_once_per_zone_and_years() -> None:
    assert vtimezone("Pacific/Chatham", 2026, 2027) is vtimezone("Pacific/Chatham", 2026, 2027)


def test_calendar_properties_and_refresh_hints() -> None:
    body = render_calendar(
        meta(refresh_minutes=90, description="Public timetable", color="#2f6f5e"), []
    )
    text = body.decode()
    for line in (
        "VERSION:2.0",
        "X-WR-CALNAME:Studio",
        "NAME:Studio",
        "REFRESH-INTERVAL;VALUE=DURATION:PT90M",
        "X-PUBLISHED-TTL:PT90M",
        "X-WR-CALDESC:Public timetable",
        "X-APPLE-CALENDAR-COLOR:#2f6f5e",
    ):
        assert f"\r\n{line}\r\n" in text
    assert "\r\nCOLOR:seagreen\r\n" in text or "\r\nCOLOR:darkslategray\r\n" in text
    assert "X-WR-TIMEZONE" not in text  # every time carries its zone or is UTC


def test_event_properties_for_status_and_sequence() -> None:
    body = render_calendar(
        meta(),
        [
            event(uid="a@bookfeed", sequence=3, status=BookingStatus.TENTATIVE),
            event(uid="b@bookfeed", status=BookingStatus.CANCELLED),
        ],
    )
    first, second = parsed_events(body)
    assert (str(first["STATUS"]), int(first["SEQUENCE"])) == ("TENTATIVE", 3)
    assert str(second["STATUS"]) == "CANCELLED"
    assert str(second["SUMMARY"]) == "Cancelled: Haircut"
    assert first.decoded("DTSTAMP") == datetime(2026, 11, 1, 9, tzinfo=UTC)


def test_a_calendar_is_its_head_then_each_events_lines_then_its_end() -> None:
    """Feeds are joined from events rendered apart: the bytes must be the same either way."""
    events = [
        event("Haircut; trim", notes="two\nlines"),
        event("Ünïcode " * 20, start=datetime(2026, 10, 25, 0, 30, tzinfo=UTC), uid="b@bookfeed"),
    ]
    joined = b"".join(map(EventWriter("Europe/London").lines, events))
    assert render_calendar(meta(), events) == calendar_head(meta()) + joined + CALENDAR_END
