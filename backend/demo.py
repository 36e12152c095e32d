"""The demo account: a small London studio with three months of bookings around today."""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from backend.accounts import create_account
from backend.calendars import CalendarService
from backend.domain import (
    Account,
    Booking,
    BookingKind,
    BookingStatus,
    Customer,
    Event,
    Location,
    Resource,
    Service,
    StaffMember,
)
from backend.manage.auth import AuthService
from backend.policy import Detail, NameFormat, Policy, Scope
from backend.store import accounts, bookings, objects
from backend.store.db import Database, now_utc

DEMO_ACCOUNT = "demo"
DEMO_OWNER_EMAIL = "owner@demo.example"
ZONE = ZoneInfo("Europe/London")

STAFF = (
    StaffMember(
        id="st-maya", name="Maya Okafor", email="maya@northside.example", phone="+44 7700 900101"
    ),
    StaffMember(
        id="st-tom", name="Tom Hughes", email="tom@northside.example", phone="+44 7700 900102"
    ),
    StaffMember(
        id="st-ines", name="Inês Carvalho", email="ines@northside.example", phone="+44 7700 900103"
    ),
    StaffMember(
        id="st-raj", name="Raj Patel", email="raj@northside.example", phone="+44 7700 900104"
    ),
)
RESOURCES = (
    Resource(id="rs-room1", name="Treatment Room 1"),
    Resource(id="rs-room2", name="Treatment Room 2"),
    Resource(id="rs-hall", name="Studio Hall"),
)
LOCATIONS = (
    Location(id="lc-islington", name="Islington", address="12 Upper Street, London N1 0PQ"),
    Location(id="lc-hackney", name="Hackney", address="3 Mare Street, London E8 4RP"),
)
SERVICES = (
    Service(id="sv-massage", name="Sports Massage", description="60 minutes, deep tissue."),
    Service(
        id="sv-physio", name="Physiotherapy Assessment", description="First visit, 45 minutes."
    ),
    Service(id="sv-consult", name="Consultation", description="A short chat about your goals."),
    Service(id="sv-pt", name="Personal Training", description="One-to-one session."),
)
EVENTS = (
    Event(id="ev-yoga", name="Yoga – Beginners", description="Mats provided.", capacity=12),
    Event(id="ev-pilates", name="Pilates", description="Bring water.", capacity=10),
    Event(
        id="ev-hiit", name="HIIT Express", description="30 minutes, high intensity.", capacity=16
    ),
)
FIRST_NAMES = (
    "Jane",
    "Oliver",
    "Amelia",
    "Noah",
    "Isla",
    "Leo",
    "Ava",
    "Arthur",
    "Mia",
    "Oscar",
    "Freya",
    "Theo",
    "Lily",
    "Finley",
    "Grace",
    "Ezra",
    "Sophie",
    "Jude",
    "Zara",
    "Kai",
)
LAST_NAMES = (
    "Doe",
    "Bennett",
    "Khan",
    "Murphy",
    "Nowak",
    "Adeyemi",
    "Rossi",
    "Fraser",
    "Lindqvist",
    "Osei",
    "Chen",
    "Walsh",
    "Dubois",
    "Kowalski",
    "Haddad",
    "Evans",
    "Moreau",
    "Singh",
)
STREETS = ("Canonbury Road", "Essex Road", "Dalston Lane", "Amhurst Road", "Liverpool Road")


def _customers(rng: random.Random) -> list[Customer]:
    people = []
    for number in range(40):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        people.append(
            Customer(
                id=f"cu-{number:03d}",
                name=f"{first} {last}",
                email=f"{first.lower()}.{last.lower()}{number}@mail.example",
                phone=f"+44 7700 9{number:05d}",
                address=f"{rng.randint(1, 199)} {rng.choice(STREETS)}, London",
                custom_fields={"Membership": rng.choice(["Monthly", "Pay as you go", "Annual"])},
            )
        )
    return people


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), ZONE)


def _bookings(rng: random.Random, today: date, customers: list[Customer]) -> list[Booking]:
    result: list[Booking] = []
    for offset in range(-45, 46):
        day = today + timedelta(days=offset)
        if day.weekday() == 6:
            continue
        for slot, hour in enumerate((9, 11, 14, 16)):
            staff = STAFF[(offset + slot) % len(STAFF)]
            service = SERVICES[(offset * 3 + slot) % len(SERVICES)]
            room = RESOURCES[slot % 2]
            roll = rng.random()
            status = (
                BookingStatus.CANCELLED
                if roll < 0.08
                else BookingStatus.TENTATIVE
                if roll < 0.16
                else BookingStatus.CONFIRMED
            )
            result.append(
                Booking(
                    id=f"bk-{day.isoformat()}-{slot}",
                    kind=BookingKind.APPOINTMENT,
                    service_id=service.id,
                    start=_at(day, hour),
                    end=_at(day, hour, 0) + timedelta(minutes=60 if slot % 2 == 0 else 45),
                    status=status,
                    staff_ids=(staff.id,),
                    resource_ids=(room.id,),
                    customer_ids=(rng.choice(customers).id,),
                    location_id=LOCATIONS[offset % 2].id,
                    notes="Prefers a quiet room." if rng.random() < 0.2 else None,
                    custom_fields={"Referred by": "GP"} if rng.random() < 0.1 else {},
                )
            )
        event = EVENTS[offset % len(EVENTS)]
        attendees = rng.sample(customers, rng.randint(0, min(event.capacity or 8, 10)))
        result.append(
            Booking(
                id=f"es-{day.isoformat()}",
                kind=BookingKind.EVENT_SESSION,
                event_id=event.id,
                start=_at(day, 18, 30),
                end=_at(day, 19, 30),
                staff_ids=(STAFF[offset % len(STAFF)].id,),
                resource_ids=(RESOURCES[2].id,),
                customer_ids=tuple(c.id for c in attendees),
                location_id=LOCATIONS[0].id,
            )
        )
    return result


DEMO_CALENDARS = (
    ("Northside Studio – timetable", "Website", Policy(past_days=60, color="#2f6f5e")),
    (
        "Maya's appointments",
        "Maya's phone",
        Policy(
            scope=Scope.STAFF,
            scope_id="st-maya",
            details=frozenset({Detail.CUSTOMER_NAME, Detail.CUSTOMER_PHONE, Detail.LOCATION}),
            customer_name_format=NameFormat.FULL,
            past_days=60,
        ),
    ),
    (
        "Treatment Room 1",
        "Front desk",
        Policy(
            scope=Scope.RESOURCE,
            scope_id="rs-room1",
            details=frozenset({Detail.STAFF_NAME, Detail.TENTATIVE}),
            past_days=60,
        ),
    ),
)


async def seed_demo(db: Database, calendars: CalendarService, today: date | None = None) -> bool:
    """Create the demo account unless it exists; True if it was created now."""
    async with db.reading() as conn:
        if DEMO_ACCOUNT in await accounts.list_ids(conn):
            return False
    today = today or now_utc().astimezone(ZONE).date()
    rng = random.Random(20261125)
    account = Account(
        id=DEMO_ACCOUNT, name="Northside Studio", time_zone="Europe/London", locale="en_GB"
    )
    await create_account(db, account)
    customers = _customers(rng)
    async with db.transaction() as conn:
        now = now_utc()
        for obj in (*STAFF, *RESOURCES, *LOCATIONS, *SERVICES, *EVENTS, *customers):
            await objects.upsert(conn, DEMO_ACCOUNT, obj)
        for booking in _bookings(rng, today, customers):
            await bookings.upsert(conn, DEMO_ACCOUNT, booking, now)
    for name, label, policy in DEMO_CALENDARS:
        await calendars.create_calendar(DEMO_ACCOUNT, name, policy, label)
    return True


def demo_password(secret_key: bytes) -> str:
    """The demo owner's password: stable for one installation, unguessable without its key."""
    digest = hmac.new(secret_key, b"bookfeed demo owner", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:12]).decode()


async def seed_demo_owner(db: Database, secret_key: bytes) -> tuple[str, str]:
    """Make sure the demo owner can sign in; returns the email and password to print."""
    password = demo_password(secret_key)
    await AuthService(db).ensure_owner(DEMO_ACCOUNT, DEMO_OWNER_EMAIL, password)
    return DEMO_OWNER_EMAIL, password
