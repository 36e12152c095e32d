"""What the API does with a booking system's objects: upsert, read, delete, list, batch."""

from __future__ import annotations

from typing import Any

from backend.api.kinds import KINDS, Kind, check_id, to_domain
from backend.api.preconditions import check_if_match
from backend.api.schemas import Batch, BatchResult, Counts, Input
from backend.domain import Booking
from backend.errors import Conflict, NotFound
from backend.store import accounts, bookings, objects
from backend.store.db import Connection, Database, now_utc
from backend.store.objects import Change


async def put(
    db: Database,
    account_id: str,
    kind: Kind,
    object_id: str,
    item: Input,
    if_match: str | None = None,
) -> tuple[Change, Any]:
    """Create or replace one object, and return it as stored; the same object twice
    changes nothing the second time. With `if_match`, only if the object is as tagged."""
    obj = to_domain(kind, item, check_id(object_id))
    async with db.transaction() as conn:
        if if_match is not None:
            check_if_match(if_match, await _get_if_present(conn, account_id, kind, obj.id))
        if kind.domain is Booking:
            obj = bookings.normalized(obj)
            change = await bookings.upsert(conn, account_id, obj, now_utc())
        else:
            change = await objects.upsert(conn, account_id, obj)
    # Stored as given (an unchanged PUT found it equal): no need to read it back.
    return change, obj


async def get(db: Database, account_id: str, kind: Kind, object_id: str) -> Any:
    async with db.reading() as conn:
        return await _get(conn, account_id, kind, check_id(object_id))


async def _get(conn: Connection, account_id: str, kind: Kind, object_id: str) -> Any:
    if kind.domain is Booking:
        return await bookings.get(conn, account_id, object_id)
    return await objects.get(conn, account_id, kind.domain, object_id)


async def _get_if_present(
    conn: Connection, account_id: str, kind: Kind, object_id: str
) -> Any | None:
    try:
        return await _get(conn, account_id, kind, object_id)
    except NotFound:
        return None


async def delete(
    db: Database, account_id: str, kind: Kind, object_id: str, if_match: str | None = None
) -> None:
    """Remove one object; one still referenced by a booking is a Conflict. With `if_match`,
    only if the object is as tagged."""
    check_id(object_id)
    async with db.transaction() as conn:
        if if_match is not None:
            check_if_match(if_match, await _get_if_present(conn, account_id, kind, object_id))
        if kind.domain is Booking:
            await bookings.delete(conn, account_id, object_id)
        else:
            await objects.delete(conn, account_id, kind.domain, object_id)


async def list_page(
    db: Database, account_id: str, kind: Kind, after: str | None, limit: int
) -> tuple[list[Any], str | None]:
    """Up to `limit` objects after the id `after`, and the id to continue after (if more)."""
    async with db.reading() as conn:
        if kind.domain is Booking:
            items: list[Any] = await bookings.list_page(conn, account_id, after, limit + 1)
        else:
            items = await objects.list_page(conn, account_id, kind.domain, after, limit + 1)
    more = len(items) > limit
    items = items[:limit]
    return items, (items[-1].id if more else None)


async def apply_batch(db: Database, account_id: str, batch: Batch) -> BatchResult:
    """Upserts in dependency order, then deletions in reverse order, in one transaction:
    the first error undoes everything. Deleting an id that is already gone changes nothing."""
    upserts = {
        kind.name: [
            to_domain(kind, item, None, f"{kind.name}[{index}]")
            for index, item in enumerate(getattr(batch, kind.name))
        ]
        for kind in KINDS
    }
    counts = {kind.name: Counts() for kind in KINDS}
    now = now_utc()
    async with db.transaction() as conn:
        for kind in KINDS:
            items = upserts[kind.name]
            if not items:
                continue
            if kind.domain is Booking:
                fields = [f"bookings[{index}]" for index in range(len(items))]
                changes = await bookings.upsert_many(conn, account_id, items, now, fields)
            else:
                changes = await objects.upsert_many(conn, account_id, kind.domain, items)
            _count(counts[kind.name], changes)
        for kind in reversed(KINDS):
            for index, object_id in enumerate(getattr(batch.delete, kind.name)):
                field = f"delete.{kind.name}[{index}]"
                if await _delete_if_present(conn, account_id, kind, object_id, field):
                    counts[kind.name].deleted += 1
                else:
                    counts[kind.name].unchanged += 1
        record = await accounts.get_record(conn, account_id)
    return BatchResult(**counts, data_version=record.data_version)


def _count(counts: Counts, changes: list[Change]) -> None:
    for change in changes:
        if change is Change.CREATED:
            counts.created += 1
        elif change is Change.UPDATED:
            counts.updated += 1
        else:
            counts.unchanged += 1


async def _delete_if_present(
    conn: Connection, account_id: str, kind: Kind, object_id: str, field: str
) -> bool:
    """True if the object was deleted, False if it did not exist."""
    try:
        if kind.domain is Booking:
            await bookings.delete(conn, account_id, object_id)
        else:
            await objects.delete(conn, account_id, kind.domain, object_id)
    except NotFound:
        return False
    except Conflict as error:
        raise Conflict(str(error), field) from error
    return True
