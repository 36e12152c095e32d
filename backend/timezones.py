"""VTIMEZONE components and calendar colour names, computed once and reused."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import webcolors
from icalendar import Timezone


@lru_cache(maxsize=256)
def vtimezone(tzid: str, first_year: int, last_year: int) -> bytes:
    """The VTIMEZONE for `tzid` covering whole years, CRLF-terminated, from the tz database."""
    component = Timezone.from_tzid(
        tzid, first_date=date(first_year, 1, 1), last_date=date(last_year, 12, 31)
    )
    return component.to_ical()


@lru_cache(maxsize=256)
def nearest_css_color(hex_color: str) -> str:
    """RFC 7986 COLOR takes a CSS3 colour name; pick the one closest to the owner's #rrggbb."""
    red, green, blue = webcolors.hex_to_rgb(hex_color)

    def distance(name: str) -> int:
        r, g, b = webcolors.name_to_rgb(name)
        return (r - red) ** 2 + (g - green) ** 2 + (b - blue) ** 2

    return min(sorted(webcolors.names("css3")), key=distance)
