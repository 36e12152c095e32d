"""Rendered feeds kept per calendar until the calendar, its account's data or the day changes."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import datetime
from time import perf_counter
from typing import Generic, TypeVar

from backend import metrics
from backend.local_day import local_date
from backend.store.link_lookup import LiveLink

V = TypeVar("V")
Key = tuple[int, int, str]  # calendar version, account data version, local date


def render_key(link: LiveLink, now: datetime) -> Key:
    """What a calendar's feed and widget renders depend on, as its link tells on each request:
    its versions, and the day it is in the account's zone."""
    return (link.calendar_version, link.data_version, local_date(link.time_zone, now))


class FeedCache(Generic[V]):
    """A bounded LRU map calendar id → (key, value); one build at a time per calendar.
    `name` labels its lookups (hit, or miss: a request that waited for a build is a miss)."""

    def __init__(self, name: str, max_calendars: int = 512) -> None:
        self._hit, self._miss = (metrics.CACHE.labels(name, result) for result in ("hit", "miss"))
        self._render_seconds = metrics.RENDER.labels(name)
        self._entries: OrderedDict[int, tuple[Key, V]] = OrderedDict()
        self._locks: dict[int, asyncio.Lock] = {}
        self._max = max_calendars

    def peek(self, calendar_id: int, key: Key) -> V | None:
        entry = self._entries.get(calendar_id)
        if entry is None or entry[0] != key:
            return None
        self._entries.move_to_end(calendar_id)
        return entry[1]

    async def get(self, calendar_id: int, key: Key, build: Callable[[], Awaitable[V]]) -> V:
        found = self.peek(calendar_id, key)
        if found is not None:
            self._hit.inc()
            return found
        self._miss.inc()
        lock = self._locks.setdefault(calendar_id, asyncio.Lock())
        async with lock:
            found = self.peek(calendar_id, key)  # another request built it while this one waited
            if found is not None:
                return found
            started = perf_counter()
            value = await build()
            self._render_seconds.observe(perf_counter() - started)
            self._entries[calendar_id] = (key, value)
            self._entries.move_to_end(calendar_id)
            while len(self._entries) > self._max:
                evicted, _ = self._entries.popitem(last=False)
                self._locks.pop(evicted, None)
        return value
