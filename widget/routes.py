"""GET /embed/{token} (the widget page, or its body for htmx) and /embed/{token}/events/{uid}
(one event's details: the dialog's content for htmx, a page of its own without JavaScript)."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import UTC, datetime
from typing import Any

import msgspec
from litestar import Request, Response, get
from litestar.enums import MediaType
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath

from backend.errors import NotFound
from widget.actions import event_file, map_url
from widget.colors import accent_style
from widget.context import calendar_context
from widget.filters import chips_of, only_chosen
from widget.http import (
    RenderedPage,
    answer,
    content_security_policy,
    frame_ancestors,
    rendered,
)
from widget.i18n import negotiate, translator
from widget.locale import formatter
from widget.options import HOUSE_ACCENT, parse_locale, parse_options
from widget.publisher import CalendarData, WidgetPublisher
from widget.urls import WidgetUrls, carried


def widget_routes(publisher: WidgetPublisher) -> list[HTTPRouteHandler]:
    @get("/embed/{token:str}", include_in_schema=False)
    async def calendar_page(request: Request, token: FromPath[str]) -> Response[bytes]:
        found = await _data(publisher, token)
        if found is None:
            return _respond(request, await _unavailable(publisher, request))
        data, query = found, request.query_params
        options = parse_options(query, data.settings, data.meta.color)
        chips = chips_of(data.events, data.settings.filter_chips, query.getall("only", []))
        keep = carried(query, options) + (chips.keep() if chips else ())
        fragment = _is_htmx(request)
        language = options.lang or data.locale
        key: Hashable = ("calendar", token, data.key, language, options, keep, fragment)

        def render() -> RenderedPage:
            fmt = formatter(language)
            urls = WidgetUrls(token, keep, publisher.base_url)
            shown = msgspec.structs.replace(data, events=only_chosen(data.events, chips))
            context = calendar_context(shown, options, urls, fmt)
            context["chips"] = chips
            context.update(translator(language).template_globals())
            template = "widget/_body.html" if fragment else "widget/calendar.html"
            return _page(request, data, options.accent, template, context)

        return _respond(request, await publisher.pages.get_or_render(key, render))

    @get("/embed/{token:str}/events/{uid:str}", include_in_schema=False)
    async def event_page(
        request: Request, token: FromPath[str], uid: FromPath[str]
    ) -> Response[bytes]:
        found = await _data(publisher, token)
        event = None if found is None else found.event(uid)
        if found is None or event is None:
            return _respond(request, await _unavailable(publisher, request))
        data, query = found, request.query_params
        options = parse_options(query, data.settings, data.meta.color)
        keep = carried(query, options)
        fragment = _is_htmx(request)
        language = options.lang or data.locale
        key: Hashable = ("event", token, uid, data.key, language, options, keep, fragment)

        def render() -> RenderedPage:
            fmt = formatter(language)
            context = {
                "data": data,
                "meta": data.meta,
                "options": options,
                "event": event,
                "start": event.start.astimezone(data.zone),
                "end": event.end.astimezone(data.zone),
                "urls": WidgetUrls(token, keep, publisher.base_url),
                "map_url": map_url(event),
                "fmt": fmt,
                **translator(language).template_globals(),
            }
            template = "widget/_details.html" if fragment else "widget/details.html"
            return _page(request, data, options.accent, template, context)

        return _respond(request, await publisher.pages.get_or_render(key, render))

    # Actions: one event as a file to add to the visitor's own calendar.
    @get("/embed/{token:str}/events/{uid:str}/event.ics", include_in_schema=False)
    async def event_file_page(
        request: Request, token: FromPath[str], uid: FromPath[str]
    ) -> Response[bytes]:
        found = await _data(publisher, token)
        event = None if found is None else found.event(uid)
        if found is None or event is None:
            return _respond(request, await _unavailable(publisher, request))
        file = event_file(found.meta, event)
        headers = {
            "content-disposition": f'attachment; filename="{file.filename}"',
            "cache-control": "no-cache",
            "etag": file.etag,
            "referrer-policy": "no-referrer",
            "x-content-type-options": "nosniff",
            "x-robots-tag": "noindex, nofollow",
        }
        return Response(file.body, headers=headers, media_type="text/calendar; charset=utf-8")

    return [calendar_page, event_page, event_file_page]


async def _data(publisher: WidgetPublisher, token: str) -> CalendarData | None:
    link = await publisher.live_link(token)
    if link is None:
        return None
    try:
        return await publisher.data(link, datetime.now(UTC))
    except NotFound:  # deleted between the lookup and the read
        return None


def _page(
    request: Request, data: CalendarData, accent: str, template: str, context: dict[str, Any]
) -> RenderedPage:
    style, style_source = accent_style(accent)
    html = _render(request, template, {**context, "style": style})
    ancestors = frame_ancestors(data.settings.allowed_sites, data.personal)
    return rendered(200, html, content_security_policy(style_source, ancestors))


async def _unavailable(publisher: WidgetPublisher, request: Request) -> RenderedPage:
    """One page for unknown, disabled, replaced and deleted links alike: it reveals nothing,
    so its language is the embed code's `lang` or the visitor's browser's, never the account's."""
    lang = parse_locale(request.query_params.get("lang"))
    tr = translator(lang) if lang else translator(negotiate(request.headers.get("accept-language")))

    def render() -> RenderedPage:
        style, style_source = accent_style(HOUSE_ACCENT)
        context = {"style": style, "html_lang": tr.language, **tr.template_globals()}
        html = _render(request, "widget/unavailable.html", context)
        csp = content_security_policy(style_source, frame_ancestors((), personal=False))
        return rendered(404, html, csp, cache_control="no-store", vary_language=True)

    return await publisher.pages.get_or_render(("unavailable", tr.language), render)


def _render(request: Request, template: str, context: dict[str, Any]) -> str:
    return request.app.template_engine.get_template(template).render(**context)


def _is_htmx(request: Request) -> bool:
    headers = request.headers
    return headers.get("hx-request") == "true" and "hx-history-restore-request" not in headers


def _respond(request: Request, page: RenderedPage) -> Response[bytes]:
    status, body, headers = answer(page, request.headers)
    return Response(body, status_code=status, headers=headers, media_type=MediaType.HTML)
