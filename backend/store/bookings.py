"""Bookings with their staff, resources and customers; loading them resolved for a window."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Sequence
from datetime import UTC, datetime, timedelta
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
    """The bookings overlapping a window as read, not yet resolved: one JSON text per booking,
    which msgspec decodes in C. Resolving 100,000 takes CPU, which callers spend off the event
    loop, after the read has ended, and a chunk at a time to hold few objects at once."""

    rows: list[str]
    names: dict[type[Any], dict[str, Any]]
    uid_salt: bytes

    def views(self) -> list[BookingView]:
        """Every booking resolved, in start order."""
        return [view for chunk in self.chunks(len(self.rows) or 1) for view in chunk]

    def chunks(self, size: int) -> Iterator[list[BookingView]]:
        """The bookings resolved `size` at a time, in start order."""
        decode, uid = _WINDOW_ROW.decode, uid_maker(self.uid_salt)
        names = {kind: self.names.get(kind, {}) for kind in objects.TABLES}
        services, events, locations = names[Service], names[Event], names[Location]
        staff, resources, customers = names[StaffMember], names[Resource], names[Customer]
        for first in range(0, len(self.rows), size):
            views = []
            for text in self.rows[first : first + size]:
                booking, sequence, updated_at = decode(text)
                views.append(
                    BookingView(
                        booking=booking,
                        uid=uid(booking.id),
                        sequence=sequence,
                        updated_at=updated_at,
                        service=services.get(booking.service_id) if booking.service_id else None,
                        event=events.get(booking.event_id) if booking.event_id else None,
                        location=(
                            locations.get(booking.location_id) if booking.location_id else None
                        ),
                        staff=_resolved(staff, booking.staff_ids),
                        resources=_resolved(resources, booking.resource_ids),
                        customers=_resolved(customers, booking.customer_ids),
                    )
                )
            yield views


def _resolved(names: dict[str, Any], ids: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple([names[i] for i in ids]) if ids else ()


_WINDOW_ROW = msgspec.json.Decoder(tuple[Booking, int, datetime])
# Every Booking field a window read can leave out, with the objects it references.
OPTIONAL_FIELDS = frozenset(
    {"location_id", "staff_ids", "resource_ids", "customer_ids", "notes", "custom_fields"}
)
_FIELD_KINDS: dict[str, type[Any]] = {
    "location_id": Location,
    "staff_ids": StaffMember,
    "resource_ids": Resource,
    "customer_ids": Customer,
}
# A booking that starts and ends in one UTC month lasts under 31 days, so the start of one
# overlapping a window lies less than that before the window: both ends of the start index
# bound the read. Those spanning months are few, and a partial index holds them apart.
_MONTH_SPAN = timedelta(days=31)
_SAME_MONTH = "substr(b.end_at, 1, 7) = substr(b.start_at, 1, 7)"
_OTHER_MONTH = "substr(b.end_at, 1, 7) <> substr(b.start_at, 1, 7)"


async def in_window(
    conn: Connection,
    account_id: str,
    uid_salt: bytes,
    start: datetime,
    end: datetime,
    fields: Collection[str] = OPTIONAL_FIELDS,
) -> WindowRows:
    """Every booking overlapping [start, end), in start order, read with only the optional
    Booking `fields` named (the others take their defaults), and the objects they reference."""
    unknown = set(fields) - OPTIONAL_FIELDS
    if unknown:
        raise ValueError(f"not optional Booking fields: {sorted(unknown)}")
    cursor = await conn.execute(
        window_sql(conn.dialect, fields),
        (
            *(account_id, to_text(start - _MONTH_SPAN), to_text(end), to_text(start)),
            *(account_id, to_text(start), to_text(end)),
        ),
    )
    rows = [found[0] for found in await cursor.fetchall()]
    return WindowRows(rows=rows, names=await _names(conn, account_id, fields), uid_salt=uid_salt)


async def _names(
    conn: Connection, account_id: str, fields: Collection[str]
) -> dict[type[Any], dict[str, Any]]:
    """The objects bookings read with `fields` reference, by kind and id."""
    kinds = [Service, Event, *(kind for field, kind in _FIELD_KINDS.items() if field in fields)]
    return {kind: await objects.all_by_id(conn, account_id, kind) for kind in kinds}


def window_sql(dialect: str, fields: Collection[str]) -> str:
    """in_window's query: the bookings spanning no month boundary by start, bounded on both
    sides, then those spanning one, by end; ordered by start."""
    row = _row_json(dialect, fields)
    # Without statistics SQLite would read the months-spanning ones by start too, unbounded
    # below; INDEXED BY holds it to each part's index (or fails, never scans).
    by_start, by_end = (
        ("", "")
        if dialect == "postgresql"
        else (" INDEXED BY bookings_by_start", " INDEXED BY bookings_spanning_months")
    )
    # Feeds list same-start bookings by id as Python orders strings (feed_parts sorts them so):
    # SQLite compares them that way, PostgreSQL only in the C collation.
    by_code_point = ' COLLATE "C"' if dialect == "postgresql" else ""
    return (
        f"SELECT found FROM (SELECT b.start_at, b.id, {row} AS found FROM bookings AS b{by_start}"
        " WHERE b.account_id = ? AND b.start_at > ? AND b.start_at < ? AND b.end_at > ?"
        f" AND {_SAME_MONTH} UNION ALL SELECT b.start_at, b.id, {row} FROM bookings AS b{by_end}"
        f" WHERE b.account_id = ? AND {_OTHER_MONTH} AND b.end_at > ? AND b.start_at < ?)"
        f" AS window_rows ORDER BY start_at, id{by_code_point}"
    )


def _row_json(dialect: str, fields: Collection[str]) -> str:
    """The SQL of one booking as the JSON `[booking, sequence, updated_at]`."""
    postgres = dialect == "postgresql"
    values = {
        "id": "b.id",
        "kind": "b.kind",
        "start": "b.start_at",
        "end": "b.end_at",
        "status": "b.status",
        "service_id": "b.service_id",
        "event_id": "b.event_id",
        "location_id": "b.location_id",
        "notes": "b.notes",
        "custom_fields": "b.custom_fields::json" if postgres else "json(b.custom_fields)",
    }
    for table, column, attribute, _ in _LINKS:
        where = f"FROM {table} l WHERE l.account_id = b.account_id AND l.booking_id = b.id"
        values[attribute] = (
            f"(SELECT COALESCE(json_agg(l.{column} ORDER BY l.position), '[]') {where})"
            if postgres
            else f"(SELECT json_group_array({column}) FROM (SELECT l.{column} {where}"
            " ORDER BY l.position))"
        )
    pairs = ", ".join(
        f"'{key}', {value}"
        for key, value in values.items()
        if key not in OPTIONAL_FIELDS or key in fields
    )
    if postgres:
        return f"json_build_array(json_build_object({pairs}), b.sequence, b.updated_at)::text"
    return f"json_array(json_object({pairs}), b.sequence, b.updated_at)"


async def changed_since(
    conn: Connection,
    account_id: str,
    uid_salt: bytes,
    version: int,
    fields: Collection[str] = OPTIONAL_FIELDS,
) -> WindowRows:
    """Every booking written after the account's data `version`, wherever it falls, read as
    in_window reads them."""
    cursor = await conn.execute(
        f"SELECT {_row_json(conn.dialect, fields)} FROM bookings AS b"
        " WHERE b.account_id = ? AND b.changed_in > ?",
        (account_id, version),
    )
    rows = [found[0] for found in await cursor.fetchall()]
    return WindowRows(rows=rows, names=await _names(conn, account_id, fields), uid_salt=uid_salt)


def booking_uid(uid_salt: bytes, booking_id: str) -> str:
    """A UID that stays the same for a booking yet does not reveal the booking system's id."""
    return uid_maker(uid_salt)(booking_id)


def uid_maker(uid_salt: bytes) -> Callable[[str], str]:
    """booking_uid for one account's salt, many times: the key is hashed once."""
    keyed = hashlib.blake2b(key=uid_salt, digest_size=16)

    def uid(booking_id: str) -> str:
        digest = keyed.copy()
        digest.update(booking_id.encode())
        return f"{digest.hexdigest()}@bookfeed"

    return uid


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
