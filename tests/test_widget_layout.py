"""Widget layout and option parsing as pure functions: no server, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from backend.errors import InvalidInput
from backend.policy import PublicEvent
from backend.store.widgets import WidgetSettings
from widget.colors import accent_style
from widget.layout import agenda, month_weeks, period_of, week_days
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
