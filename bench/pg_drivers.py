"""Why the PostgreSQL store uses asyncpg: the feed path's link lookup (token hash → link,
calendar, account) and a 200-booking window read, timed on asyncpg and on psycopg 3 with
psycopg-pool, each through a pool of 4 connections.

    .venv/bin/pip install 'psycopg[binary]' psycopg-pool   # only for this comparison
    .venv/bin/python -m bench.pg_drivers postgresql://postgres@127.0.0.1:5432/scratch

It replaces the tables a, c, l and b in that database.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from psycopg_pool import AsyncConnectionPool

SETUP = """
DROP TABLE IF EXISTS l, c, a, b;
CREATE TABLE a (id TEXT PRIMARY KEY, time_zone TEXT, data_version BIGINT);
CREATE TABLE c (id BIGINT PRIMARY KEY, account_id TEXT, name TEXT, version BIGINT);
CREATE TABLE l (id BIGINT PRIMARY KEY, calendar_id BIGINT, token_hash BYTEA UNIQUE,
                enabled INTEGER, disabled_at TEXT);
CREATE TABLE b (account_id TEXT, id TEXT, start_at TEXT, end_at TEXT, notes TEXT,
                PRIMARY KEY (account_id, id));
INSERT INTO a SELECT 'acc' || i, 'Europe/London', 1 FROM generate_series(1, 1000) i;
INSERT INTO c SELECT i, 'acc' || (i % 1000 + 1), 'cal', 1 FROM generate_series(1, 5000) i;
INSERT INTO l SELECT i, i % 5000 + 1, sha256(i::text::bytea), 1, NULL
    FROM generate_series(1, 20000) i;
INSERT INTO b SELECT 'acc1', 'bk' || i, '2026-12-01T10:00:00Z', '2026-12-01T11:00:00Z',
    repeat('x', 40) FROM generate_series(1, 200) i;
ANALYZE;
"""
LOOKUP = (
    "SELECT l.id, l.enabled, l.disabled_at, c.id, c.name, c.version, a.id, a.time_zone,"
    " a.data_version FROM l JOIN c ON c.id = l.calendar_id JOIN a ON a.id = c.account_id"
    " WHERE l.token_hash = {p}"
)
WINDOW = "SELECT id, start_at, end_at, notes FROM b WHERE account_id = {p} ORDER BY start_at, id"
QUERIES = 3000
Run = Callable[[str, Any], Awaitable[Any]]


async def main(url: str) -> None:
    setup = await asyncpg.connect(url)
    await setup.execute(SETUP)
    hashes = [row[0] for row in await setup.fetch("SELECT token_hash FROM l LIMIT 1000")]
    await setup.close()
    asyncpg_pool = await asyncpg.create_pool(url, min_size=4, max_size=4)
    psycopg_pool = AsyncConnectionPool(url, min_size=4, max_size=4, open=False)
    await psycopg_pool.open()

    async def on_asyncpg(sql: str, arg: Any) -> Any:
        async with asyncpg_pool.acquire() as connection:
            return await connection.fetch(sql.format(p="$1"), arg)

    async def on_psycopg(sql: str, arg: Any) -> Any:
        async with psycopg_pool.connection() as connection:
            cursor = await connection.execute(sql.format(p="%s"), (arg,))
            return await cursor.fetchall()

    drivers: list[tuple[str, Run]] = [("asyncpg", on_asyncpg), ("psycopg", on_psycopg)]
    for name, run in drivers * 2:  # twice, so neither profits from going second
        for label, sql, args in (("link lookup", LOOKUP, hashes), ("200 rows", WINDOW, ["acc1"])):
            for i in range(200):
                await run(sql, args[i % len(args)])
            started = time.perf_counter()
            for i in range(QUERIES):
                await run(sql, args[i % len(args)])
            one_by_one = (time.perf_counter() - started) / QUERIES * 1e6
            started = time.perf_counter()
            await asyncio.gather(*(run(sql, args[i % len(args)]) for i in range(QUERIES)))
            at_once = QUERIES / (time.perf_counter() - started)
            print(
                f"{name:8} {label:12} one by one {one_by_one:5.0f} µs/query,"
                f" 4 connections at once {at_once:6.0f} queries/s"
            )
    await asyncpg_pool.close()
    await psycopg_pool.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
