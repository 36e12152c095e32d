"""The SQLite connection: pragmas, numbered migrations, and one transaction at a time."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import aiosqlite

PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
)


# SQLite's INTEGER is 64-bit signed: a larger Python int cannot even be sent in a query.
SMALLEST_INTEGER, LARGEST_INTEGER = -(2**63), 2**63 - 1


def holds_integer(value: int) -> bool:
    """Whether the database can store (and so could ever hold a row with) this integer."""
    return SMALLEST_INTEGER <= value <= LARGEST_INTEGER


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
    latest = max(number for number, _ in _migrations())
    if applied > latest:
        raise sqlite3.DatabaseError(f"its schema {applied} is newer than this Bookfeed's {latest}")
    return latest - applied


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def to_text(moment: datetime) -> str:
    """The stored form of an instant: UTC, whole seconds, fixed width, so text order is time."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_text(text: str) -> datetime:
    return datetime.fromisoformat(text)


class Database:
    """One aiosqlite connection; every use holds a lock so transactions never interleave."""

    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self._connection = connection
        self._lock = asyncio.Lock()
        self.path = path

    @classmethod
    async def open(cls, path: Path) -> Database:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = await aiosqlite.connect(path, isolation_level=None)
        connection.row_factory = aiosqlite.Row
        for pragma in PRAGMAS:
            await connection.execute(pragma)
        database = cls(connection, path)
        await database._migrate()
        return database

    async def close(self) -> None:
        await self._connection.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction: committed when the block ends, rolled back if it raises."""
        async with self._lock:
            await self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield self._connection
            except BaseException:
                await self._connection.rollback()
                raise
            await self._connection.commit()

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[aiosqlite.Connection]:
        """A read transaction: one consistent snapshot for several queries."""
        async with self._lock:
            await self._connection.execute("BEGIN")
            try:
                yield self._connection
            finally:
                await self._connection.rollback()

    async def _migrate(self) -> None:
        async with self.transaction() as conn:
            (applied,) = await (await conn.execute("PRAGMA user_version")).fetchone()
            for number, script in _migrations():
                if number > applied:
                    for statement in _statements(script):
                        await conn.execute(statement)
                    await conn.execute(f"PRAGMA user_version = {number}")


def _migrations() -> list[tuple[int, str]]:
    folder = resources.files("backend.store") / "migrations"
    found = [
        (int(entry.name.split("_", 1)[0]), entry.read_text())
        for entry in folder.iterdir()
        if entry.name.endswith(".sql")
    ]
    return sorted(found)


def _statements(script: str) -> list[str]:
    """Split a migration into statements (ours hold no semicolons inside literals)."""
    lines = [line for line in script.splitlines() if not line.lstrip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
