"""Per-calendar widget settings: the look's defaults and the sites allowed to embed it."""

from __future__ import annotations

from datetime import datetime

import msgspec

from backend.errors import NotFound
from backend.store.db import Connection, to_text


class WidgetSettings(msgspec.Struct, frozen=True, kw_only=True):
    accent: str | None = None  # "#rrggbb"; None: the calendar's colour, else the house colour
    theme: str = "light"  # light, dark or system
    compact: bool = False
    default_view: str = "month"  # month, week, day or list
    allowed_sites: tuple[str, ...] = ()  # origins; empty: any site may embed the widget
    filter_chips: bool = False  # chips that narrow the widget to some services or events


async def get_settings(conn: Connection, calendar_id: int) -> WidgetSettings:
    cursor = await conn.execute(
        "SELECT accent, theme, compact, default_view, allowed_sites, filter_chips"
        " FROM widget_settings"
        " WHERE calendar_id = ?",
        (calendar_id,),
    )
    row = await cursor.fetchone()
    if row is None:
        return WidgetSettings()
    return WidgetSettings(
        accent=row["accent"],
        theme=row["theme"],
        compact=bool(row["compact"]),
        default_view=row["default_view"],
        allowed_sites=tuple(msgspec.json.decode(row["allowed_sites"], type=list[str])),
        filter_chips=bool(row["filter_chips"]),
    )


async def put_settings(
    conn: Connection,
    account_id: str,
    calendar_id: int,
    settings: WidgetSettings,
    now: datetime,
) -> None:
    """Store the settings and move the calendar's version, so cached widget pages expire."""
    cursor = await conn.execute(
        "UPDATE calendars SET version = version + 1 WHERE id = ? AND account_id = ?",
        (calendar_id, account_id),
    )
    if cursor.rowcount == 0:
        raise NotFound("no such calendar")
    await conn.execute(
        "INSERT INTO widget_settings"
        " (calendar_id, accent, theme, compact, default_view, allowed_sites, filter_chips,"
        " changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (calendar_id) DO UPDATE SET"
        " accent = excluded.accent, theme = excluded.theme, compact = excluded.compact,"
        " default_view = excluded.default_view, allowed_sites = excluded.allowed_sites,"
        " filter_chips = excluded.filter_chips, changed_at = excluded.changed_at",
        (
            calendar_id,
            settings.accent,
            settings.theme,
            int(settings.compact),
            settings.default_view,
            msgspec.json.encode(list(settings.allowed_sites)).decode(),
            int(settings.filter_chips),
            to_text(now),
        ),
    )
