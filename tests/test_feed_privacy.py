"""Each opt-in detail reaches the feed only when the policy includes it; nothing else leaks."""

from __future__ import annotations

import gzip

import pytest

from backend.domain import (
    BookingKind,
    BookingStatus,
    Customer,
    Event,
    Location,
    Resource,
    StaffMember,
)
from backend.policy import Detail, NameFormat, Policy, Scope
from tests.conftest import SERVICE, Harness, appointment

CANARY_STAFF = StaffMember(
    id="st-c", name="Canarystaffname", email="canary.staff@mail.example", phone="+1 555 0101"
)
CANARY_PLACE = Location(id="lc-c", name="Canaryplace", address="Canaryaddress Street 9")
CANARY_CLASS = Event(
    id="ev-c", name="Canary Class", description="Canaryeventdescription", capacity=12
)
CANARY_CUSTOMER = Customer(
    id="cu-c",
    name="Janecanary Doecanary",
    email="canary.customer@mail.example",
    phone="+1 555 0199",
    address="Canaryhome Lane 7",
    custom_fields={"Canaryfieldkey": "Canaryfieldvalue"},
)

# What each detail would reveal, as it appears in the feed's raw bytes.
CANARIES: dict[Detail, str] = {
    Detail.DESCRIPTION: "Canaryeventdescription",
    Detail.STAFF_NAME: "Canarystaffname",
    Detail.STAFF_EMAIL: "canary.staff@mail.example",
    Detail.RESOURCE_NAME: "Canaryroom",
    Detail.LOCATION: "Canaryplace",
    Detail.CUSTOMER_NAME: "Janecanary",
    Detail.CUSTOMER_EMAIL: "canary.customer@mail.example",
    Detail.CUSTOMER_PHONE: "+1 555 0199",
    Detail.CUSTOMER_ADDRESS: "Canaryhome Lane 7",
    Detail.CUSTOMER_FIELDS: "Canaryfieldvalue",
    Detail.BOOKING_FIELDS: "Canarybookingvalue",
    Detail.NOTES: "Canarynote",
    Detail.TENTATIVE: "STATUS:TENTATIVE",
    Detail.PLACES: "Places:",
}
# Text that is never opt-in: the staff phone number and the booking system's own ids.
NEVER = ("+1 555 0101", "bk-canary", "cu-c", "st-c")


@pytest.fixture
def canary(acme: Harness) -> Harness:
    acme.put(
        "acme",
        CANARY_STAFF,
        CANARY_PLACE,
        CANARY_CLASS,
        CANARY_CUSTOMER,
        Resource(id="rs-c", name="Canaryroom"),
        appointment(
            "bk-canary-session",
            hours=30,
            kind=BookingKind.EVENT_SESSION,
            service_id=None,
            event_id=CANARY_CLASS.id,
            staff_ids=(CANARY_STAFF.id,),
            resource_ids=("rs-c",),
            customer_ids=(CANARY_CUSTOMER.id,),
            location_id=CANARY_PLACE.id,
            status=BookingStatus.TENTATIVE,
            notes="Canarynote",
            custom_fields={"Canarybookingkey": "Canarybookingvalue"},
        ),
    )
    return acme


def feed_bytes(harness: Harness, policy: Policy) -> tuple[bytes, str]:
    """The raw body (decompressed from the gzip variant too) and the headers, as one text."""
    _, link = harness.create_calendar(policy=policy)
    plain = harness.feed(link.token, **{"accept-encoding": "identity"})
    zipped = harness.client.get(
        f"/feeds/{link.token}.ics", headers={"accept-encoding": "gzip"}, follow_redirects=False
    )
    assert plain.status_code == zipped.status_code == 200
    raw_zipped = zipped.content
    if zipped.headers.get("content-encoding") == "gzip" and raw_zipped[:2] == b"\x1f\x8b":
        raw_zipped = gzip.decompress(raw_zipped)
    assert raw_zipped == plain.content
    headers = "\n".join(f"{k}: {v}" for k, v in plain.headers.items())
    return plain.content, headers


def unfolded(body: bytes) -> str:
    return body.decode().replace("\r\n ", "").replace("\\,", ",").replace("\\;", ";")


def test_a_default_calendar_shows_only_what_and_when(canary: Harness) -> None:
    body, headers = feed_bytes(canary, Policy())
    text = unfolded(body)
    assert "SUMMARY:Canary Class" in text
    assert "SUMMARY:Haircut" in text
    for detail, value in CANARIES.items():
        assert value not in text, detail
        assert value not in headers, detail
    for value in NEVER:
        assert value not in text


@pytest.mark.parametrize("detail", list(Detail))
def test_each_detail_appears_only_when_included(canary: Harness, detail: Detail) -> None:
    text = unfolded(feed_bytes(canary, Policy(details=frozenset({detail})))[0])
    assert CANARIES[detail] in text
    for other, value in CANARIES.items():
        if other is not detail and value not in CANARIES[detail]:
            assert value not in text, f"{other} leaked when only {detail} was shown"
    for value in NEVER:
        assert value not in text


@pytest.mark.parametrize(
    ("name_format", "shown", "hidden"),
    [
        (NameFormat.FULL, "Janecanary Doecanary", None),
        (NameFormat.FIRST_INITIAL, "Janecanary D.", "Doecanary"),
        (NameFormat.INITIALS, "J. D.", "Janecanary"),
    ],
)
def test_customer_names_take_the_chosen_form(
    canary: Harness, name_format: NameFormat, shown: str, hidden: str | None
) -> None:
    policy = Policy(details=frozenset({Detail.CUSTOMER_NAME}), customer_name_format=name_format)
    text = unfolded(feed_bytes(canary, policy)[0])
    assert shown in text
    if hidden:
        assert hidden not in text


def test_busy_only_replaces_every_title(canary: Harness) -> None:
    policy = Policy(busy_only=True, details=frozenset({Detail.DESCRIPTION, Detail.STAFF_NAME}))
    text = unfolded(feed_bytes(canary, policy)[0])
    assert text.count("SUMMARY:Busy") == 2
    assert "Haircut" not in text
    assert "Canary Class" not in text
    assert "Canaryeventdescription" not in text  # a description would tell what it is
    assert "Canarystaffname" in text


def test_places_count_attendees_against_capacity(canary: Harness) -> None:
    text = unfolded(feed_bytes(canary, Policy(details=frozenset({Detail.PLACES})))[0])
    assert "Places: 1 taken, 11 left" in text


def test_cancelled_bookings_disappear_by_default_and_show_cancelled_when_kept(
    canary: Harness,
) -> None:
    canary.put("acme", appointment("bk-gone", hours=50, status=BookingStatus.CANCELLED))
    removed = unfolded(feed_bytes(canary, Policy())[0])
    assert "STATUS:CANCELLED" not in removed
    assert removed.count("BEGIN:VEVENT") == 2
    kept = unfolded(feed_bytes(canary, Policy(keep_cancelled=True))[0])
    assert kept.count("STATUS:CANCELLED") == 1
    assert "SUMMARY:Cancelled: Haircut" in kept


def test_scope_and_narrowing_select_the_bookings(canary: Harness) -> None:
    staff_only = unfolded(
        feed_bytes(canary, Policy(scope=Scope.STAFF, scope_id=CANARY_STAFF.id))[0]
    )
    assert staff_only.count("BEGIN:VEVENT") == 1
    assert "SUMMARY:Canary Class" in staff_only
    room_only = unfolded(feed_bytes(canary, Policy(scope=Scope.RESOURCE, scope_id="rs-1"))[0])
    assert room_only.count("BEGIN:VEVENT") == 1
    assert "SUMMARY:Haircut" in room_only
    service_only = unfolded(feed_bytes(canary, Policy(service_ids=frozenset({SERVICE.id})))[0])
    assert service_only.count("BEGIN:VEVENT") == 1
    assert "SUMMARY:Haircut" in service_only
    place_only = unfolded(feed_bytes(canary, Policy(location_ids=frozenset({"lc-c"})))[0])
    assert place_only.count("BEGIN:VEVENT") == 1
    assert "SUMMARY:Canary Class" in place_only
