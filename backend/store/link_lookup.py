"""The feed's hot-path lookup: token hash → the link's state, on a synchronous connection.

This is one indexed point read (a few µs). aiosqlite's hop to its worker thread costs more
than the query itself, so the feed path reads here directly; WAL lets it read beside writers.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import msgspec

from backend.store.db import from_text


class LiveLink(msgspec.Struct, frozen=True, kw_only=True):
    link_id: int
    enabled: bool
    disabled_at: datetime | None
    calendar_id: int
    calendar_name: str
    calendar_version: int
    account_id: str
    time_zone: str
    data_version: int


class RetiredLink(msgspec.Struct, frozen=True, kw_only=True):
    calendar_name: str
    time_zone: str
    retired_at: datetime


_LIVE = (
    "SELECT links.id, links.enabled, links.disabled_at, calendars.id, calendars.name,"
    " calendars.version, accounts.id, accounts.time_zone, accounts.data_version"
    " FROM links JOIN calendars ON calendars.id = links.calendar_id"
    " JOIN accounts ON accounts.id = calendars.account_id WHERE links.token_hash = ?"
)
_RETIRED = "SELECT calendar_name, time_zone, retired_at FROM retired_tokens WHERE token_hash = ?"


Found = LiveLink | RetiredLink | None


class LinkIndex:
    """Read-only point lookups of links by token hash, remembered until the database changes.

    `PRAGMA data_version` moves whenever any other connection (this process's writer, another
    process) commits, so a remembered answer is never used after a change: the next fetch sees it.
    """

    def __init__(self, path: Path, max_remembered: int = 50_000) -> None:
        self._connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._connection.execute("PRAGMA query_only = ON")
        self._connection.execute("PRAGMA busy_timeout = 5000")
        self._remembered: dict[bytes, Found] = {}
        self._max_remembered = max_remembered
        self._seen_version = -1

    def close(self) -> None:
        self._connection.close()

    def find(self, token_hash: bytes) -> Found:
        (version,) = self._connection.execute("PRAGMA data_version").fetchone()
        if version != self._seen_version or len(self._remembered) >= self._max_remembered:
            self._remembered.clear()
            self._seen_version = version
        try:
            return self._remembered[token_hash]
        except KeyError:
            found = self._remembered[token_hash] = self._query(token_hash)
            return found

    def _query(self, token_hash: bytes) -> Found:
        row = self._connection.execute(_LIVE, (token_hash,)).fetchone()
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
        row = self._connection.execute(_RETIRED, (token_hash,)).fetchone()
        if row is not None:
            return RetiredLink(calendar_name=row[0], time_zone=row[1], retired_at=from_text(row[2]))
        return None
