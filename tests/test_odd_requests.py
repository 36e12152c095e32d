"""Requests nobody should send get a plain answer: ids too large for the database and paths
the file system refuses are not found (and log nothing), and the API reference page is as
locked down as every other HTML page."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from litestar import HttpMethod

from backend.app import create_app
from backend.settings import Settings
from tests.conftest import OwnerClient

TOO_LARGE_IDS = ("9223372036854775808", "99999999999999999999999", "-9223372036854775809")


def id_routes() -> list[tuple[str, str]]:
    """Every owner route with an id in its path, as (method, path), from the app itself."""
    app = create_app(Settings(database=Path("never-opened.sqlite3"), secret_key=b"unused"))
    found = []
    for route in app.routes:
        if route.path.startswith("/manage") and ":int}" in route.path:
            for method in (HttpMethod.GET, HttpMethod.POST):
                if method in getattr(route, "methods", ()):
                    found.append((method.value, route.path))
    return sorted(found)


ID_ROUTES = id_routes()


def test_the_id_routes_are_found_in_the_app() -> None:
    assert len(ID_ROUTES) >= 12
    assert ("GET", "/manage/calendars/{calendar_id:int}") in ID_ROUTES


@pytest.mark.parametrize("number", TOO_LARGE_IDS)
@pytest.mark.parametrize(("method", "route"), ID_ROUTES)
def test_an_id_beyond_64_bits_is_not_found_on_every_owner_route(
    owner: OwnerClient, caplog: pytest.LogCaptureFixture, method: str, route: str, number: str
) -> None:
    owner.get("/manage/")
    path = re.sub(r"\{\w+:int\}", number, route)
    with caplog.at_level(logging.ERROR):
        response = owner.get(path) if method == "GET" else owner.post(path, {"label": "x"})
    assert response.status_code == 404
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_the_largest_id_the_database_holds_is_simply_not_found(owner: OwnerClient) -> None:
    assert owner.get("/manage/calendars/9223372036854775807").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/static/embed.js%00.png",
        "/static/%00",
        "/static/css/%00/x.css",
        "/static/embed.js/inside-a-file",
        "/static/" + "a" * 4096,
    ],
)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_static_path_the_file_system_refuses_is_not_found_and_logs_nothing(
    owner: OwnerClient, caplog: pytest.LogCaptureFixture, path: str, method: str
) -> None:
    client = owner.harness.client
    with caplog.at_level(logging.ERROR):
        response = client.request(method, path)
    assert response.status_code == 404
    assert "Traceback" not in response.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert client.get("/static/embed.js").status_code == 200


def test_the_api_reference_page_sends_the_security_headers(owner: OwnerClient) -> None:
    response = owner.harness.client.get("/schema")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    headers = response.headers
    policy = headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    document = owner.harness.client.get("/schema/openapi.json")
    assert document.status_code == 200
    assert document.headers["x-content-type-options"] == "nosniff"
