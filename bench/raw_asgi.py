"""The ceiling: a bare ASGI app answering with fixed bytes from BENCH_BODY_FILE."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def app_factory() -> Any:
    body = Path(os.environ["BENCH_BODY_FILE"]).read_bytes()
    headers = [
        (b"content-type", b"text/calendar; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
    ]

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app
