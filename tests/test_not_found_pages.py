"""Addresses that lead nowhere: the owner pages and the root answer with an HTML page that keeps
the navigation; feeds, the widget and static files answer in plain text."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Harness, OwnerClient

STRICT_CSP = "frame-ancestors 'none'"


def assert_error_page(response: Any, status: int, title: str) -> None:
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert f"<h1>{title}</h1>" in response.text
    assert STRICT_CSP in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"


# The session cookie is scoped to /manage, so only there is the owner known.
@pytest.mark.parametrize(
    "path", ["/manage/nope", "/manage/calendars/1/nope", "/manage/calendars/999999"]
)
def test_a_signed_in_owner_gets_a_not_found_page_with_the_navigation(
    owner: OwnerClient, path: str
) -> None:
    response = owner.get(path)
    assert_error_page(response, 404, "Not found")
    assert '<nav class="topnav"' in response.text
    assert 'href="/manage/api-keys"' in response.text
    assert "acme ltd" in response.text


@pytest.mark.parametrize("path", ["/manage/nope", "/nope", "/favicon.ico", "/manage/login/x"])
def test_a_visitor_gets_a_not_found_page_without_account_details(
    harness: Harness, path: str
) -> None:
    response = harness.client.get(path)
    assert_error_page(response, 404, "Not found")
    assert 'href="/manage/"' in response.text
    assert "Sign out" not in response.text


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [("DELETE", "/manage/", "GET"), ("PUT", "/manage/login", "POST"), ("POST", "/healthz", "GET")],
)
def test_a_wrong_method_on_a_page_is_an_html_405_with_allow(
    owner: OwnerClient, method: str, path: str, allow: str
) -> None:
    response = owner.harness.client.request(method, path)
    assert_error_page(response, 405, "Method not allowed")
    assert allow in response.headers["allow"]
    assert ('<nav class="topnav"' in response.text) is path.startswith("/manage/")


@pytest.mark.parametrize(
    "path", ["/feeds/nope", "/feeds/a/b.ics", "/embed/", "/embed/a/b/c/d", "/static/nope.css"]
)
def test_feeds_widget_and_static_files_answer_plain_text(harness: Harness, path: str) -> None:
    response = harness.client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == "Not found\n"
