"""Bookings with their staff, resources and customers; loading them resolved for a window."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec

from backend.domain import (
    Booking,
    BookingKind,
    BookingStatus,
    BookingView,
    Customer,
    Event,
    Location,
    Resource,
    Service,
    StaffMember,
)
from backend.errors import InvalidInput, NotFound
from backend.store import calendars, objects
from backend.store.accounts import change_step, count_change, lock
from backend.store.db import Connection, Step, from_text, to_text
from backend.store.objects import Change

_LINKS = (
    ("booking_staff", "staff_id", "staff_ids", StaffMember),
    ("booking_resources", "resource_id", "resource_ids", Resource),
    ("booking_customers", "customer_id", "customer_ids", Customer),
)
_COLUMNS = (
    "id, kind, service_id, event_id, location_id, start_at, end_at, status, notes,"
    " custom_fields, sequence, updated_at"
)


class StoredBooking(msgspec.Struct, frozen=True, kw_only=True):
    booking: Booking
    sequence: int
    updated_at: datetime


def normalized(booking: Booking) -> Booking:
    """Instants in UTC and kept to whole seconds, as stored and as iCalendar carries them."""
    return msgspec.structs.replace(
        booking,
        start=booking.start.astimezone(UTC).replace(microsecond=0),
        end=booking.end.astimezone(UTC).replace(microsecond=0),
    )


async def find(conn: Connection, account_id: str, booking_id: str) -> StoredBooking | None:
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM bookings WHERE account_id = ? AND id = ?", (account_id, booking_id)
    )
    row = await cursor.fetchone()
    if row is None:
        return None
    linked = await _linked_ids(conn, account_id, [booking_id])
    return _stored(row, linked)


async def get(conn: Connection, account_id: str, booking_id: str) -> Booking:
    found = await find(conn, account_id, booking_id)
    if found is None:
        raise NotFound(f"no booking with id {booking_id!r}")
    return found.booking


async def upsert(
    conn: Connection, account_id: str, booking: Booking, now: datetime, field: str = ""
) -> Change:
    """Create or replace a booking; the sequence grows when its time or status changes."""
    (change,) = await upsert_many(conn, account_id, [booking], now, [field])
    return change


async def upsert_many(
    conn: Connection,
    account_id: str,
    items: Sequence[Booking],
    now: datetime,
    fields: Sequence[str] | None = None,
) -> list[Change]:
    """upsert() for many bookings with a fixed number of queries; `fields` are their paths
    for error messages. Nothing is written if any booking names an unknown object."""
    items = [normalized(booking) for booking in items]
    await lock(conn, account_id)
    known_refs = await _known_references(conn, account_id, items)
    for index, booking in enumerate(items):
        _check_against(booking, known_refs, fields[index] if fields else "")
    known = await _find_many(conn, account_id, [booking.id for booking in items])
    before = {booking_id: stored.booking for booking_id, stored in known.items()}
    changes = []
    changed: dict[str, StoredBooking] = {}
    for booking in items:
        existing = known.get(booking.id)
        if existing is not None and existing.booking == booking:
            changes.append(Change.UNCHANGED)
            continue
        changes.append(Change.CREATED if existing is None else Change.UPDATED)
        sequence = 0
        if existing is not None:
            old = existing.booking
            moved = (old.start, old.end, old.status) != (booking.start, booking.end, booking.status)
            sequence = existing.sequence + (1 if moved else 0)
        known[booking.id] = changed[booking.id] = StoredBooking(
            booking=booking, sequence=sequence, updated_at=now
        )
    if changed:
        replaced = [booking_id for booking_id in changed if booking_id in before]
        touched = [s.booking for s in changed.values()] + [before[i] for i in replaced]
        await conn.run_all(
            [
                change_step(account_id),
                *_write_steps(conn, account_id, list(changed.values()), replaced),
                _calendars_step(conn, account_id, touched),
            ]
        )
    return changes


def _calendars_step(conn: Connection, account_id: str, touched: Sequence[Booking]) -> Step:
    """Move the calendars whose scope can show the bookings, as they were or are now."""
    staff = {staff_id for booking in touched for staff_id in booking.staff_ids}
    resources = {resource_id for booking in touched for resource_id in booking.resource_ids}
    return calendars.change_step(conn, account_id, staff, resources)


def _write_steps(
    conn: Connection, account_id: str, stored: list[StoredBooking], replaced: list[str]
) -> list[Step]:
    """Write the bookings, as changed in the account's current data version, and their links;
    `replaced` are those whose old links go first."""
    steps: list[Step] = [
        (
            "INSERT INTO bookings (account_id, id, kind, service_id, event_id, location_id,"
            " start_at, end_at, status, notes, custom_fields, sequence, updated_at, changed_in)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
            " (SELECT data_version FROM accounts WHERE id = ?))"
            " ON CONFLICT (account_id, id) DO UPDATE SET kind = excluded.kind,"
            " service_id = excluded.service_id, event_id = excluded.event_id,"
            " location_id = excluded.location_id, start_at = excluded.start_at,"
            " end_at = excluded.end_at, status = excluded.status, notes = excluded.notes,"
            " custom_fields = excluded.custom_fields, sequence = excluded.sequence,"
            " updated_at = excluded.updated_at, changed_in = excluded.changed_in",
            [
                (
                    account_id,
                    item.booking.id,
                    item.booking.kind.value,
                    item.booking.service_id,
                    item.booking.event_id,
                    item.booking.location_id,
                    to_text(item.booking.start),
                    to_text(item.booking.end),
                    item.booking.status.value,
                    item.booking.notes,
                    msgspec.json.encode(item.booking.custom_fields).decode(),
                    item.sequence,
                    to_text(item.updated_at),
                    account_id,
                )
                for item in stored
            ],
        )
    ]
    any_replaced, replaced_ids = conn.one_of(replaced)
    for table, column, attribute, _ in _LINKS:
        if replaced:
            steps.append(
                (
                    f"DELETE FROM {table} WHERE account_id = ? AND booking_id {any_replaced}",
                    [(account_id, replaced_ids)],
                )
            )
        rows = [
            (account_id, item.booking.id, i, ref)
            for item in stored
            for i, ref in enumerate(getattr(item.booking, attribute))
        ]
        insert = f"INSERT INTO {table} (account_id, booking_id, position, {column})"
        steps.append((f"{insert} VALUES (?, ?, ?, ?)", rows))
    return steps


async def _find_many(
    conn: Connection, account_id: str, booking_ids: list[str]
) -> dict[str, StoredBooking]:
    any_id, ids = conn.one_of(booking_ids)
    where = f"id {any_id}"
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM bookings WHERE account_id = ? AND {where}", (account_id, ids)
    )
    rows = await cursor.fetchall()
    if not rows:
        return {}
    linked = await _linked_ids(conn, account_id, [row["id"] for row in rows])
    return {row["id"]: _stored(row, linked) for row in rows}


async def delete(conn: Connection, account_id: str, booking_id: str) -> None:
    await lock(conn, account_id)
    found = await find(conn, account_id, booking_id)
    if found is None:
        raise NotFound(f"no booking with id {booking_id!r}")
    await conn.execute(
        "DELETE FROM bookings WHERE account_id = ? AND id = ?", (account_id, booking_id)
    )
    await count_change(conn, account_id, deleted=True)
    await conn.run_all([_calendars_step(conn, account_id, [found.booking])])


async def list_page(
    conn: Connection, account_id: str, after: str | None, limit: int
) -> list[Booking]:
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM bookings WHERE account_id = ? AND id > ? ORDER BY id LIMIT ?",
        (account_id, after or "", limit),
    )
    rows = await cursor.fetchall()
    if not rows:
        return []
    linked = await _linked_ids(conn, account_id, [row["id"] for row in rows])
    return [_stored(row, linked).booking for row in rows]


_SINGLE_REFS = (("service_id", Service), ("event_id", Event), ("location_id", Location))


async def _known_references(
    conn: Connection, account_id: str, items: Sequence[Booking]
) -> dict[type[Any], set[str]]:
    """Of the ids these bookings name, those that exist, per kind, in one query."""
    wanted: dict[type[Any], set[str]] = defaultdict(set)
    for booking in items:
        for attribute, kind in _SINGLE_REFS:
            if (ref := getattr(booking, attribute)) is not None:
                wanted[kind].add(ref)
        for _, _, attribute, kind in _LINKS:
            wanted[kind].update(getattr(booking, attribute))
    return await objects.existing_ids_by_kind(conn, account_id, wanted)


def _check_against(booking: Booking, known: dict[type[Any], set[str]], field: str) -> None:
    prefix = f"{field}." if field else ""
    if booking.kind is BookingKind.APPOINTMENT and booking.service_id is None:
        raise InvalidInput("an appointment needs a service_id", f"{prefix}service_id")
    if booking.kind is BookingKind.EVENT_SESSION and booking.event_id is None:
        raise InvalidInput("an event session needs an event_id", f"{prefix}event_id")
    for attribute, kind in _SINGLE_REFS:
        ref = getattr(booking, attribute)
        if ref is not None and ref not in known.get(kind, ()):
            raise InvalidInput(f"unknown {objects.TABLES[kind]} id {ref!r}", f"{prefix}{attribute}")
    for _, _, attribute, kind in _LINKS:
        for index, ref in enumerate(getattr(booking, attribute)):
            if ref not in known.get(kind, ()):
                raise InvalidInput(
                    f"unknown {objects.TABLES[kind]} id {ref!r}", f"{prefix}{attribute}[{index}]"
                )


class WindowRows(msgspec.Struct, frozen=True):
    """The bookings overlapping a window as read, not yet resolved: resolving 100,000 takes
    seconds of CPU, which callers spend off the event loop and after the read has ended."""

    rows: list[Any]
    link_rows: list[Any]
    names: dict[type[Any], dict[str, Any]]
    uid_salt: bytes

    def views(self) -> list[BookingView]:
        """Every booking resolved, in start order."""
        names, linked = self.names, _grouped(self.link_rows)
        views = []
        for row in self.rows:
            stored = _stored(row, linked)
            booking = stored.booking
            views.append(
                BookingView(
                    booking=booking,
                    uid=booking_uid(self.uid_salt, booking.id),
                    sequence=stored.sequence,
                    updated_at=stored.updated_at,
                    service=names[Service].get(booking.service_id or ""),
                    event=names[Event].get(booking.event_id or ""),
                    location=names[Location].get(booking.location_id or ""),
                    staff=tuple(names[StaffMember][i] for i in booking.staff_ids),
                    resources=tuple(names[Resource][i] for i in booking.resource_ids),
                    customers=tuple(names[Customer][i] for i in booking.customer_ids),
                )
            )
        return views


async def in_window(
    conn: Connection, account_id: str, uid_salt: bytes, start: datetime, end: datetime
) -> WindowRows:
    """Every booking overlapping [start, end), with what resolves it, in start order."""
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM bookings WHERE account_id = ? AND start_at < ? AND end_at > ?"
        " ORDER BY start_at, id",
        (account_id, to_text(end), to_text(start)),
    )
    rows = list(await cursor.fetchall())
    link_rows = await _link_rows(conn, account_id, [row["id"] for row in rows])
    names = {kind: await objects.all_by_id(conn, account_id, kind) for kind in objects.TABLES}
    return WindowRows(rows=rows, link_rows=link_rows, names=names, uid_salt=uid_salt)


async def changed_since(
    conn: Connection, account_id: str, uid_salt: bytes, version: int
) -> WindowRows:
    """Every booking written after the account's data `version`, wherever it falls, with the
    objects that resolve it (and no others)."""
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM bookings WHERE account_id = ? AND changed_in > ?",
        (account_id, version),
    )
    rows = list(await cursor.fetchall())
    link_rows = await _link_rows(conn, account_id, [row["id"] for row in rows])
    wanted: dict[type[Any], set[str]] = {kind: set() for kind in objects.TABLES}
    for row in rows:
        for attribute, kind in _SINGLE_REFS:
            if row[attribute] is not None:
                wanted[kind].add(row[attribute])
    for attribute, _, _, ref in link_rows:
        wanted[_KIND_OF[attribute]].add(ref)
    names = {
        kind: await objects.find_many(conn, account_id, kind, sorted(ids)) if ids else {}
        for kind, ids in wanted.items()
    }
    return WindowRows(rows=rows, link_rows=link_rows, names=names, uid_salt=uid_salt)


_KIND_OF = {attribute: kind for _, _, attribute, kind in _LINKS}


def booking_uid(uid_salt: bytes, booking_id: str) -> str:
    """A UID that stays the same for a booking yet does not reveal the booking system's id."""
    digest = hashlib.blake2b(booking_id.encode(), key=uid_salt, digest_size=16).hexdigest()
    return f"{digest}@bookfeed"


async def _linked_ids(
    conn: Connection, account_id: str, booking_ids: list[str]
) -> dict[str, dict[str, list[str]]]:
    """{attribute: {booking id: [referenced ids in order]}} for these bookings, from the three
    link tables in one query."""
    return _grouped(await _link_rows(conn, account_id, booking_ids))


async def _link_rows(conn: Connection, account_id: str, booking_ids: list[str]) -> list[Any]:
    # By the ids already read, not by joining bookings again: a join or `IN (SELECT …)` lets
    # PostgreSQL, before it has statistics for a newly filled account, plan a loop that
    # rescans every booking per link row (minutes at 100,000); a key lookup per id cannot.
    if not booking_ids:
        return []
    any_id, ids = conn.one_of(booking_ids)
    selects = " UNION ALL ".join(
        f"SELECT '{attribute}', booking_id, position, {column} FROM {table}"
        f" WHERE account_id = ? AND booking_id {any_id}"
        for table, column, attribute, _ in _LINKS
    )
    cursor = await conn.execute(f"{selects} ORDER BY 1, 2, 3", (account_id, ids) * len(_LINKS))
    return list(await cursor.fetchall())


def _grouped(link_rows: list[Any]) -> dict[str, dict[str, list[str]]]:
    linked: dict[str, dict[str, list[str]]] = {attribute: {} for _, _, attribute, _ in _LINKS}
    for attribute, booking_id, _, ref in link_rows:
        linked[attribute].setdefault(booking_id, []).append(ref)
    return linked


def _stored(row: Any, linked: dict[str, dict[str, list[str]]]) -> StoredBooking:
    booking_id = row["id"]
    booking = Booking(
        id=booking_id,
        kind=BookingKind(row["kind"]),
        start=from_text(row["start_at"]),
        end=from_text(row["end_at"]),
        status=BookingStatus(row["status"]),
        service_id=row["service_id"],
        event_id=row["event_id"],
        location_id=row["location_id"],
        staff_ids=tuple(linked["staff_ids"].get(booking_id, ())),
        resource_ids=tuple(linked["resource_ids"].get(booking_id, ())),
        customer_ids=tuple(linked["customer_ids"].get(booking_id, ())),
        notes=row["notes"],
        custom_fields=msgspec.json.decode(row["custom_fields"]),
    )
    return StoredBooking(
        booking=booking, sequence=row["sequence"], updated_at=from_text(row["updated_at"])
    )
