"""GET /embed/{token} (the widget page, or its body for htmx),
/embed/{token}/events/{day}/{uid} (one event's details: the dialog's content for htmx, a page
of its own without JavaScript) and …/{uid}/event.ics (that one event as a file), served by
widget.http's raw ASGI mount."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable
from datetime import UTC, date, datetime
from typing import Any

from backend.errors import NotFound
from backend.feed_cache import render_key
from backend.front import RawRoute
from backend.policy import PublicEvent
from backend.store.link_lookup import LiveLink
from widget.actions import event_file, map_url
from widget.colors import accent_style
from widget.context import calendar_context, page_period
from widget.filters import Chips, chips_of, only_chosen
from widget.http import (
    RenderedPage,
    WidgetRequest,
    attachment,
    content_security_policy,
    embed_route,
    frame_ancestors,
    rendered,
)
from widget.i18n import negotiate, translator
from widget.layout import shown_days
from widget.locale import formatter
from widget.options import HOUSE_ACCENT, Options, parse_locale, parse_options
from widget.publisher import CalendarData, WidgetPublisher
from widget.urls import WidgetUrls, carried


def widget_route(publisher: WidgetPublisher) -> RawRoute:
    async def calendar_page(request: WidgetRequest, token: str) -> RenderedPage:
        link, now = await publisher.live_link(token), datetime.now(UTC)
        if link is None:
            return await _unavailable(publisher, request)
        fragment = _is_htmx(request)
        # The page follows from the query string, the fragment flag and the calendar's data,
        # whose key the link gives: a repeat request needs no more than the link.
        key_now = render_key(link, now)
        as_asked: Hashable = ("asked", token, request.query_string, fragment, key_now)
        page = publisher.pages.cached(as_asked)
        if page is not None:
            return page
        data = await _data_of(publisher, link, now)
        if data is None:
            return await _unavailable(publisher, request)
        query = request.query
        options = parse_options(query, data.settings, data.meta.color)
        chips = await _chips(publisher, data, request.values("only"))
        keep = carried(query, options) + (chips.keep() if chips else ())
        language = options.lang or data.locale
        key: Hashable = ("calendar", token, data.key, language, options, keep, fragment)

        async def render() -> RenderedPage:
            first, last = shown_days(page_period(data, options), data.week_start)
            found = await publisher.bookings(data, first, last)

            def lay_out() -> RenderedPage:
                events = only_chosen(found.public(), chips)
                fmt = formatter(language)
                urls = WidgetUrls(token, keep, publisher.base_url, data.zone)
                context = calendar_context(data, events, options, urls, fmt)
                context["chips"] = chips
                context.update(translator(language).template_globals())
                template = "widget/_body.html" if fragment else "widget/calendar.html"
                return _page(request, data, options.accent, template, context)

            return await asyncio.to_thread(lay_out)

        page = await publisher.pages.get_or_render(key, render)
        publisher.pages.remember(as_asked, page)
        return page

    async def event_page(
        request: WidgetRequest, token: str, uid: str, day: str | None = None
    ) -> RenderedPage:
        found = await _data(publisher, token)
        starts = _day(day)
        if found is None or (day is not None and starts is None):
            return await _unavailable(publisher, request)
        data, query = found, request.query
        options = parse_options(query, data.settings, data.meta.color)
        keep = carried(query, options)
        fragment = _is_htmx(request)
        language = options.lang or data.locale
        key: Hashable = ("event", token, uid, data.key, language, options, keep, fragment)
        urls = WidgetUrls(token, keep, publisher.base_url, data.zone)

        async def render() -> RenderedPage:
            event = await publisher.event(data, uid, starts)
            if event is None:
                raise NotFound("no such event")
            return await asyncio.to_thread(
                _event_page, request, data, event, options, language, fragment, urls
            )

        try:
            return await publisher.pages.get_or_render(key, render)
        except NotFound:  # a page only for the visitor's language: not cached under this key
            return await _unavailable(publisher, request)

    # Actions: one event as a file to add to the visitor's own calendar.
    async def event_file_page(
        request: WidgetRequest, token: str, uid: str, day: str
    ) -> RenderedPage:
        found = await _data(publisher, token)
        starts = _day(day)
        if found is None or starts is None:
            return await _unavailable(publisher, request)
        event = await publisher.event(found, uid, starts)
        if event is None:
            return await _unavailable(publisher, request)
        return attachment(event_file(found.meta, event))

    return embed_route(
        {
            "{token}": calendar_page,
            "{token}/events/{day}/{uid}": event_page,
            "{token}/events/{uid}": event_page,  # links made before they carried the day
            "{token}/events/{day}/{uid}/event.ics": event_file_page,
        }
    )


async def _chips(publisher: WidgetPublisher, data: CalendarData, chosen: list[str]) -> Chips | None:
    """The filter chips, named after the whole window's events so that they stay the same from
    one period to the next (read once per calendar version, and only where the owner turned
    them on)."""
    if not data.settings.filter_chips:
        return None
    events = await publisher.window_events(data)
    return chips_of(events.values(), enabled=True, requested=chosen)


def _event_page(
    request: WidgetRequest,
    data: CalendarData,
    event: PublicEvent,
    options: Options,
    language: str,
    fragment: bool,
    urls: WidgetUrls,
) -> RenderedPage:
    context = {
        "data": data,
        "meta": data.meta,
        "options": options,
        "event": event,
        "start": event.start.astimezone(data.zone),
        "end": event.end.astimezone(data.zone),
        "urls": urls,
        "map_url": map_url(event),
        "fmt": formatter(language),
        **translator(language).template_globals(),
    }
    template = "widget/_details.html" if fragment else "widget/details.html"
    return _page(request, data, options.accent, template, context)


async def _data(publisher: WidgetPublisher, token: str) -> CalendarData | None:
    link = await publisher.live_link(token)
    return None if link is None else await _data_of(publisher, link, datetime.now(UTC))


async def _data_of(
    publisher: WidgetPublisher, link: LiveLink, now: datetime
) -> CalendarData | None:
    try:
        return await publisher.data(link, now)
    except NotFound:  # deleted between the lookup and the read
        return None


def _day(text: str | None) -> date | None:
    try:
        return None if text is None else date.fromisoformat(text)
    except ValueError:
        return None


def _page(
    request: WidgetRequest, data: CalendarData, accent: str, template: str, context: dict[str, Any]
) -> RenderedPage:
    style, style_source = accent_style(accent)
    html = request.render(template, {**context, "style": style})
    ancestors = frame_ancestors(data.settings.allowed_sites, data.personal)
    return rendered(200, html, content_security_policy(style_source, ancestors))


async def _unavailable(publisher: WidgetPublisher, request: WidgetRequest) -> RenderedPage:
    """One page for unknown, disabled, replaced and deleted links alike: it reveals nothing,
    so its language is the embed code's `lang` or the visitor's browser's, never the account's."""
    lang = parse_locale(request.query.get("lang"))
    tr = translator(lang) if lang else translator(negotiate(request.header(b"accept-language")))

    async def render() -> RenderedPage:
        style, style_source = accent_style(HOUSE_ACCENT)
        context = {"style": style, "html_lang": tr.language, **tr.template_globals()}
        html = request.render("widget/unavailable.html", context)
        csp = content_security_policy(style_source, frame_ancestors((), personal=False))
        return rendered(404, html, csp, cache_control="no-store", vary_language=True)

    return await publisher.pages.get_or_render(("unavailable", tr.language), render)


def _is_htmx(request: WidgetRequest) -> bool:
    headers = request.headers
    return headers.get(b"hx-request") == b"true" and b"hx-history-restore-request" not in headers
