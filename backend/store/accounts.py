"""Accounts, and the data version that moves whenever anything a calendar could show changes.

The account's data version counts its changes (the API reports it); each calendar keeps its
own copy (backend.store.calendars), moved only by the changes that calendar could show.
"""

from __future__ import annotations

import secrets
from datetime import datetime

import msgspec

from backend.domain import Account
from backend.errors import Conflict, NotFound
from backend.store import calendars
from backend.store.db import Connection, Step, to_text

_COLUMNS = "id, name, time_zone, locale, week_start"


class AccountRecord(msgspec.Struct, frozen=True, kw_only=True):
    account: Account
    uid_salt: bytes
    data_version: int
    objects_version: int = 0  # the data version at the last change of objects or settings
    deleted_version: int = 0  # the data version at the last deletion of bookings


async def create(conn: Connection, account: Account, now: datetime) -> None:
    cursor = await conn.execute(
        f"INSERT INTO accounts ({_COLUMNS}, uid_salt, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (id) DO NOTHING",
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
    if cursor.rowcount == 0:
        raise Conflict(f"account {account.id!r} already exists")


async def get(conn: Connection, account_id: str) -> Account:
    return (await get_record(conn, account_id)).account


async def get_record(conn: Connection, account_id: str, lock: bool = False) -> AccountRecord:
    """The account; `lock` keeps its row locked until commit, which serialises every change
    to the account's data that reads before it writes."""
    cursor = await conn.execute(
        f"SELECT {_COLUMNS}, uid_salt, data_version, objects_version, deleted_version"
        " FROM accounts WHERE id = ?"
        f"{conn.for_update if lock else ''}",
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
        objects_version=row["objects_version"],
        deleted_version=row["deleted_version"],
    )


async def list_ids(conn: Connection) -> list[str]:
    cursor = await conn.execute("SELECT id FROM accounts ORDER BY id")
    return [row["id"] for row in await cursor.fetchall()]


class AccountListing(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: str
    time_zone: str
    owners: int
    calendars: int
    bookings: int


async def list_accounts(conn: Connection) -> list[AccountListing]:
    cursor = await conn.execute(
        "SELECT id, name, time_zone,"
        " (SELECT COUNT(*) FROM owners WHERE account_id = accounts.id) AS owners,"
        " (SELECT COUNT(*) FROM calendars WHERE account_id = accounts.id) AS calendars,"
        " (SELECT COUNT(*) FROM bookings WHERE account_id = accounts.id) AS bookings"
        " FROM accounts ORDER BY id"
    )
    return [msgspec.convert(dict(row), AccountListing) for row in await cursor.fetchall()]


async def delete(conn: Connection, account_id: str) -> None:
    """The account and, through the schema's cascades, everything that belongs to it."""
    cursor = await conn.execute("DELETE FROM accounts WHERE id = ?", (account_id,))
    if cursor.rowcount == 0:
        raise NotFound(f"no account {account_id!r}")


async def update(conn: Connection, account: Account) -> bool:
    """Replace the account's settings; True if anything changed (the data version moves)."""
    if (await get_record(conn, account.id, lock=True)).account == account:
        return False
    await conn.execute(
        "UPDATE accounts SET name = ?, time_zone = ?, locale = ?, week_start = ? WHERE id = ?",
        (account.name, account.time_zone, account.locale, account.week_start, account.id),
    )
    await count_change(conn, account.id, objects=True)
    await calendars.record_change(conn, account.id)
    return True


_COUNT = "UPDATE accounts SET data_version = data_version + 1"


async def count_change(
    conn: Connection, account_id: str, objects: bool = False, deleted: bool = False
) -> None:
    """Move the account's data version. `objects`: the change is to what resolves bookings
    (objects, settings); `deleted`: bookings were deleted. A cached feed built at an earlier
    version can catch up by reading only the bookings changed since, unless one of those
    happened since."""
    also = (", objects_version = data_version + 1" if objects else "") + (
        ", deleted_version = data_version + 1" if deleted else ""
    )
    await conn.execute(f"{_COUNT}{also} WHERE id = ?", (account_id,))


def change_step(account_id: str) -> Step:
    """count_change() for written bookings, as a step of Connection.run_all."""
    return f"{_COUNT} WHERE id = ?", [(account_id,)]


async def lock(conn: Connection, account_id: str) -> None:
    """Hold the account's row until commit: changes that read the account's data, decide and
    then write (upserts, batches) run one after another across processes. Unknown is fine."""
    if conn.for_update:
        await conn.execute(f"SELECT 1 FROM accounts WHERE id = ?{conn.for_update}", (account_id,))
