"""Managing subscription calendars and their secret links (the owner's operations)."""

from __future__ import annotations

import msgspec

from backend.domain import Event, Location, Resource, Service, StaffMember
from backend.errors import InvalidInput, Problems
from backend.links import LinkKeys, new_nonce, token_hash
from backend.policy import Policy, Scope
from backend.store import accounts, calendars, objects
from backend.store.calendars import CalendarRecord, LinkRecord
from backend.store.db import Connection, Database, now_utc
from backend.text import has_controls, typed_line

MAX_NAME = 200
MAX_LABEL = 100
MAX_DESCRIPTION = 1000
_HEX_COLOR = frozenset("0123456789abcdefABCDEF")


class Link(msgspec.Struct, frozen=True, kw_only=True):
    """A link as its owner sees it, with the token the key derives for it."""

    record: LinkRecord
    token: str


class CalendarService:
    def __init__(self, db: Database, keys: LinkKeys) -> None:
        self._db = db
        self._keys = keys

    async def create_calendar(
        self, account_id: str, name: str, policy: Policy, first_label: str = "Default"
    ) -> tuple[CalendarRecord, Link]:
        """A new calendar with its first link."""
        label = typed_line(first_label, "label", MAX_LABEL)
        async with self._db.transaction() as conn:
            await accounts.get(conn, account_id)
            name = await _check_calendar(conn, account_id, name, policy)
            now = now_utc()
            calendar_id = await calendars.insert_calendar(conn, account_id, name, policy, now)
            link = await self._insert_link(conn, calendar_id, label)
            return await calendars.get_calendar(conn, account_id, calendar_id), link

    async def update_calendar(
        self, account_id: str, calendar_id: int, name: str, policy: Policy
    ) -> CalendarRecord:
        """Change name and policy; the next feed fetch shows the change."""
        async with self._db.transaction() as conn:
            await calendars.get_calendar(conn, account_id, calendar_id)
            name = await _check_calendar(conn, account_id, name, policy)
            await calendars.update_calendar(conn, account_id, calendar_id, name, policy, now_utc())
            return await calendars.get_calendar(conn, account_id, calendar_id)

    async def delete_calendar(self, account_id: str, calendar_id: int) -> None:
        """Delete a calendar; its links serve an empty calendar for the retention period."""
        async with self._db.transaction() as conn:
            calendar = await calendars.get_calendar(conn, account_id, calendar_id)
            time_zone = (await accounts.get(conn, account_id)).time_zone
            now = now_utc()
            for hashed in await calendars.token_hashes(conn, calendar_id):
                await calendars.retire_token(conn, hashed, calendar.name, time_zone, now)
            await calendars.delete_calendar(conn, account_id, calendar_id)

    async def check_calendar(self, account_id: str, name: str, policy: Policy) -> None:
        """Refuse, naming every problem at once, what creating or saving this would refuse."""
        async with self._db.reading() as conn:
            await accounts.get(conn, account_id)
            await _check_calendar(conn, account_id, name, policy)

    async def get_calendar(self, account_id: str, calendar_id: int) -> CalendarRecord:
        async with self._db.reading() as conn:
            return await calendars.get_calendar(conn, account_id, calendar_id)

    async def list_calendars(self, account_id: str) -> list[CalendarRecord]:
        async with self._db.reading() as conn:
            return await calendars.list_calendars(conn, account_id)

    async def links(self, account_id: str, calendar_id: int) -> list[Link]:
        async with self._db.reading() as conn:
            await calendars.get_calendar(conn, account_id, calendar_id)
            records = await calendars.list_links(conn, calendar_id)
        return [Link(record=r, token=self._keys.token(r.nonce)) for r in records]

    async def add_link(self, account_id: str, calendar_id: int, label: str) -> Link:
        label = typed_line(label, "label", MAX_LABEL)
        async with self._db.transaction() as conn:
            await calendars.get_calendar(conn, account_id, calendar_id)
            return await self._insert_link(conn, calendar_id, label)

    async def set_link_enabled(self, account_id: str, link_id: int, enabled: bool) -> Link:
        """Disable a link (its feed turns empty) or enable it again (the same URL works)."""
        async with self._db.transaction() as conn:
            record = await calendars.get_link(conn, account_id, link_id, lock=True)
            if record.enabled != enabled:
                await calendars.set_link_enabled(conn, link_id, enabled, now_utc())
                if enabled:
                    # A device holding the empty copy revalidates with If-Modified-Since; the
                    # full feed must look newer than that copy, so its Last-Modified moves.
                    await calendars.touch_calendar(conn, record.calendar_id, now_utc())
            return self._link(await calendars.get_link(conn, account_id, link_id))

    async def regenerate_link(self, account_id: str, link_id: int) -> Link:
        """A new URL for the link; the old one serves an empty calendar from now on."""
        async with self._db.transaction() as conn:
            record = await calendars.get_link(conn, account_id, link_id, lock=True)
            await self._retire(conn, account_id, record)
            nonce = new_nonce()
            await calendars.replace_link_token(
                conn, link_id, nonce, token_hash(self._keys.token(nonce))
            )
            return self._link(await calendars.get_link(conn, account_id, link_id))

    async def delete_link(self, account_id: str, link_id: int) -> None:
        async with self._db.transaction() as conn:
            record = await calendars.get_link(conn, account_id, link_id, lock=True)
            await self._retire(conn, account_id, record)
            await calendars.delete_link(conn, link_id)

    async def _retire(self, conn: Connection, account_id: str, record: LinkRecord) -> None:
        calendar = await calendars.get_calendar(conn, account_id, record.calendar_id)
        time_zone = (await accounts.get(conn, account_id)).time_zone
        hashed = await calendars.link_token_hash(conn, record.id)
        await calendars.retire_token(conn, hashed, calendar.name, time_zone, now_utc())

    async def _insert_link(self, conn: Connection, calendar_id: int, label: str) -> Link:
        nonce = new_nonce()
        hashed = token_hash(self._keys.token(nonce))
        link_id = await calendars.insert_link(conn, calendar_id, label, nonce, hashed, now_utc())
        links = await calendars.list_links(conn, calendar_id)
        return self._link(next(r for r in links if r.id == link_id))

    def _link(self, record: LinkRecord) -> Link:
        return Link(record=record, token=self._keys.token(record.nonce))


async def _check_calendar(conn: Connection, account_id: str, name: str, policy: Policy) -> str:
    """The cleaned name, or InvalidInputs naming every rule the name and policy break."""
    problems = Problems()
    cleaned = problems.read(lambda: typed_line(name, "name", MAX_NAME), name)
    await _check_scope(conn, account_id, policy, problems)
    narrowing = (("service_ids", Service), ("event_ids", Event), ("location_ids", Location))
    for field, kind in narrowing:
        for object_id in sorted(getattr(policy, field)):
            if not await objects.exists(conn, account_id, kind, object_id):
                problems.errors.append(
                    InvalidInput(
                        f"unknown {objects.TABLES[kind]} id {object_id!r}", f"policy.{field}"
                    )
                )
    checks = (_check_past, _check_future, _check_refresh, _check_color, _check_description)
    for check in checks:
        with problems.check():
            check(policy)
    problems.raise_any()
    return cleaned


async def _check_scope(
    conn: Connection, account_id: str, policy: Policy, problems: Problems
) -> None:
    """A calendar follows the whole account or one of its own staff members or resources."""
    if policy.scope is Scope.ACCOUNT:
        if policy.scope_id is not None:
            # A form that says "whole account" but names someone is ambiguous: publishing the
            # whole account to a link meant for one person is the mistake to refuse.
            problems.errors.append(
                InvalidInput(
                    "a whole-account calendar follows no single staff member or resource:"
                    " choose either the whole account or one of them",
                    "policy.scope_id",
                )
            )
        return
    kind = StaffMember if policy.scope is Scope.STAFF else Resource
    if policy.scope_id is None or not await objects.exists(conn, account_id, kind, policy.scope_id):
        what = "staff members" if kind is StaffMember else "resources"
        problems.errors.append(
            InvalidInput(f"choose one of the account's {what}", "policy.scope_id")
        )


def _check_past(policy: Policy) -> None:
    if not 0 <= policy.past_days <= 3650:
        raise InvalidInput("the window may reach 0 to 3650 days into the past", "policy.past_days")


def _check_future(policy: Policy) -> None:
    if not 1 <= policy.future_days <= 3650:
        raise InvalidInput("the window may reach 1 to 3650 days ahead", "policy.future_days")


def _check_refresh(policy: Policy) -> None:
    if not 15 <= policy.refresh_minutes <= 10080:
        raise InvalidInput(
            "the refresh hint must be 15 minutes to 7 days", "policy.refresh_minutes"
        )


# The colour and description reach every subscriber's app: well-formed or refused.
def _check_color(policy: Policy) -> None:
    color = policy.color
    if color is not None and not (
        len(color) == 7 and color[0] == "#" and set(color[1:]) <= _HEX_COLOR
    ):
        raise InvalidInput("the colour must look like #1a2b3c", "policy.color")


def _check_description(policy: Policy) -> None:
    description = policy.description
    if description is not None:
        if len(description) > MAX_DESCRIPTION:
            raise InvalidInput(
                f"the description must be at most {MAX_DESCRIPTION} characters",
                "policy.description",
            )
        if has_controls(description, multiline=True):
            raise InvalidInput(
                "the description must not contain control characters other than line breaks",
                "policy.description",
            )
