"""Accounts, and the data version that moves whenever anything a calendar shows changes."""

from __future__ import annotations

import secrets
from datetime import datetime

import aiosqlite
import msgspec

from backend.domain import Account
from backend.errors import Conflict, NotFound
from backend.store.db import to_text

_COLUMNS = "id, name, time_zone, locale, week_start"


class AccountRecord(msgspec.Struct, frozen=True, kw_only=True):
    account: Account
    uid_salt: bytes
    data_version: int


async def create(conn: aiosqlite.Connection, account: Account, now: datetime) -> None:
    if await _exists(conn, account.id):
        raise Conflict(f"account {account.id!r} already exists")
    await conn.execute(
        f"INSERT INTO accounts ({_COLUMNS}, uid_salt, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            account.id,
            account.name,
            account.time_zone,
            account.locale,
            account.week_start,
            secrets.token_bytes(16),
            to_text(now),
        ),
    )


async def get(conn: aiosqlite.Connection, account_id: str) -> Account:
    return (await get_record(conn, account_id)).account


async def get_record(conn: aiosqlite.Connection, account_id: str) -> AccountRecord:
    cursor = await conn.execute(
        f"SELECT {_COLUMNS}, uid_salt, data_version FROM accounts WHERE id = ?",
        (account_id,),
    )
    row = await cursor.fetchone()
    if row is None:
        raise NotFound(f"no account {account_id!r}")
    return AccountRecord(
        account=msgspec.convert(
            {k: row[k] for k in ("id", "name", "time_zone", "locale", "week_start")}, Account
        ),
        uid_salt=row["uid_salt"],
        data_version=row["data_version"],
    )


async def list_ids(conn: aiosqlite.Connection) -> list[str]:
    cursor = await conn.execute("SELECT id FROM accounts ORDER BY id")
    return [row["id"] for row in await cursor.fetchall()]


class AccountListing(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: str
    time_zone: str
    owners: int
    calendars: int
    bookings: int


async def list_accounts(conn: aiosqlite.Connection) -> list[AccountListing]:
    cursor = await conn.execute(
        "SELECT id, name, time_zone,"
        " (SELECT COUNT(*) FROM owners WHERE account_id = accounts.id) AS owners,"
        " (SELECT COUNT(*) FROM calendars WHERE account_id = accounts.id) AS calendars,"
        " (SELECT COUNT(*) FROM bookings WHERE account_id = accounts.id) AS bookings"
        " FROM accounts ORDER BY id"
    )
    return [msgspec.convert(dict(row), AccountListing) for row in await cursor.fetchall()]


async def delete(conn: aiosqlite.Connection, account_id: str) -> None:
    """The account and, through the schema's cascades, everything that belongs to it."""
    if not await _exists(conn, account_id):
        raise NotFound(f"no account {account_id!r}")
    await conn.execute("DELETE FROM accounts WHERE id = ?", (account_id,))


async def update(conn: aiosqlite.Connection, account: Account) -> bool:
    """Replace the account's settings; True if anything changed (the data version moves)."""
    if await get(conn, account.id) == account:
        return False
    await conn.execute(
        "UPDATE accounts SET name = ?, time_zone = ?, locale = ?, week_start = ? WHERE id = ?",
        (account.name, account.time_zone, account.locale, account.week_start, account.id),
    )
    await bump_data_version(conn, account.id)
    return True


async def bump_data_version(conn: aiosqlite.Connection, account_id: str) -> None:
    await conn.execute(
        "UPDATE accounts SET data_version = data_version + 1 WHERE id = ?", (account_id,)
    )


async def _exists(conn: aiosqlite.Connection, account_id: str) -> bool:
    cursor = await conn.execute("SELECT 1 FROM accounts WHERE id = ?", (account_id,))
    return await cursor.fetchone() is not None
