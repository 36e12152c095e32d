"""Static files: content-hashed URLs cached as immutable, gzip copies, ETag/304, and embed.js
at its fixed address with a short lifetime."""

from __future__ import annotations

import gzip
import io
import re
from pathlib import Path

from litestar import Litestar
from litestar.testing import TestClient

from backend.front import Front
from backend.observe import AccessLog, Observed
from backend.resources import STATIC
from backend.static import StaticFiles
from tests.conftest import Harness


def page_assets(harness: Harness) -> list[str]:
    harness.create_account("acme")
    _, link = harness.create_calendar()
    page = harness.client.get(f"/embed/{link.token}").text
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', page)


def test_pages_name_static_files_by_content_hash_cached_for_a_year(harness: Harness) -> None:
    assets = page_assets(harness)
    assert {re.sub(r"\.[0-9a-f]{24}\.", ".", url) for url in assets} == {
        "/static/favicon.svg",
        "/static/css/widget.css",
        "/static/vendor/htmx-2.0.11.min.js",
        "/static/js/widget.js",
    }
    for url in assets:
        response = harness.client.get(url, headers={"Accept-Encoding": "identity"})
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["etag"].startswith('"')
        plain_name = re.sub(r"\.[0-9a-f]{24}\.", ".", url.removeprefix("/static/"))
        assert response.content == (STATIC / plain_name).read_bytes()
    css = next(url for url in assets if url.endswith(".css"))
    assert harness.client.get(css).headers["content-type"] == "text/css; charset=utf-8"


def test_a_gzip_copy_decompresses_to_the_file(harness: Harness) -> None:
    htmx = next(url for url in page_assets(harness) if "htmx" in url)
    with harness.client.stream("GET", htmx, headers={"Accept-Encoding": "gzip"}) as response:
        sent = b"".join(response.iter_raw())
        assert response.headers["content-encoding"] == "gzip"
        assert response.headers["vary"] == "accept-encoding"
        assert int(response.headers["content-length"]) == len(sent)
    original = (STATIC / "vendor/htmx-2.0.11.min.js").read_bytes()
    assert gzip.decompress(sent) == original
    assert len(sent) < len(original) / 2


def test_an_unchanged_file_is_revalidated_with_a_304(harness: Harness) -> None:
    css = next(url for url in page_assets(harness) if url.endswith(".css"))
    for encoding in ("gzip", "identity"):
        first = harness.client.get(css, headers={"Accept-Encoding": encoding})
        again = harness.client.get(
            css, headers={"Accept-Encoding": encoding, "If-None-Match": first.headers["etag"]}
        )
        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["etag"] == first.headers["etag"]
        assert again.headers["cache-control"] == first.headers["cache-control"]
    stale = harness.client.get(css, headers={"If-None-Match": '"something-else"'})
    assert stale.status_code == 200 and stale.content


def test_embed_js_keeps_its_address_with_a_short_lifetime_and_an_etag(harness: Harness) -> None:
    response = harness.client.get("/static/embed.js")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=3600"
    assert response.headers["content-type"].startswith(
        ("text/javascript", "application/javascript")
    )
    assert response.content == (STATIC / "embed.js").read_bytes()
    again = harness.client.get(
        "/static/embed.js", headers={"If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304
    head = harness.client.head("/static/embed.js", headers={"Accept-Encoding": "identity"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(response.content))
    assert harness.client.post("/static/embed.js").status_code == 405


def test_a_changed_file_gets_a_new_url_and_the_old_one_stops_answering(tmp_path: Path) -> None:
    folder = tmp_path / "static"
    (folder / "css").mkdir(parents=True)
    (folder / "css" / "site.css").write_text("body { color: red }\n")
    before = StaticFiles(folder)
    old_url = before.url("css/site.css")
    assert re.fullmatch(r"/static/css/site\.[0-9a-f]{24}\.css", old_url)
    assert StaticFiles(folder).url("css/site.css") == old_url  # the same bytes, the same URL
    (folder / "css" / "site.css").write_text("body { color: blue }\n")
    after = StaticFiles(folder)
    new_url = after.url("css/site.css")
    assert new_url != old_url
    app = Litestar()
    observed = Observed(AccessLog(io.StringIO(), "text"))
    app.asgi_handler = Front(app.asgi_handler, {"/static": after.respond}, observed)
    with TestClient(app) as client:
        assert client.get(new_url).text == "body { color: blue }\n"
        assert client.get(old_url).status_code == 404
        assert client.get("/static/css/site.css").text == "body { color: blue }\n"
