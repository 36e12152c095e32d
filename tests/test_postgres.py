"""PostgreSQL as the shared store: chosen by URL, migrated once however many processes start
at once, and refused without the secret key every process must share."""

from __future__ import annotations

import asyncio
import socket

import asyncpg
import pytest

from backend.errors import InvalidInput
from backend.settings import load_settings
from backend.store.db import Database, migrations
from backend.store.postgres import BULK_READERS, PostgresDatabase
from tests.conftest import run_apart, run_cli

URL = "postgresql://bookfeed@db.internal/bookfeed"


def test_processes_starting_at_once_apply_each_migration_once(postgres_url: str) -> None:
    async def start_together() -> list[tuple[int, int]]:
        opened = await asyncio.gather(*(Database.open(postgres_url) for _ in range(4)))
        try:
            async with opened[0].reading() as conn:
                cursor = await conn.execute(
                    "SELECT version, COUNT(*) FROM schema_migrations GROUP BY version"
                    " ORDER BY version"
                )
                return [tuple(row) for row in await cursor.fetchall()]
        finally:
            for db in opened:
                await db.close()

    assert run_apart(start_together()) == [(n, 1) for n, _ in migrations("postgresql")]


def test_a_postgresql_url_chooses_postgresql(postgres_url: str) -> None:
    async def open_it() -> Database:
        db = await Database.open(postgres_url)
        await db.close()
        return db

    assert isinstance(run_apart(open_it()), PostgresDatabase)


def test_bulk_reads_give_their_connection_back_when_cancelled_or_failed(
    postgres_url: str,
) -> None:
    """Bulk reads run on a thread's own loop and connections: callers cancelled mid-query or
    while waiting for a connection, and a failed query, leave every connection free again."""

    async def scenario() -> list[int]:
        db = await Database.open(postgres_url)
        try:

            async def sleeper() -> None:
                async with db.bulk_reading() as conn:
                    await conn.execute("SELECT pg_sleep(30)")

            sleepers = [asyncio.create_task(sleeper()) for _ in range(BULK_READERS + 2)]
            await asyncio.sleep(0.5)  # some are mid-query, the others wait for a connection
            for task in sleepers:
                task.cancel()
            outcomes = await asyncio.gather(*sleepers, return_exceptions=True)
            assert all(isinstance(outcome, asyncio.CancelledError) for outcome in outcomes)
            with pytest.raises(asyncpg.UndefinedColumnError):
                async with db.bulk_reading() as conn:
                    await conn.execute("SELECT no_such_column FROM accounts")

            async def one() -> int:
                async with db.bulk_reading() as conn:
                    return (await (await conn.execute("SELECT 1")).fetchone())[0]

            readers = asyncio.gather(*(one() for _ in range(2 * BULK_READERS)))
            return await asyncio.wait_for(readers, 10)
        finally:
            await db.close()

    assert run_apart(scenario()) == [1] * (2 * BULK_READERS)


def test_no_connection_compiles_queries_just_in_time(postgres_url: str) -> None:
    """The planner asks for JIT compiling when its estimate is large, as for a window read on
    an account it has no statistics for yet: compiling took 390 ms of a 23 ms read."""

    async def settings() -> list[str]:
        db = await Database.open(postgres_url)
        try:
            found = []
            for reading in (db.reading, db.bulk_reading, db.transaction):
                async with reading() as conn:
                    cursor = await conn.execute("SELECT current_setting('jit')")
                    found.append((await cursor.fetchone())[0])
            return found
        finally:
            await db.close()

    assert run_apart(settings()) == ["off", "off", "off"]


def test_postgresql_without_a_shared_secret_key_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        load_settings({"BOOKFEED_DATABASE": URL})
    assert refused.value.field == "BOOKFEED_SECRET_KEY"
    settings = load_settings({"BOOKFEED_DATABASE": URL, "BOOKFEED_SECRET_KEY": "shared"})
    assert settings.database == URL
    assert settings.secret_key == b"shared"


def test_serve_refuses_to_start_on_postgresql_without_the_key() -> None:
    done = run_cli(URL, "serve", secret_key=None)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "BOOKFEED_SECRET_KEY" in done.stderr


def test_serve_says_in_one_line_when_postgresql_cannot_be_reached() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here
    done = run_cli(f"postgresql://bookfeed@127.0.0.1:{port}/bookfeed", "serve")
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert done.stderr.startswith("error: BOOKFEED_DATABASE: cannot open the PostgreSQL database")
