"""The widget's actions in Chromium: the loading state, the subscribe menu, adding one event,
times in the visitor's own zone, and the loader's deep links."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from backend.store.widgets import WidgetSettings
from tests.browser.conftest import LiveServer
from tests.browser.host_site import HostSite
from tests.browser.test_widget_a11y import serious_violations
from tests.browser.widget_support import (
    DESKTOP,
    PHONE,
    TIMETABLE,
    host_page,
    set_widget_settings,
    token_of,
    wait_until_fitted,
    widget_server,
)

SIZES = {"desktop": DESKTOP, "phone": PHONE}
OPACITY = "getComputedStyle(document.getElementById('bf-body'), '::before').opacity"


def open_widget(browser, server: LiveServer, query: str = "", **context_options):
    context = browser.new_context(**{"viewport": DESKTOP, **context_options})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{server.base_url}/embed/{token_of(server, TIMETABLE)}{query}")
    page.wait_for_selector("#bf-body")
    return context, page, errors


def box(page, selector: str) -> dict[str, float]:
    return page.locator(selector).bounding_box()


def test_a_slow_page_change_shows_the_wait(browser, live_server: LiveServer) -> None:
    context, page, errors = open_widget(browser, live_server, "?view=month")
    held = []

    def hold(route) -> None:  # answered 1.5 s later, by the test
        if route.request.headers.get("hx-request") == "true":
            held.append(route)
        else:
            route.continue_()

    page.route("**/embed/**", hold)
    # What the bar looks like 50 ms into the wait, read by the page itself.
    page.evaluate(
        f"""document.addEventListener('htmx:beforeRequest', () =>
            setTimeout(() => {{ window.bfEarly = {OPACITY}; }}, 50), {{ once: true }})"""
    )
    title = page.inner_text("#bf-title")
    assert page.evaluate(OPACITY) == "0"
    page.click("#bf-next")
    page.wait_for_function("() => window.bfEarly !== undefined")
    assert page.evaluate("window.bfEarly") == "0"  # no flash for a quick answer
    page.wait_for_timeout(1500)
    assert len(held) == 1
    assert page.get_attribute("#bf-body", "aria-busy") == "true"
    assert page.evaluate(OPACITY) == "1"
    assert page.inner_text("#bf-title") == title
    held[0].continue_()
    page.wait_for_function("t => document.getElementById('bf-title').textContent !== t", arg=title)
    for _ in range(2):  # at the swap, and once htmx has settled the new content
        assert page.get_attribute("#bf-body", "aria-busy") is None
        assert page.evaluate(OPACITY) == "0"
        page.wait_for_timeout(100)
    context.close()
    assert errors == []


@pytest.mark.parametrize("size", SIZES)
def test_the_subscribe_menu_floats_and_closes_like_a_menu(
    browser, live_server: LiveServer, artifacts: Path, size: str
) -> None:
    context, page, errors = open_widget(browser, live_server, "?view=month", viewport=SIZES[size])
    button = "#bf-subscribe-button"
    assert page.get_attribute(button, "aria-expanded") == "false"
    assert page.get_attribute(button, "aria-haspopup") == "menu"
    before = [box(page, s) for s in (button, "#bf-body", ".bf-head")]
    page.click(button)
    menu = page.locator("#bf-subscribe-list")
    menu.wait_for()
    page.wait_for_function(  # set on the details' toggle event, which follows the click
        "() => document.getElementById('bf-subscribe-button').ariaExpanded === 'true'"
    )
    assert page.evaluate("document.activeElement.textContent") == "Google Calendar"
    assert [box(page, s) for s in (button, "#bf-body", ".bf-head")] == before
    popup = box(page, "#bf-subscribe-menu")
    assert popup["x"] >= 0 and popup["x"] + popup["width"] <= SIZES[size]["width"]
    assert popup["y"] >= before[0]["y"] + before[0]["height"]
    items = page.locator("[role=menuitem]")
    labels = [items.nth(i).inner_text() for i in range(items.count())]
    assert labels[:4] == [
        "Google Calendar",
        "Outlook.com",
        "Outlook for work or school (Microsoft 365)",
        "Apple Calendar (iPhone, iPad, Mac)",
    ]
    assert labels[4].startswith("Android phone\nThrough Google Calendar")
    assert labels[5:] == ["Download a calendar file (.ics)", "Copy link"]
    assert not page.locator("#bf-copy-field").is_visible()
    page.screenshot(path=str(artifacts / f"widget-subscribe-{size}.png"))
    assert serious_violations(page) == []
    # Keyboard: focus starts on the first item, arrows move it, Esc closes back to the button.
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.textContent") == "Outlook.com"
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.id") == "bf-copy"
    page.keyboard.press("Escape")
    assert not menu.is_visible()
    assert page.evaluate("document.activeElement.id") == "bf-subscribe-button"
    assert page.get_attribute(button, "aria-expanded") == "false"
    page.keyboard.press("Enter")
    menu.wait_for()
    page.keyboard.press("Tab")
    assert not menu.is_visible()
    page.click(button)
    menu.wait_for()
    body = box(page, "#bf-body")
    page.mouse.click(body["x"] + 4, body["y"] + body["height"] - 4)  # outside the menu
    assert not menu.is_visible()
    assert [box(page, s) for s in (button, "#bf-body", ".bf-head")] == before
    context.close()
    assert errors == []


def test_the_frame_grows_to_hold_the_menu_over_an_empty_period(
    browser, live_server: LiveServer, host: HostSite
) -> None:
    token = token_of(live_server, TIMETABLE)
    attributes = {"view": "list", "date": "2020-01-01", "compact": "1"}  # before the window
    page = browser.new_page(viewport=PHONE)
    page.goto(host.page("empty-menu", host_page(live_server, [(token, attributes)])))
    frame = page.locator("iframe").element_handle().content_frame()
    frame.wait_for_selector(".bf-empty")
    frame.click("#bf-subscribe-button")
    # A locator, not wait_for_function: the widget's CSP forbids the eval that polling needs.
    frame.locator("#bf-subscribe-button[aria-expanded='true']").wait_for()
    height = wait_until_fitted(page, frame)
    bottom = frame.evaluate(
        "document.getElementById('bf-subscribe-menu').getBoundingClientRect().bottom + scrollY"
    )
    assert bottom <= height
    assert page.evaluate("document.querySelector('iframe').getBoundingClientRect().height") > bottom
    page.close()


def test_copy_link_copies_the_feed_or_shows_it_selected(browser, live_server: LiveServer) -> None:
    feed = f"{live_server.base_url}/feeds/{token_of(live_server, TIMETABLE)}.ics"
    permissions = ["clipboard-read", "clipboard-write"]
    context, page, errors = open_widget(browser, live_server, permissions=permissions)
    page.click("#bf-subscribe-button")
    page.click("#bf-copy")
    page.wait_for_function("() => document.getElementById('bf-copy').textContent === 'Link copied'")
    assert page.evaluate("navigator.clipboard.readText()") == feed
    context.close()

    context = browser.new_context(viewport=DESKTOP)
    context.add_init_script("Object.defineProperty(navigator, 'clipboard', { value: undefined })")
    page = context.new_page()
    page.goto(f"{live_server.base_url}/embed/{token_of(live_server, TIMETABLE)}")
    page.click("#bf-subscribe-button")
    page.click("#bf-copy")
    field = page.locator("#bf-copy-input")
    field.wait_for()
    assert page.evaluate("document.activeElement.id") == "bf-copy-input"
    selected = "(e => e.value.slice(e.selectionStart, e.selectionEnd))(document.activeElement)"
    assert page.evaluate(selected) == feed
    context.close()
    assert errors == []


def test_without_javascript_the_menu_is_a_plain_disclosure(
    browser, live_server: LiveServer
) -> None:
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    page.goto(f"{live_server.base_url}/embed/{token_of(live_server, TIMETABLE)}")
    before = box(page, "#bf-body")
    page.click("#bf-subscribe-button")
    assert page.locator("#bf-subscribe-list a").first.is_visible()
    assert page.locator("#bf-copy-input").is_visible()  # to copy by hand
    assert not page.locator("#bf-copy").is_visible()
    assert box(page, "#bf-body") == before
    context.close()


@pytest.mark.parametrize("size", SIZES)
def test_the_dialog_adds_one_event_as_a_file(
    browser, live_server: LiveServer, artifacts: Path, size: str
) -> None:
    context, page, errors = open_widget(
        browser, live_server, "?view=list", viewport=SIZES[size], accept_downloads=True
    )
    title = page.locator(".bf-event .bf-what").first.inner_text()
    page.locator(".bf-event").first.click()
    page.wait_for_selector("#bf-dialog[open]")
    add = page.locator("#bf-add-event")
    assert add.is_visible()
    dialog = box(page, "#bf-dialog")
    assert dialog["x"] >= 0 and dialog["x"] + dialog["width"] <= SIZES[size]["width"]
    page.screenshot(path=str(artifacts / f"widget-dialog-actions-{size}.png"))
    with page.expect_download() as download:
        add.click()
    file = Path(download.value.path()).read_text()
    assert download.value.suggested_filename.endswith(".ics")
    assert file.count("BEGIN:VEVENT") == 1
    assert f"SUMMARY:{title}" in file.replace("\r\n ", "")
    assert page.locator("#bf-dialog[open]").count() == 1  # the frame stayed on the calendar
    context.close()
    assert errors == []


def test_times_show_in_the_visitors_zone_on_request(
    browser, live_server: LiveServer, artifacts: Path
) -> None:
    context, page, errors = open_widget(
        browser, live_server, "?view=list", timezone_id="America/New_York"
    )
    toggle = page.locator("#bf-zone-toggle")
    assert toggle.inner_text() == "Show times in my time zone (New York)"
    page.locator(".bf-event").first.click()
    page.wait_for_selector("#bf-dialog[open]")
    span = page.locator('#bf-dialog time[data-bf-format="range"]')
    printed = span.inner_text()
    start = datetime.fromisoformat(span.get_attribute("datetime"))
    page.keyboard.press("Escape")
    toggle.click()
    assert toggle.inner_text() == "Show times in the business’s time zone (London)"
    page.locator(".bf-event").first.click()
    page.wait_for_selector("#bf-dialog[open]")
    local = start.astimezone(ZoneInfo("America/New_York"))
    shown = span.inner_text()
    assert shown != printed
    page.screenshot(path=str(artifacts / "widget-own-zone.png"))
    assert re.match(rf"0?{local.hour}:{local.minute:02d}", shown), (shown, local)
    page.keyboard.press("Escape")
    toggle.click()
    page.locator(".bf-event").first.click()
    page.wait_for_selector("#bf-dialog[open]")
    assert span.inner_text() == printed
    context.close()
    assert errors == []
    for same_clock in ("Europe/London", "Europe/Lisbon"):  # Lisbon's clocks agree all year
        context, page, errors = open_widget(browser, live_server, timezone_id=same_clock)
        page.wait_for_load_state("load")
        assert page.locator("#bf-zone-offer").is_hidden()
        context.close()


@pytest.mark.parametrize(
    ("attributes", "view", "first_day"),
    [
        ({"view": "week", "date": "2026-12-07"}, "week", "2026-12-07"),
        ({"date": "2026-12-07"}, "month", "2026-11-30"),
        ({"view": "year", "date": "tomorrow"}, "month", None),
    ],
)
def test_the_loader_passes_the_view_and_date_through(
    browser, live_server: LiveServer, host: HostSite, attributes, view: str, first_day
) -> None:
    token = token_of(live_server, TIMETABLE)
    page = browser.new_page(viewport=DESKTOP)
    page.goto(host.page(f"deep-{view}-{first_day}", host_page(live_server, [(token, attributes)])))
    src = page.locator("iframe").get_attribute("src")
    for name, value in attributes.items():
        assert f"{name}={value}" in src
    frame = page.locator("iframe").element_handle().content_frame()
    frame.wait_for_selector(f".bf-view-{view}")
    title = frame.inner_text("#bf-title")
    if first_day == "2026-12-07":
        assert "7" in title and "Dec" in title
    elif first_day is not None:
        assert "December 2026" in title
    else:
        assert title == datetime.now(ZoneInfo("Europe/London")).strftime("%B %Y")
    page.close()


@pytest.fixture(scope="module")
def chips_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with widget_server(tmp_path_factory.mktemp("chips")) as (live, database):
        set_widget_settings(database, TIMETABLE.split(" (")[0], WidgetSettings(filter_chips=True))
        yield live


@pytest.mark.parametrize("size", SIZES)
def test_filter_chips_narrow_the_calendar_in_place(
    browser, chips_server: LiveServer, artifacts: Path, size: str
) -> None:
    context, page, errors = open_widget(browser, chips_server, "?view=list", viewport=SIZES[size])
    chips = page.locator(".bf-chip")
    names = [chips.nth(i).inner_text() for i in range(chips.count())]
    assert names[0] == "All" and "Yoga – Beginners" in names and "Pilates" in names
    titles = set(page.locator(".bf-what").all_inner_texts())
    assert len(titles) > 2
    page.evaluate("window.bfMarker = 'same page'")
    page.locator(".bf-chip", has_text="Pilates").click()
    page.wait_for_selector('.bf-chip[aria-current="true"]:text("Pilates")')
    assert set(page.locator(".bf-what").all_inner_texts()) == {"Pilates"}
    page.click("#bf-next")
    page.wait_for_function("() => !document.getElementById('bf-body').ariaBusy")
    assert set(page.locator(".bf-what").all_inner_texts()) <= {"Pilates"}
    assert page.locator('.bf-chip[aria-current="true"]').all_inner_texts() == ["Pilates"]
    assert page.evaluate("window.bfMarker") == "same page"  # swapped by htmx, not reloaded
    page.screenshot(path=str(artifacts / f"widget-chips-{size}.png"))
    assert serious_violations(page) == []
    context.close()
    assert errors == []
