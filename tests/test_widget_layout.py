"""Widget layout and option parsing as pure functions: no server, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from backend.errors import InvalidInput
from backend.policy import PublicEvent
from backend.store.widgets import WidgetSettings
from widget.colors import accent_style
from widget.layout import agenda, is_all_day, month_weeks, period_of, time_grid, week_days
from widget.locale import formatter
from widget.options import View, check_settings, parse_color, parse_options, parse_site

LONDON = ZoneInfo("Europe/London")


def event(uid: str, start: datetime, end: datetime) -> PublicEvent:
    return PublicEvent(uid=uid, start=start, end=end, stamp=start, sequence=0, title=uid)


def at(day: int, hour: int, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=LONDON)


def test_a_month_grid_is_whole_weeks_from_the_first_weekday() -> None:
    period = period_of(View.MONTH, date(2026, 3, 17), week_start=6)
    weeks = month_weeks(period, 6, [], LONDON, today=date(2026, 3, 17))
    assert weeks[0][0].day == date(2026, 3, 1)  # 1 March 2026 is a Sunday
    assert all(len(week) == 7 and week[0].day.weekday() == 6 for week in weeks)
    assert weeks[-1][-1].day >= date(2026, 3, 31)
    assert [d.today for week in weeks for d in week].count(True) == 1
    assert not weeks[-1][-1].in_period


def test_paging_crosses_year_boundaries() -> None:
    december = period_of(View.MONTH, date(2026, 12, 31), week_start=0)
    assert (december.previous, december.next) == (date(2026, 11, 1), date(2027, 1, 1))
    week = period_of(View.WEEK, date(2026, 12, 31), week_start=0)
    assert (week.first, week.last) == (date(2026, 12, 28), date(2027, 1, 4))


def test_events_land_on_their_local_day_and_multi_day_events_on_each_day() -> None:
    late = event("late", datetime(2026, 7, 1, 23, 30, tzinfo=UTC), at(2, 1, month=7))
    long = event("long", at(3, 20, month=7), at(5, 10, month=7))
    period = period_of(View.WEEK, date(2026, 7, 1), week_start=0)
    days = {
        d.day.day: [s.event.uid for s in d.slots]
        for d in week_days(period, [late, long], LONDON, date(2026, 7, 1))
    }
    assert days[2] == ["late"]  # 23:30 UTC is 00:30 in London's summer time
    assert days[3] == days[4] == days[5] == ["long"]
    assert days[29] == days[30] == days[1] == []  # the week runs Monday 29 June to 5 July


def test_the_list_holds_only_days_with_events() -> None:
    events = [event("a", at(10, 9), at(10, 10)), event("b", at(12, 9), at(12, 10))]
    period = period_of(View.LIST, date(2026, 3, 9), week_start=0)
    assert [d.day for d in agenda(period, events, LONDON, date(2026, 3, 9))] == [
        date(2026, 3, 10),
        date(2026, 3, 12),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("#ABC", "#aabbcc"), ("Teal", "#008080"), ("#12345g", None), ("red;}", None), ("", None)],
)
def test_colours_are_parsed_or_ignored(text: str, expected: str | None) -> None:
    assert parse_color(text) == expected


def test_styles_for_many_accents_take_bounded_memory() -> None:
    for n in range(1100):  # any visitor can ask for any of 16.7 M colours
        accent_style(f"#{n:06x}")
    assert accent_style.cache_info().currsize <= 1024


def test_invalid_options_fall_back_to_the_owners_defaults() -> None:
    defaults = WidgetSettings(theme="dark", default_view="week", accent="#336699")
    options = parse_options({"view": "year", "theme": "x", "date": "2026-02-30"}, defaults, None)
    assert (options.view, options.explicit_view, options.day) == (View.WEEK, False, None)
    assert (options.theme.value, options.accent) == ("dark", "#336699")


@pytest.mark.parametrize(
    "site",
    ["javascript:alert(1)", "https://a.example; script-src *", "https://a.example/path", "*"],
)
def test_only_origins_may_be_allowed_to_embed(site: str) -> None:
    with pytest.raises(InvalidInput):
        parse_site(site)


def test_allowed_sites_are_normalised() -> None:
    settings = check_settings(
        WidgetSettings(allowed_sites=("HTTPS://Example.com/", "https://*.example.org"))
    )
    assert settings.allowed_sites == ("https://example.com", "https://*.example.org")


def day_grid(events: list[PublicEvent], day: date, lanes: int = 8):
    period = period_of(View.DAY, day, week_start=0)
    return time_grid(week_days(period, events, LONDON, day), lanes)


def test_a_day_period_is_one_day_and_pages_by_days() -> None:
    period = period_of(View.DAY, date(2026, 12, 31), week_start=0)
    assert (period.first, period.last) == (date(2026, 12, 31), date(2027, 1, 1))
    assert (period.previous, period.next) == (date(2026, 12, 30), date(2027, 1, 1))


def test_events_are_placed_by_quarter_hours_and_overlaps_side_by_side() -> None:
    events = [
        event("long", at(10, 10), at(10, 12)),
        event("short", at(10, 10), at(10, 11)),
        event("after", at(10, 11), at(10, 12)),
        event("alone", at(10, 14), at(10, 15)),
    ]
    grid = day_grid(events, date(2026, 3, 10))
    (column,) = grid.columns
    placed = {p.slot.event.uid: p for p in column.timed}
    assert (grid.first_hour, grid.last_hour) == (10, 16)  # fitted, at least six hours
    assert placed["long"].length == 2 * placed["short"].length == 8
    assert (placed["long"].lane, placed["short"].lane, placed["after"].lane) == (0, 1, 1)
    assert placed["long"].lanes == placed["after"].lanes == 2
    assert (placed["alone"].top, placed["alone"].lanes) == (16, 1)  # 14:00, a lane of its own


def test_the_hour_range_fits_early_and_late_events() -> None:
    events = [event("early", at(10, 6), at(10, 7)), event("late", at(10, 21), at(11, 0))]
    grid = day_grid(events, date(2026, 3, 10))
    assert (grid.first_hour, grid.last_hour) == (6, 24)
    assert grid.columns[0].timed[-1].length == 12  # until midnight, on its own day
    assert day_grid([], date(2026, 3, 10)).first_hour == 9  # nothing timed: office hours


def test_a_crowded_cluster_keeps_its_last_lane_for_more() -> None:
    events = [event(f"e{n}", at(10, 10), at(10, 12)) for n in range(8)]
    (column,) = day_grid(events, date(2026, 3, 10), lanes=3).columns
    assert len(column.timed) == 2 and {p.lanes for p in column.timed} == {3}
    (more,) = column.more
    assert (more.count, more.lane, more.top, more.length) == (6, 2, 0, 8)


@pytest.mark.parametrize(
    ("start", "end", "whole"),
    [
        (datetime(2026, 3, 29, tzinfo=LONDON), datetime(2026, 3, 30, tzinfo=LONDON), True),
        (datetime(2026, 10, 25, tzinfo=LONDON), datetime(2026, 10, 26, tzinfo=LONDON), True),
        (datetime(2026, 3, 9, tzinfo=LONDON), datetime(2026, 3, 12, tzinfo=LONDON), True),
        (datetime(2026, 3, 9, tzinfo=UTC), datetime(2026, 3, 10, tzinfo=UTC), True),
        (datetime(2026, 7, 9, tzinfo=UTC), datetime(2026, 7, 10, tzinfo=UTC), False),
        (datetime(2026, 3, 9, tzinfo=LONDON), datetime(2026, 3, 9, 23, 59, tzinfo=LONDON), False),
    ],
)
def test_all_day_is_midnight_to_midnight_in_the_accounts_zone(
    start: datetime, end: datetime, whole: bool
) -> None:
    """29 March and 25 October 2026 are London's 23- and 25-hour days; midnight UTC is
    midnight in London in winter only."""
    found = event("x", start, end)
    period = period_of(View.MONTH, start.astimezone(LONDON).date(), week_start=0)
    days = week_days(period, [found], LONDON, date(2026, 1, 1))
    assert all(slot.all_day is whole for day in days for slot in day.slots)
    assert is_all_day(start.astimezone(LONDON), end.astimezone(LONDON)) is whole
    if whole:  # an all-day event goes to the time grid's top row
        grid = day_grid([found], start.astimezone(LONDON).date())
        assert grid.columns[0].top and not grid.columns[0].timed


def test_a_multi_day_event_says_where_it_began_and_ends() -> None:
    retreat = event("retreat", at(9, 20), at(11, 10))
    period = period_of(View.WEEK, date(2026, 3, 9), week_start=0)
    slots = {
        d.day.day: d.slots[0]
        for d in week_days(period, [retreat], LONDON, date(2026, 3, 9))
        if d.slots
    }
    assert sorted(slots) == [9, 10, 11]
    assert [(s.continued, s.continues) for s in slots.values()] == [
        (False, True),
        (True, True),
        (True, False),
    ]
    grid = time_grid(week_days(period, [retreat], LONDON, date(2026, 3, 9)), 3)
    assert all(not column.timed for column in grid.columns)  # in the top row, each day


def test_the_dialog_prints_each_date_once() -> None:
    fmt = formatter("en_GB")
    assert fmt.when(at(5, 10), at(5, 11), "All day") == ["Thursday, 5 March 2026", "10:00 – 11:00"]
    assert fmt.when(at(5, 0), at(6, 0), "All day") == ["Thursday, 5 March 2026", "All day"]
    (across,) = fmt.when(at(5, 20), at(7, 10), "All day")
    assert across == "Thu, 5 Mar 2026, 20:00 – Sat, 7 Mar 2026, 10:00"
    assert across.count("5 Mar") == across.count("7 Mar") == 1
