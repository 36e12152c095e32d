"""The booking domain as pushed by the booking system; every object keyed by its own id."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import msgspec


class Account(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: str
    time_zone: str
    locale: str = "en"
    week_start: int = 0  # 0 = Monday … 6 = Sunday, as in datetime.weekday()


# gc=False on the values a calendar holds by the hundred thousand: they cannot form cycles,
# and every object the cyclic collector tracks lengthens its pauses, which stop all threads.
class StaffMember(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    id: str
    name: str
    email: str | None = None
    phone: str | None = None


class Resource(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    id: str
    name: str


class Location(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    id: str
    name: str
    address: str | None = None


class Service(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    id: str
    name: str
    description: str | None = None


class Event(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    id: str
    name: str
    description: str | None = None
    capacity: int | None = None


class Customer(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    id: str
    name: str
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    custom_fields: dict[str, str] = msgspec.field(default_factory=dict)


class BookingKind(StrEnum):
    APPOINTMENT = "appointment"
    EVENT_SESSION = "event_session"


class BookingStatus(StrEnum):
    CONFIRMED = "confirmed"
    TENTATIVE = "tentative"
    CANCELLED = "cancelled"


class Booking(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One appointment or event session; start and end are aware datetimes (absolute instants)."""

    id: str
    kind: BookingKind
    start: datetime
    end: datetime
    status: BookingStatus = BookingStatus.CONFIRMED
    service_id: str | None = None
    event_id: str | None = None
    location_id: str | None = None
    staff_ids: tuple[str, ...] = ()
    resource_ids: tuple[str, ...] = ()
    customer_ids: tuple[str, ...] = ()
    notes: str | None = None
    custom_fields: dict[str, str] = msgspec.field(default_factory=dict)


class BookingView(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A booking with every object it references resolved, as redaction needs it.

    `uid` is stable per booking and reveals nothing of the booking system's id;
    `sequence` grows whenever the time or status changes; `updated_at` is the last change.
    """

    booking: Booking
    uid: str
    sequence: int
    updated_at: datetime
    service: Service | None = None
    event: Event | None = None
    location: Location | None = None
    staff: tuple[StaffMember, ...] = ()
    resources: tuple[Resource, ...] = ()
    customers: tuple[Customer, ...] = ()
