"""Seeds a database for bench/scale.py with the code of the checkout it runs in, so a baseline
checkout seeds its own database. It imports nothing from bench/.

    cd CHECKOUT && PYTHONPATH=. python /path/to/bench/scale_seed.py TARGET SECRET SPEC…

TARGET is a SQLite path or a PostgreSQL URL; each SPEC is ACCOUNT:COUNT[:OLDER]. Each account
gets the reference objects (all with id "x1"), COUNT appointments five minutes apart from the
next hour on, OLDER (default 0) five minutes apart long before the calendar's window (which
reaches 30 days back), one calendar and one API key. Prints JSON: {"backend": where backend
was imported from, "accounts": {id: {"token", "key"}}}.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import backend
from backend.accounts import create_account
from backend.api_keys import create_key
from backend.calendars import CalendarService
from backend.domain import (
    Account,
    Booking,
    BookingKind,
    Customer,
    Location,
    Resource,
    Service,
    StaffMember,
)
from backend.links import LinkKeys
from backend.policy import Detail, Policy
from backend.store import bookings, objects
from backend.store.db import Database

REFERENCES = (
    StaffMember(id="x1", name="Maya Okafor", email="maya@example.com"),
    Resource(id="x1", name="Room One"),
    Location(id="x1", name="Islington", address="12 Upper Street, London N1 0PQ"),
    Service(id="x1", name="Sports Massage", description="60 minutes, deep tissue."),
    Customer(id="x1", name="Jane Doe", phone="+44 7700 900123"),
)
CHUNK = 5_000
OLD_GAP = timedelta(days=60)  # the newest older booking starts this long before now
POLICY = Policy(details=frozenset({Detail.DESCRIPTION, Detail.LOCATION, Detail.CUSTOMER_NAME}))


async def seed(
    target: str, secret: str, wanted: dict[str, tuple[int, int]]
) -> dict[str, dict[str, str]]:
    db = await Database.open(target if "://" in target else Path(target))  # type: ignore[arg-type]
    try:
        made = {}
        for account_id, (count, older) in wanted.items():
            await create_account(
                db, Account(id=account_id, name=account_id, time_zone="Europe/London")
            )
            async with db.transaction() as conn:
                for item in REFERENCES:
                    await objects.upsert(conn, account_id, item)
            first = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
            for prefix, total, since, step in (
                ("bk", count, first + timedelta(hours=1), timedelta(minutes=5)),
                ("old", older, first - OLD_GAP, timedelta(minutes=-5)),
            ):
                for offset in range(0, total, CHUNK):
                    numbers = range(offset, min(total, offset + CHUNK))
                    items = [_appointment(f"{prefix}-{n}", since + step * n) for n in numbers]
                    async with db.transaction() as conn:
                        await bookings.upsert_many(conn, account_id, items, datetime.now(UTC))
            service = CalendarService(db, LinkKeys(secret.encode()))
            _, link = await service.create_calendar(account_id, "Bench", POLICY)
            _, key = await create_key(db, account_id, "bench")
            made[account_id] = {"token": link.token, "key": key}
        return made
    finally:
        await db.close()


def _appointment(booking_id: str, start: datetime) -> Booking:
    return Booking(
        id=booking_id,
        kind=BookingKind.APPOINTMENT,
        service_id="x1",
        start=start,
        end=start + timedelta(hours=1),
        staff_ids=("x1",),
        resource_ids=("x1",),
        customer_ids=("x1",),
        location_id="x1",
    )


def main() -> None:
    target, secret, *specs = sys.argv[1:]
    wanted = {}
    for spec in specs:
        name, count, *older = spec.split(":")
        wanted[name] = (int(count), int(older[0]) if older else 0)
    made = asyncio.run(seed(target, secret, wanted))
    print(json.dumps({"backend": backend.__file__, "accounts": made}))


if __name__ == "__main__":
    main()
