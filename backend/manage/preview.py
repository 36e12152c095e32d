"""The preview on a calendar's page: each public event as the lines a subscriber reads."""

from __future__ import annotations

from datetime import datetime

import msgspec

from backend.ics import describe, where
from backend.policy import PublicEvent


class PreviewItem(msgspec.Struct, frozen=True, kw_only=True):
    start: datetime
    end: datetime
    title: str
    status: str | None
    lines: list[str]


def preview_item(event: PublicEvent) -> PreviewItem:
    """The event's location and details as the feed writes them: the two cannot drift."""
    location = where(event)
    return PreviewItem(
        start=event.start,
        end=event.end,
        title=event.title,
        status=event.status.value if event.status else None,
        lines=([location] if location else []) + describe(event).splitlines(),
    )
