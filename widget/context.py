"""What the templates receive for one view: the period, its days, and how to label them."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from backend.policy import PublicEvent
from widget.layout import (
    Period,
    agenda,
    month_weeks,
    period_of,
    time_grid,
    week_days,
    weekday_order,
)
from widget.locale import Formatter
from widget.options import Options, View
from widget.publisher import CalendarData
from widget.urls import WidgetUrls

MONTH_CELL_EVENTS = 3  # more than this in a month cell become "+N more", opening the day
COMPACT_MONTH_CELL_EVENTS = 2
# Lanes of overlapping events side by side: a week's columns are narrow, a day's are wide.
WEEK_LANES = 2
DAY_LANES = 8


def page_period(data: CalendarData, options: Options) -> Period:
    return period_of(options.view, options.day or data.today, data.week_start)


def calendar_context(
    data: CalendarData,
    events: list[PublicEvent],
    options: Options,
    urls: WidgetUrls,
    fmt: Formatter,
) -> dict[str, Any]:
    """`events`: those of the days the page shows (`layout.shown_days` of its period)."""
    period = page_period(data, options)
    zone = data.zone
    context: dict[str, Any] = {
        "data": data,
        "meta": data.meta,
        "options": options,
        "period": period,
        "urls": urls,
        "fmt": fmt,
        "has_previous": period.first > data.meta.window_start,
        "has_next": period.last < data.meta.window_end,
        "cell_limit": COMPACT_MONTH_CELL_EVENTS if options.compact else MONTH_CELL_EVENTS,
        "zone_name": fmt.zone_name(
            zone,
            datetime.combine(period.first, time(12), zone),
            datetime.combine(period.last - timedelta(days=1), time(12), zone),
        ),
    }
    if options.view is View.MONTH:
        context["weekdays"] = weekday_order(data.week_start)
        context["weeks"] = month_weeks(period, data.week_start, events, zone, data.today)
        context["title"] = fmt.month_title(period.first)
    elif options.view is View.LIST:
        context["days"] = agenda(period, events, zone, data.today)
        context["title"] = fmt.range_title(period.first, period.last - timedelta(days=1))
    else:
        days = week_days(period, events, zone, data.today)
        lanes = DAY_LANES if options.view is View.DAY else WEEK_LANES
        context["grid"] = time_grid(days, lanes)
        if options.view is View.DAY:
            context["title"] = fmt.full_date(period.first)
        else:
            context["title"] = fmt.range_title(period.first, period.last - timedelta(days=1))
    return context
