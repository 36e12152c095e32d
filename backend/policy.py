"""What a subscription calendar shows: its policy, and the one function that applies it.

`redact` is the only place where privacy is decided. It returns a `PublicEvent`, which
carries nothing but what the policy allows; renderers accept only that type.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import msgspec

from backend.domain import BookingKind, BookingStatus, BookingView, Event, Service
from backend.text import clean, one_line


class Scope(StrEnum):
    ACCOUNT = "account"
    STAFF = "staff"
    RESOURCE = "resource"


class Detail(StrEnum):
    """The opt-in details, beyond what (the title) and when (the times)."""

    DESCRIPTION = "description"
    STAFF_NAME = "staff_name"
    STAFF_EMAIL = "staff_email"
    RESOURCE_NAME = "resource_name"
    LOCATION = "location"
    CUSTOMER_NAME = "customer_name"
    CUSTOMER_EMAIL = "customer_email"
    CUSTOMER_PHONE = "customer_phone"
    CUSTOMER_ADDRESS = "customer_address"
    CUSTOMER_FIELDS = "customer_fields"
    BOOKING_FIELDS = "booking_fields"
    NOTES = "notes"
    TENTATIVE = "tentative"
    PLACES = "places"


PERSONAL_DETAILS = frozenset(
    {
        Detail.STAFF_EMAIL,
        Detail.CUSTOMER_NAME,
        Detail.CUSTOMER_EMAIL,
        Detail.CUSTOMER_PHONE,
        Detail.CUSTOMER_ADDRESS,
        Detail.CUSTOMER_FIELDS,
        Detail.BOOKING_FIELDS,
        Detail.NOTES,
    }
)


class NameFormat(StrEnum):
    FULL = "full"  # Jane Doe
    FIRST_INITIAL = "first_initial"  # Jane D.
    INITIALS = "initials"  # J. D.


class Policy(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    scope: Scope = Scope.ACCOUNT
    scope_id: str | None = None
    service_ids: frozenset[str] = frozenset()
    event_ids: frozenset[str] = frozenset()
    location_ids: frozenset[str] = frozenset()
    details: frozenset[Detail] = frozenset()
    customer_name_format: NameFormat = NameFormat.FULL
    busy_only: bool = False
    past_days: int = 30
    future_days: int = 365
    keep_cancelled: bool = False
    refresh_minutes: int = 60
    color: str | None = None
    description: str | None = None

    def shows_personal_data(self) -> bool:
        return bool(self.details & PERSONAL_DETAILS)


# gc=False on the values a calendar holds by the hundred thousand: they cannot form cycles,
# and every object the cyclic collector tracks lengthens its pauses, which stop all threads.
class PublicPerson(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    custom_fields: tuple[tuple[str, str], ...] = ()


class PublicLocation(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    name: str
    address: str | None = None


class Places(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    taken: int
    capacity: int | None = None

    @property
    def left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.taken, 0)


class PublicEvent(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One booking as a subscriber of one calendar may see it. Empty fields were withheld.

    Its text is clean (no control characters), and only `description` and `notes` may span
    lines: every other field is one line, as a title or a LOCATION must be.
    """

    uid: str
    start: datetime
    end: datetime
    stamp: datetime
    sequence: int
    title: str
    busy: bool = False  # the title is the word "Busy", standing in for the withheld name
    status: BookingStatus | None = None  # None: shown as an ordinary (confirmed) event
    description: str | None = None
    staff: tuple[PublicPerson, ...] = ()
    resources: tuple[str, ...] = ()
    location: PublicLocation | None = None
    customers: tuple[PublicPerson, ...] = ()
    booking_fields: tuple[tuple[str, str], ...] = ()
    notes: str | None = None
    places: Places | None = None


def selects(policy: Policy, view: BookingView) -> bool:
    """Whether the booking belongs in this calendar at all (scope, narrowing, cancellation)."""
    booking = view.booking
    if booking.status is BookingStatus.CANCELLED and not policy.keep_cancelled:
        return False
    if policy.scope is Scope.STAFF and policy.scope_id not in booking.staff_ids:
        return False
    if policy.scope is Scope.RESOURCE and policy.scope_id not in booking.resource_ids:
        return False
    if policy.service_ids or policy.event_ids:
        if booking.kind is BookingKind.APPOINTMENT:
            if booking.service_id not in policy.service_ids:
                return False
        elif booking.event_id not in policy.event_ids:
            return False
    return not policy.location_ids or booking.location_id in policy.location_ids


def redact(view: BookingView, policy: Policy) -> PublicEvent:
    """What a subscriber of this calendar may see of one booking; nothing else leaves."""
    booking = view.booking
    shown = policy.details
    offer = view.service if booking.kind is BookingKind.APPOINTMENT else view.event
    busy = policy.busy_only or offer is None
    title = "Busy" if busy else one_line(offer.name)
    return PublicEvent(
        uid=view.uid,
        start=booking.start,
        end=booking.end,
        stamp=view.updated_at,
        sequence=view.sequence,
        title=title,
        busy=busy,
        status=_shown_status(booking.status, shown),
        description=_description(offer, policy),
        staff=_staff(view, shown),
        resources=(
            tuple(one_line(r.name) for r in view.resources) if Detail.RESOURCE_NAME in shown else ()
        ),
        location=_location(view, shown),
        customers=_customers(view, policy),
        booking_fields=_pairs(booking.custom_fields) if Detail.BOOKING_FIELDS in shown else (),
        notes=_paragraphs(booking.notes) if Detail.NOTES in shown else None,
        places=_places(view, shown),
    )


def format_name(name: str, name_format: NameFormat) -> str:
    """Jane Doe as itself, as "Jane D." or as "J. D."."""
    parts = name.split()
    if name_format is NameFormat.FULL or not parts:
        return name
    if name_format is NameFormat.FIRST_INITIAL:
        return " ".join([parts[0], *(f"{p[0]}." for p in parts[1:])])
    return " ".join(f"{p[0]}." for p in parts)


def _description(offer: Service | Event | None, policy: Policy) -> str | None:
    # In busy-only mode the description would tell what the hidden title hides.
    if offer is None or policy.busy_only or Detail.DESCRIPTION not in policy.details:
        return None
    return _paragraphs(offer.description)


def _shown_status(status: BookingStatus, shown: frozenset[Detail]) -> BookingStatus | None:
    if status is BookingStatus.CANCELLED:
        return status  # only present at all when the policy keeps cancelled bookings
    if status is BookingStatus.TENTATIVE and Detail.TENTATIVE in shown:
        return status
    return None


def _staff(view: BookingView, shown: frozenset[Detail]) -> tuple[PublicPerson, ...]:
    with_name = Detail.STAFF_NAME in shown
    with_email = Detail.STAFF_EMAIL in shown
    if not (with_name or with_email):
        return ()
    return tuple(
        PublicPerson(
            name=one_line(s.name) if with_name else None,
            email=_line(s.email) if with_email else None,
        )
        for s in view.staff
    )


def _location(view: BookingView, shown: frozenset[Detail]) -> PublicLocation | None:
    if view.location is None or Detail.LOCATION not in shown:
        return None
    return PublicLocation(name=one_line(view.location.name), address=_line(view.location.address))


def _customers(view: BookingView, policy: Policy) -> tuple[PublicPerson, ...]:
    shown = policy.details
    people = []
    for customer in view.customers:
        person = PublicPerson(
            name=(
                format_name(one_line(customer.name), policy.customer_name_format)
                if Detail.CUSTOMER_NAME in shown
                else None
            ),
            email=_line(customer.email) if Detail.CUSTOMER_EMAIL in shown else None,
            phone=_line(customer.phone) if Detail.CUSTOMER_PHONE in shown else None,
            address=_line(customer.address) if Detail.CUSTOMER_ADDRESS in shown else None,
            custom_fields=(
                _pairs(customer.custom_fields) if Detail.CUSTOMER_FIELDS in shown else ()
            ),
        )
        if person != _NOBODY:
            people.append(person)
    return tuple(people)


_NOBODY = PublicPerson()


def _places(view: BookingView, shown: frozenset[Detail]) -> Places | None:
    if view.booking.kind is not BookingKind.EVENT_SESSION or Detail.PLACES not in shown:
        return None
    capacity = view.event.capacity if view.event else None
    return Places(taken=len(view.customers), capacity=capacity)


def _pairs(fields: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((one_line(key), one_line(value)) for key, value in fields.items()))


def _line(text: str | None) -> str | None:
    return None if text is None else one_line(text)


def _paragraphs(text: str | None) -> str | None:
    return None if text is None else clean(text)
