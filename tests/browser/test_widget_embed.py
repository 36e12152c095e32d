"""The widget embedded in a website on another origin through the one-line loader."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.store.widgets import WidgetSettings
from tests.browser.conftest import LiveServer
from tests.browser.host_site import HostSite
from tests.browser.widget_support import (
    DESKTOP,
    MAYA,
    PHONE,
    ROOM,
    TIMETABLE,
    host_page,
    set_widget_settings,
    token_of,
    wait_until_fitted,
    widget_server,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, host: HostSite) -> Iterator[LiveServer]:
    with widget_server(tmp_path_factory.mktemp("widget")) as (live, database):
        set_widget_settings(
            database,
            ROOM.split(" (")[0],
            WidgetSettings(allowed_sites=("https://www.example.com",)),
        )
        for name in (TIMETABLE, MAYA):  # Maya's shows personal data: only listed sites embed it
            set_widget_settings(
                database, name.split(" (")[0], WidgetSettings(allowed_sites=(host.origin,))
            )
        yield live


def open_host(browser, host: HostSite, server: LiveServer, name: str, widgets, viewport=DESKTOP):
    page = browser.new_page(viewport=viewport)
    page.goto(host.page(name, host_page(server, widgets)))
    frames = page.locator("iframe")
    frames.first.wait_for()
    return page


def frame_of(page, index: int = 0):
    frame = page.locator("iframe").nth(index).element_handle().content_frame()
    frame.wait_for_selector("#bf-body")
    return frame


def test_the_loader_embeds_a_calendar_that_pages_without_reloading(
    browser, host: HostSite, server: LiveServer
) -> None:
    page = open_host(browser, host, server, "paging", [(token_of(server, TIMETABLE), {})])
    frame = frame_of(page)
    assert frame.locator(".bf-event").count() > 10
    assert page.locator("iframe").get_attribute("loading") == "lazy"
    frame.evaluate("window.bfMarker = 'still here'")
    title = frame.inner_text("#bf-title")
    frame.click("#bf-next")
    frame.wait_for_function("t => document.querySelector('#bf-title').textContent !== t", arg=title)
    following = frame.inner_text("#bf-title")
    frame.click("#bf-prev")
    frame.wait_for_function("t => document.querySelector('#bf-title').textContent === t", arg=title)
    frame.click("#bf-next")
    frame.wait_for_function(
        "t => document.querySelector('#bf-title').textContent === t", arg=following
    )
    frame.click("#bf-today")
    frame.wait_for_function("t => document.querySelector('#bf-title').textContent === t", arg=title)
    frame.click("#bf-view-week")
    frame.wait_for_selector(".bf-view-week")
    assert frame.locator(".bf-col").count() == 7
    frame.click("#bf-view-list")
    frame.wait_for_selector(".bf-view-list")
    assert frame.locator(".bf-listday").count() > 3
    assert frame.evaluate("window.bfMarker") == "still here"  # the same document throughout
    page.close()


def test_the_iframe_height_follows_its_content(browser, host: HostSite, server: LiveServer) -> None:
    page = open_host(browser, host, server, "height", [(token_of(server, TIMETABLE), {})])
    frame = frame_of(page)
    month = wait_until_fitted(page, frame)
    frame.click("#bf-view-week")
    frame.wait_for_selector(".bf-view-week")
    week = wait_until_fitted(page, frame)
    assert abs(month - week) > 50
    frame.click("summary")
    frame.wait_for_selector("#bf-subscribe-list")
    assert wait_until_fitted(page, frame) == week  # the open menu floats: nothing moves
    page.close()


def test_several_widgets_on_one_page_fit_each_their_own_height(
    browser, host: HostSite, server: LiveServer
) -> None:
    widgets = [
        (token_of(server, TIMETABLE), {"view": "month"}),
        (token_of(server, MAYA), {"view": "week", "theme": "dark"}),
    ]
    page = open_host(browser, host, server, "several", widgets)
    first, second = frame_of(page, 0), frame_of(page, 1)
    assert first.locator(".bf-view-month").count() == 1
    assert second.locator(".bf-view-week").count() == 1
    assert second.evaluate("document.documentElement.dataset.theme") == "dark"
    heights = [wait_until_fitted(page, first, 0), wait_until_fitted(page, second, 1)]
    assert abs(heights[0] - heights[1]) > 50  # each frame has its own height
    page.close()


def test_a_phone_gets_the_list_view(browser, host: HostSite, server: LiveServer) -> None:
    token = token_of(server, TIMETABLE)
    page = open_host(browser, host, server, "phone", [(token, {})], viewport=PHONE)
    assert frame_of(page).locator(".bf-view-list").count() == 1
    page.close()
    direct = browser.new_page(viewport=PHONE)  # a plain <iframe> snippet: the page itself switches
    direct.goto(f"{server.base_url}/embed/{token}")
    direct.wait_for_selector(".bf-view-list")
    direct.close()


def test_the_details_dialog_opens_by_keyboard_with_allowed_fields_only(
    browser, host: HostSite, server: LiveServer
) -> None:
    page = open_host(browser, host, server, "dialog", [(token_of(server, MAYA), {"view": "list"})])
    frame = frame_of(page)
    event = frame.locator(".bf-event").first
    event.focus()
    page.keyboard.press("Enter")
    dialog = frame.locator("#bf-dialog[open]")
    dialog.wait_for()
    text = dialog.inner_text()
    assert frame.evaluate("document.activeElement.id") == "bf-dialog-close"
    assert re.search(r"\+44 7700 9\d{5}", text)  # customer phone: allowed
    assert "Customer" in text and "Where" in text
    for withheld in ("@", "Membership", "Road", "Prefers", "Treatment Room", "Maya Okafor"):
        assert withheld not in text
    page.keyboard.press("Escape")
    frame.wait_for_selector("#bf-dialog", state="hidden")
    assert frame.evaluate("document.activeElement.classList.contains('bf-event')")
    page.close()


def test_a_restricted_calendar_refuses_a_host_not_on_its_list(
    browser, host: HostSite, server: LiveServer
) -> None:
    refused: list[str] = []
    page = browser.new_page(viewport=DESKTOP)
    page.on("console", lambda message: refused.append(message.text))
    widgets = [(token_of(server, ROOM), {}), (token_of(server, TIMETABLE), {})]
    page.goto(host.page("restricted", host_page(server, widgets)))
    allowed = frame_of(page, 1)  # the timetable lists this host
    assert allowed.locator(".bf-event").count() > 0
    page.wait_for_function("() => document.querySelectorAll('iframe').length === 2")
    blocked = page.locator("iframe").nth(0).element_handle().content_frame()
    page.wait_for_timeout(500)
    assert blocked.locator("#bf-body").count() == 0
    assert any("frame-ancestors" in text for text in refused), refused
    page.close()


def test_the_no_javascript_widget_still_works_with_plain_links(browser, server: LiveServer) -> None:
    context = browser.new_context(java_script_enabled=False, viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{server.base_url}/embed/{token_of(server, MAYA)}?view=list")
    title = page.inner_text("#bf-title")
    page.click("#bf-next")
    assert page.inner_text("#bf-title") != title
    page.click("#bf-prev")
    page.locator(".bf-event").first.click()
    assert page.locator(".bf-details-page #bf-dialog-title").count() == 1
    context.close()
    assert Path(page.url).name  # the details page has its own URL
