"""How the opt-in details are named and explained to an owner, in groups."""

from __future__ import annotations

import msgspec

from backend.policy import PERSONAL_DETAILS, Detail


class DetailChoice(msgspec.Struct, frozen=True):
    detail: Detail
    label: str
    note: str  # who could see it

    @property
    def personal(self) -> bool:
        return self.detail in PERSONAL_DETAILS


class DetailGroup(msgspec.Struct, frozen=True):
    title: str
    choices: tuple[DetailChoice, ...]


GROUPS = (
    DetailGroup(
        "About the booking",
        (
            DetailChoice(
                Detail.DESCRIPTION,
                "Service or event description",
                "Everyone with a link reads the description you wrote for it.",
            ),
            DetailChoice(
                Detail.LOCATION,
                "Location name and address",
                "Everyone with a link sees where the booking takes place.",
            ),
            DetailChoice(
                Detail.TENTATIVE,
                "Tentative status",
                "Everyone with a link sees which bookings are not yet confirmed.",
            ),
            DetailChoice(
                Detail.PLACES,
                "Places taken and left (events)",
                "Everyone with a link sees how full each event session is.",
            ),
        ),
    ),
    DetailGroup(
        "Staff and resources",
        (
            DetailChoice(
                Detail.STAFF_NAME,
                "Staff name",
                "Everyone with a link sees who works on each booking.",
            ),
            DetailChoice(
                Detail.STAFF_EMAIL,
                "Staff email",
                "Your staff's email addresses reach everyone with a link.",
            ),
            DetailChoice(
                Detail.RESOURCE_NAME,
                "Resource name",
                "Everyone with a link sees which room or equipment is booked.",
            ),
        ),
    ),
    DetailGroup(
        "Customers",
        (
            DetailChoice(
                Detail.CUSTOMER_NAME,
                "Customer name",
                "Everyone with a link sees who booked, in the format below.",
            ),
            DetailChoice(
                Detail.CUSTOMER_EMAIL,
                "Customer email",
                "Your customers' email addresses reach everyone with a link.",
            ),
            DetailChoice(
                Detail.CUSTOMER_PHONE,
                "Customer phone",
                "Your customers' phone numbers reach everyone with a link.",
            ),
            DetailChoice(
                Detail.CUSTOMER_ADDRESS,
                "Customer address",
                "Postal addresses reach everyone with a link.",
            ),
            DetailChoice(
                Detail.CUSTOMER_FIELDS,
                "Customer custom fields",
                "Whatever your booking system stores about customers.",
            ),
        ),
    ),
    DetailGroup(
        "Booking extras",
        (
            DetailChoice(
                Detail.BOOKING_FIELDS,
                "Booking custom fields",
                "Answers customers gave when booking.",
            ),
            DetailChoice(
                Detail.NOTES,
                "Booking notes",
                "Notes often mention health, preferences or names.",
            ),
        ),
    ),
)
LABELS = {choice.detail: choice.label for group in GROUPS for choice in group.choices}


def labels_of(details: frozenset[Detail]) -> list[str]:
    """The shown details' labels in the form's order."""
    return [label for detail, label in LABELS.items() if detail in details]
