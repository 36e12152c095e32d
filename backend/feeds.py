"""GET and HEAD /feeds/{token}.ics: the subscription feed, served as a raw ASGI route.

The feed is the hottest path (every subscribed device polls it), so it bypasses Litestar's
request/response machinery: one indexed lookup, a cache hit, and prepared headers.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import msgspec
from litestar.types import Scope, Send

from backend.feed_cache import render_key
from backend.feed_parts import PartsCache
from backend.fetchlog import classify_client
from backend.front import Sent, answered
from backend.http_cache import CALENDAR_FILE_HEADERS, accepts_gzip, etag_matches
from backend.links import is_token_shaped, token_hash
from backend.publish import RenderedFeed, empty_feed, publish
from backend.runtime import Runtime
from backend.store import link_lookup
from backend.store.link_lookup import LiveLink, RetiredLink

logger = logging.getLogger(__name__)

Headers = list[tuple[bytes, bytes]]
ONE_SECOND = timedelta(seconds=1)
_NOT_FOUND_BODY = b"Not found\n"
_NOT_FOUND: Headers = [
    (b"content-type", b"text/plain; charset=utf-8"),
    (b"content-length", str(len(_NOT_FOUND_BODY)).encode()),
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


class ServedFeed(msgspec.Struct, frozen=True):
    """A rendered feed with its response headers prepared once."""

    feed: RenderedFeed
    plain: Headers
    gzipped: Headers
    not_modified: Headers
    not_modified_gzipped: Headers
    etags: tuple[bytes, bytes]  # the two ETags, as If-None-Match compares them

    @classmethod
    def of(cls, feed: RenderedFeed) -> ServedFeed:
        validators = [(b"last-modified", feed.last_modified.encode()), *CALENDAR_FILE_HEADERS]
        body_headers = [
            (b"content-type", b"text/calendar; charset=utf-8"),
            (b"content-disposition", f'attachment; filename="{feed.filename}"'.encode()),
        ]
        return cls(
            feed=feed,
            plain=[
                *body_headers,
                (b"content-length", str(len(feed.body)).encode()),
                (b"etag", feed.etag.encode()),
                *validators,
            ],
            gzipped=[
                *body_headers,
                (b"content-encoding", b"gzip"),
                (b"content-length", str(len(feed.gzipped)).encode()),
                (b"etag", feed.gzip_etag.encode()),
                *validators,
            ],
            not_modified=[(b"etag", feed.etag.encode()), *validators],
            not_modified_gzipped=[(b"etag", feed.gzip_etag.encode()), *validators],
            etags=(feed.etag.encode(), feed.gzip_etag.encode()),
        )


class FeedPublisher:
    """Everything the feed route needs, owned by the app."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._parts = PartsCache()

    async def served(self, token: str, now: datetime) -> tuple[ServedFeed | None, int | None]:
        """The feed a token opens (an empty one while a retired or disabled token is within its
        retention, None after it or for an unknown token), and the id of its live link."""
        found = await link_lookup.find(self._runtime.db, token_hash(token))
        if found is None:
            return None, None
        if isinstance(found, RetiredLink):
            return self._empty(found.calendar_name, found.time_zone, now, found.retired_at), None
        if not found.enabled:
            assert found.disabled_at is not None
            empty = self._empty(found.calendar_name, found.time_zone, now, found.disabled_at)
            return empty, found.link_id
        return await self._live(found, now), found.link_id

    def _empty(
        self, name: str, time_zone: str, now: datetime, since: datetime
    ) -> ServedFeed | None:
        if since + self._runtime.retention < now:
            return None
        return ServedFeed.of(empty_feed(name, time_zone, now, since))

    async def _live(self, link: LiveLink, now: datetime) -> ServedFeed:
        key = render_key(link, now)

        async def build() -> ServedFeed:
            return ServedFeed.of(
                await publish(self._runtime.db, link.account_id, link.calendar_id, now, self._parts)
            )

        return await self._runtime.feed_cache.get(link.calendar_id, key, build)

    async def respond(self, filename: str, scope: Scope, send: Send) -> Sent:
        """The answer to a request for /feeds/`filename`."""
        method = scope["method"]
        if method not in ("GET", "HEAD"):
            return await answered(
                send, 405, [(b"allow", b"GET, HEAD"), (b"content-length", b"0")], b""
            )
        token = filename.removesuffix(".ics")
        if token == filename or not is_token_shaped(token):
            return await answered(send, 404, _NOT_FOUND, _NOT_FOUND_BODY)
        now = datetime.now(UTC)
        try:
            served, link_id = await self.served(token, now)
        except Exception:
            logger.exception("rendering a feed failed")  # the token itself is never logged
            return await answered(send, 500, _NOT_FOUND[:1], b"Internal error\n")
        if served is None:
            return await answered(send, 404, _NOT_FOUND, _NOT_FOUND_BODY)
        headers = dict(scope["headers"])
        if link_id is not None:
            agent = headers.get(b"user-agent", b"").decode("latin-1")
            self._runtime.recorder.record(link_id, classify_client(agent), now)
        return await self._answer(served, headers, method == "HEAD", now, send)

    async def _answer(
        self,
        served: ServedFeed,
        headers: dict[bytes, bytes],
        head: bool,
        now: datetime,
        send: Send,
    ) -> Sent:
        feed = served.feed
        use_gzip = accepts_gzip(headers.get(b"accept-encoding", b""))
        if _not_modified(headers, served):
            status, body = 304, b""
            answer = served.not_modified_gzipped if use_gzip else served.not_modified
        else:
            status, body = 200, b"" if head else (feed.gzipped if use_gzip else feed.body)
            answer = served.gzipped if use_gzip else served.plain
        if now < feed.modified + ONE_SECOND:
            # Changed within this very second: another change in it would carry the same date,
            # so this copy must not be revalidated by date (RFC 9110 8.8.2.2).
            answer = [header for header in answer if header[0] != b"last-modified"]
        return await answered(send, status, answer, body)


def _not_modified(headers: dict[bytes, bytes], served: ServedFeed) -> bool:
    if_none_match = headers.get(b"if-none-match")
    if if_none_match is not None:
        return etag_matches(if_none_match, *served.etags)
    if_modified_since = headers.get(b"if-modified-since")
    if if_modified_since is None:
        return False
    try:
        return served.feed.modified <= parsedate_to_datetime(if_modified_since.decode("latin-1"))
    except (TypeError, ValueError):
        return False
