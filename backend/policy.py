"""What a subscription calendar shows: its policy, and the one function that applies it.

`redact` is the only place where privacy is decided. It returns a `PublicEvent`, which
carries nothing but what the policy allows; renderers accept only that type.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any

import msgspec

from backend.domain import (
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


def booking_fields(policy: Policy) -> frozenset[str]:
    """The optional Booking fields that `selects` and `redact` read under this policy; a
    store may leave the others out (their defaults then stand in, and show nothing)."""
    shown = policy.details
    fields = set()
    if Detail.LOCATION in shown or policy.location_ids:
        fields.add("location_id")
    if policy.scope is Scope.STAFF or shown & {Detail.STAFF_NAME, Detail.STAFF_EMAIL}:
        fields.add("staff_ids")
    if policy.scope is Scope.RESOURCE or Detail.RESOURCE_NAME in shown:
        fields.add("resource_ids")
    if shown & _CUSTOMER_DETAILS or Detail.PLACES in shown:
        fields.add("customer_ids")
    if Detail.NOTES in shown:
        fields.add("notes")
    if Detail.BOOKING_FIELDS in shown:
        fields.add("custom_fields")
    return frozenset(fields)


_CUSTOMER_DETAILS = frozenset(
    {
        Detail.CUSTOMER_NAME,
        Detail.CUSTOMER_EMAIL,
        Detail.CUSTOMER_PHONE,
        Detail.CUSTOMER_ADDRESS,
        Detail.CUSTOMER_FIELDS,
    }
)


def redact(view: BookingView, policy: Policy) -> PublicEvent:
    """What a subscriber of this calendar may see of one booking; nothing else leaves."""
    return Redactor(policy)(view)


class Redactor:
    """`redact` under one policy for many bookings: what it shows of a referenced object (a
    service's title, a staff member, a customer) is worked out once per object."""

    def __init__(self, policy: Policy) -> None:
        self._policy = policy
        shown = policy.details
        self._staff_shown = bool(shown & _STAFF_DETAILS)
        self._resources_shown = Detail.RESOURCE_NAME in shown
        self._location_shown = Detail.LOCATION in shown
        self._customers_shown = bool(shown & _CUSTOMER_DETAILS)
        self._fields_shown = Detail.BOOKING_FIELDS in shown
        self._notes_shown = Detail.NOTES in shown
        self._places_shown = Detail.PLACES in shown
        self._tentative_shown = Detail.TENTATIVE in shown
        # id(object) -> (object, what is shown of it); holding the object keeps its id unique.
        self._seen: dict[int, tuple[Any, Any]] = {}

    def __call__(self, view: BookingView) -> PublicEvent:
        booking = view.booking
        appointment = booking.kind is BookingKind.APPOINTMENT
        offer = view.service if appointment else view.event
        title, description = self._shown(offer, self._offer) if offer else ("Busy", None)
        status: BookingStatus | None = booking.status
        if status is BookingStatus.CONFIRMED or (
            status is BookingStatus.TENTATIVE and not self._tentative_shown
        ):
            status = None  # a cancelled one is only present when the policy keeps it
        places = None
        if self._places_shown and not appointment:
            capacity = view.event.capacity if view.event else None
            places = Places(taken=len(view.customers), capacity=capacity)
        return PublicEvent(
            uid=view.uid,
            start=booking.start,
            end=booking.end,
            stamp=view.updated_at,
            sequence=view.sequence,
            title=title,
            busy=self._policy.busy_only or offer is None,
            status=status,
            description=description,
            staff=(
                tuple([self._shown(s, self._staff) for s in view.staff])
                if self._staff_shown and view.staff
                else ()
            ),
            resources=(
                tuple([self._shown(r, _resource) for r in view.resources])
                if self._resources_shown and view.resources
                else ()
            ),
            location=(
                self._shown(view.location, _location)
                if self._location_shown and view.location is not None
                else None
            ),
            customers=self._customers(view) if self._customers_shown and view.customers else (),
            booking_fields=_pairs(booking.custom_fields) if self._fields_shown else (),
            notes=_paragraphs(booking.notes) if self._notes_shown else None,
            places=places,
        )

    def _shown(self, item: Any, show: Callable[[Any], Any]) -> Any:
        found = self._seen.get(id(item))
        if found is None or found[0] is not item:
            found = self._seen[id(item)] = (item, show(item))
        return found[1]

    def _offer(self, offer: Service | Event) -> tuple[str, str | None]:
        if self._policy.busy_only:
            return "Busy", None  # the description would tell what the hidden title hides
        shown = Detail.DESCRIPTION in self._policy.details
        return one_line(offer.name), _paragraphs(offer.description) if shown else None

    def _staff(self, staff: StaffMember) -> PublicPerson:
        shown = self._policy.details
        return PublicPerson(
            name=one_line(staff.name) if Detail.STAFF_NAME in shown else None,
            email=_line(staff.email) if Detail.STAFF_EMAIL in shown else None,
        )

    def _customers(self, view: BookingView) -> tuple[PublicPerson, ...]:
        people = [self._shown(customer, self._customer) for customer in view.customers]
        return tuple([person for person in people if person != _NOBODY])

    def _customer(self, customer: Customer) -> PublicPerson:
        policy = self._policy
        shown = policy.details
        return PublicPerson(
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


_STAFF_DETAILS = frozenset({Detail.STAFF_NAME, Detail.STAFF_EMAIL})


def format_name(name: str, name_format: NameFormat) -> str:
    """Jane Doe as itself, as "Jane D." or as "J. D."."""
    parts = name.split()
    if name_format is NameFormat.FULL or not parts:
        return name
    if name_format is NameFormat.FIRST_INITIAL:
        return " ".join([parts[0], *(f"{p[0]}." for p in parts[1:])])
    return " ".join(f"{p[0]}." for p in parts)


_NOBODY = PublicPerson()


def _resource(resource: Resource) -> str:
    return one_line(resource.name)


def _location(location: Location) -> PublicLocation:
    return PublicLocation(name=one_line(location.name), address=_line(location.address))


def _pairs(fields: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((one_line(key), one_line(value)) for key, value in fields.items()))


def _line(text: str | None) -> str | None:
    return None if text is None else one_line(text)


def _paragraphs(text: str | None) -> str | None:
    return None if text is None else clean(text)
