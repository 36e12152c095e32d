"""API keys for booking systems: create (shown once), list, revoke, and authenticate."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from backend.errors import NotFound
from backend.store import accounts, api_keys
from backend.store.api_keys import ApiKeyRecord
from backend.store.db import Database, now_utc
from backend.text import typed_line

KEY_START = "bfk_"
MAX_LABEL = 100
# Recording every use would turn each API read into a write; a minute's precision is plenty.
_TOUCH_EVERY = timedelta(minutes=1)


def hash_key(key: str) -> bytes:
    """Keys are long random strings, so a plain SHA-256 is as good as a slow password hash."""
    return hashlib.sha256(key.encode()).digest()


async def create_key(
    db: Database, account_id: str, label: str = "API key"
) -> tuple[ApiKeyRecord, str]:
    """A new key for the account: its record, and the key itself, which is never stored."""
    label = typed_line(label, "label", MAX_LABEL)
    prefix = KEY_START + secrets.token_hex(4)
    key = f"{prefix}_{secrets.token_urlsafe(32)}"
    async with db.transaction() as conn:
        await accounts.get(conn, account_id)
        record = await api_keys.insert(conn, account_id, prefix, hash_key(key), label, now_utc())
    return record, key


async def list_keys(db: Database, account_id: str) -> list[ApiKeyRecord]:
    """Every key of the account, revoked ones included, oldest first."""
    async with db.reading() as conn:
        return await api_keys.list_for_account(conn, account_id)


async def revoke_key(db: Database, account_id: str, key: int | str) -> ApiKeyRecord:
    """Revoke the account's key given by id or visible prefix; it stops working at once."""
    key_id, prefix = _identify(key)
    async with db.transaction() as conn:
        found = await api_keys.find_in_account(conn, account_id, key_id, prefix)
        if found is None:
            raise NotFound(f"no API key {key!r} in account {account_id!r}")
        await api_keys.revoke(conn, found.id, now_utc())
        return await api_keys.find_in_account(conn, account_id, found.id, None) or found


async def authenticate(db: Database, key: str) -> str | None:
    """The account a presented key opens, or None for an unknown or revoked key."""
    if not key.startswith(KEY_START):
        return None
    record = await api_keys.find_by_hash(db, hash_key(key))
    if record is None or record.revoked_at is not None:
        return None
    now = now_utc()
    if _stale(record.last_used_at, now):
        async with db.transaction() as conn:
            await api_keys.touch(conn, record.id, now)
    return record.account_id


def _stale(last_used_at: datetime | None, now: datetime) -> bool:
    return last_used_at is None or now - last_used_at >= _TOUCH_EVERY


def _identify(key: int | str) -> tuple[int | None, str | None]:
    if isinstance(key, int) or (key.isascii() and key.isdigit()):
        return int(key), None
    prefix = key if key.startswith(KEY_START) else KEY_START + key
    return None, prefix[: len(KEY_START) + 8]
