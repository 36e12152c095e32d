"""What the owner pages show, assembled from the calendars service, fetch counts and the
account's reference objects."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import msgspec

from backend import subscribe
from backend.calendars import Link
from backend.domain import Event, Location, Resource, Service, StaffMember
from backend.ics import render_calendar
from backend.manage.details import labels_of
from backend.manage.preview import PreviewItem, preview_item
from backend.policy import Policy, Scope
from backend.publish import public_events
from backend.runtime import Runtime
from backend.store import calendars, fetches, objects, widgets
from backend.store.calendars import CalendarRecord
from backend.store.db import now_utc
from backend.store.widgets import WidgetSettings

STATS_DAYS = 7
PREVIEW_SIZE = 10
FEED_SIZE_WARNING = 768 * 1024  # Google silently drops events from feeds past about 1 MB


class Choices(msgspec.Struct, frozen=True, kw_only=True):
    """The account's objects a calendar's scope and narrowing can name, by name."""

    staff: list[StaffMember]
    resources: list[Resource]
    services: list[Service]
    events: list[Event]
    locations: list[Location]


class LinkView(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    calendar_id: int
    calendar_name: str
    label: str
    enabled: bool
    created_at: datetime
    last_fetched_at: datetime | None
    last_client: str | None
    fetches: dict[str, int]  # by kind of client, last STATS_DAYS days
    feed_url: str
    webcal_url: str
    google_url: str
    outlook_url: str
    token: str  # the widget's data-calendar
    embed_url: str  # the widget page
    loader_url: str  # the script that embeds the widget


class CalendarSummary(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name: str
    scope: str
    details: list[str]
    personal: bool
    busy_only: bool
    links: int
    enabled_links: int
    last_fetched_at: datetime | None
    fetches: int


class CalendarPage(msgspec.Struct, frozen=True, kw_only=True):
    calendar: CalendarRecord
    scope: str
    details: list[str]
    personal: bool
    links: list[LinkView]
    preview: list[PreviewItem]
    time_zone: str
    feed_bytes: int
    feed_too_big: bool
    widget: WidgetSettings


async def choices(runtime: Runtime, account_id: str) -> Choices:
    async with runtime.db.reading() as conn:

        async def sorted_by_name(kind: type) -> list:
            found = await objects.all_by_id(conn, account_id, kind)
            return sorted(found.values(), key=lambda o: (o.name.casefold(), o.id))

        return Choices(
            staff=await sorted_by_name(StaffMember),
            resources=await sorted_by_name(Resource),
            services=await sorted_by_name(Service),
            events=await sorted_by_name(Event),
            locations=await sorted_by_name(Location),
        )


async def summaries(runtime: Runtime, account_id: str) -> list[CalendarSummary]:
    service = runtime.calendars
    found = await choices(runtime, account_id)
    result = []
    for calendar in await service.list_calendars(account_id):
        links = await service.links(account_id, calendar.id)
        counts = await _fetch_counts(runtime, [link.record.id for link in links])
        fetched = [link.record.last_fetched_at for link in links if link.record.last_fetched_at]
        result.append(
            CalendarSummary(
                id=calendar.id,
                name=calendar.name,
                scope=describe_scope(calendar.policy, found),
                details=labels_of(calendar.policy.details),
                personal=calendar.policy.shows_personal_data(),
                busy_only=calendar.policy.busy_only,
                links=len(links),
                enabled_links=sum(link.record.enabled for link in links),
                last_fetched_at=max(fetched, default=None),
                fetches=sum(sum(by_client.values()) for by_client in counts.values()),
            )
        )
    return result


async def calendar_page(runtime: Runtime, account_id: str, calendar_id: int) -> CalendarPage:
    calendar = await runtime.calendars.get_calendar(account_id, calendar_id)
    links = await link_views(runtime, account_id, calendar)
    meta, events = await public_events(runtime.db, account_id, calendar_id, now_utc())
    now = now_utc()
    feed_bytes = len(await asyncio.to_thread(render_calendar, meta, events))
    async with runtime.db.reading() as conn:
        widget = await widgets.get_settings(conn, calendar_id)
    return CalendarPage(
        calendar=calendar,
        scope=describe_scope(calendar.policy, await choices(runtime, account_id)),
        details=labels_of(calendar.policy.details),
        personal=calendar.policy.shows_personal_data(),
        links=links,
        preview=[preview_item(e) for e in events if e.end > now][:PREVIEW_SIZE],
        time_zone=meta.time_zone,
        feed_bytes=feed_bytes,
        feed_too_big=feed_bytes > FEED_SIZE_WARNING,
        widget=widget,
    )


async def link_views(runtime: Runtime, account_id: str, calendar: CalendarRecord) -> list[LinkView]:
    links = await runtime.calendars.links(account_id, calendar.id)
    counts = await _fetch_counts(runtime, [link.record.id for link in links])
    return [_link_view(runtime, calendar, link, counts.get(link.record.id, {})) for link in links]


async def find_link(runtime: Runtime, account_id: str, link_id: int) -> Link:
    """One link of the account (NotFound for any other account's)."""
    async with runtime.db.reading() as conn:
        record = await calendars.get_link(conn, account_id, link_id)
    return Link(record=record, token=runtime.keys.token(record.nonce))


def feed_url(runtime: Runtime, link: Link) -> str:
    return f"{runtime.settings.base_url()}/feeds/{link.token}.ics"


def describe_scope(policy: Policy, found: Choices) -> str:
    names = {
        **{s.id: s.name for s in found.staff},
        **{r.id: r.name for r in found.resources},
    }
    if policy.scope is Scope.ACCOUNT:
        text = "Whole account"
    else:
        kind = "Staff" if policy.scope is Scope.STAFF else "Resource"
        text = f"{kind}: {names.get(policy.scope_id or '', policy.scope_id)}"
    narrowed = [
        o.name
        for group, ids in (
            (found.services, policy.service_ids),
            (found.events, policy.event_ids),
            (found.locations, policy.location_ids),
        )
        for o in group
        if o.id in ids
    ]
    return f"{text} · only {', '.join(narrowed)}" if narrowed else text


def _link_view(
    runtime: Runtime, calendar: CalendarRecord, link: Link, counts: dict[str, int]
) -> LinkView:
    base = runtime.settings.base_url()
    feed = feed_url(runtime, link)
    record = link.record
    return LinkView(
        id=record.id,
        calendar_id=calendar.id,
        calendar_name=calendar.name,
        label=record.label,
        enabled=record.enabled,
        created_at=record.created_at,
        last_fetched_at=record.last_fetched_at,
        last_client=record.last_client,
        fetches=counts,
        feed_url=feed,
        webcal_url=subscribe.webcal_url(feed),
        google_url=subscribe.google_url(feed),
        outlook_url=subscribe.outlook_url(feed, calendar.name),
        token=link.token,
        embed_url=f"{base}/embed/{link.token}",
        loader_url=f"{base}/static/embed.js",
    )


async def _fetch_counts(runtime: Runtime, link_ids: list[int]) -> dict[int, dict[str, int]]:
    since = (now_utc() - timedelta(days=STATS_DAYS - 1)).strftime("%Y-%m-%d")
    async with runtime.db.reading() as conn:
        return await fetches.counts_since(conn, link_ids, since)
