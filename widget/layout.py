"""Month, week, day and list layouts: pure functions from redacted events to days on a grid
and, for the week and the day, events placed by time on a grid of quarter hours."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import msgspec

from backend.policy import PublicEvent
from widget.options import View

LIST_DAYS = 14
QUARTER = 15  # minutes: the time grid's unit
DEFAULT_HOURS = (9, 17)  # a time grid without timed events
MIN_HOURS = 6
_ONE_DAY = timedelta(days=1)
_ONE_MICROSECOND = timedelta(microseconds=1)


class Slot(msgspec.Struct, frozen=True, kw_only=True):
    """An event on one day of the grid, with its times in the account's zone."""

    event: PublicEvent
    start: datetime
    end: datetime
    continued: bool  # it began on an earlier day
    continues: bool  # it ends on a later day
    all_day: bool  # it runs from midnight to midnight in the account's zone


class Day(msgspec.Struct, frozen=True, kw_only=True):
    day: date
    in_period: bool  # False for the neighbouring months' days that fill a month's first/last week
    today: bool
    slots: tuple[Slot, ...]


class Placed(msgspec.Struct, frozen=True, kw_only=True):
    """A timed event in a day column: quarters from the grid's first hour, and its lane."""

    slot: Slot
    top: int
    length: int
    lane: int
    lanes: int  # lanes its cluster of overlapping events is split into


class More(msgspec.Struct, frozen=True, kw_only=True):
    """The events of a crowded cluster that the column has no lane for."""

    top: int
    length: int
    lane: int
    lanes: int
    count: int


class Column(msgspec.Struct, frozen=True, kw_only=True):
    day: date
    today: bool
    top: tuple[Slot, ...]  # all-day and multi-day events
    timed: tuple[Placed, ...]
    more: tuple[More, ...]


class TimeGrid(msgspec.Struct, frozen=True, kw_only=True):
    first_hour: int
    last_hour: int  # exclusive
    columns: tuple[Column, ...]

    @property
    def quarters(self) -> int:
        return (self.last_hour - self.first_hour) * 4

    @property
    def hours(self) -> range:
        return range(self.first_hour, self.last_hour)

    @property
    def has_top(self) -> bool:
        return any(column.top for column in self.columns)


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
    if view is View.DAY:
        one = timedelta(days=1)
        return Period(
            view=view, first=anchor, last=anchor + one, previous=anchor - one, next=anchor + one
        )
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
    # In UTC, as events' times are: comparing times in two zones costs 15 times as much.
    lower = datetime.combine(first, time(), zone).astimezone(UTC)
    upper = datetime.combine(last, time(), zone).astimezone(UTC)
    final_day = last - _ONE_DAY
    found: dict[date, list[Slot]] = {}
    for event in events:
        if event.end <= lower or event.start >= upper:
            continue
        start, end = event.start.astimezone(zone), event.end.astimezone(zone)
        all_day = is_all_day(start, end)
        begins, ends = start.date(), last_day(start, end)
        day = max(begins, first)
        final = min(ends, final_day)
        while day <= final:
            slot = Slot(
                event=event,
                start=start,
                end=end,
                continued=day > begins,
                continues=day < ends,
                all_day=all_day,
            )
            found.setdefault(day, []).append(slot)
            day += _ONE_DAY
    return found


def is_all_day(start: datetime, end: datetime) -> bool:
    """Midnight to midnight on the wall clock of the zone the times are in: a whole day even
    when a clock change makes it 23 or 25 hours long."""
    return start < end and start.time() == time() and end.time() == time()


def last_day(start: datetime, end: datetime) -> date:
    """The last day an event touches: one ending at midnight ends the day before."""
    return max(start.date(), (end - _ONE_MICROSECOND).date())


def time_grid(days: Iterable[Day], max_lanes: int) -> TimeGrid:
    """The days as columns of quarter hours: all-day and multi-day events in a top row, the
    others placed by time, overlapping ones side by side in at most `max_lanes` lanes."""
    split = [
        (day, [s for s in day.slots if _on_top(s)], [s for s in day.slots if not _on_top(s)])
        for day in days
    ]
    timed = [slot for _, _, found in split for slot in found]
    first_hour, last_hour = _hour_range(timed)
    columns = tuple(
        Column(
            day=day.day,
            today=day.today,
            top=tuple(top),
            **_placed(found, first_hour, max_lanes),
        )
        for day, top, found in split
    )
    return TimeGrid(first_hour=first_hour, last_hour=last_hour, columns=columns)


def _on_top(slot: Slot) -> bool:
    return slot.all_day or slot.continued or slot.continues


def _hour_range(timed: list[Slot]) -> tuple[int, int]:
    if not timed:
        return DEFAULT_HOURS
    first = min(slot.start.hour for slot in timed)
    last = max(-(-_end_minute(slot) // 60) for slot in timed)
    if last - first < MIN_HOURS:
        last = min(24, first + MIN_HOURS)
        first = last - MIN_HOURS
    return first, last


def _end_minute(slot: Slot) -> int:
    """Minutes from the slot's midnight to its end; a slot ending at midnight ends at 1440."""
    if slot.end.date() > slot.start.date():
        return 24 * 60
    return slot.end.hour * 60 + slot.end.minute


def _placed(slots: list[Slot], first_hour: int, max_lanes: int) -> dict[str, tuple]:
    """Each slot's quarters and lane; a cluster of overlaps wider than `max_lanes` keeps its
    last lane for a "+N" box over the events it leaves out."""
    boxes = []
    for slot in slots:
        top = (slot.start.hour * 60 + slot.start.minute) // QUARTER
        bottom = max(top + 1, -(-_end_minute(slot) // QUARTER))
        boxes.append((top - first_hour * 4, bottom - first_hour * 4, slot))
    boxes.sort(key=lambda box: (box[0], -box[1]))
    placed: list[Placed] = []
    more: list[More] = []
    cluster: list[tuple[int, int, int, Slot]] = []  # (top, bottom, lane, slot)
    lane_ends: list[int] = []
    cluster_end = -1

    def close() -> None:
        lanes = len(lane_ends)
        shown = min(lanes, max_lanes)
        hidden = [box for box in cluster if lanes > max_lanes and box[2] >= max_lanes - 1]
        for top, bottom, lane, slot in cluster:
            if lanes <= max_lanes or lane < max_lanes - 1:
                placed.append(
                    Placed(slot=slot, top=top, length=bottom - top, lane=lane, lanes=shown)
                )
        if hidden:
            top = min(box[0] for box in hidden)
            bottom = max(box[1] for box in hidden)
            more.append(
                More(
                    top=top,
                    length=bottom - top,
                    lane=max_lanes - 1,
                    lanes=max_lanes,
                    count=len(hidden),
                )
            )

    for top, bottom, slot in boxes:
        if top >= cluster_end and cluster:
            close()
            cluster, lane_ends = [], []
        lane = next((i for i, end in enumerate(lane_ends) if end <= top), len(lane_ends))
        if lane == len(lane_ends):
            lane_ends.append(bottom)
        else:
            lane_ends[lane] = bottom
        cluster.append((top, bottom, lane, slot))
        cluster_end = max(cluster_end, bottom) if cluster_end > top else bottom
    if cluster:
        close()
    return {"timed": tuple(placed), "more": tuple(more)}


def _days(first: date, last: date) -> Iterable[date]:
    return (first + timedelta(days=n) for n in range((last - first).days))


def _week_start(day: date, week_start: int) -> date:
    return day - timedelta(days=(day.weekday() - week_start) % 7)


def _add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, 1)
