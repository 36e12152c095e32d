"""The ceiling: a bare ASGI app answering with fixed bytes.

BENCH_BODY_FILE: every path gets that body as text/calendar. BENCH_RESPONSES: a JSON file
{path: {"status": …, "headers": [[name, value], …], "body": file}}, so each path answers with
exactly the status, headers and bytes a real response had (a 304 compared with a raw 304).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

Answer = tuple[int, list[tuple[bytes, bytes]], bytes]


def app_factory() -> Any:
    answers = _answers()
    default = next(iter(answers.values()))

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        status, headers, body = answers.get(scope["path"], default)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def _answers() -> dict[str, Answer]:
    if "BENCH_RESPONSES" not in os.environ:
        body = Path(os.environ["BENCH_BODY_FILE"]).read_bytes()
        headers = [
            (b"content-type", b"text/calendar; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
        ]
        return {"/": (200, headers, body)}
    spec = json.loads(Path(os.environ["BENCH_RESPONSES"]).read_text())
    return {
        path: (
            entry["status"],
            [(name.encode("latin-1"), value.encode("latin-1")) for name, value in entry["headers"]],
            Path(entry["body"]).read_bytes(),
        )
        for path, entry in spec.items()
    }
