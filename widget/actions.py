"""What a visitor can do with one event: add it to their own calendar as a one-event .ics,
or find its place on a map. Both start from the redacted event and nothing else."""

from __future__ import annotations

from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from backend.ics import CalendarMeta, render_calendar, where
from backend.policy import PublicEvent
from backend.publish import RenderedFeed, package

MAP_SEARCH = "https://www.google.com/maps/search/?"  # Google's documented Maps URLs form


def event_file(meta: CalendarMeta, event: PublicEvent) -> RenderedFeed:
    """The event as a file to import, written by the feed's writer: what the feed says of it,
    nothing more."""
    zone = ZoneInfo(meta.time_zone)
    single = CalendarMeta(
        name=meta.name,
        time_zone=meta.time_zone,
        window_start=event.start.astimezone(zone).date(),
        window_end=event.end.astimezone(zone).date(),
        subscription=False,
    )
    return package(render_calendar(single, [event]), event.title, event.stamp)


def map_url(event: PublicEvent) -> str | None:
    """A map search for the event's place; None where the calendar does not show it."""
    place = where(event)
    if place is None:
        return None
    return MAP_SEARCH + urlencode({"api": "1", "query": place}, quote_via=quote)
