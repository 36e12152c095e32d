"""The first stop of every HTTP request: feeds, widget pages and static files, whose answers are
mostly bytes prepared in memory, go straight to their own handlers; everything else goes
through Litestar, whose routing and middleware would cost more than such an answer itself."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from litestar.types import ASGIApp, Receive, Scope, Send

# (the path under the route's prefix, the scope, send): "TOKEN.ics" for "/feeds/TOKEN.ics"
RawRoute = Callable[[str, Scope, Send], Awaitable[None]]


class Front:
    """Routes a path under one of `raw`'s prefixes ("/feeds", …) to that handler, labelled for
    the metrics by its prefix unless the handler names a finer route template."""

    def __init__(self, app: ASGIApp, raw: Mapping[str, RawRoute]) -> None:
        self._app = app
        self._raw = dict(raw)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            end = path.find("/", 1)
            prefix = path[:end] if end > 0 else path  # "/feeds/…" → "/feeds"
            handler = self._raw.get(prefix)
            if handler is not None:
                scope["path_template"] = prefix
                await handler(path[len(prefix) + 1 :], scope, send)
                return
        await self._app(scope, receive, send)
