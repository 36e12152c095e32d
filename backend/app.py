"""The one place where Bookfeed is wired: create_app(settings) -> Litestar."""

from __future__ import annotations

import gc
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from litestar import Litestar, Request, Response, get
from litestar.datastructures import State
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from backend.api.docs import openapi_config
from backend.api.routes import api_router
from backend.error_log import logging_config
from backend.errors import BookfeedError, http_status
from backend.feeds import FeedPublisher
from backend.manage.router import home, manage_router
from backend.runtime import Runtime
from backend.settings import Settings, load_settings
from widget.publisher import WidgetPublisher
from widget.routes import widget_routes

ROOT = Path(__file__).resolve().parent.parent


def create_app(settings: Settings) -> Litestar:
    runtime = Runtime(settings)
    publisher = FeedPublisher(runtime)
    widget = WidgetPublisher(runtime)

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    return Litestar(
        route_handlers=[
            publisher.asgi_route(),
            health,
            api_router(settings.max_body_bytes),
            create_static_files_router(path="/static", directories=[ROOT / "static"]),
            manage_router(),
            home,
            *widget_routes(widget),
        ],
        template_config=TemplateConfig(directory=ROOT / "templates", engine=JinjaTemplateEngine),
        lifespan=[lifespan],
        exception_handlers={BookfeedError: domain_error},
        openapi_config=openapi_config(),
        logging_config=logging_config(),
        state=State({"runtime": runtime, "widget": widget}),
    )


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


@get("/healthz", sync_to_thread=False)
def health() -> str:
    return "ok"


def domain_error(_: Request, error: BookfeedError) -> Response:
    """Map the core's exceptions to HTTP once: 404, 400 (naming the field) or 409."""
    status = http_status(error)
    body: dict[str, object] = {"status": status, "error": str(error)}
    field = getattr(error, "field", None)
    if field:
        body["field"] = field
    return Response(body, status_code=status)
