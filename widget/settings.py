"""The owner's widget defaults for a calendar: read them, or check and store new ones."""

from __future__ import annotations

from backend.store import calendars
from backend.store.db import Database, now_utc
from backend.store.widgets import WidgetSettings, get_settings, put_settings
from widget.options import check_settings


async def load_widget_settings(db: Database, account_id: str, calendar_id: int) -> WidgetSettings:
    async with db.reading() as conn:
        await calendars.get_calendar(conn, account_id, calendar_id)
        return await get_settings(conn, calendar_id)


async def save_widget_settings(
    db: Database, account_id: str, calendar_id: int, settings: WidgetSettings
) -> WidgetSettings:
    """Store normalised settings (InvalidInput names a bad one); widgets show them at once."""
    checked = check_settings(settings)
    async with db.transaction() as conn:
        await put_settings(conn, account_id, calendar_id, checked, now_utc())
    return checked
