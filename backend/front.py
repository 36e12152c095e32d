"""The first stop of every HTTP request: feeds, widget pages and static files, whose answers are
mostly bytes prepared in memory, go straight to their own handlers; everything else goes
through Litestar, whose routing and middleware would cost more than such an answer itself."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from time import perf_counter

from litestar.types import ASGIApp, Receive, Scope, Send

from backend.observe import Observed

Headers = list[tuple[bytes, bytes]]
ONLY_GET_AND_HEAD: Headers = [(b"allow", b"GET, HEAD"), (b"content-length", b"0")]
Sent = tuple[int, int]  # the status and the body's length, for the access log and metrics
# (the path under the route's prefix, the scope, send): "TOKEN.ics" for "/feeds/TOKEN.ics"
RawRoute = Callable[[str, Scope, Send], Awaitable[Sent]]


class Front:
    """Routes a path under one of `raw`'s prefixes ("/feeds", …) to that handler, labelled for
    the metrics by its prefix unless the handler names a finer route template, and the rest
    to `app`; `observed` logs and counts both."""

    def __init__(self, app: ASGIApp, raw: Mapping[str, RawRoute], observed: Observed) -> None:
        self._app = observed.wrapping(app)
        self._raw = dict(raw)
        self.observed = observed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            end = path.find("/", 1)
            prefix = path[:end] if end > 0 else path  # "/feeds/…" → "/feeds"
            handler = self._raw.get(prefix)
            if handler is not None:
                scope["path_template"] = prefix
                started, sent = perf_counter(), (500, 0)
                try:
                    sent = await handler(path[len(prefix) + 1 :], scope, send)
                finally:
                    self.observed.record(scope, path, *sent, started)
                return
        await self._app(scope, receive, send)


async def answered(send: Send, status: int, headers: Headers, body: bytes) -> Sent:
    """Send a whole answer at once."""
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
    return status, len(body)
