"""When each link was fetched and by which kind of client, written in batches."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import aiosqlite
import msgspec

from backend.store.db import to_text


class FetchCount(msgspec.Struct, frozen=True):
    link_id: int
    day: str  # YYYY-MM-DD, UTC
    client: str
    count: int


class LastFetch(msgspec.Struct, frozen=True):
    link_id: int
    at: datetime
    client: str


async def record(
    conn: aiosqlite.Connection, counts: Iterable[FetchCount], lasts: Iterable[LastFetch]
) -> None:
    # A link deleted since its fetch was counted simply matches no row here.
    await conn.executemany(
        "INSERT INTO link_fetches (link_id, day, client, count)"
        " SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM links WHERE id = ?)"
        " ON CONFLICT (link_id, day, client) DO UPDATE SET count = count + excluded.count",
        [(c.link_id, c.day, c.client, c.count, c.link_id) for c in counts],
    )
    await conn.executemany(
        "UPDATE links SET last_fetched_at = ?, last_client = ? WHERE id = ?",
        [(to_text(last.at), last.client, last.link_id) for last in lasts],
    )


async def counts_since(
    conn: aiosqlite.Connection, link_ids: list[int], day: str
) -> dict[int, dict[str, int]]:
    """{link id: {client: fetches}} from `day` (inclusive) on."""
    cursor = await conn.execute(
        "SELECT link_id, client, SUM(count) FROM link_fetches"
        " WHERE day >= ? AND link_id IN (SELECT value FROM json_each(?))"
        " GROUP BY link_id, client",
        (day, msgspec.json.encode(link_ids).decode()),
    )
    result: dict[int, dict[str, int]] = {}
    for link_id, client, total in await cursor.fetchall():
        result.setdefault(link_id, {})[client] = total
    return result
