"""Every unsafe request needs the page's CSRF token, an owner reaches only their own
account (anything else is a 404), and every owner page forbids inline script and framing."""

from __future__ import annotations

import re

import pytest
from litestar import HttpMethod

from backend import api_keys
from backend.policy import Policy
from backend.store.widgets import WidgetSettings
from tests.conftest import REFERENCES, Harness, OwnerClient, appointment, create_owner
from widget.settings import load_widget_settings


class Ids:
    """One of everything the owner pages address, in one account."""

    def __init__(self, harness: Harness, account_id: str) -> None:
        calendar, link = harness.create_calendar(account_id, f"{account_id} cal", Policy())
        self.calendar = calendar.id
        self.link = link.record.id
        self.token = link.token
        record, _ = harness.call(api_keys.create_key, harness.runtime.db, account_id, "sync")
        self.key = record.id


# Every unsafe route of the owner pages, with its placeholders; the first test checks the list
# is complete, so a new route cannot skip the CSRF and cross-account tests below.
UNSAFE_ROUTES = (
    "/manage/login",
    "/manage/logout",
    "/manage/calendars/new",
    "/manage/calendars/{calendar}/edit",
    "/manage/calendars/{calendar}/delete",
    "/manage/calendars/{calendar}/links",
    "/manage/calendars/{calendar}/widget",
    "/manage/links/{link}/enabled",
    "/manage/links/{link}/regenerate",
    "/manage/links/{link}/delete",
    "/manage/api-keys",
    "/manage/api-keys/{key}/revoke",
)
SAFE_ROUTES = (
    "/manage/login",
    "/manage/",
    "/manage/calendars/new",
    "/manage/calendars/{calendar}",
    "/manage/calendars/{calendar}/edit",
    "/manage/calendars/{calendar}/widget",
    "/manage/links/{link}/qr.svg",
    "/manage/api-keys",
)
FORM = {
    "name": "Renamed",
    "label": "New label",
    "enabled": "false",
    "scope": "account",
    "past_days": "30",
    "future_days": "30",
    "refresh_minutes": "60",
    "description": "Defaced",
    "color_mode": "set",
    "color": "#ff0000",
    "theme": "dark",
    "default_view": "list",
    "allowed_sites": "https://intruder.example",
}


@pytest.fixture
def two_accounts(owner: OwnerClient) -> tuple[OwnerClient, Ids, Ids]:
    """The signed-in owner of 'acme', and ids in 'acme' and in another account 'rival'."""
    harness = owner.harness
    harness.create_account("rival")
    harness.put("rival", *REFERENCES, appointment())
    create_owner(harness, "rival", "owner@rival.example")
    return owner, Ids(harness, "acme"), Ids(harness, "rival")


def fill(route: str, ids: Ids) -> str:
    return route.format(calendar=ids.calendar, link=ids.link, key=ids.key)


def placeholder_form(path: str) -> str:
    """'/manage/calendars/{calendar_id:int}/edit' as '/manage/calendars/{calendar}/edit'."""
    names = {"calendar_id": "calendar", "link_id": "link", "key_id": "key"}
    return re.sub(r"\{(\w+):int\}", lambda m: "{" + names[m.group(1)] + "}", path)


def manage_routes(harness: Harness, method: HttpMethod) -> set[str]:
    found = set()
    for route in harness.client.app.routes:
        if route.path.startswith("/manage") and method in getattr(route, "methods", ()):
            found.add(placeholder_form(route.path).rstrip("/") or "/")
    return found


def test_the_route_lists_here_cover_every_owner_route(harness: Harness) -> None:
    assert manage_routes(harness, HttpMethod.POST) == {r.rstrip("/") for r in UNSAFE_ROUTES}
    assert manage_routes(harness, HttpMethod.GET) == {r.rstrip("/") for r in SAFE_ROUTES}


@pytest.mark.parametrize("route", UNSAFE_ROUTES)
@pytest.mark.parametrize("token", ["missing", "wrong", "another browser's"])
def test_every_unsafe_route_refuses_a_request_without_the_pages_csrf_token(
    two_accounts: tuple[OwnerClient, Ids, Ids], route: str, token: str
) -> None:
    owner, mine, _ = two_accounts
    owner.get(f"/manage/calendars/{mine.calendar}")
    before = owner.get(f"/manage/calendars/{mine.calendar}").text
    data = {**FORM, "email": "owner@acme.example", "password": "correct horse battery"}
    if token == "wrong":
        data["_csrf"] = "0" * 64
    elif token == "another browser's":
        stranger = OwnerClient(owner.harness)
        saved = dict(owner.harness.client.cookies)
        owner.harness.client.cookies.clear()
        stranger.get("/manage/login")
        data["_csrf"] = stranger.csrf
        owner.harness.client.cookies.clear()
        owner.harness.client.cookies.update(saved)
    response = owner.post(fill(route, mine), data, csrf=False)
    assert response.status_code == 403
    assert "This form has expired" in response.text
    after = owner.get(f"/manage/calendars/{mine.calendar}")
    assert after.status_code == 200, "still signed in"
    assert _without_tokens(after.text) == _without_tokens(before), "nothing changed"


def test_the_csrf_token_may_come_in_a_header_for_htmx(
    two_accounts: tuple[OwnerClient, Ids, Ids],
) -> None:
    owner, mine, _ = two_accounts
    owner.get(f"/manage/calendars/{mine.calendar}")
    response = owner.harness.client.post(
        f"/manage/links/{mine.link}/enabled",
        data={"enabled": "false"},
        headers={"X-CSRF-Token": owner.csrf, "HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Disabled: its feed is empty" in response.text


@pytest.mark.parametrize("route", [r for r in SAFE_ROUTES if "{" in r])
def test_another_accounts_ids_are_not_found_on_every_page(
    two_accounts: tuple[OwnerClient, Ids, Ids], route: str
) -> None:
    owner, mine, theirs = two_accounts
    assert owner.get(fill(route, mine)).status_code == 200
    response = owner.get(fill(route, theirs))
    assert response.status_code == 404
    assert "rival" not in response.text


@pytest.mark.parametrize("route", [r for r in UNSAFE_ROUTES if "{" in r])
def test_another_accounts_ids_are_not_found_on_every_action_and_nothing_changes(
    two_accounts: tuple[OwnerClient, Ids, Ids], route: str
) -> None:
    owner, _, theirs = two_accounts
    harness = owner.harness
    links_before = harness.call(harness.runtime.calendars.links, "rival", theirs.calendar)
    owner.get("/manage/")
    response = owner.post(fill(route, theirs), FORM)
    assert response.status_code == 404
    assert "rival" not in response.text
    calendar = harness.call(harness.runtime.calendars.get_calendar, "rival", theirs.calendar)
    assert calendar.name == "rival cal"
    assert calendar.policy == Policy()
    links = harness.call(harness.runtime.calendars.links, "rival", theirs.calendar)
    assert links == links_before
    keys = harness.call(api_keys.list_keys, harness.runtime.db, "rival")
    assert [key.revoked_at for key in keys] == [None]
    widget = harness.call(load_widget_settings, harness.runtime.db, "rival", theirs.calendar)
    assert widget == WidgetSettings()


def test_the_list_shows_only_the_owners_own_calendars(
    two_accounts: tuple[OwnerClient, Ids, Ids],
) -> None:
    owner, _, _ = two_accounts
    page = owner.get("/manage/").text
    assert "acme cal" in page
    assert "rival cal" not in page
    assert "sync" in owner.get("/manage/api-keys").text


@pytest.mark.parametrize("route", SAFE_ROUTES)
def test_every_owner_page_sends_strict_security_headers(
    two_accounts: tuple[OwnerClient, Ids, Ids], route: str
) -> None:
    owner, mine, _ = two_accounts
    response = owner.get(fill(route, mine))
    assert response.status_code in (200, 303)
    assert_strict_headers(response)
    if response.headers.get("content-type", "").startswith("text/html"):
        assert_no_inline_code(response.text)


def test_error_pages_and_the_sign_in_page_carry_the_headers_too(harness: Harness) -> None:
    assert_strict_headers(harness.client.get("/manage/login"))
    harness.create_account("acme")
    create_owner(harness, "acme")
    owner = OwnerClient(harness)
    owner.sign_in()
    missing = owner.get("/manage/calendars/999999")
    assert missing.status_code == 404
    assert_strict_headers(missing)
    rejected = harness.client.post("/manage/login", data={"email": "a", "password": "b"})
    assert rejected.status_code == 403
    assert_strict_headers(rejected)


def assert_strict_headers(response: object) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    policy = headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-content-type-options"] == "nosniff"


def assert_no_inline_code(html: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert not re.search(r"<style\b", html), "inline <style>"
    assert not re.search(r"\sstyle=", html), "style attribute"
    assert not re.search(r"\son[a-z]+=", html), "event handler attribute"


def _without_tokens(html: str) -> str:
    return re.sub(r'name="_csrf" value="[^"]*"', "", html)
