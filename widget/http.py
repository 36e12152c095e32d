"""The widget's response headers and conditional requests: a rendered page is cached once
with its validators, so a repeat visit costs a lookup, and a revalidation costs no body."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from time import perf_counter

import msgspec

from backend import metrics
from backend.http_cache import accepts_gzip, compress, content_tag, etag_matches, etags
from widget.options import is_site


class RenderedPage(msgspec.Struct, frozen=True, kw_only=True):
    status: int
    body: bytes
    gzipped: bytes
    etag: str
    gzip_etag: str
    headers: tuple[tuple[str, str], ...]


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
    etag, gzip_etag = etags(content_tag(body))
    return RenderedPage(
        status=status,
        body=body,
        gzipped=compress(body),
        etag=etag,
        gzip_etag=gzip_etag,
        headers=(
            ("cache-control", cache_control),
            ("content-security-policy", csp),
            ("referrer-policy", "no-referrer"),
            ("x-content-type-options", "nosniff"),
            ("x-robots-tag", "noindex, nofollow"),
            ("vary", vary),
        ),
    )


def answer(
    page: RenderedPage, request_headers: Mapping[str, str]
) -> tuple[int, bytes, dict[str, str]]:
    """Status, body and headers for this request: gzip if accepted, 304 if still valid."""
    use_gzip = accepts_gzip(request_headers.get("accept-encoding", "").encode("latin-1"))
    etag = page.gzip_etag if use_gzip else page.etag
    headers = dict(page.headers)
    headers["etag"] = etag
    if page.status == 200 and _not_modified(request_headers.get("if-none-match"), page):
        return 304, b"", headers
    if use_gzip:
        headers["content-encoding"] = "gzip"
        return page.status, page.gzipped, headers
    return page.status, page.body, headers


def _not_modified(if_none_match: str | None, page: RenderedPage) -> bool:
    if if_none_match is None:
        return False
    return etag_matches(
        if_none_match.encode("latin-1"), page.etag.encode(), page.gzip_etag.encode()
    )


class PageCache:
    """A bounded LRU of rendered pages; keys hold everything a page depends on."""

    def __init__(self, max_pages: int = 2048) -> None:
        self._pages: OrderedDict[Hashable, RenderedPage] = OrderedDict()
        self._rendering: dict[Hashable, asyncio.Lock] = {}
        self._max = max_pages
        self._hit, self._miss = (metrics.CACHE.labels("widget_page", r) for r in ("hit", "miss"))
        self._render_seconds = metrics.RENDER.labels("widget_page")

    async def get_or_render(
        self, key: Hashable, render: Callable[[], RenderedPage]
    ) -> RenderedPage:
        """The cached page, or `render()` run once in a worker thread however many requests
        ask for it meanwhile: laying out a large calendar takes long enough to stall the loop."""
        page = self._cached(key)
        if page is not None:
            return page
        lock = self._rendering.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                page = self._cached(key)  # rendered by the request this one waited for
                if page is None:
                    self._miss.inc()
                    started = perf_counter()
                    page = await asyncio.to_thread(render)
                    self._render_seconds.observe(perf_counter() - started)
                    self._keep(key, page)
                return page
        finally:
            if not lock.locked():
                self._rendering.pop(key, None)

    def _cached(self, key: Hashable) -> RenderedPage | None:
        page = self._pages.get(key)
        if page is not None:
            self._hit.inc()
            self._pages.move_to_end(key)
        return page

    def _keep(self, key: Hashable, page: RenderedPage) -> None:
        self._pages[key] = page
        while len(self._pages) > self._max:
            self._pages.popitem(last=False)
