"""From a token to what the widget shows: the link's state, the calendar's settings (cached
until the calendar, its data or the day changes), and the redacted events of the days a page
shows, read when that page is rendered: a page costs what it shows, not the whole window."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import msgspec

from backend.feed_cache import FeedCache, Key, render_key
from backend.ics import CalendarMeta
from backend.links import is_token_shaped, token_hash
from backend.policy import PublicEvent
from backend.publish import Unredacted, calendar_meta, public_bookings, window_for
from backend.runtime import Runtime
from backend.store import accounts, calendars, link_lookup
from backend.store.link_lookup import LiveLink
from backend.store.widgets import WidgetSettings, get_settings
from widget.http import PageCache
from widget.locale import account_locale


class CalendarData(msgspec.Struct, frozen=True, kw_only=True):
    key: Key  # what every page of this calendar depends on, besides the request
    account_id: str
    calendar_id: int
    meta: CalendarMeta
    settings: WidgetSettings
    personal: bool  # the policy shows personal data: no site may frame it unless listed
    locale: str
    week_start: int
    today: date

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.meta.time_zone)

    def span(self, first: date, last: date) -> tuple[datetime, datetime]:
        """The instants the local days [first, last) cover."""
        zone = self.zone
        return datetime.combine(first, time(), zone), datetime.combine(last, time(), zone)


class WidgetPublisher:
    """Owned by the app: the calendar-settings cache and the rendered-page cache."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._data: FeedCache[CalendarData] = FeedCache("widget_data")
        self._by_uid: FeedCache[dict[str, PublicEvent]] = FeedCache("widget_uids", 32)
        self.pages = PageCache()

    @property
    def base_url(self) -> str:
        return self._runtime.settings.base_url()

    async def live_link(self, token: str) -> LiveLink | None:
        """The enabled link a token opens; None for unknown, disabled or retired tokens."""
        if not is_token_shaped(token):
            return None
        found = await link_lookup.find(self._runtime.db, token_hash(token))
        if not isinstance(found, LiveLink) or not found.enabled:
            return None
        return found

    async def data(self, link: LiveLink, now: datetime) -> CalendarData:
        key = render_key(link, now)

        async def build() -> CalendarData:
            async with self._runtime.db.reading() as conn:
                account = await accounts.get(conn, link.account_id)
                settings = await get_settings(conn, link.calendar_id)
                calendar = await calendars.get_calendar(conn, link.account_id, link.calendar_id)
            window = window_for(calendar.policy, account.time_zone, now)
            return CalendarData(
                key=key,
                account_id=link.account_id,
                calendar_id=link.calendar_id,
                meta=calendar_meta(calendar, account.time_zone, window),
                settings=settings,
                personal=calendar.policy.shows_personal_data(),
                locale=account_locale(account.locale),
                week_start=account.week_start,
                today=date.fromisoformat(key[2]),
            )

        return await self._data.get(link.calendar_id, key, build)

    async def events(self, data: CalendarData, first: date, last: date) -> list[PublicEvent]:
        """The events overlapping the local days [first, last) that the calendar's window and
        policy let its visitors see, in start order; none for days outside the window."""
        found = await self.bookings(data, first, last)
        return [] if found.empty else await asyncio.to_thread(found.public)

    async def bookings(self, data: CalendarData, first: date, last: date) -> Unredacted:
        """`events` read, for the thread that lays out their page to redact."""
        _, found = await public_bookings(
            self._runtime.db,
            data.account_id,
            data.calendar_id,
            datetime.now(UTC),
            within=data.span(first, last),
        )
        return found

    async def event(self, data: CalendarData, uid: str, day: date | None) -> PublicEvent | None:
        """One event by its UID, read from `day`, the local day it starts on (the window's first
        day for one that began before it); a link without the day reads the whole window once
        per calendar version, as links made before pages carried it do."""
        if day is None:
            return (await self.window_events(data)).get(uid)
        first = max(day, data.meta.window_start)
        found = await self.events(data, first, first + timedelta(days=1))
        return next((event for event in found if event.uid == uid), None)

    async def window_events(self, data: CalendarData) -> dict[str, PublicEvent]:
        """Every event of the window by UID, read once per calendar version."""

        async def build() -> dict[str, PublicEvent]:
            meta = data.meta
            found = await self.events(data, meta.window_start, meta.window_end)
            return {event.uid: event for event in found}

        return await self._by_uid.get(data.calendar_id, data.key, build)
