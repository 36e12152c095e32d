"""Around every HTTP request, the raw-ASGI feed route included: one access log line (the path
with any link token shortened, never a query string) and the request metrics."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from time import perf_counter

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from backend import metrics
from backend.error_log import loggable_path
from backend.fetchlog import classify_client

access_logger = logging.getLogger("bookfeed.access")


def log_to_stdout(log_format: str) -> None:
    """Access lines go to standard output unless someone already chose where they go."""
    if not access_logger.handlers:
        handler = logging.StreamHandler(sys.stdout)
        shape = "%(message)s" if log_format == "json" else "%(asctime)s %(message)s"
        handler.setFormatter(logging.Formatter(shape))
        access_logger.addHandler(handler)
        access_logger.setLevel(logging.INFO)
        access_logger.propagate = False


class Observed:
    """Wraps the app's ASGI handler: Litestar has routed nothing yet when it is called, so
    `scope["path"]` is still the whole path (a mounted route later sees only its remainder)."""

    def __init__(self, app: ASGIApp, log_format: str) -> None:
        self._app = app
        self._json = log_format == "json"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = perf_counter()
        path = scope["path"]
        status, sent = 500, 0

        async def counting(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self._app(scope, receive, counting)
        finally:
            seconds = perf_counter() - started
            route = _route(scope)
            metrics.REQUESTS.labels(route, str(status)).inc()
            metrics.LATENCY.labels(route).observe(seconds)
            if access_logger.isEnabledFor(logging.INFO):
                access_logger.info(self._line(scope, path, status, sent, seconds))

    def _line(self, scope: Scope, path: str, status: int, sent: int, seconds: float) -> str:
        agent = next((v for k, v in scope["headers"] if k == b"user-agent"), b"")
        fields = {
            "method": scope["method"],
            "path": loggable_path(path),
            "status": status,
            "bytes": sent,
            "ms": round(seconds * 1000, 2),
            "client": classify_client(agent.decode("latin-1")).value,
        }
        if self._json:
            return json.dumps({"time": datetime.now(UTC).isoformat(), **fields})
        return "{method} {path} {status} {bytes}B {ms}ms {client}".format(**fields)


def _route(scope: Scope) -> str:
    """The route template a request matched: few distinct values, whatever the path."""
    template = scope.get("path_template")
    if template is None:
        return "unmatched"
    # A mounted route (the feeds) is matched with an empty template: its own path says more.
    return template or min(scope["route_handler"].paths)
