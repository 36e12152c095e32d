"""The store's connection layer: one API over SQLite (embedded) and PostgreSQL (shared).

Store modules write SQL once, with `?` placeholders; each dialect's connection translates
what differs (placeholders, lists of values, row locks) and raises `IntegrityError` for a
refused constraint, whichever driver is underneath.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from time import perf_counter
from typing import Any, Protocol

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


# SQLite's INTEGER is 64-bit signed: a larger Python int cannot even be sent in a query.
SMALLEST_INTEGER, LARGEST_INTEGER = -(2**63), 2**63 - 1


def holds_integer(value: int) -> bool:
    """Whether the database can store (and so could ever hold a row with) this integer."""
    return SMALLEST_INTEGER <= value <= LARGEST_INTEGER


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def to_text(moment: datetime) -> str:
    """The stored form of an instant: UTC, whole seconds, fixed width, so text order is time."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_text(text: str) -> datetime:
    return datetime.fromisoformat(text)


def is_postgres(target: Path | str) -> bool:
    """Whether BOOKFEED_DATABASE names a PostgreSQL server rather than a SQLite file."""
    return isinstance(target, str) and target.startswith(POSTGRES_SCHEMES)


Step = tuple[str, Sequence[Sequence[Any]]]  # a statement, and its parameters for each run


class IntegrityError(Exception):
    """The database refused a write that breaks a constraint (unique, foreign key, check)."""


class Cursor(Protocol):
    rowcount: int

    async def fetchone(self) -> Any: ...

    async def fetchall(self) -> Iterable[Any]: ...


class Connection(Protocol):
    """What store functions use inside `transaction()` or `reading()`. Rows are read by
    column name or position and unpack like tuples."""

    dialect: str
    for_update: str  # appended to a SELECT that locks the rows it reads until commit

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor: ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    async def run_all(self, steps: Sequence[Step]) -> None:
        """Run writes in order, each statement once per row of its parameters, in as few
        round trips as the driver allows: a hot write path's cost is its round trips."""
        ...

    async def hold(self, name: str) -> None:
        """Wait until no other transaction holds `name`, then hold it until commit: for a
        read-check-write whose rows may not exist yet, so no row lock can order it."""
        ...

    def one_of(self, values: Sequence[Any]) -> tuple[str, Any]:
        """The right-hand side of a condition matching any of the values, and the one
        parameter it takes: `f"id {fragment}"`, with the parameter bound at its `?`."""
        ...


class Database(ABC):
    """A store: write transactions, consistent snapshot reads, and single-row point reads."""

    dialect: str
    # Told how long each transaction waited for a connection (the app's metrics).
    observe_wait: Callable[[float], None] | None = None

    @staticmethod
    async def open(target: Path | str) -> Database:
        """The store BOOKFEED_DATABASE names, migrated: a PostgreSQL URL or a SQLite path."""
        # Imported here: each dialect builds on this module, and asyncpg is an optional extra.
        if is_postgres(target):
            from backend.store.postgres import PostgresDatabase

            return await PostgresDatabase.connect(str(target))
        from backend.store.sqlite import SqliteDatabase

        return await SqliteDatabase.connect(Path(target))

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Connection]:
        """A write transaction: committed when the block ends, rolled back if it raises."""

    @abstractmethod
    def reading(self) -> AbstractAsyncContextManager[Connection]:
        """A read-only transaction: one consistent snapshot for several queries."""

    def bulk_reading(self) -> AbstractAsyncContextManager[Connection]:
        """`reading()` for reads of many rows (a large calendar's window): their rows are
        fetched and decoded off the event loop."""
        return self.reading()

    @abstractmethod
    async def point_read(self, sql: str, params: Sequence[Any]) -> Any:
        """One row (or None) of a single indexed query, outside any transaction."""

    @abstractmethod
    async def close(self) -> None: ...

    async def ping(self) -> None:
        """A trivial query through a connection: raises if the database cannot answer."""
        async with self.reading() as conn:
            await conn.execute("SELECT 1")

    def _waited_since(self, started: float) -> None:
        if self.observe_wait is not None:
            self.observe_wait(perf_counter() - started)


def migrations(dialect: str) -> list[tuple[int, str]]:
    """The dialect's numbered migration scripts, in order. Each number exists for both."""
    folder = resources.files("backend.store") / "migrations"
    if dialect == "postgresql":
        folder = folder / "postgresql"
    found = [
        (int(entry.name.split("_", 1)[0]), entry.read_text())
        for entry in folder.iterdir()
        if entry.name.endswith(".sql")
    ]
    return sorted(found)
