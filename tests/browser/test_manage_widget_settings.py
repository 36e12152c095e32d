"""An owner restricts which websites may embed a calendar through the widget settings form,
and a website on another origin sees the change on its next load."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import LiveServer
from tests.browser.host_site import HostSite
from tests.browser.test_manage_flow import shoot, sign_in
from tests.browser.widget_support import (
    DESKTOP,
    TIMETABLE,
    host_page,
    token_of,
    widget_server,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with widget_server(tmp_path_factory.mktemp("widget-settings")) as (live, _):
        yield live


def embeds(browser: Any, host: HostSite, server: LiveServer, name: str) -> bool:
    """Whether a page of the host website shows the timetable widget (False: the browser
    refused to frame it)."""
    page = browser.new_page(viewport=DESKTOP)
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text))
    page.goto(host.page(name, host_page(server, [(token_of(server, TIMETABLE), {})])))
    frame = page.locator("iframe").first
    frame.wait_for(state="attached")
    content = frame.element_handle().content_frame()
    for _ in range(100):
        if content.locator(".bf-event").count() > 0:
            page.close()
            return True
        if any("frame-ancestors" in text for text in refused):
            page.close()
            return False
        page.wait_for_timeout(100)
    raise AssertionError(f"the widget neither showed nor was refused: {refused}")


def save_sites(page: Any, sites: str) -> None:
    page.get_by_label("Sites allowed to embed this calendar").fill(sites)
    page.get_by_role("button", name="Save widget settings").click()


def test_an_allowed_site_set_in_the_form_takes_effect_on_the_next_widget_load(
    browser: Any, host: HostSite, server: LiveServer, artifacts: Path
) -> None:
    assert embeds(browser, host, server, "before"), "any site may embed by default"
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, server)
    page.get_by_role("link", name=TIMETABLE.split(" (")[0]).click()
    page.get_by_role("link", name="Widget settings").click()
    page.wait_for_url(re.compile(r"/manage/calendars/\d+/widget$"))
    shoot(page, artifacts, "widget-settings")

    save_sites(page, "https://www.example.com/shop")
    alert = page.get_by_role("alert")
    assert "is not a website address" in alert.inner_text()
    field = page.get_by_label("Sites allowed to embed this calendar")
    assert field.input_value() == "https://www.example.com/shop"
    assert field.get_attribute("aria-invalid") == "true"
    shoot(page, artifacts, "widget-settings-error")

    save_sites(page, "https://www.example.com")
    page.wait_for_url(re.compile(r"/manage/calendars/\d+$"))
    assert "Saved the widget settings" in page.locator("#flash").inner_text()
    assert (
        "Only these sites may embed it: https://www.example.com"
        in page.locator(".embed").inner_text()
    )
    preview = page.frame_locator(".embed-preview iframe")
    preview.locator(".bf-event").first.wait_for()  # the owner's own preview still shows
    shoot(page, artifacts, "widget-settings-saved")
    assert not embeds(browser, host, server, "refused"), "a site not on the list is refused"

    page.get_by_role("link", name="Widget settings").click()
    save_sites(page, f"https://www.example.com\n{host.origin}")
    page.wait_for_url(re.compile(r"/manage/calendars/\d+$"))
    assert embeds(browser, host, server, "allowed"), "a listed site shows the widget"
    context.close()
    unexpected = [e for e in errors if "status of 400" not in e]  # the refused form's answer
    assert unexpected == [], f"the owner's pages reported errors: {unexpected}"
