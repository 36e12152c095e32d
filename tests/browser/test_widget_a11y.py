"""The widget's accessibility (axe-core finds nothing serious) and how each view looks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.conftest import LiveServer
from tests.browser.host_site import HostSite
from tests.browser.widget_support import (
    AXE,
    DESKTOP,
    MAYA,
    PHONE,
    TIMETABLE,
    host_page,
    token_of,
    wait_until_fitted,
)

VIEWS = ("month", "week", "day", "list")
SIZES = {"desktop": DESKTOP, "phone": PHONE}
# WCAG 2.2 AA, target size (2.5.8) included.
WCAG = {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}


def serious_violations(page) -> list[str]:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci --prefix tests/browser` (./scripts/test does)")
    page.evaluate(AXE.read_text())  # evaluated over the DevTools protocol, so the CSP allows it
    result = page.evaluate(
        "only => axe.run(document, { runOnly: only, resultTypes: ['violations'] })", WCAG
    )
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize(
    ("theme", "size", "compact"),
    [
        ("light", "desktop", "0"),
        ("dark", "desktop", "0"),
        ("light", "phone", "0"),
        ("light", "phone", "1"),
    ],
)
@pytest.mark.parametrize("view", VIEWS)
def test_no_serious_accessibility_violations(
    browser, live_server: LiveServer, view: str, theme: str, size: str, compact: str
) -> None:
    page = browser.new_page(viewport=SIZES[size])
    token = token_of(live_server, TIMETABLE)
    page.goto(f"{live_server.base_url}/embed/{token}?view={view}&theme={theme}&compact={compact}")
    page.wait_for_selector(f".bf-view-{view}")
    assert serious_violations(page) == []
    page.close()


def test_the_open_details_dialog_has_no_serious_violations(
    browser, live_server: LiveServer
) -> None:
    page = browser.new_page(viewport=DESKTOP)
    page.goto(f"{live_server.base_url}/embed/{token_of(live_server, MAYA)}?view=list")
    page.locator(".bf-event").first.click()
    page.wait_for_selector("#bf-dialog[open]")
    assert serious_violations(page) == []
    page.close()


@pytest.mark.parametrize("size", SIZES)
def test_screenshots_of_each_view(
    browser, live_server: LiveServer, host: HostSite, artifacts: Path, size: str
) -> None:
    token = token_of(live_server, TIMETABLE)
    for view in VIEWS:
        page = browser.new_page(viewport=SIZES[size])
        page.goto(host.page(f"shot-{view}", host_page(live_server, [(token, {"view": view})])))
        frame = page.locator("iframe").element_handle().content_frame()
        frame.wait_for_selector(f".bf-view-{view}")
        wait_until_fitted(page, frame)
        path = artifacts / f"widget-{view}-{size}.png"
        page.screenshot(path=str(path), full_page=True)
        overflow = frame.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the {view} view is {overflow}px wider than the {size} frame"
        shown = ".bf-count" if view == "month" and size == "phone" else ".bf-event"
        assert frame.locator(shown).first.is_visible(), f"the {view} view shows no event"
        if view == "list":
            frame.locator(".bf-event").first.click()
            frame.wait_for_selector("#bf-dialog[open]")
            page.screenshot(path=str(artifacts / f"widget-dialog-{size}.png"))
        page.close()


def test_the_owner_sees_a_live_preview_of_the_widget(
    browser, live_server: LiveServer, artifacts: Path
) -> None:
    email, password = re.search(
        r"sign in as (\S+), password (\S+)", "\n".join(live_server.lines)
    ).groups()
    page = browser.new_page(viewport=DESKTOP)
    page.goto(f"{live_server.base_url}/manage/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.get_by_role("link", name="Northside Studio – timetable").first.click()
    preview = page.locator(".embed-preview iframe")
    preview.scroll_into_view_if_needed()
    frame = preview.element_handle().content_frame()
    frame.wait_for_selector(".bf-event")
    wait_until_fitted(page, frame)
    page.locator("#embed-title").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "widget-manage-preview.png"))
    assert frame.locator(".bf-event").count() > 10
    page.close()
