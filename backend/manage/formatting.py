"""Instants and counts as an owner reads them, in the account's time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

CLIENT_NAMES = {
    "google": "Google Calendar",
    "outlook": "Outlook",
    "apple": "Apple Calendar",
    "thunderbird": "Thunderbird",
    "other": "other apps",
}


class Formatter:
    def __init__(self, zone: ZoneInfo, now: datetime) -> None:
        self.zone = zone
        self.now = now

    def moment(self, at: datetime) -> str:
        """'Tue 25 Nov 2026, 09:00'"""
        return at.astimezone(self.zone).strftime("%a %-d %b %Y, %H:%M")

    def span(self, start: datetime, end: datetime) -> str:
        """'Tue 25 Nov, 09:00-10:00' (with an en dash), naming the end's day only if it differs."""
        first, last = start.astimezone(self.zone), end.astimezone(self.zone)
        tail = last.strftime("%H:%M") if first.date() == last.date() else self.moment(last)
        return f"{first.strftime('%a %-d %b, %H:%M')}–{tail}"

    def ago(self, at: datetime | None) -> str:
        if at is None:
            return "never"
        seconds = (self.now - at).total_seconds()
        if seconds < 90:
            return "just now"
        if seconds < 90 * 60:
            unit, size = "minute", 60
        elif seconds < 36 * 3600:
            unit, size = "hour", 3600
        else:
            unit, size = "day", 86400
        count = round(seconds / size)
        return f"{count} {unit}{'s' * (count != 1)} ago"

    def client(self, kind: str | None) -> str:
        return CLIENT_NAMES.get(kind or "other", kind or "other apps")
