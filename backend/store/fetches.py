"""When each link was fetched and by which kind of client, written in batches."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import msgspec

from backend.store.db import Connection, to_text


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
    conn: Connection, counts: Iterable[FetchCount], lasts: Iterable[LastFetch]
) -> None:
    # Rows are written in key order, so processes flushing at once never deadlock.
    # A link deleted since its fetch was counted simply matches no row here.
    await conn.executemany(
        "INSERT INTO link_fetches (link_id, day, client, count)"
        " SELECT id, ?, ?, CAST(? AS INTEGER) FROM links WHERE id = ?"
        " ON CONFLICT (link_id, day, client)"
        " DO UPDATE SET count = link_fetches.count + excluded.count",
        [
            (c.day, c.client, c.count, c.link_id)
            for c in sorted(counts, key=lambda c: (c.link_id, c.day, c.client))
        ],
    )
    # Processes flush on their own schedules: an older fetch never replaces a newer one.
    await conn.executemany(
        "UPDATE links SET last_fetched_at = ?, last_client = ?"
        " WHERE id = ? AND (last_fetched_at IS NULL OR last_fetched_at < ?)",
        [
            (to_text(last.at), last.client, last.link_id, to_text(last.at))
            for last in sorted(lasts, key=lambda last: last.link_id)
        ],
    )


async def counts_since(
    conn: Connection, link_ids: list[int], day: str
) -> dict[int, dict[str, int]]:
    """{link id: {client: fetches}} from `day` (inclusive) on."""
    any_link, ids = conn.one_of(link_ids)
    cursor = await conn.execute(
        "SELECT link_id, client, SUM(count) FROM link_fetches"
        f" WHERE day >= ? AND link_id {any_link} GROUP BY link_id, client",
        (day, ids),
    )
    result: dict[int, dict[str, int]] = {}
    for link_id, client, total in await cursor.fetchall():
        result.setdefault(link_id, {})[client] = total
    return result
