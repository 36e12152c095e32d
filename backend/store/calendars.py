"""Subscription calendars, their links, and the tokens retired from them."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

import msgspec

from backend.errors import NotFound
from backend.policy import Policy
from backend.store.db import Connection, Step, from_text, to_text


class CalendarRecord(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    account_id: str
    name: str
    policy: Policy
    version: int
    changed_at: datetime


class LinkRecord(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    calendar_id: int
    label: str
    nonce: bytes
    enabled: bool
    disabled_at: datetime | None
    created_at: datetime
    last_fetched_at: datetime | None
    last_client: str | None


_CALENDAR_COLUMNS = "id, account_id, name, policy, version, changed_at"
_LINK_COLUMNS = (
    "links.id, calendar_id, label, nonce, enabled, disabled_at, links.created_at,"
    " last_fetched_at, last_client"
)


def _calendar(row: Any) -> CalendarRecord:
    return CalendarRecord(
        id=row["id"],
        account_id=row["account_id"],
        name=row["name"],
        policy=msgspec.json.decode(row["policy"], type=Policy),
        version=row["version"],
        changed_at=from_text(row["changed_at"]),
    )


def _link(row: Any) -> LinkRecord:
    def moment(text: str | None) -> datetime | None:
        return None if text is None else from_text(text)

    return LinkRecord(
        id=row["id"],
        calendar_id=row["calendar_id"],
        label=row["label"],
        nonce=row["nonce"],
        enabled=bool(row["enabled"]),
        disabled_at=moment(row["disabled_at"]),
        created_at=from_text(row["created_at"]),
        last_fetched_at=moment(row["last_fetched_at"]),
        last_client=row["last_client"],
    )


async def insert_calendar(
    conn: Connection, account_id: str, name: str, policy: Policy, now: datetime
) -> int:
    cursor = await conn.execute(
        "INSERT INTO calendars (account_id, name, policy, scope, scope_id, changed_at,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (account_id, name, *_policy_columns(policy), to_text(now), to_text(now)),
    )
    (calendar_id,) = await cursor.fetchone()
    return calendar_id


async def get_calendar(conn: Connection, account_id: str, calendar_id: int) -> CalendarRecord:
    """The account's calendar; any other account's id is NotFound, as if it did not exist."""
    cursor = await conn.execute(
        f"SELECT {_CALENDAR_COLUMNS} FROM calendars WHERE id = ? AND account_id = ?",
        (calendar_id, account_id),
    )
    row = await cursor.fetchone()
    if row is None:
        raise NotFound("no such calendar")
    return _calendar(row)


async def list_calendars(conn: Connection, account_id: str) -> list[CalendarRecord]:
    cursor = await conn.execute(
        f"SELECT {_CALENDAR_COLUMNS} FROM calendars WHERE account_id = ? ORDER BY name, id",
        (account_id,),
    )
    return [_calendar(row) for row in await cursor.fetchall()]


async def update_calendar(
    conn: Connection,
    account_id: str,
    calendar_id: int,
    name: str,
    policy: Policy,
    now: datetime,
) -> None:
    cursor = await conn.execute(
        "UPDATE calendars SET name = ?, policy = ?, scope = ?, scope_id = ?,"
        " version = version + 1, changed_at = ? WHERE id = ? AND account_id = ?",
        (name, *_policy_columns(policy), to_text(now), calendar_id, account_id),
    )
    if cursor.rowcount == 0:
        raise NotFound("no such calendar")


def _policy_columns(policy: Policy) -> tuple[str, str, str | None]:
    return msgspec.json.encode(policy).decode(), policy.scope.value, policy.scope_id


async def record_change(
    conn: Connection,
    account_id: str,
    staff_ids: Collection[str] | None = None,
    resource_ids: Collection[str] | None = None,
) -> None:
    """Move to the account's data version (already moved for this change) the calendars that
    could show the change: see change_step."""
    await conn.run_all([change_step(conn, account_id, staff_ids, resource_ids)])


def change_step(
    conn: Connection,
    account_id: str,
    staff_ids: Collection[str] | None = None,
    resource_ids: Collection[str] | None = None,
) -> Step:
    """The calendars that could show a change: all of the account's, or, for a change to
    bookings, the account-wide ones and those scoped to one of the staff or resources the
    bookings had before or have after. Only the scope is decided here; a calendar whose other
    filters leave the bookings out moves all the same."""
    moved = "UPDATE calendars SET data_version = (SELECT data_version FROM accounts WHERE id = ?)"
    if staff_ids is None or resource_ids is None:
        return f"{moved} WHERE account_id = ?", [(account_id, account_id)]
    any_staff, staff = conn.one_of(sorted(staff_ids))
    any_resource, resources = conn.one_of(sorted(resource_ids))
    return (
        f"{moved} WHERE account_id = ? AND (scope NOT IN ('staff', 'resource')"
        f" OR (scope = 'staff' AND scope_id {any_staff})"
        f" OR (scope = 'resource' AND scope_id {any_resource}))",
        [(account_id, account_id, staff, resources)],
    )


async def touch_calendar(conn: Connection, calendar_id: int, now: datetime) -> None:
    """Mark the calendar's published output as changed (new version, new Last-Modified)."""
    await conn.execute(
        "UPDATE calendars SET version = version + 1, changed_at = ?, published_at = ? WHERE id = ?",
        (to_text(now), to_text(now), calendar_id),
    )


async def mark_published(conn: Connection, calendar_id: int, tag: str, now: datetime) -> datetime:
    """When the calendar's output last changed, given the tag of what it is about to serve:
    a new tag is published now, and always later than the one before it. The row stays
    locked until commit, so processes rendering the same change at once agree on the time."""
    cursor = await conn.execute(
        f"SELECT published_tag, published_at FROM calendars WHERE id = ?{conn.for_update}",
        (calendar_id,),
    )
    row = await cursor.fetchone()
    if row is None:
        raise NotFound("no such calendar")
    if row["published_tag"] == tag:
        return from_text(row["published_at"])
    published = now
    if row["published_at"] is not None:
        published = max(now, from_text(row["published_at"]) + timedelta(seconds=1))
    await conn.execute(
        "UPDATE calendars SET published_tag = ?, published_at = ? WHERE id = ?",
        (tag, to_text(published), calendar_id),
    )
    return published


async def delete_calendar(conn: Connection, account_id: str, calendar_id: int) -> None:
    await conn.execute(
        "DELETE FROM calendars WHERE id = ? AND account_id = ?", (calendar_id, account_id)
    )


async def insert_link(
    conn: Connection,
    calendar_id: int,
    label: str,
    nonce: bytes,
    token_hash: bytes,
    now: datetime,
) -> int:
    cursor = await conn.execute(
        "INSERT INTO links (calendar_id, label, nonce, token_hash, created_at)"
        " VALUES (?, ?, ?, ?, ?) RETURNING id",
        (calendar_id, label, nonce, token_hash, to_text(now)),
    )
    (link_id,) = await cursor.fetchone()
    return link_id


async def list_links(conn: Connection, calendar_id: int) -> list[LinkRecord]:
    cursor = await conn.execute(
        f"SELECT {_LINK_COLUMNS} FROM links WHERE calendar_id = ? ORDER BY links.id",
        (calendar_id,),
    )
    return [_link(row) for row in await cursor.fetchall()]


async def get_link(
    conn: Connection, account_id: str, link_id: int, lock: bool = False
) -> LinkRecord:
    """The account's link; any other account's link id is NotFound. `lock` keeps the link's
    row locked until commit, for a change that depends on what was read."""
    locking = f"{conn.for_update} OF links" if lock and conn.for_update else ""
    cursor = await conn.execute(
        f"SELECT {_LINK_COLUMNS} FROM links JOIN calendars ON calendars.id = links.calendar_id"
        f" WHERE links.id = ? AND calendars.account_id = ?{locking}",
        (link_id, account_id),
    )
    row = await cursor.fetchone()
    if row is None:
        raise NotFound("no such link")
    return _link(row)


async def token_hashes(conn: Connection, calendar_id: int) -> list[bytes]:
    cursor = await conn.execute(
        "SELECT token_hash FROM links WHERE calendar_id = ?", (calendar_id,)
    )
    return [row["token_hash"] for row in await cursor.fetchall()]


async def link_token_hash(conn: Connection, link_id: int) -> bytes:
    cursor = await conn.execute("SELECT token_hash FROM links WHERE id = ?", (link_id,))
    row = await cursor.fetchone()
    if row is None:
        raise NotFound("no such link")
    return row["token_hash"]


async def set_link_enabled(conn: Connection, link_id: int, enabled: bool, now: datetime) -> None:
    await conn.execute(
        "UPDATE links SET enabled = ?, disabled_at = ? WHERE id = ?",
        (int(enabled), None if enabled else to_text(now), link_id),
    )


async def replace_link_token(
    conn: Connection, link_id: int, nonce: bytes, token_hash: bytes
) -> None:
    await conn.execute(
        "UPDATE links SET nonce = ?, token_hash = ? WHERE id = ?", (nonce, token_hash, link_id)
    )


async def delete_link(conn: Connection, link_id: int) -> None:
    await conn.execute("DELETE FROM links WHERE id = ?", (link_id,))


async def retire_token(
    conn: Connection, token_hash: bytes, calendar_name: str, time_zone: str, now: datetime
) -> None:
    await conn.execute(
        "INSERT INTO retired_tokens (token_hash, calendar_name, time_zone, retired_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (token_hash) DO UPDATE SET"
        " calendar_name = excluded.calendar_name, time_zone = excluded.time_zone,"
        " retired_at = excluded.retired_at",
        (token_hash, calendar_name, time_zone, to_text(now)),
    )


async def purge_retired(conn: Connection, before: datetime) -> None:
    """Forget retired tokens past their retention; they answer 404 from then on."""
    await conn.execute("DELETE FROM retired_tokens WHERE retired_at < ?", (to_text(before),))
