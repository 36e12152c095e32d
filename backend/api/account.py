"""The API's view of its own account: read it, change some of its settings."""

from __future__ import annotations

import msgspec

from backend.accounts import update_account
from backend.api.schemas import AccountOut, AccountPatch
from backend.store import accounts
from backend.store.db import Database
from backend.text import clean


async def read(db: Database, account_id: str) -> AccountOut:
    async with db.reading() as conn:
        record = await accounts.get_record(conn, account_id)
    return AccountOut(**msgspec.structs.asdict(record.account), data_version=record.data_version)


async def patch(db: Database, account_id: str, changes: AccountPatch) -> AccountOut:
    """Apply the fields given (each checked as on creation); absent fields stay as they are."""
    async with db.reading() as conn:
        account = await accounts.get(conn, account_id)
    given = {
        name: clean(value) if isinstance(value, str) else value
        for name, value in msgspec.structs.asdict(changes).items()
        if value is not None
    }
    await update_account(db, msgspec.structs.replace(account, **given))
    return await read(db, account_id)
