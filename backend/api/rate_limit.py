"""Per-key API rate limit: a token bucket per key, in this process."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable


class TokenBuckets:
    """Each key may send `burst` requests at once, refilled at `rate` a second; a rate of 0
    means no limit."""

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = max(burst, 1)
        self._clock = clock
        self._buckets: dict[Hashable, tuple[float, float]] = {}  # key: (tokens, as of)

    def take(self, key: Hashable) -> float:
        """Take a token for one request: 0 if it may go ahead, else the seconds until the
        next token (the request is then refused and takes nothing)."""
        if self.rate <= 0:
            return 0.0
        now = self._clock()
        tokens, since = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - since) * self.rate)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate
        self._buckets[key] = (tokens - 1, now)
        return 0.0
