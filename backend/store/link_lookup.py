"""The feed's hot-path lookup: token hash → the link's state, read fresh on every request.

The row carries the calendar's version (its settings) and its data version (the account's
data version at the last change this calendar could show), which key the render caches:
whichever process made a change, the next fetch through any process reads the new versions
and renders anew. On SQLite this is a few µs on a synchronous read connection; on
PostgreSQL one indexed round trip through the pool.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from backend.store.db import Database, from_text


class LiveLink(msgspec.Struct, frozen=True, kw_only=True):
    link_id: int
    enabled: bool
    disabled_at: datetime | None
    calendar_id: int
    calendar_name: str
    calendar_version: int
    account_id: str
    time_zone: str
    data_version: int  # the calendar's own: moved only by changes this calendar could show


class RetiredLink(msgspec.Struct, frozen=True, kw_only=True):
    calendar_name: str
    time_zone: str
    retired_at: datetime


_LIVE = (
    "SELECT links.id, links.enabled, links.disabled_at, calendars.id, calendars.name,"
    " calendars.version, accounts.id, accounts.time_zone, calendars.data_version"
    " FROM links JOIN calendars ON calendars.id = links.calendar_id"
    " JOIN accounts ON accounts.id = calendars.account_id WHERE links.token_hash = ?"
)
_RETIRED = "SELECT calendar_name, time_zone, retired_at FROM retired_tokens WHERE token_hash = ?"


Found = LiveLink | RetiredLink | None


async def find(db: Database, token_hash: bytes) -> Found:
    row = await db.point_read(_LIVE, (token_hash,))
    if row is not None:
        return LiveLink(
            link_id=row[0],
            enabled=bool(row[1]),
            disabled_at=None if row[2] is None else from_text(row[2]),
            calendar_id=row[3],
            calendar_name=row[4],
            calendar_version=row[5],
            account_id=row[6],
            time_zone=row[7],
            data_version=row[8],
        )
    row = await db.point_read(_RETIRED, (token_hash,))
    if row is not None:
        return RetiredLink(calendar_name=row[0], time_zone=row[1], retired_at=from_text(row[2]))
    return None
