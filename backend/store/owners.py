"""Owners, their signed-in sessions, and the failed sign-ins that slow guessing down."""

from __future__ import annotations

from datetime import datetime

import msgspec

from backend.errors import Conflict
from backend.store.db import Connection, from_text, to_text


class OwnerRecord(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    account_id: str
    email: str
    password_hash: str


class Failures(msgspec.Struct, frozen=True):
    count: int
    last_failed_at: datetime


async def insert_owner(
    conn: Connection, account_id: str, email: str, password_hash: str, now: datetime
) -> int:
    cursor = await conn.execute(
        "INSERT INTO owners (account_id, email, password_hash, created_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (email) DO NOTHING RETURNING id",
        (account_id, email, password_hash, to_text(now)),
    )
    row = await cursor.fetchone()
    if row is None:
        raise Conflict(f"an owner with email {email!r} already exists")
    return row[0]


async def find_owner(conn: Connection, email: str) -> OwnerRecord | None:
    cursor = await conn.execute(
        "SELECT id, account_id, email, password_hash FROM owners WHERE email = ?", (email,)
    )
    row = await cursor.fetchone()
    return None if row is None else msgspec.convert(dict(row), OwnerRecord)


class OwnerListing(msgspec.Struct, frozen=True, kw_only=True):
    email: str
    account_id: str
    created_at: str
    sessions: int  # signed-in sessions that have not expired


async def list_owners(
    conn: Connection, account_id: str | None, now: datetime
) -> list[OwnerListing]:
    """Every owner, or one account's, by email."""
    query = (
        "SELECT email, account_id, created_at, (SELECT COUNT(*) FROM owner_sessions"
        " WHERE owner_id = owners.id AND expires_at > ?) AS sessions FROM owners"
    )
    params: tuple[str, ...] = (to_text(now),)
    if account_id is not None:
        query, params = f"{query} WHERE account_id = ?", (*params, account_id)
    cursor = await conn.execute(f"{query} ORDER BY email", params)
    return [msgspec.convert(dict(row), OwnerListing) for row in await cursor.fetchall()]


async def delete_owner(conn: Connection, owner_id: int) -> None:
    """The owner and, through the schema's cascade, their sessions."""
    await conn.execute("DELETE FROM owners WHERE id = ?", (owner_id,))


async def delete_sessions_of(conn: Connection, owner_id: int) -> None:
    await conn.execute("DELETE FROM owner_sessions WHERE owner_id = ?", (owner_id,))


async def set_password_hash(conn: Connection, owner_id: int, password_hash: str) -> None:
    await conn.execute(
        "UPDATE owners SET password_hash = ? WHERE id = ?", (password_hash, owner_id)
    )


async def insert_session(
    conn: Connection, token_hash: bytes, owner_id: int, now: datetime, expires: datetime
) -> None:
    await conn.execute(
        "INSERT INTO owner_sessions (token_hash, owner_id, created_at, expires_at)"
        " VALUES (?, ?, ?, ?)",
        (token_hash, owner_id, to_text(now), to_text(expires)),
    )


async def session_owner(conn: Connection, token_hash: bytes, now: datetime) -> OwnerRecord | None:
    """The owner of an unexpired session, or None."""
    cursor = await conn.execute(
        "SELECT owners.id, account_id, email, password_hash FROM owner_sessions"
        " JOIN owners ON owners.id = owner_sessions.owner_id"
        " WHERE token_hash = ? AND expires_at > ?",
        (token_hash, to_text(now)),
    )
    row = await cursor.fetchone()
    return None if row is None else msgspec.convert(dict(row), OwnerRecord)


async def delete_session(conn: Connection, token_hash: bytes) -> None:
    await conn.execute("DELETE FROM owner_sessions WHERE token_hash = ?", (token_hash,))


async def purge_sessions(conn: Connection, now: datetime) -> None:
    await conn.execute("DELETE FROM owner_sessions WHERE expires_at <= ?", (to_text(now),))


async def set_flash(conn: Connection, token_hash: bytes, message: str | None) -> None:
    await conn.execute(
        "UPDATE owner_sessions SET flash = ? WHERE token_hash = ?", (message, token_hash)
    )


async def take_flash(conn: Connection, token_hash: bytes) -> str | None:
    """The session's pending message, cleared as it is read."""
    cursor = await conn.execute(
        "SELECT flash FROM owner_sessions WHERE token_hash = ?", (token_hash,)
    )
    row = await cursor.fetchone()
    if row is None or row[0] is None:
        return None
    await set_flash(conn, token_hash, None)
    return row[0]


async def failures(conn: Connection, key: str) -> Failures | None:
    """The key's failure count, held until commit: sign-in attempts racing in several
    processes are counted one after another, the first ones too (before any row exists)."""
    await conn.hold(f"sign-in failures {key}")
    cursor = await conn.execute(
        "SELECT failures, last_failed_at FROM sign_in_failures WHERE key = ?", (key,)
    )
    row = await cursor.fetchone()
    return None if row is None else Failures(row[0], from_text(row[1]))


async def add_failure(conn: Connection, key: str, now: datetime) -> None:
    await conn.execute(
        "INSERT INTO sign_in_failures (key, failures, last_failed_at) VALUES (?, 1, ?)"
        " ON CONFLICT (key) DO UPDATE SET failures = sign_in_failures.failures + 1,"
        " last_failed_at = excluded.last_failed_at",
        (key, to_text(now)),
    )


async def clear_failures(conn: Connection, key: str) -> None:
    await conn.execute("DELETE FROM sign_in_failures WHERE key = ?", (key,))


async def purge_failures(conn: Connection, before: datetime) -> None:
    """Forget counts whose last failure is older than `before` (they start from zero anyway)."""
    await conn.execute("DELETE FROM sign_in_failures WHERE last_failed_at < ?", (to_text(before),))
