"""Around every HTTP request, the raw-ASGI feed route included: one access log line (the path
with any link token shortened, never a query string) and the request metrics."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from time import perf_counter
from typing import TextIO, TypeVar
from urllib.parse import quote

from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import Counter, Histogram

from backend import metrics
from backend.error_log import loggable_path
from backend.fetchlog import classify_client

FLUSH_SECONDS = 0.5
_KEPT = "/!$&'()*+,;=:@-._~%"


class AccessLog:
    """Lines written to a buffered stream (standard output) and flushed within FLUSH_SECONDS:
    the feed's hot path pays for neither the logging module nor a system call per request."""

    def __init__(self, stream: TextIO, log_format: str) -> None:
        self.stream = stream
        self._json = log_format == "json"
        self._flush_due = False
        self._second = -1
        self._stamp = ""
        # Most requests repeat a path and a user agent seen moments ago.
        self._paths: dict[str, str] = {}
        self._clients: dict[bytes, str] = {}

    def write(
        self, method: str, path: str, status: int, sent: int, seconds: float, agent: bytes
    ) -> None:
        now = int(time.time())
        if now != self._second:
            self._second = now
            self._stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
        shown = _remembered(self._paths, path, _loggable)
        client = _remembered(self._clients, agent, _client_kind)
        if self._json:
            fields = {
                "time": self._stamp,
                "method": method,
                "path": shown,
                "status": status,
                "bytes": sent,
                "ms": round(seconds * 1000, 2),
                "client": client,
            }
            line = json.dumps(fields, ensure_ascii=False)
        else:
            ms = seconds * 1000
            line = f"{self._stamp} {method} {shown} {status} {sent}B {ms:.2f}ms {client}"
        self.stream.write(line + "\n")
        if not self._flush_due:
            self._flush_due = True
            asyncio.get_running_loop().call_later(FLUSH_SECONDS, self.flush)

    def flush(self) -> None:
        self._flush_due = False
        self.stream.flush()


class Observed:
    """One access log line and the request metrics per HTTP request: `record` is told of an
    answer by whoever sent it; `wrapping(app)` watches what an ASGI app sends."""

    def __init__(self, log: AccessLog) -> None:
        self.log = log
        self._counted: dict[tuple[str, int], tuple[Counter, Histogram]] = {}

    def wrapping(self, app: ASGIApp) -> ASGIApp:
        async def observed(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            started, path = perf_counter(), scope["path"]
            status, sent = 500, 0

            async def counting(message: Message) -> None:
                nonlocal status, sent
                if message["type"] == "http.response.start":
                    status = message["status"]
                elif message["type"] == "http.response.body":
                    sent += len(message.get("body", b""))
                await send(message)

            try:
                await app(scope, receive, counting)
            finally:
                self.record(scope, path, status, sent, started)

        return observed

    def record(self, scope: Scope, path: str, status: int, sent: int, started: float) -> None:
        """`path` as asked, answered with `status` and `sent` body bytes; `started`, the
        perf_counter() when the request came."""
        seconds = perf_counter() - started
        requests, latency = self._metrics(scope.get("path_template") or "unmatched", status)
        requests.inc()
        latency.observe(seconds)
        agent = b""
        for name, value in scope["headers"]:
            if name == b"user-agent":
                agent = value
                break
        self.log.write(scope["method"], path, status, sent, seconds, agent)

    def _metrics(self, route: str, status: int) -> tuple[Counter, Histogram]:
        """The labelled series, looked up once per route and status."""
        found = self._counted.get((route, status))
        if found is None:
            found = self._counted[route, status] = (
                metrics.REQUESTS.labels(route, str(status)),
                metrics.LATENCY.labels(route),
            )
        return found


REMEMBERED = 4096
_Key = TypeVar("_Key", str, bytes)


def _remembered(seen: dict[_Key, str], key: _Key, work_out: Callable[[_Key], str]) -> str:
    found = seen.get(key)
    if found is None:
        if len(seen) >= REMEMBERED:
            seen.clear()
        found = seen[key] = work_out(key)
    return found


def _loggable(path: str) -> str:
    """The path as one field on one line, with any token shortened."""
    if not path.isascii() or not path.isprintable() or " " in path:
        path = quote(path, safe=_KEPT)
    return loggable_path(path)


def _client_kind(agent: bytes) -> str:
    return classify_client(agent.decode("latin-1")).value
