"""The API's JSON contract: what a booking system sends, checked strictly on the way in.

Unknown fields are rejected so that a typo never silently drops data. Each object's id comes
from the URL; it may be repeated in the body (it must then match) and is required in a batch.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Generic, TypeVar

import msgspec

from backend.domain import BookingKind, BookingStatus

# `(?!\n)`: Python's `$` also matches before a final line break (msgspec searches with it),
# which would let "abc\n" in, an id no URL can name; ECMA regexes in the OpenAPI agree.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@~-]{0,127}$(?!\n)"

Id = Annotated[str, msgspec.Meta(pattern=ID_PATTERN, description="The booking system's own id")]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Email = Annotated[str, msgspec.Meta(max_length=320)]
Phone = Annotated[str, msgspec.Meta(max_length=50)]
Address = Annotated[str, msgspec.Meta(max_length=1000)]
LongText = Annotated[str, msgspec.Meta(max_length=10_000)]
Instant = Annotated[
    datetime,
    msgspec.Meta(
        tz=True, description="RFC 3339 with an offset or Z, e.g. 2025-05-01T09:00:00+01:00"
    ),
]
CustomFields = Annotated[
    dict[
        Annotated[str, msgspec.Meta(min_length=1, max_length=100)],
        Annotated[str, msgspec.Meta(max_length=2000)],
    ],
    msgspec.Meta(max_length=50),
]
IdList = Annotated[tuple[Id, ...], msgspec.Meta(max_length=200)]


class Input(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    id: Id | None = None


class StaffIn(Input):
    name: Name
    email: Email | None = None
    phone: Phone | None = None


class ResourceIn(Input):
    name: Name


class LocationIn(Input):
    name: Name
    address: Address | None = None


class ServiceIn(Input):
    name: Name
    description: LongText | None = None


class EventIn(Input):
    name: Name
    description: LongText | None = None
    capacity: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)] | None = None


class CustomerIn(Input):
    name: Name
    email: Email | None = None
    phone: Phone | None = None
    address: Address | None = None
    custom_fields: CustomFields = msgspec.field(default_factory=dict)


class BookingIn(Input):
    kind: BookingKind
    start: Instant
    end: Instant
    status: BookingStatus = BookingStatus.CONFIRMED
    service_id: Id | None = None
    event_id: Id | None = None
    location_id: Id | None = None
    staff_ids: IdList = ()
    resource_ids: IdList = ()
    customer_ids: IdList = ()
    notes: LongText | None = None
    custom_fields: CustomFields = msgspec.field(default_factory=dict)


MANY = 50_000
IdsToDelete = Annotated[list[Id], msgspec.Meta(max_length=MANY)]


class Deletions(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    staff: IdsToDelete = msgspec.field(default_factory=list)
    resources: IdsToDelete = msgspec.field(default_factory=list)
    locations: IdsToDelete = msgspec.field(default_factory=list)
    services: IdsToDelete = msgspec.field(default_factory=list)
    events: IdsToDelete = msgspec.field(default_factory=list)
    customers: IdsToDelete = msgspec.field(default_factory=list)
    bookings: IdsToDelete = msgspec.field(default_factory=list)


class Batch(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Upserts per kind (each item with its id), then deletions; applied all or nothing."""

    staff: Annotated[list[StaffIn], msgspec.Meta(max_length=MANY)] = msgspec.field(
        default_factory=list
    )
    resources: Annotated[list[ResourceIn], msgspec.Meta(max_length=MANY)] = msgspec.field(
        default_factory=list
    )
    locations: Annotated[list[LocationIn], msgspec.Meta(max_length=MANY)] = msgspec.field(
        default_factory=list
    )
    services: Annotated[list[ServiceIn], msgspec.Meta(max_length=MANY)] = msgspec.field(
        default_factory=list
    )
    events: Annotated[list[EventIn], msgspec.Meta(max_length=MANY)] = msgspec.field(
        default_factory=list
    )
    customers: Annotated[list[CustomerIn], msgspec.Meta(max_length=MANY)] = msgspec.field(
        default_factory=list
    )
    bookings: Annotated[list[BookingIn], msgspec.Meta(max_length=MANY)] = msgspec.field(
        default_factory=list
    )
    delete: Deletions = msgspec.field(default_factory=Deletions)


class Counts(msgspec.Struct, kw_only=True):
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0


class BatchResult(msgspec.Struct, frozen=True, kw_only=True):
    """Per kind, how many objects the batch created, updated, left unchanged or deleted."""

    staff: Counts
    resources: Counts
    locations: Counts
    services: Counts
    events: Counts
    customers: Counts
    bookings: Counts
    data_version: int


class AccountPatch(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    name: Name | None = None
    time_zone: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    locale: Annotated[str, msgspec.Meta(max_length=35)] | None = None
    week_start: Annotated[int, msgspec.Meta(ge=0, le=6)] | None = None


class AccountOut(msgspec.Struct, frozen=True, kw_only=True):
    """The account's settings, and the version that moves with every change a calendar shows."""

    id: str
    name: str
    time_zone: str
    locale: str
    week_start: int
    data_version: int


T = TypeVar("T")


class Page(msgspec.Struct, Generic[T], frozen=True, kw_only=True):
    """One page of a listing in id order; pass `next_after` as `after` for the next one."""

    items: list[T]
    next_after: str | None = None


class Problem(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """An error as RFC 9457 problem details; `field` is the path of the offending value
    (e.g. `bookings[3].start`), present when one value is to blame."""

    type: str
    title: str
    status: int
    detail: str
    field: str | None = None
