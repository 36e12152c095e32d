"""The embedded store: one SQLite file in WAL mode, one writer and separate readers.

Writes queue for the single writer connection (`BEGIN IMMEDIATE`, as SQLite lets one writer
in at a time); snapshot reads use their own connections, so they never wait behind a write.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from time import monotonic, perf_counter
from typing import Any

import aiosqlite
import msgspec

from backend.store.change_mark import ChangeMark
from backend.store.db import Connection, Database, IntegrityError, Step, migrations

PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
)
READERS = 2
POINT_READS_KEPT = 10_000  # links and keys looked up; unknown tokens beyond it are read each time
POINT_READS_KEPT_SECONDS = 1.0


class SqliteCursor:
    """A statement's rows, fetched in the same hop to the connection's thread that ran it (as
    PostgresCursor's are): aiosqlite's cursor takes a second hop to fetch them."""

    def __init__(self, rows: list[sqlite3.Row], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    async def fetchone(self) -> sqlite3.Row | None:
        return self._rows[0] if self._rows else None

    async def fetchall(self) -> list[sqlite3.Row]:
        return self._rows


class SqliteConnection:
    dialect = "sqlite"
    for_update = ""  # the writer holds the whole database from BEGIN IMMEDIATE on

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> SqliteCursor:
        def run(connection: sqlite3.Connection) -> SqliteCursor:
            cursor = connection.execute(sql, params)
            return SqliteCursor(cursor.fetchall(), cursor.rowcount)

        try:
            return await self._connection._execute(run, self._connection._conn)
        except sqlite3.IntegrityError as error:
            raise IntegrityError(str(error)) from error

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        try:
            await self._connection.executemany(sql, rows)
        except sqlite3.IntegrityError as error:
            raise IntegrityError(str(error)) from error

    async def run_all(self, steps: Sequence[Step]) -> None:
        # One hop to the connection's thread for them all: aiosqlite queues each call for its
        # thread, and under load every hop waits for that thread to be scheduled.
        def run(connection: sqlite3.Connection) -> None:
            for sql, rows in steps:
                if rows:
                    connection.executemany(sql, rows)

        try:
            await self._connection._execute(run, self._connection._conn)
        except sqlite3.IntegrityError as error:
            raise IntegrityError(str(error)) from error

    async def hold(self, name: str) -> None:
        """Nothing to wait for: the writer is the only one in from BEGIN IMMEDIATE on."""

    def one_of(self, values: Sequence[Any]) -> tuple[str, Any]:
        return "IN (SELECT value FROM json_each(?))", msgspec.json.encode(list(values)).decode()


class SqliteDatabase(Database):
    dialect = "sqlite"

    def __init__(
        self,
        writer: aiosqlite.Connection,
        readers: list[aiosqlite.Connection],
        point_reader: sqlite3.Connection,
        changes: ChangeMark,
    ) -> None:
        self._writer = writer
        self._write_lock = asyncio.Lock()
        self._all_readers = readers
        self._readers: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        for reader in readers:
            self._readers.put_nowait(reader)
        self._point_reader = point_reader
        self._changes = changes
        self._points: dict[tuple[Any, ...], Any] = {}  # point reads while the mark stays put
        self._points_mark = b""
        self._points_until = 0.0

    @classmethod
    async def connect(cls, path: Path) -> SqliteDatabase:
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = await _open(path)
        await _migrate(writer)
        readers = [await _open(path, read_only=True) for _ in range(READERS)]
        # The feed's link lookup is one indexed read of a few µs: a hop to an aiosqlite
        # thread costs more than the query, so it runs directly; WAL lets it read beside writes.
        point_reader = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        point_reader.execute("PRAGMA query_only = ON")
        point_reader.execute("PRAGMA busy_timeout = 5000")
        changes = ChangeMark(path)
        changes.move()  # the migrations may have written
        return cls(writer, readers, point_reader, changes)

    async def close(self) -> None:
        self._changes.close()
        self._point_reader.close()
        for reader in self._all_readers:
            await reader.close()
        await self._writer.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        started = perf_counter()
        async with self._write_lock:
            self._waited_since(started)
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield SqliteConnection(self._writer)
            except BaseException:
                await self._writer.rollback()
                raise
            await self._writer.commit()
            self._changes.move()

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Connection]:
        started = perf_counter()
        reader = await self._readers.get()
        self._waited_since(started)
        try:
            await reader.execute("BEGIN")
            try:
                yield SqliteConnection(reader)
            finally:
                await reader.rollback()
        finally:
            self._readers.put_nowait(reader)

    async def point_read(self, sql: str, params: Sequence[Any]) -> Any:
        """The row, as read again only after a write by any process, or a second later (should
        a writer die between its commit and moving the mark, or a hand edit the file)."""
        mark, now = self._changes.current(), monotonic()
        key = (sql, *params)
        if mark != self._points_mark or now >= self._points_until:
            self._points.clear()
            self._points_mark, self._points_until = mark, now + POINT_READS_KEPT_SECONDS
        elif key in self._points:
            return self._points[key]
        row = self._point_reader.execute(sql, params).fetchone()
        if len(self._points) < POINT_READS_KEPT:
            self._points[key] = row
        return row


def check_file(path: Path, thorough: bool = False) -> int:
    """How many migrations the existing SQLite file at `path` still needs; sqlite3.DatabaseError
    if it is not SQLite, is newer than this code or (`thorough`) fails SQLite's quick check."""
    with contextlib.closing(
        sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True)
    ) as conn:
        (applied,) = conn.execute("PRAGMA user_version").fetchone()
        if thorough:
            (verdict,) = conn.execute("PRAGMA quick_check").fetchone()
            if verdict != "ok":
                raise sqlite3.DatabaseError(f"quick_check: {verdict}")
    latest = max(number for number, _ in migrations("sqlite"))
    if applied > latest:
        raise sqlite3.DatabaseError(f"its schema {applied} is newer than this Bookfeed's {latest}")
    return latest - applied


async def _open(path: Path, read_only: bool = False) -> aiosqlite.Connection:
    connection = await aiosqlite.connect(path, isolation_level=None)
    connection.row_factory = aiosqlite.Row
    for pragma in PRAGMAS:
        await connection.execute(pragma)
    if read_only:
        await connection.execute("PRAGMA query_only = ON")
    return connection


async def _migrate(writer: aiosqlite.Connection) -> None:
    """Apply the migrations past PRAGMA user_version, all in one transaction."""
    await writer.execute("BEGIN IMMEDIATE")
    try:
        (applied,) = await (await writer.execute("PRAGMA user_version")).fetchone()  # type: ignore[misc]
        for number, script in migrations("sqlite"):
            if number > applied:
                for statement in _statements(script):
                    await writer.execute(statement)
                await writer.execute(f"PRAGMA user_version = {number}")
    except BaseException:
        await writer.rollback()
        raise
    await writer.commit()


def _statements(script: str) -> list[str]:
    """Split a migration into statements (ours hold no semicolons inside literals)."""
    lines = [line for line in script.splitlines() if not line.lstrip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
