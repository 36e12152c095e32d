"""The preview on a calendar's page: each public event as the lines a subscriber reads."""

from __future__ import annotations

from datetime import datetime

import msgspec

from backend.policy import PublicEvent, PublicPerson


class PreviewItem(msgspec.Struct, frozen=True, kw_only=True):
    start: datetime
    end: datetime
    title: str
    status: str | None
    lines: list[str]


def preview_item(event: PublicEvent) -> PreviewItem:
    """Only what the redacted event carries: nothing here can show more than the feed."""
    lines = []
    if event.description:
        lines.append(event.description)
    if event.location:
        lines.append(_joined(event.location.name, event.location.address))
    lines += [f"Staff: {_person(person)}" for person in event.staff]
    if event.resources:
        lines.append("Resources: " + ", ".join(event.resources))
    lines += [f"Customer: {_person(person)}" for person in event.customers]
    lines += [f"{name}: {value}" for name, value in event.booking_fields]
    if event.notes:
        lines.append(f"Notes: {event.notes}")
    if event.places:
        left = "" if event.places.left is None else f", {event.places.left} left"
        lines.append(f"Places: {event.places.taken} taken{left}")
    return PreviewItem(
        start=event.start,
        end=event.end,
        title=event.title,
        status=event.status.value if event.status else None,
        lines=lines,
    )


def _person(person: PublicPerson) -> str:
    fields = "; ".join(f"{name}: {value}" for name, value in person.custom_fields)
    return _joined(person.name, person.email, person.phone, person.address, fields)


def _joined(*parts: str | None) -> str:
    return ", ".join(part for part in parts if part)
