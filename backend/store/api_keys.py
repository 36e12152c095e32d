"""API keys: stored as a hash and a visible prefix, looked up by the hash."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from backend.store.db import Connection, Database, to_text

_COLUMNS = "id, account_id, prefix, label, created_at, last_used_at, revoked_at"


class ApiKeyRecord(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    account_id: str
    prefix: str
    label: str
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


async def insert(
    conn: Connection,
    account_id: str,
    prefix: str,
    key_hash: bytes,
    label: str,
    now: datetime,
) -> ApiKeyRecord:
    cursor = await conn.execute(
        "INSERT INTO api_keys (account_id, prefix, key_hash, label, created_at)"
        " VALUES (?, ?, ?, ?, ?) RETURNING id",
        (account_id, prefix, key_hash, label, to_text(now)),
    )
    (key_id,) = await cursor.fetchone()
    return ApiKeyRecord(
        id=key_id, account_id=account_id, prefix=prefix, label=label, created_at=now
    )


async def list_for_account(conn: Connection, account_id: str) -> list[ApiKeyRecord]:
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM api_keys WHERE account_id = ? ORDER BY id", (account_id,)
    )
    return [_record(row) for row in await cursor.fetchall()]


async def find_by_hash(db: Database, key_hash: bytes) -> ApiKeyRecord | None:
    """One indexed point read, outside any transaction: every API request starts with it."""
    row = await db.point_read(f"SELECT {_COLUMNS} FROM api_keys WHERE key_hash = ?", (key_hash,))
    return None if row is None else _record(dict(zip(_COLUMNS.split(", "), row, strict=True)))


async def find_in_account(
    conn: Connection, account_id: str, key_id: int | None, prefix: str | None
) -> ApiKeyRecord | None:
    """The account's key with this id or this prefix."""
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM api_keys WHERE account_id = ? AND (id = ? OR prefix = ?)",
        (account_id, key_id, prefix),
    )
    row = await cursor.fetchone()
    return None if row is None else _record(row)


async def revoke(conn: Connection, key_id: int, now: datetime) -> None:
    await conn.execute(
        "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
        (to_text(now), key_id),
    )


async def touch(conn: Connection, key_id: int, now: datetime) -> None:
    """Note a use; an older time never replaces a newer one another process wrote."""
    await conn.execute(
        "UPDATE api_keys SET last_used_at = ? WHERE id = ?"
        " AND (last_used_at IS NULL OR last_used_at < ?)",
        (to_text(now), key_id, to_text(now)),
    )


def _record(row: Any) -> ApiKeyRecord:
    return msgspec.convert(dict(row), ApiKeyRecord)
