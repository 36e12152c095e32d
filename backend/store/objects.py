"""The booking system's reference objects: staff, resources, locations, services, events,
customers. One table each, the same operations for all."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Any, TypeVar

import msgspec

from backend.domain import Customer, Event, Location, Resource, Service, StaffMember
from backend.errors import Conflict, NotFound
from backend.store import calendars
from backend.store.accounts import count_change, lock
from backend.store.db import Connection, IntegrityError

ReferenceObject = StaffMember | Resource | Location | Service | Event | Customer
T = TypeVar("T", StaffMember, Resource, Location, Service, Event, Customer)


class Change(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DELETED = "deleted"


TABLES: dict[type[Any], str] = {
    StaffMember: "staff",
    Resource: "resources",
    Location: "locations",
    Service: "services",
    Event: "events",
    Customer: "customers",
}
_JSON_FIELDS = {"custom_fields"}


def _columns(kind: type[Any]) -> tuple[str, ...]:
    return kind.__struct_fields__


def _to_row(obj: msgspec.Struct) -> tuple[Any, ...]:
    return tuple(
        msgspec.json.encode(getattr(obj, name)).decode()
        if name in _JSON_FIELDS
        else getattr(obj, name)
        for name in obj.__struct_fields__
    )


def from_row(kind: type[T], row: Any) -> T:
    values = {
        name: msgspec.json.decode(row[name]) if name in _JSON_FIELDS else row[name]
        for name in _columns(kind)
    }
    return msgspec.convert(values, kind)


async def get(conn: Connection, account_id: str, kind: type[T], object_id: str) -> T:
    found = await find(conn, account_id, kind, object_id)
    if found is None:
        raise NotFound(f"no {TABLES[kind]} object with id {object_id!r}")
    return found


async def find(conn: Connection, account_id: str, kind: type[T], object_id: str) -> T | None:
    cursor = await conn.execute(
        f"SELECT {', '.join(_columns(kind))} FROM {TABLES[kind]} WHERE account_id = ? AND id = ?",
        (account_id, object_id),
    )
    row = await cursor.fetchone()
    return None if row is None else from_row(kind, row)


async def exists(conn: Connection, account_id: str, kind: type[Any], object_id: str) -> bool:
    cursor = await conn.execute(
        f"SELECT 1 FROM {TABLES[kind]} WHERE account_id = ? AND id = ?", (account_id, object_id)
    )
    return await cursor.fetchone() is not None


async def upsert(conn: Connection, account_id: str, obj: ReferenceObject) -> Change:
    """Create or replace by the booking system's id; an identical object changes nothing."""
    (change,) = await upsert_many(conn, account_id, type(obj), [obj])
    return change


async def upsert_many(
    conn: Connection, account_id: str, kind: type[T], items: Sequence[T]
) -> list[Change]:
    """upsert() for many objects of one kind, with a fixed number of queries however many."""
    await lock(conn, account_id)
    known: dict[str, T] = await _find_many(conn, account_id, kind, [item.id for item in items])
    changes = []
    changed: dict[str, T] = {}
    for item in items:
        old = known.get(item.id)
        if old == item:
            changes.append(Change.UNCHANGED)
            continue
        changes.append(Change.CREATED if old is None else Change.UPDATED)
        known[item.id] = changed[item.id] = item
    if changed:
        columns = _columns(kind)
        placeholders = ", ".join("?" for _ in columns)
        updates = ", ".join(f"{name} = excluded.{name}" for name in columns if name != "id")
        await conn.executemany(
            f"INSERT INTO {TABLES[kind]} (account_id, {', '.join(columns)})"
            f" VALUES (?, {placeholders}) ON CONFLICT (account_id, id) DO UPDATE SET {updates}",
            [(account_id, *_to_row(item)) for item in changed.values()],
        )
        await _changed(conn, account_id)
    return changes


async def existing_ids_by_kind(
    conn: Connection, account_id: str, wanted: Mapping[type[Any], Iterable[str]]
) -> dict[type[Any], set[str]]:
    """Which of the wanted ids name an object of their kind in the account, in one query."""
    kinds = [kind for kind, ids in wanted.items() if ids]
    if not kinds:
        return {}
    selects, params = [], []
    for index, kind in enumerate(kinds):
        any_id, ids = conn.one_of(sorted(set(wanted[kind])))
        selects.append(
            f"SELECT {index}, id FROM {TABLES[kind]} WHERE account_id = ? AND id {any_id}"
        )
        params += [account_id, ids]
    query = " UNION ALL ".join(selects)
    found: dict[type[Any], set[str]] = {kind: set() for kind in kinds}
    for index, object_id in await (await conn.execute(query, params)).fetchall():
        found[kinds[index]].add(object_id)
    return found


async def _find_many(
    conn: Connection, account_id: str, kind: type[T], ids: list[str]
) -> dict[str, T]:
    any_id, param = conn.one_of(ids)
    cursor = await conn.execute(
        f"SELECT {', '.join(_columns(kind))} FROM {TABLES[kind]} WHERE account_id = ?"
        f" AND id {any_id}",
        (account_id, param),
    )
    return {row["id"]: from_row(kind, row) for row in await cursor.fetchall()}


async def delete(conn: Connection, account_id: str, kind: type[Any], object_id: str) -> None:
    """Remove an object no booking refers to; a referenced one is a Conflict, never dangling."""
    await lock(conn, account_id)
    try:
        cursor = await conn.execute(
            f"DELETE FROM {TABLES[kind]} WHERE account_id = ? AND id = ?", (account_id, object_id)
        )
    except IntegrityError as error:
        raise Conflict(
            f"{TABLES[kind]} object {object_id!r} is still referenced by bookings"
        ) from error
    if cursor.rowcount == 0:
        raise NotFound(f"no {TABLES[kind]} object with id {object_id!r}")
    await _changed(conn, account_id)


async def list_page(
    conn: Connection, account_id: str, kind: type[T], after: str | None, limit: int
) -> list[T]:
    """Objects in id order, `limit` at a time, starting after the id `after`."""
    cursor = await conn.execute(
        f"SELECT {', '.join(_columns(kind))} FROM {TABLES[kind]}"
        " WHERE account_id = ? AND id > ? ORDER BY id LIMIT ?",
        (account_id, after or "", limit),
    )
    return [from_row(kind, row) for row in await cursor.fetchall()]


async def all_by_id(conn: Connection, account_id: str, kind: type[T]) -> dict[str, T]:
    cursor = await conn.execute(
        f"SELECT {', '.join(_columns(kind))} FROM {TABLES[kind]} WHERE account_id = ?",
        (account_id,),
    )
    return {row["id"]: from_row(kind, row) for row in await cursor.fetchall()}


async def _changed(conn: Connection, account_id: str) -> None:
    # Any calendar may show an object (a service's name is a title, a staff member's name a
    # detail): narrowing by scope would not be sound, so every calendar of the account moves.
    await count_change(conn, account_id, objects=True)
    await calendars.record_change(conn, account_id)
