"""Month and day names, dates and times in a visitor's language, from Babel's CLDR data."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_interval, format_skeleton, format_time, get_day_names


class Formatter:
    """Formats for one locale; templates call it, so layout stays free of language."""

    def __init__(self, tag: str) -> None:
        self.locale = Locale.parse(tag)
        self.tag = str(self.locale)
        self.html_lang = self.tag.replace("_", "-")
        self.direction = self.locale.text_direction
        self._short_days = get_day_names("abbreviated", locale=self.locale)
        self._long_days = get_day_names("wide", locale=self.locale)

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
        return format_skeleton("d", day, locale=self.locale)

    def day_heading(self, day: date) -> str:
        return format_skeleton("MMMEd", day, locale=self.locale)

    def full_date(self, day: date) -> str:
        return format_date(day, "full", locale=self.locale)

    def time(self, moment: datetime) -> str:
        return format_time(moment, "short", tzinfo=moment.tzinfo, locale=self.locale)

    def time_range(self, start: datetime, end: datetime) -> str:
        if start.date() == end.date():
            return f"{self.time(start)} – {self.time(end)}"
        first = f"{self.day_heading(start)} {self.time(start)}"
        return f"{first} – {self.day_heading(end)} {self.time(end)}"


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
