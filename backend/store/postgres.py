"""The shared store: PostgreSQL through an asyncpg connection pool, for many app processes.

Writes run at READ COMMITTED; a store function that reads, checks and then writes locks the
rows it depends on first (`conn.for_update`, or the account row), or lets `ON CONFLICT` decide.
Snapshot reads run at REPEATABLE READ, read-only.

asyncpg decodes rows on the event loop that reads them: a 100,000-booking window is about
400,000 rows, so bulk reads run on a loop of their own, in a thread, with their own connections.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Coroutine, Iterable, Sequence
from concurrent.futures import Future
from contextlib import asynccontextmanager
from functools import lru_cache
from time import perf_counter
from typing import Any, TypeVar

import asyncpg

from backend.errors import InvalidInput
from backend.store.db import (
    Connection,
    Database,
    IntegrityError,
    Step,
    migrations,
    now_utc,
    to_text,
)

POOL_SIZE = 10
BULK_READERS = 2  # connections of the bulk-read thread: renders of large calendars at once
BATCH_ROWS = 2000  # rows decoded at a time; the event loop runs between batches
# PostgreSQL's text cannot hold U+0000 (SQLite's can): such input is refused, never altered.
_NUL = "text must not contain the NUL character (U+0000) when the store is PostgreSQL"
T = TypeVar("T")
# pg_advisory_xact_lock's key for applying migrations: any constant shared by every process.
MIGRATION_LOCK = 0x626F6F6B66656564  # "bookfeed"


class PostgresCursor:
    def __init__(self, rows: list[asyncpg.Record], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    async def fetchone(self) -> asyncpg.Record | None:
        return self._rows[0] if self._rows else None

    async def fetchall(self) -> list[asyncpg.Record]:
        return self._rows


class PostgresConnection:
    dialect = "postgresql"
    # Our locked reads precede changes to non-key columns: NO KEY UPDATE leaves rows that
    # reference the locked one (a new calendar of a locked account) free to be inserted.
    for_update = " FOR NO KEY UPDATE"

    def __init__(self, connection: asyncpg.Connection) -> None:
        self._connection = connection

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> PostgresCursor:
        query, returns_rows = _translated(sql)
        try:
            if returns_rows:
                rows = await self._fetch(query, params)
                return PostgresCursor(rows, len(rows))
            status = await self._connection.execute(query, *params)
        except asyncpg.IntegrityConstraintViolationError as error:
            raise IntegrityError(str(error)) from error
        except asyncpg.CharacterNotInRepertoireError as error:
            raise InvalidInput(_NUL) from error
        count = status.rsplit(" ", 1)[-1]
        return PostgresCursor([], int(count) if count.isdigit() else -1)

    async def _fetch(self, query: str, params: Sequence[Any]) -> list[asyncpg.Record]:
        """Every row; a long result arrives in batches, so that the event loop serves other
        requests between them instead of waiting while asyncpg decodes 100,000 rows at once."""
        if not query.lstrip().upper().startswith(("SELECT", "WITH")):
            return await self._connection.fetch(query, *params)  # a write's RETURNING rows
        cursor = self._connection.cursor(query, *params, prefetch=BATCH_ROWS)
        return [row async for row in cursor]

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        args = list(rows)
        if not args:
            return
        try:
            await self._connection.executemany(_translated(sql)[0], args)
        except asyncpg.IntegrityConstraintViolationError as error:
            raise IntegrityError(str(error)) from error
        except asyncpg.CharacterNotInRepertoireError as error:
            raise InvalidInput(_NUL) from error

    async def run_all(self, steps: Sequence[Step]) -> None:
        for sql, rows in steps:  # asyncpg pipelines each statement's rows, not statements
            await self.executemany(sql, rows)

    async def hold(self, name: str) -> None:
        await self._connection.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", name
        )

    def one_of(self, values: Sequence[Any]) -> tuple[str, Any]:
        return "= ANY(?)", list(values)


class ElsewhereConnection(PostgresConnection):
    """A connection of the bulk-read thread, used from the app's loop: each query runs, and its
    rows are decoded, on that thread's loop."""

    def __init__(self, connection: asyncpg.Connection, reader: BulkReader) -> None:
        super().__init__(connection)
        self._reader = reader

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> PostgresCursor:
        return await self._reader.run(super().execute(sql, params))

    async def _fetch(self, query: str, params: Sequence[Any]) -> list[asyncpg.Record]:
        # That loop serves nothing else: batches would only add round trips.
        return await self._connection.fetch(query, *params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._reader.run(super().executemany(sql, rows))

    async def hold(self, name: str) -> None:
        await self._reader.run(super().hold(name))


class BulkReader:
    """A thread running an event loop of its own, with a pool of its own, for snapshot reads
    whose rows take long to decode."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="bookfeed-bulk-reads", daemon=True
        )
        self._pool: asyncpg.Pool | None = None

    @classmethod
    async def start(cls, url: str) -> BulkReader:
        reader = cls()
        reader._thread.start()
        try:
            reader._pool = await reader.run(_pool(url, BULK_READERS))
        except BaseException:
            await reader._stop()
            raise
        return reader

    async def close(self) -> None:
        if self._pool is not None:
            await self.run(self._pool.close())
        await self._stop()

    async def _stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        await asyncio.to_thread(self._thread.join)
        self._loop.close()

    async def run(self, work: Coroutine[Any, Any, T]) -> T:
        """`work`'s result, run on the reader's loop; cancelling the caller cancels it there."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(work, self._loop))

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Connection]:
        """A read-only snapshot on one of the reader's connections. A task on the reader's loop
        holds the connection and its transaction from start to end, so a caller cancelled at
        any point still returns the connection to the pool."""
        opened: Future[asyncpg.Connection] = Future()
        finished: Future[None] = Future()
        session = asyncio.run_coroutine_threadsafe(self._session(opened, finished), self._loop)
        try:
            yield ElsewhereConnection(await asyncio.wrap_future(opened), self)
        finally:
            finished.set_result(None)
            await asyncio.wrap_future(session)

    async def _session(self, opened: Future[asyncpg.Connection], finished: Future[None]) -> None:
        assert self._pool is not None
        if not opened.set_running_or_notify_cancel():
            return  # the caller stopped waiting before the session began
        try:
            async with (
                self._pool.acquire() as connection,
                connection.transaction(isolation="repeatable_read", readonly=True),
            ):
                opened.set_result(connection)
                await asyncio.wrap_future(finished)
        except BaseException as error:
            if opened.done():
                raise
            opened.set_exception(error)  # the caller, still waiting, gets the error


class PostgresDatabase(Database):
    dialect = "postgresql"

    def __init__(self, pool: asyncpg.Pool, bulk: BulkReader) -> None:
        self._pool = pool
        self._bulk = bulk

    @classmethod
    async def connect(cls, url: str) -> PostgresDatabase:
        try:
            pool = await _pool(url, POOL_SIZE)
            database = cls(pool, await BulkReader.start(url))
        except (OSError, asyncpg.PostgresError) as error:
            message = f"cannot open the PostgreSQL database: {error}"
            raise InvalidInput(message, "BOOKFEED_DATABASE") from error
        await database._migrate()
        return database

    async def close(self) -> None:
        await self._bulk.close()
        await self._pool.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        async with self._connection() as connection, connection.transaction():
            yield PostgresConnection(connection)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Connection]:
        async with (
            self._connection() as connection,
            connection.transaction(isolation="repeatable_read", readonly=True),
        ):
            yield PostgresConnection(connection)

    @asynccontextmanager
    async def bulk_reading(self) -> AsyncIterator[Connection]:
        started = perf_counter()
        async with self._bulk.reading() as connection:
            self._waited_since(started)
            yield connection

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        started = perf_counter()
        async with self._pool.acquire() as connection:
            self._waited_since(started)
            yield connection

    async def point_read(self, sql: str, params: Sequence[Any]) -> Any:
        async with self._pool.acquire() as connection:
            return await connection.fetchrow(_translated(sql)[0], *params)

    async def _migrate(self) -> None:
        """Apply the migrations not yet recorded, once, however many processes start at once:
        each waits for the advisory lock, and finds them applied by the first."""
        async with self._pool.acquire() as connection, connection.transaction():
            await connection.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
            await connection.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations"
                " (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            applied = await connection.fetchval(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations"
            )
            for number, script in migrations(self.dialect):
                if number > applied:
                    await connection.execute(script)
                    await connection.execute(
                        "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                        number,
                        to_text(now_utc()),
                    )


# JIT compiling a query takes hundreds of milliseconds; the planner asks for it whenever its
# estimate is large, as for a window read whose index it cannot yet judge, which then runs in
# a few.
_SESSION = {"jit": "off"}


async def _pool(url: str, size: int) -> asyncpg.Pool:
    """A pool of the running loop: its connections serve only that loop."""
    return await asyncpg.create_pool(url, min_size=1, max_size=size, server_settings=_SESSION)


@lru_cache(maxsize=1024)
def _translated(sql: str) -> tuple[str, bool]:
    """The query with `?` numbered as $1, $2… (outside string literals), and whether it
    returns rows."""
    parts = []
    number = 0
    quoted = False
    for char in sql:
        if char == "'":
            quoted = not quoted
        if char == "?" and not quoted:
            number += 1
            parts.append(f"${number}")
        else:
            parts.append(char)
    upper = sql.lstrip().upper()
    return "".join(parts), upper.startswith(("SELECT", "WITH")) or " RETURNING " in upper
