"""The widget's HTTP layer, served like the feed: a raw ASGI mount at /embed, pages rendered
once with their headers, bytes and gzip copy prepared, so a repeat visit costs a cache lookup
and a revalidation costs no body.

Litestar's request and response objects cost more than the cached page itself, so the widget
bypasses them as the feed does; a page handler receives a `WidgetRequest` and returns a
`RenderedPage`, and `embed_route` matches paths such as "{token}/events/{uid}" to handlers.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Mapping
from time import perf_counter
from typing import Any
from urllib.parse import parse_qsl

import msgspec
from litestar import Litestar
from litestar.types import Scope, Send

from backend import metrics
from backend.error_log import loggable_path
from backend.front import RawRoute, Sent, answered
from backend.http_cache import (
    CALENDAR_FILE_HEADERS,
    accepts_gzip,
    compress,
    content_tag,
    etag_matches,
    etags,
)
from backend.publish import RenderedFeed
from widget.options import is_site

logger = logging.getLogger(__name__)

Headers = list[tuple[bytes, bytes]]
_PLAIN = (b"content-type", b"text/plain; charset=utf-8")
_NOT_FOUND_BODY = b"Not found\n"
_NOT_ALLOWED_BODY = b"Method not allowed\n"
# A month of 200 events is about 78 KB of HTML: level 3 compresses it in half of level 6's
# time (0.14 ms against 0.28), to 7.8 KB against 6.7 KB.
PAGE_GZIP_LEVEL = 3


class RenderedPage(msgspec.Struct, frozen=True, kw_only=True):
    """A page with the headers of each way it is answered, prepared once."""

    status: int
    body: bytes
    gzipped: bytes
    plain: Headers
    gzip: Headers
    not_modified: Headers
    not_modified_gzip: Headers
    etags: tuple[bytes, bytes]  # identity and gzip, as If-None-Match compares them


class WidgetRequest:
    """What a page handler may read of a request: the query string, parsed on first use (the
    first value of each name), the headers (lower-case names) and the app's templates."""

    __slots__ = ("_pairs", "_query", "app", "headers", "query_string")

    def __init__(self, query_string: bytes, headers: dict[bytes, bytes], app: Litestar) -> None:
        self.query_string = query_string
        self.headers = headers
        self.app = app
        self._pairs: list[tuple[str, str]] | None = None
        self._query: dict[str, str] | None = None

    @property
    def query(self) -> dict[str, str]:
        if self._query is None:
            self._query = dict(reversed(self._parsed()))  # the first of a repeated name wins
        return self._query

    def values(self, name: str) -> list[str]:
        """Every value of a repeated query parameter, in order."""
        return [value for key, value in self._parsed() if key == name]

    def _parsed(self) -> list[tuple[str, str]]:
        if self._pairs is None:
            query = self.query_string.decode("latin-1")
            self._pairs = parse_qsl(query, keep_blank_values=True)
        return self._pairs

    def header(self, name: bytes) -> str | None:
        value = self.headers.get(name)
        return None if value is None else value.decode("latin-1")

    def render(self, template: str, context: dict[str, Any]) -> str:
        return self.app.template_engine.get_template(template).render(**context)


Page = Callable[..., Awaitable[RenderedPage]]  # (request, **path parameters) -> page


def frame_ancestors(allowed_sites: tuple[str, ...], personal: bool) -> str:
    """Who may frame a widget: the listed sites; with none listed, any site, unless the
    calendar shows personal data, which no site may show until its owner lists it. A stored
    site that is not a well-formed origin is left out rather than break the header."""
    if allowed_sites:
        return " ".join(("'self'", *(site for site in allowed_sites if is_site(site))))
    return "'none'" if personal else "*"


def content_security_policy(style_source: str, ancestors: str) -> str:
    """Only our own files run and style the page; `ancestors` may frame it."""
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            f"style-src 'self' {style_source}",
            "img-src 'self' data:",
            "connect-src 'self'",
            "form-action 'self'",
            "base-uri 'none'",
            f"frame-ancestors {ancestors}",
        )
    )


def rendered(
    status: int, html: str, csp: str, cache_control: str = "no-cache", vary_language: bool = False
) -> RenderedPage:
    body = html.encode()
    vary = "accept-encoding, hx-request" + (", accept-language" if vary_language else "")
    common: Headers = [
        (b"cache-control", cache_control.encode()),
        (b"content-security-policy", csp.encode()),
        (b"referrer-policy", b"no-referrer"),
        (b"x-content-type-options", b"nosniff"),
        (b"x-robots-tag", b"noindex, nofollow"),
        (b"vary", vary.encode()),
    ]
    return _prepared(
        status,
        body,
        compress(body, PAGE_GZIP_LEVEL),
        etags(content_tag(body)),
        [(b"content-type", b"text/html; charset=utf-8")],
        common,
    )


def attachment(file: RenderedFeed) -> RenderedPage:
    """A calendar file to download, such as one event to add to the visitor's calendar."""
    disposition = f'attachment; filename="{file.filename}"'.encode()
    body_headers: Headers = [
        (b"content-type", b"text/calendar; charset=utf-8"),
        (b"content-disposition", disposition),
    ]
    tags = (file.etag, file.gzip_etag)
    return _prepared(200, file.body, file.gzipped, tags, body_headers, CALENDAR_FILE_HEADERS)


def _prepared(
    status: int,
    body: bytes,
    gzipped: bytes,
    tags: tuple[str, str],
    body_headers: Headers,
    common: Headers,
) -> RenderedPage:
    etag, gzip_etag = (tag.encode() for tag in tags)
    return RenderedPage(
        status=status,
        body=body,
        gzipped=gzipped,
        plain=[
            *body_headers,
            (b"content-length", str(len(body)).encode()),
            (b"etag", etag),
            *common,
        ],
        gzip=[
            *body_headers,
            (b"content-encoding", b"gzip"),
            (b"content-length", str(len(gzipped)).encode()),
            (b"etag", gzip_etag),
            *common,
        ],
        not_modified=[(b"etag", etag), *common],
        not_modified_gzip=[(b"etag", gzip_etag), *common],
        etags=(etag, gzip_etag),
    )


def answer(page: RenderedPage, headers: Mapping[bytes, bytes]) -> tuple[int, Headers, bytes]:
    """Status, headers and body for this request: gzip if accepted, 304 if still valid."""
    use_gzip = accepts_gzip(headers.get(b"accept-encoding", b""))
    if_none_match = headers.get(b"if-none-match")
    if page.status == 200 and if_none_match and etag_matches(if_none_match, *page.etags):
        return 304, page.not_modified_gzip if use_gzip else page.not_modified, b""
    if use_gzip:
        return page.status, page.gzip, page.gzipped
    return page.status, page.plain, page.body


def embed_route(pages: Mapping[str, Page]) -> RawRoute:
    """GET and HEAD under /embed/: each pattern ("{token}", "{token}/events/{uid}") names its
    handler; a `{name}` segment matches any one non-empty segment and is passed as `name`."""
    patterns = [(pattern, tuple(pattern.split("/")), page) for pattern, page in pages.items()]

    async def embed(path: str, scope: Scope, send: Send) -> Sent:
        method = scope["method"]
        if method not in ("GET", "HEAD"):
            length = str(len(_NOT_ALLOWED_BODY)).encode()
            allow = [(b"allow", b"GET, HEAD"), _PLAIN, (b"content-length", length)]
            return await answered(send, 405, allow, _NOT_ALLOWED_BODY)
        found = _match(patterns, path.split("/"))
        if found is None:
            headers = [_PLAIN, (b"content-length", str(len(_NOT_FOUND_BODY)).encode())]
            return await answered(send, 404, headers, b"" if method == "HEAD" else _NOT_FOUND_BODY)
        page, parameters, pattern = found
        scope["path_template"] = f"/embed/{pattern}"  # the metrics' route label
        headers = dict(scope["headers"])
        request = WidgetRequest(scope["query_string"], headers, Litestar.from_scope(scope))
        try:
            rendered_page = await page(request, **parameters)
        except Exception as error:
            shown = loggable_path(f"/embed/{path}")  # the token shortened
            logger.exception("rendering the widget page %s failed: %r", shown, error)
            return await answered(send, 500, [_PLAIN], b"Internal error\n")
        status, answer_headers, body = answer(rendered_page, headers)
        return await answered(send, status, answer_headers, b"" if method == "HEAD" else body)

    return embed


def _match(
    patterns: list[tuple[str, tuple[str, ...], Page]], segments: list[str]
) -> tuple[Page, dict[str, str], str] | None:
    for pattern, expected_segments, page in patterns:
        if len(expected_segments) != len(segments):
            continue
        parameters = {}
        for expected, segment in zip(expected_segments, segments, strict=True):
            if expected.startswith("{"):
                if not segment:
                    break
                parameters[expected[1:-1]] = segment
            elif expected != segment:
                break
        else:
            return page, parameters, pattern
    return None


class PageCache:
    """A bounded LRU of rendered pages; keys hold everything a page depends on."""

    def __init__(self, max_pages: int = 2048) -> None:
        self._pages: OrderedDict[Hashable, RenderedPage] = OrderedDict()
        self._rendering: dict[Hashable, asyncio.Lock] = {}
        self._max = max_pages
        self._hit, self._miss = (metrics.CACHE.labels("widget_page", r) for r in ("hit", "miss"))
        self._render_seconds = metrics.RENDER.labels("widget_page")

    async def get_or_render(
        self, key: Hashable, render: Callable[[], Awaitable[RenderedPage]]
    ) -> RenderedPage:
        """The cached page, or `render()` run once however many requests ask for it meanwhile
        (it reads the events it shows and lays them out off the event loop)."""
        page = self.cached(key)
        if page is not None:
            return page
        lock = self._rendering.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                page = self.cached(key)  # rendered by the request this one waited for
                if page is None:
                    self._miss.inc()
                    started = perf_counter()
                    page = await render()
                    self._render_seconds.observe(perf_counter() - started)
                    self._keep(key, page)
                return page
        finally:
            if not lock.locked():
                self._rendering.pop(key, None)

    def cached(self, key: Hashable) -> RenderedPage | None:
        """The page kept under `key` (by `get_or_render` or `remember`), if any."""
        page = self._pages.get(key)
        if page is not None:
            self._hit.inc()
            self._pages.move_to_end(key)
        return page

    def remember(self, key: Hashable, page: RenderedPage) -> None:
        """Keep `page` under another key too: one that names the request as it came (its
        query string unparsed), so a repeat of it is found before any option is parsed."""
        self._keep(key, page)

    def _keep(self, key: Hashable, page: RenderedPage) -> None:
        self._pages[key] = page
        while len(self._pages) > self._max:
            self._pages.popitem(last=False)
