"""Month and day names, dates and times in a visitor's language, from Babel's CLDR data."""

from __future__ import annotations

from datetime import date, datetime
from datetime import time as clock
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import (
    format_date,
    format_interval,
    format_skeleton,
    format_time,
    get_day_names,
    get_timezone_gmt,
    get_timezone_location,
)

from widget.layout import is_all_day, last_day


class Formatter:
    """Formats for one locale; templates call it, so layout stays free of language."""

    def __init__(self, tag: str) -> None:
        self.locale = Locale.parse(tag)
        self.tag = str(self.locale)
        self.html_lang = self.tag.replace("_", "-")
        self.direction = self.locale.text_direction
        self._short_days = get_day_names("abbreviated", locale=self.locale)
        self._long_days = get_day_names("wide", locale=self.locale)
        # "{1}, {0}": how the locale joins a date and a time.
        self._date_time = str(self.locale.datetime_formats["medium"]).replace("'", "")
        # A month page formats the same few times and days hundreds of times.
        self._times: dict[tuple[int, int], str] = {}
        self._dates: dict[date, str] = {}
        self._day_numbers: dict[int, str] = {}

    def short_weekday(self, weekday: int) -> str:
        return self._short_days[weekday]

    def long_weekday(self, weekday: int) -> str:
        return self._long_days[weekday]

    def month_title(self, day: date) -> str:
        return format_skeleton("yMMMM", day, locale=self.locale)

    def range_title(self, first: date, last: date) -> str:
        """A span of days, last inclusive, as the locale writes it ("3-9 Nov 2026")."""
        return format_interval(first, last, "yMMMd", locale=self.locale)

    def day_number(self, day: date) -> str:
        found = self._day_numbers.get(day.day)
        if found is None:
            found = self._day_numbers[day.day] = format_skeleton("d", day, locale=self.locale)
        return found

    def day_heading(self, day: date) -> str:
        return format_skeleton("MMMEd", day, locale=self.locale)

    def full_date(self, day: date) -> str:
        key = day.date() if isinstance(day, datetime) else day
        found = self._dates.get(key)
        if found is None:
            found = self._dates[key] = format_date(key, "full", locale=self.locale)
        return found

    def time(self, moment: datetime | clock) -> str:
        key = (moment.hour, moment.minute)
        found = self._times.get(key)
        if found is None:
            found = self._times[key] = format_time(clock(*key), "short", locale=self.locale)
        return found

    def hour(self, hour: int) -> str:
        return self.time(clock(hour))

    def time_range(self, start: datetime, end: datetime) -> str:
        """Times on one day; across days, each end with its own date."""
        if last_day(start, end) == start.date():
            return f"{self.time(start)} – {self.time(end)}"
        return f"{self.date_time(start)} – {self.date_time(end)}"

    def date_time(self, moment: datetime) -> str:
        day = format_skeleton("yMMMEd", moment, locale=self.locale)
        return self._date_time.format(self.time(moment), day)

    def when(self, start: datetime, end: datetime, all_day: str) -> list[str]:
        """An event's date and time in lines, each date once: its day and times; its days and
        `all_day`; or, across days, one line with each end's date and time."""
        final = last_day(start, end)
        whole = is_all_day(start, end)
        if final == start.date():
            return [self.full_date(start), all_day if whole else self.time_range(start, end)]
        if whole:
            return [format_interval(start.date(), final, "yMMMEd", locale=self.locale), all_day]
        return [self.time_range(start, end)]

    def zone_name(self, zone: ZoneInfo, first: datetime, last: datetime) -> tuple[str, str]:
        """The zone's city and offset ("London", "GMT+00:00"), both offsets when the period
        crosses a clock change."""
        offsets = dict.fromkeys(
            get_timezone_gmt(moment, "long", locale=self.locale) for moment in (first, last)
        )
        city = get_timezone_location(zone, locale=self.locale, return_city=True)
        return city, " / ".join(offsets)


@cache
def formatter(tag: str) -> Formatter:
    """One formatter per locale tag (the tags are validated, so the cache stays small)."""
    return Formatter(tag)


def account_locale(tag: str) -> str:
    """The account's locale as Babel normalises it, or English if Babel does not know it."""
    try:
        return str(Locale.parse(tag.replace("-", "_")))
    except (UnknownLocaleError, ValueError, TypeError):
        return "en"
