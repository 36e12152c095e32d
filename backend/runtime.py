"""The app's long-lived parts: database, services, caches, background flushing."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from backend import metrics
from backend.api.rate_limit import TokenBuckets
from backend.calendars import CalendarService
from backend.feed_cache import FeedCache
from backend.fetchlog import FetchRecorder
from backend.links import LinkKeys
from backend.settings import Settings
from backend.store.calendars import purge_retired
from backend.store.db import Database, now_utc


class Runtime:
    """Created with the app, opened at start-up, closed at shutdown; tests reach it via the app."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.keys = LinkKeys(settings.secret_key)
        self.recorder = FetchRecorder()
        self.feed_cache: FeedCache = FeedCache("feed")
        self.retention = timedelta(days=settings.link_retention_days)
        self.api_limit = TokenBuckets(settings.api_rate_limit, settings.api_burst)
        self._db: Database | None = None
        self._flusher: asyncio.Task[None] | None = None

    @property
    def db(self) -> Database:
        if self._db is None:
            raise RuntimeError("the runtime is not started")
        return self._db

    @property
    def calendars(self) -> CalendarService:
        return CalendarService(self.db, self.keys)

    async def start(self) -> None:
        self._db = await Database.open(self.settings.database)
        self._db.observe_wait = metrics.DB_WAIT.observe
        async with self._db.transaction() as conn:
            await purge_retired(conn, now_utc() - self.retention)
        self._flusher = asyncio.create_task(
            self.recorder.flush_every(self._db, self.settings.fetch_flush_seconds)
        )

    async def stop(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
        if self._db is not None:
            await self._db.close()
        self._db = self._flusher = None
