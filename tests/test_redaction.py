"""redact() over many policy and booking combinations: only included details survive."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
from hypothesis import given
from hypothesis import strategies as st

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
from backend.policy import Detail, NameFormat, Policy, Redactor, format_name, redact

START = datetime(2026, 12, 1, 9, tzinfo=UTC)


def view(kind: BookingKind, status: BookingStatus) -> BookingView:
    appointment = kind is BookingKind.APPOINTMENT
    booking = Booking(
        id="b",
        kind=kind,
        start=START,
        end=START + timedelta(hours=1),
        status=status,
        service_id="s" if appointment else None,
        event_id=None if appointment else "e",
        notes="note",
        custom_fields={"k": "v"},
    )
    return BookingView(
        booking=booking,
        uid="u@bookfeed",
        sequence=0,
        updated_at=START,
        service=Service(id="s", name="Cut", description="desc"),
        event=Event(id="e", name="Class", description="desc", capacity=5),
        location=Location(id="l", name="Place", address="Addr"),
        staff=(StaffMember(id="st", name="Sam Staff", email="sam@x.example", phone="1"),),
        resources=(Resource(id="r", name="Room"),),
        customers=(
            Customer(
                id="c",
                name="Jane Doe",
                email="j@x.example",
                phone="2",
                address="Home",
                custom_fields={"ck": "cv"},
            ),
        ),
    )


@given(
    details=st.frozensets(st.sampled_from(list(Detail))),
    kind=st.sampled_from(list(BookingKind)),
    status=st.sampled_from(list(BookingStatus)),
    busy=st.booleans(),
)
def test_every_field_of_a_public_event_is_allowed_by_the_policy(
    details: frozenset[Detail], kind: BookingKind, status: BookingStatus, busy: bool
) -> None:
    event = redact(view(kind, status), Policy(details=details, busy_only=busy))
    shown = details
    expected_title = "Busy" if busy else ("Cut" if kind is BookingKind.APPOINTMENT else "Class")
    assert event.title == expected_title
    assert (event.description is not None) == (Detail.DESCRIPTION in shown and not busy)
    assert any(p.name for p in event.staff) == (Detail.STAFF_NAME in shown)
    assert any(p.email for p in event.staff) == (Detail.STAFF_EMAIL in shown)
    assert bool(event.resources) == (Detail.RESOURCE_NAME in shown)
    assert (event.location is not None) == (Detail.LOCATION in shown)
    customer_fields = {
        Detail.CUSTOMER_NAME: "name",
        Detail.CUSTOMER_EMAIL: "email",
        Detail.CUSTOMER_PHONE: "phone",
        Detail.CUSTOMER_ADDRESS: "address",
        Detail.CUSTOMER_FIELDS: "custom_fields",
    }
    for detail, attribute in customer_fields.items():
        assert any(getattr(p, attribute) for p in event.customers) == (detail in shown)
    assert bool(event.booking_fields) == (Detail.BOOKING_FIELDS in shown)
    assert (event.notes is not None) == (Detail.NOTES in shown)
    assert (event.places is not None) == (
        Detail.PLACES in shown and kind is BookingKind.EVENT_SESSION
    )
    if status is BookingStatus.TENTATIVE:
        assert (event.status is status) == (Detail.TENTATIVE in shown)
    elif status is BookingStatus.CONFIRMED:
        assert event.status is None


def test_name_formats() -> None:
    assert format_name("Jane van Doe", NameFormat.FULL) == "Jane van Doe"
    assert format_name("Jane van Doe", NameFormat.FIRST_INITIAL) == "Jane v. D."
    assert format_name("Jane van Doe", NameFormat.INITIALS) == "J. v. D."
    assert format_name("Cher", NameFormat.INITIALS) == "C."
    assert format_name("   ", NameFormat.INITIALS) == "   "


@given(
    details=st.frozensets(st.sampled_from(list(Detail))),
    busy=st.booleans(),
    picks=st.lists(st.tuples(st.integers(0, 3), st.sampled_from(list(BookingKind))), max_size=12),
)
def test_one_redactor_for_many_bookings_redacts_each_as_alone(
    details: frozenset[Detail], busy: bool, picks: list[tuple[int, BookingKind]]
) -> None:
    """What a Redactor keeps of the objects it has seen never leaks into another booking's
    event: objects equal in id but not in content each show their own."""
    policy = Policy(details=details, busy_only=busy)
    views = []
    for variant, kind in picks:
        base = view(kind, BookingStatus.CONFIRMED)
        views.append(
            msgspec.structs.replace(
                base,
                service=Service(id="s", name=f"Cut {variant}", description=f"d{variant}"),
                staff=(StaffMember(id="st", name=f"Sam {variant}", email=f"{variant}@x"),),
                resources=(Resource(id="r", name=f"Room {variant}"),),
                location=Location(id="l", name=f"Place {variant}"),
                customers=(*base.customers, Customer(id="c2", name=f"Ann {variant}")),
            )
        )
    redactor = Redactor(policy)
    assert [redactor(v) for v in views] == [redact(v, policy) for v in views]
