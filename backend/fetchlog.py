"""Who fetches each link: counted in memory on the hot path, written to the store in batches."""

from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime
from enum import StrEnum
from functools import lru_cache

from backend.store import fetches
from backend.store.db import Database
from backend.store.fetches import FetchCount, LastFetch

logger = logging.getLogger(__name__)


class Client(StrEnum):
    GOOGLE = "google"
    OUTLOOK = "outlook"
    APPLE = "apple"
    THUNDERBIRD = "thunderbird"
    OTHER = "other"


# Only calendar apps' own agents count: a browser opening the link (Safari on an iPhone, Chrome
# on a Mac, a crawler) is "other", so an unexpected reader stands out on the owner's page.
# Order matters: Outlook for Mac also says "Macintosh", Thunderbird also says "Mozilla".
_SIGNATURES = (
    (Client.GOOGLE, ("google-calendar-importer",)),
    (Client.OUTLOOK, ("microsoft office", "microsoft outlook", "microsoft.exchange", "outlook")),
    (Client.THUNDERBIRD, ("thunderbird",)),
    (Client.APPLE, ("calendaragent", "dataaccessd", "ical/")),
)


@lru_cache(maxsize=1024)
def classify_client(user_agent: str) -> Client:
    agent = user_agent.lower()
    for client, signatures in _SIGNATURES:
        if any(signature in agent for signature in signatures):
            return client
    return Client.OTHER


class FetchRecorder:
    """Counts fetches per link, day and client; `flush` writes and forgets them."""

    def __init__(self) -> None:
        self._counts: dict[tuple[int, date, Client], int] = {}
        self._lasts: dict[int, tuple[datetime, Client]] = {}

    def record(self, link_id: int, client: Client, at: datetime) -> None:
        key = (link_id, at.date(), client)
        self._counts[key] = self._counts.get(key, 0) + 1
        self._lasts[link_id] = (at, client)

    async def flush(self, db: Database) -> None:
        if not self._counts:
            return
        counts, self._counts = self._counts, {}
        lasts, self._lasts = self._lasts, {}
        async with db.transaction() as conn:
            await fetches.record(
                conn,
                [
                    FetchCount(link, day.isoformat(), client.value, n)
                    for (link, day, client), n in counts.items()
                ],
                [LastFetch(link, at, client.value) for link, (at, client) in lasts.items()],
            )

    async def flush_every(self, db: Database, seconds: float) -> None:
        """Flush periodically until cancelled, then once more."""
        try:
            while True:
                await asyncio.sleep(seconds)
                try:
                    await self.flush(db)
                except Exception:
                    logger.exception("could not record feed fetches")
        finally:
            await self.flush(db)
