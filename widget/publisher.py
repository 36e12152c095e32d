"""From a token to what the widget shows: the link's state, the calendar's redacted events
(cached until the calendar, its data or the day changes) and the widget settings."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import msgspec

from backend.feed_cache import FeedCache, Key
from backend.ics import CalendarMeta
from backend.links import is_token_shaped, token_hash
from backend.policy import PublicEvent
from backend.publish import public_events
from backend.runtime import Runtime
from backend.store import accounts, calendars, link_lookup
from backend.store.link_lookup import LiveLink
from backend.store.widgets import WidgetSettings, get_settings
from widget.http import PageCache
from widget.locale import account_locale


class CalendarData(msgspec.Struct, frozen=True, kw_only=True):
    key: Key
    meta: CalendarMeta
    events: tuple[PublicEvent, ...]
    settings: WidgetSettings
    personal: bool  # the policy shows personal data: no site may frame it unless listed
    locale: str
    week_start: int
    today: date

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.meta.time_zone)

    def event(self, uid: str) -> PublicEvent | None:
        return next((event for event in self.events if event.uid == uid), None)


class WidgetPublisher:
    """Owned by the app: the data cache and the rendered-page cache."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._data: FeedCache[CalendarData] = FeedCache("widget_data")
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
        today = now.astimezone(ZoneInfo(link.time_zone)).date()
        key = (link.calendar_version, link.data_version, today.isoformat())

        async def build() -> CalendarData:
            db = self._runtime.db
            meta, events = await public_events(db, link.account_id, link.calendar_id, now)
            async with db.reading() as conn:
                account = await accounts.get(conn, link.account_id)
                settings = await get_settings(conn, link.calendar_id)
                calendar = await calendars.get_calendar(conn, link.account_id, link.calendar_id)
            return CalendarData(
                key=key,
                meta=meta,
                events=tuple(events),
                settings=settings,
                personal=calendar.policy.shows_personal_data(),
                locale=account_locale(account.locale),
                week_start=account.week_start,
                today=today,
            )

        return await self._data.get(link.calendar_id, key, build)
