"""The widget's own URLs (which carry the embed code's choices along) and the subscribe links."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from backend import subscribe
from backend.policy import PublicEvent
from widget.options import Options, View

CARRIED = ("theme", "accent", "compact", "lang")


def carried(query: Mapping[str, str], options: Options) -> tuple[tuple[str, str], ...]:
    """The look parameters the embed code gave and that were valid, to keep while navigating."""
    valid = {
        "theme": options.theme.value,
        "accent": options.accent,
        "compact": "1" if options.compact else "0",
        "lang": options.lang or "",
    }
    return tuple((name, valid[name]) for name in CARRIED if query.get(name) and valid[name])


class WidgetUrls:
    def __init__(
        self, token: str, keep: tuple[tuple[str, str], ...], base_url: str, zone: ZoneInfo
    ) -> None:
        self._token = token
        self._keep = keep
        self._base_url = base_url
        self._zone = zone
        # A page holds a link per day and per event, each carrying the same parameters.
        kept = urlencode(keep)
        self._kept = f"?{kept}" if kept else ""
        self._and_kept = f"&{kept}" if kept else ""

    def page(self, view: str, day: date | None = None) -> str:
        # A view's name and an ISO date are as they read in a query string.
        on = "" if day is None else f"&date={day.isoformat()}"
        return f"/embed/{self._token}?view={View(view)}{on}{self._and_kept}"

    def event(self, event: PublicEvent) -> str:
        """The details page, by the local day the event starts and its UID: the page reads
        that day's events, not the whole window."""
        return self._event_path(event) + self._kept

    def _event_path(self, event: PublicEvent) -> str:
        day = event.start.astimezone(self._zone).date().isoformat()
        return f"/embed/{self._token}/events/{day}/{quote(event.uid, safe='')}"

    def home(self) -> str:
        return f"/embed/{self._token}{self._kept}"

    # Actions: filter chips, one event's file, the subscribe menu.
    def choosing(self, names: tuple[str, ...]) -> WidgetUrls:
        """These URLs with the filter chips' choice replaced by `names`."""
        keep = tuple(pair for pair in self._keep if pair[0] != "only")
        chosen = tuple(("only", name) for name in names)
        return WidgetUrls(self._token, keep + chosen, self._base_url, self._zone)

    def event_file(self, event: PublicEvent) -> str:
        return self._event_path(event) + "/event.ics"

    def feed(self) -> str:
        return f"{self._base_url}/feeds/{self._token}.ics"

    def webcal(self) -> str:
        return subscribe.webcal_url(self.feed())

    def google(self) -> str:
        return subscribe.google_url(self.feed())

    def outlook(self, name: str) -> str:
        return subscribe.outlook_url(self.feed(), name)

    def office(self, name: str) -> str:
        return subscribe.outlook_url(self.feed(), name, host="outlook.office.com")
