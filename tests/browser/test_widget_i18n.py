"""The widget embedded with data-lang="de": German controls, German dialog, and a month view
whose longer words still fit a desktop and a phone."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import LiveServer
from tests.browser.host_site import HostSite
from tests.browser.widget_support import (
    DESKTOP,
    PHONE,
    TIMETABLE,
    host_page,
    token_of,
    wait_until_fitted,
)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_german_embed_shows_german_controls_that_fit(
    browser, host: HostSite, live_server: LiveServer, artifacts: Path, size: str
) -> None:
    viewport = DESKTOP if size == "desktop" else PHONE
    page = browser.new_page(viewport=viewport)
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    widgets = [(token_of(live_server, TIMETABLE), {"lang": "de", "view": "month"})]
    page.goto(host.page(f"german-{size}", host_page(live_server, widgets)))
    frame = page.locator("iframe").first.element_handle().content_frame()
    frame.wait_for_selector(".bf-view-month .bf-daylink")

    assert frame.evaluate("document.documentElement.lang") == "de"
    assert frame.inner_text("#bf-today") == "Heute"
    assert frame.inner_text(".bf-subscribe summary") == "Zu meinem Kalender hinzufügen"
    views = [frame.inner_text(f"#bf-view-{view}") for view in ("month", "week", "list")]
    assert views == ["Monat", "Woche", "Liste"]
    assert frame.get_attribute("#bf-prev", "aria-label") == "Vorheriger Monat"
    assert frame.get_attribute("#bf-next", "aria-label") == "Nächster Monat"
    assert frame.get_attribute(".bf-toolbar", "aria-label") == "Kalendernavigation"

    # Nothing is wider than the frame: long German words wrap instead of pushing out.
    overflow = frame.evaluate(
        "() => [...document.querySelectorAll('.bf-widget *')]"
        ".filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)"
        ".map(e => e.className || e.tagName)"
    )
    assert overflow == []
    assert frame.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    wait_until_fitted(page, frame)
    page.screenshot(path=str(artifacts / f"widget-de-month-{size}.png"), full_page=True)

    frame.click(".bf-subscribe summary")
    choices = frame.locator(".bf-subscribe-links").inner_text()
    assert "Apple Kalender (iPhone, iPad, Mac)" in choices
    assert "Über Google Kalender" in choices and choices.endswith("Link kopieren")
    frame.click(".bf-subscribe summary")
    if size == "phone":  # a phone's month counts each day's events; a day opens its own view
        frame.locator(".bf-daylink:has(.bf-count)").first.click()
        frame.wait_for_selector(".bf-view-day")
    frame.locator(".bf-event").first.click()
    dialog = frame.locator("#bf-dialog[open]")
    dialog.wait_for()
    assert frame.inner_text("#bf-dialog-close") == "Schließen"
    page.keyboard.press("Escape")
    frame.click("#bf-view-week")
    frame.wait_for_selector(".bf-view-week")
    assert frame.get_attribute("#bf-prev", "aria-label") == "Vorherige Woche"
    assert missing == []  # no favicon.ico (or anything else) is asked for in vain
    page.close()
