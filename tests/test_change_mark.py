"""SQLite's point reads (a feed's or widget's link, an API key) are kept between requests and
read again once any process writes: here two Database objects on one file stand in for two
processes, each with its own connections and its own kept reads."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from backend.accounts import create_account
from backend.domain import Account
from backend.store import sqlite
from backend.store.db import Database
from tests.conftest import run_apart

NAME = "SELECT name FROM accounts WHERE id = ?"


async def rename(db: Database, name: str) -> None:
    async with db.transaction() as conn:
        await conn.execute("UPDATE accounts SET name = ? WHERE id = 'acme'", (name,))


def test_a_write_through_another_process_is_read_at_once(tmp_path: Path) -> None:
    async def scenario() -> list[str]:
        one = await Database.open(tmp_path / "shared.sqlite3")
        other = await Database.open(tmp_path / "shared.sqlite3")
        try:
            await create_account(one, Account(id="acme", name="Acme", time_zone="UTC"))
            seen = [(await other.point_read(NAME, ("acme",)))[0]]
            await rename(one, "Acme Studio")
            seen.append((await other.point_read(NAME, ("acme",)))[0])
            await rename(other, "Acme Studios")  # and a write in the same process
            seen.append((await other.point_read(NAME, ("acme",)))[0])
            return seen
        finally:
            await one.close()
            await other.close()

    assert run_apart(scenario()) == ["Acme", "Acme Studio", "Acme Studios"]


def test_a_write_that_moves_no_mark_is_read_within_the_time_kept(tmp_path: Path) -> None:
    """A hand edit, or a process that died between its commit and moving the mark."""
    path = tmp_path / "shared.sqlite3"

    async def scenario() -> str:
        db = await Database.open(path)
        try:
            await create_account(db, Account(id="acme", name="Acme", time_zone="UTC"))
            assert (await db.point_read(NAME, ("acme",)))[0] == "Acme"
            with sqlite3.connect(path) as by_hand:
                by_hand.execute("UPDATE accounts SET name = 'By hand' WHERE id = 'acme'")
            await asyncio.sleep(sqlite.POINT_READS_KEPT_SECONDS)
            return (await db.point_read(NAME, ("acme",)))[0]
        finally:
            await db.close()

    assert run_apart(scenario()) == "By hand"
