"""Bytes a browser transfers for the widget: a first load (cold cache) of the embed.js loader
and an /embed/TOKEN page with the static files it references, and a repeat load, against a real
server process.

    .venv/bin/python -m bench.static_bytes

The repeat load follows what a browser does with each response's validators: a response still
fresh by its Cache-Control max-age is not requested again; one with an ETag or Last-Modified is
revalidated with If-None-Match / If-Modified-Since; anything else is fetched again in full.
Figures are response bytes (status line, headers and body as sent, gzip accepted).
"""

from __future__ import annotations

import asyncio
import gzip
import http.client
import re
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import msgspec

from bench import widget
from bench.serving import granian

_ASSET = re.compile(r'<(?:link|script)\b[^>]*?\b(?:href|src)="(/static/[^"]+)"')


class Fetched(msgspec.Struct, frozen=True):
    path: str
    status: int
    wire_bytes: int
    headers: dict[str, str]
    body: bytes


def fetch(base: str, path: str, headers: dict[str, str] | None = None) -> Fetched:
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", path, headers={"Accept-Encoding": "gzip", **(headers or {})})
        response = connection.getresponse()
        body = response.read()  # http.client never decompresses: these are the bytes sent
        pairs = response.getheaders()
    finally:
        connection.close()
    head = len(f"HTTP/1.1 {response.status} {response.reason}\r\n") + 2
    head += sum(len(name) + len(value) + 4 for name, value in pairs)
    return Fetched(path, response.status, head + len(body), {k.lower(): v for k, v in pairs}, body)


def revalidation(first: Fetched) -> dict[str, str] | None:
    """The request headers of a repeat load, or None when the cached copy is still fresh."""
    cache_control = first.headers.get("cache-control", "")
    max_age = re.search(r"max-age=(\d+)", cache_control)
    if max_age and int(max_age.group(1)) > 0 and "no-cache" not in cache_control:
        return None
    headers = {}
    if "etag" in first.headers:
        headers["If-None-Match"] = first.headers["etag"]
    if "last-modified" in first.headers:
        headers["If-Modified-Since"] = first.headers["last-modified"]
    return headers


def loads(base: str, token: str) -> tuple[list[Fetched], list[Fetched | None]]:
    loader = fetch(base, "/static/embed.js")  # what the embedding site's page loads first
    page = fetch(base, f"/embed/{token}")
    assert page.status == 200, page.status
    html = page.body
    if page.headers.get("content-encoding") == "gzip":
        html = gzip.decompress(html)
    assets = dict.fromkeys(_ASSET.findall(html.decode()))
    first = [loader, page] + [fetch(base, path) for path in assets]
    repeat: list[Fetched | None] = []
    for response in first:
        headers = revalidation(response)
        repeat.append(None if headers is None else fetch(base, response.path, headers))
    return first, repeat


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bench.sqlite3"
        token, _, _ = asyncio.run(widget.seed(database))
        env = {"BOOKFEED_DATABASE": str(database), "BOOKFEED_SECRET_KEY": widget.SECRET}
        with granian("backend.app:app_from_environment", env) as base:
            first, repeat = loads(base, token)
    print(f"{'resource':<64} {'first load':>12} {'repeat load':>22}")
    for cold, warm in zip(first, repeat, strict=True):
        again = "not requested" if warm is None else f"{warm.status}, {warm.wire_bytes} B"
        print(f"{cold.path.replace(token, 'TOKEN'):<64} {cold.wire_bytes:>10} B {again:>22}")
    total_first = sum(response.wire_bytes for response in first)
    total_repeat = sum(response.wire_bytes for response in repeat if response is not None)
    requests = sum(response is not None for response in repeat)
    print(f"{'total':<64} {total_first:>10} B {f'{requests} requests, {total_repeat} B':>22}")


if __name__ == "__main__":
    main()
