"""The one place where Bookfeed is wired: create_app(settings) -> Litestar."""

from __future__ import annotations

import gc
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, MediaType, Request, Response, get
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.exceptions.responses import create_exception_response
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from backend.api.docs import OPENAPI_JSON, openapi_config
from backend.api.errors import api_error
from backend.api.routes import api_router
from backend.error_log import logging_config
from backend.errors import BookfeedError, http_status
from backend.feeds import FeedPublisher
from backend.front import Front
from backend.manage.router import home, manage_router, method_not_allowed_page, not_found_page
from backend.observe import AccessLog, Observed
from backend.readiness import ready
from backend.resources import STATIC, TEMPLATES
from backend.runtime import Runtime
from backend.settings import Settings, load_settings
from backend.static import StaticFiles
from backend.text import clean
from widget.publisher import WidgetPublisher
from widget.routes import widget_route


def create_app(settings: Settings) -> Litestar:
    runtime = Runtime(settings)
    publisher = FeedPublisher(runtime)
    widget = WidgetPublisher(runtime)
    static = StaticFiles(STATIC)

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = Litestar(
        route_handlers=[
            health,
            ready,
            api_router(settings.max_body_bytes),
            manage_router(),
            home,
        ],
        template_config=TemplateConfig(
            directory=TEMPLATES,
            engine=JinjaTemplateEngine,
            engine_callback=lambda engine: _configure_templates(engine, static),
        ),
        lifespan=[lifespan],
        exception_handlers={BookfeedError: domain_error, HTTPException: http_error},
        openapi_config=openapi_config(),
        logging_config=logging_config(),
        state=State({"runtime": runtime, "widget": widget}),
    )
    raw = {"/feeds": publisher.respond, "/embed": widget_route(widget), "/static": static.respond}
    observed = Observed(AccessLog(sys.stdout, settings.log_format))
    app.asgi_handler = Front(app.asgi_handler, raw, observed)
    return app


def app_from_environment() -> Litestar:
    """The factory the server process calls: settings from BOOKFEED_* variables."""
    app = create_app(load_settings())
    # What start-up loaded lives as long as the process: the collections a large render
    # triggers (each one pauses every thread) then skip it.
    gc.collect()
    gc.freeze()
    # A render in a worker thread holds the GIL for the whole interval before the event loop
    # gets it back: 1 ms instead of 5 keeps a request's wait short.
    sys.setswitchinterval(0.001)
    return app


def _configure_templates(engine: JinjaTemplateEngine, static: StaticFiles) -> None:
    engine.engine.finalize = printed
    engine.engine.globals["static_url"] = static.url


def printed(value: object) -> object:
    """What a template prints of a value: text without control characters, whichever page
    and whatever field it comes from. Markup's own str methods keep escaped HTML escaped."""
    return clean(value) if isinstance(value, str) else value


@get("/healthz", sync_to_thread=False, include_in_schema=False)
def health() -> str:
    return "ok"


_PLAIN_PREFIXES = ("/feeds/", "/embed/", "/static/")


def http_error(request: Request[Any, Any, Any], error: HTTPException) -> Response[Any]:
    """Litestar's own errors (no such route, wrong method) in the form of the part they hit:
    problem details for the API, the owner pages' error page elsewhere, plain text where a
    widget or feed client asked."""
    path: str = request.scope["path"]
    if path.startswith("/api/") or path == "/api" or path == OPENAPI_JSON:
        return api_error(request, error)
    if error.status_code not in (404, 405):
        return create_exception_response(request, error)
    if path.startswith(_PLAIN_PREFIXES):
        text = "Not found\n" if error.status_code == 404 else "Method not allowed\n"
        headers = dict(error.headers or {})
        return Response(
            text, status_code=error.status_code, media_type=MediaType.TEXT, headers=headers
        )
    if error.status_code == 404:
        return not_found_page(request, error)
    return method_not_allowed_page(request, error)


def domain_error(_: Request, error: BookfeedError) -> Response:
    """Map the core's exceptions to HTTP once: 404, 400 (naming the field) or 409."""
    status = http_status(error)
    body: dict[str, object] = {"status": status, "error": str(error)}
    field = getattr(error, "field", None)
    if field:
        body["field"] = field
    return Response(body, status_code=status)
