"""The kinds of object the API accepts: their URL name, domain type and input schema."""

from __future__ import annotations

import re
from typing import Any

import msgspec

from backend.api.schemas import (
    ID_PATTERN,
    BookingIn,
    CustomerIn,
    EventIn,
    Input,
    LocationIn,
    ResourceIn,
    ServiceIn,
    StaffIn,
)
from backend.domain import (
    Booking,
    BookingKind,
    Customer,
    Event,
    Location,
    Resource,
    Service,
    StaffMember,
)
from backend.errors import InvalidInput
from backend.store.bookings import normalized
from backend.text import clean, is_blank


class Kind(msgspec.Struct, frozen=True):
    name: str
    domain: type[Any]
    schema: type[Input]


# In dependency order: a batch creates them in this order and deletes in the reverse one.
KINDS = (
    Kind("staff", StaffMember, StaffIn),
    Kind("resources", Resource, ResourceIn),
    Kind("locations", Location, LocationIn),
    Kind("services", Service, ServiceIn),
    Kind("events", Event, EventIn),
    Kind("customers", Customer, CustomerIn),
    Kind("bookings", Booking, BookingIn),
)
_ID = re.compile(ID_PATTERN)


def check_id(object_id: str) -> str:
    """An id from a URL, held to the same rule as ids in bodies."""
    if not _ID.fullmatch(object_id):
        raise InvalidInput(
            "an id is 1 to 128 letters, digits and . _ : @ ~ -, starting with a letter or digit",
            "id",
        )
    return object_id


def to_domain(kind: Kind, item: Input, object_id: str | None, field: str = "") -> Any:
    """The domain object an input describes, with its id from the URL or from the body."""
    prefix = f"{field}." if field else ""
    if object_id is None:
        if item.id is None:
            raise InvalidInput("each object in a batch needs its id", f"{prefix}id")
        object_id = item.id
    elif item.id is not None and item.id != object_id:
        raise InvalidInput("the id in the body differs from the id in the URL", f"{prefix}id")
    values = {
        name: _cleaned(getattr(item, name)) for name in item.__struct_fields__ if name != "id"
    }
    obj = kind.domain(id=object_id, **values)
    if isinstance(obj, Booking):
        _check_booking(obj, prefix)
    elif is_blank(obj.name):
        raise InvalidInput("the name has no visible characters", f"{prefix}name")
    return obj


def _cleaned(value: Any) -> Any:
    """A value with its text cleaned: the booking system is the source of truth, so a stray
    control character is dropped rather than the whole object refused."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {clean(key): clean(text) for key, text in value.items()}
    return value


EARLIEST_YEAR, LATEST_YEAR = 1900, 2999


def _check_booking(booking: Booking, prefix: str) -> None:
    for name in ("start", "end"):
        if not EARLIEST_YEAR <= getattr(booking, name).year <= LATEST_YEAR:
            raise InvalidInput(
                f"{name} must be between the years {EARLIEST_YEAR} and {LATEST_YEAR}",
                f"{prefix}{name}",
            )
    whole = normalized(booking)  # stored to whole seconds, so compare what will be stored
    if whole.end <= whole.start:
        raise InvalidInput("end must be after start", f"{prefix}end")
    if booking.kind is BookingKind.APPOINTMENT and booking.event_id is not None:
        raise InvalidInput(
            "an appointment takes a service_id, not an event_id", f"{prefix}event_id"
        )
    if booking.kind is BookingKind.EVENT_SESSION and booking.service_id is not None:
        raise InvalidInput(
            "an event session takes an event_id, not a service_id", f"{prefix}service_id"
        )
