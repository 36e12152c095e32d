"""Month, week and list layouts: pure functions from redacted events to days on a grid."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import msgspec

from backend.policy import PublicEvent
from widget.options import View

LIST_DAYS = 14


class Slot(msgspec.Struct, frozen=True, kw_only=True):
    """An event on one day of the grid, with its times in the account's zone."""

    event: PublicEvent
    start: datetime
    end: datetime
    continued: bool  # it began on an earlier day


class Day(msgspec.Struct, frozen=True, kw_only=True):
    day: date
    in_period: bool  # False for the neighbouring months' days that fill a month's first/last week
    today: bool
    slots: tuple[Slot, ...]


class Period(msgspec.Struct, frozen=True, kw_only=True):
    """The days one view shows [first, last), and where previous and next lead."""

    view: View
    first: date
    last: date
    previous: date
    next: date


def period_of(view: View, anchor: date, week_start: int) -> Period:
    if view is View.MONTH:
        first = anchor.replace(day=1)
        last = _add_months(first, 1)
        return Period(view=view, first=first, last=last, previous=_add_months(first, -1), next=last)
    if view is View.WEEK:
        first = _week_start(anchor, week_start)
        last = first + timedelta(days=7)
        return Period(
            view=view, first=first, last=last, previous=first - timedelta(days=7), next=last
        )
    span = timedelta(days=LIST_DAYS)
    return Period(
        view=view, first=anchor, last=anchor + span, previous=anchor - span, next=anchor + span
    )


def shown_days(period: Period, week_start: int) -> tuple[date, date]:
    """The days [first, last) a view's page shows: a month's whole first and last weeks."""
    if period.view is not View.MONTH:
        return period.first, period.last
    last_week = _week_start(period.last - timedelta(days=1), week_start)
    return _week_start(period.first, week_start), last_week + timedelta(days=7)


def month_weeks(
    period: Period, week_start: int, events: Iterable[PublicEvent], zone: ZoneInfo, today: date
) -> list[list[Day]]:
    """The month's weeks, each seven days from the account's first day of the week."""
    grid_first, grid_last = shown_days(period, week_start)
    slots = _slots_by_day(events, zone, grid_first, grid_last)
    days = [
        Day(
            day=day,
            in_period=period.first <= day < period.last,
            today=day == today,
            slots=tuple(slots.get(day, ())),
        )
        for day in _days(grid_first, grid_last)
    ]
    return [days[i : i + 7] for i in range(0, len(days), 7)]


def week_days(
    period: Period, events: Iterable[PublicEvent], zone: ZoneInfo, today: date
) -> list[Day]:
    slots = _slots_by_day(events, zone, period.first, period.last)
    return [
        Day(day=day, in_period=True, today=day == today, slots=tuple(slots.get(day, ())))
        for day in _days(period.first, period.last)
    ]


def agenda(period: Period, events: Iterable[PublicEvent], zone: ZoneInfo, today: date) -> list[Day]:
    """Only the days that have events, in order."""
    slots = _slots_by_day(events, zone, period.first, period.last)
    return [
        Day(day=day, in_period=True, today=day == today, slots=tuple(found))
        for day, found in sorted(slots.items())
    ]


def weekday_order(week_start: int) -> list[int]:
    """Weekday numbers (0 = Monday) in the order the account's week runs."""
    return [(week_start + i) % 7 for i in range(7)]


def _slots_by_day(
    events: Iterable[PublicEvent], zone: ZoneInfo, first: date, last: date
) -> dict[date, list[Slot]]:
    lower = datetime.combine(first, time(), zone)
    upper = datetime.combine(last, time(), zone)
    found: dict[date, list[Slot]] = {}
    for event in events:
        if event.end <= lower or event.start >= upper:
            continue
        start, end = event.start.astimezone(zone), event.end.astimezone(zone)
        day = max(start.date(), first)
        final = min((end - timedelta(microseconds=1)).date(), last - timedelta(days=1))
        while day <= final:
            slot = Slot(event=event, start=start, end=end, continued=day > start.date())
            found.setdefault(day, []).append(slot)
            day += timedelta(days=1)
    return found


def _days(first: date, last: date) -> Iterable[date]:
    return (first + timedelta(days=n) for n in range((last - first).days))


def _week_start(day: date, week_start: int) -> date:
    return day - timedelta(days=(day.weekday() - week_start) % 7)


def _add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, 1)
