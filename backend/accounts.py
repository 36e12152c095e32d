"""Creating and changing accounts, with their settings checked."""

from __future__ import annotations

import re
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import Locale, UnknownLocaleError

from backend.domain import Account
from backend.errors import InvalidInput
from backend.store import accounts
from backend.store.db import Database, now_utc
from backend.text import has_controls, is_blank

_ACCOUNT_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


def check_account(account: Account) -> None:
    """Raise InvalidInput naming the first setting that is not acceptable."""
    if not _ACCOUNT_ID.fullmatch(account.id):
        raise InvalidInput("use 1-63 lowercase letters, digits and hyphens", "id")
    if is_blank(account.name) or len(account.name) > 200:
        raise InvalidInput("the name must be 1 to 200 characters, some of them visible", "name")
    if has_controls(account.name, multiline=True):
        raise InvalidInput("the name must not contain control characters", "name")
    check_time_zone(account.time_zone)
    check_locale(account.locale)
    if not 0 <= account.week_start <= 6:
        raise InvalidInput("week_start is 0 (Monday) to 6 (Sunday)", "week_start")


def check_time_zone(name: str, field: str = "time_zone") -> None:
    if name not in _zone_names():
        raise InvalidInput(f"{name!r} is not an IANA time zone name", field)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise InvalidInput(f"{name!r} is not an IANA time zone name", field) from error


def check_locale(tag: str, field: str = "locale") -> None:
    try:
        Locale.parse(tag.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError) as error:
        raise InvalidInput(f"{tag!r} is not a known locale", field) from error


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones()) | {"UTC"}


async def create_account(db: Database, account: Account) -> None:
    check_account(account)
    async with db.transaction() as conn:
        await accounts.create(conn, account, now_utc())


async def update_account(db: Database, account: Account) -> bool:
    check_account(account)
    async with db.transaction() as conn:
        return await accounts.update(conn, account)


async def delete_account(db: Database, account_id: str) -> None:
    """Remove the account with all its data: objects, bookings, calendars and their links,
    owners, API keys. Its links stop answering at once (no empty calendar is kept for them)."""
    async with db.transaction() as conn:
        await accounts.delete(conn, account_id)
