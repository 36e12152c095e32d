"""Each view at the widths websites embed at: titles readable, events placed by time,
overlaps side by side, a now-line today, no overflow, 24 px targets on a phone, a month grid
that is one tab stop, print as a list, and a frame that fits exactly with classic scrollbars."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from backend.domain import Booking, BookingKind, Service
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, LiveServer
from tests.browser.host_site import HostSite
from tests.browser.test_manage_flow import sign_in
from tests.browser.widget_support import (
    TIMETABLE,
    add_bookings,
    host_page,
    token_of,
    wait_until_fitted,
    widget_server,
)

LONDON = ZoneInfo("Europe/London")
WIDTHS = (390, 600, 800, 1280)
VIEWS = ("month", "week", "day", "list")
WORKSHOP = Service(id="sv-workshop", name="Two-hour Workshop")
CHECK = Service(id="sv-check", name="Quick Check")
NOW_CLASS = Service(id="sv-now", name="Open Studio")
ALL_DAY = Service(id="sv-open-day", name="Open Day")
RETREAT = Service(id="sv-retreat", name="Winter Wellness Retreat")


def today() -> datetime:
    return datetime.combine(datetime.now(LONDON).date(), time(), LONDON)


def booking(id: str, service: Service, start: datetime, end: datetime) -> Booking:
    return Booking(id=id, kind=BookingKind.APPOINTMENT, service_id=service.id, start=start, end=end)


def added_bookings() -> list[Booking]:
    """Tomorrow, six two-hour workshops and a one-hour check from 10:00 beside the demo's
    11:00 appointment: eight at once. Today, a class around the current time; the day after
    tomorrow, a whole day; from then, a three-day retreat."""
    midnight = today()
    tomorrow = midnight + timedelta(days=1)
    now = datetime.now(LONDON)
    return [
        *(
            booking(f"ws-{n}", WORKSHOP, tomorrow.replace(hour=10), tomorrow.replace(hour=12))
            for n in range(6)
        ),
        booking("check", CHECK, tomorrow.replace(hour=10), tomorrow.replace(hour=11)),
        booking(
            "now",
            NOW_CLASS,
            max(midnight, now - timedelta(minutes=30)),
            min(tomorrow, now + timedelta(minutes=30)),
        ),
        booking("open-day", ALL_DAY, midnight + timedelta(days=2), midnight + timedelta(days=3)),
        booking(
            "retreat",
            RETREAT,
            (midnight + timedelta(days=3)).replace(hour=20),
            (midnight + timedelta(days=5)).replace(hour=10),
        ),
    ]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with widget_server(tmp_path_factory.mktemp("views")) as (live, database):
        add_bookings(database, [WORKSHOP, CHECK, NOW_CLASS, ALL_DAY, RETREAT], added_bookings())
        yield live


ERRORS: dict[int, list[str]] = {}  # console errors by page


def open_view(browser: Any, server: LiveServer, view: str, width: int, day: str = "") -> Any:
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors = ERRORS.setdefault(id(page), [])
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    query = f"view={view}" + (f"&date={day}" if day else "")
    page.goto(f"{server.base_url}/embed/{token_of(server, TIMETABLE)}?{query}")
    page.wait_for_selector(f".bf-view-{view}")
    page.wait_for_load_state("load")
    return page


def later(days: int) -> str:
    return (today() + timedelta(days=days)).date().isoformat()


def boxes(page: Any, selector: str) -> list[dict[str, Any]]:
    return page.eval_on_selector_all(
        selector,
        """els => els.filter(e => e.getClientRects().length).map(e => {
            const r = e.getBoundingClientRect();
            return {x: r.x, y: r.y, w: r.width, h: r.height, title: e.title,
                    text: e.innerText, column: [...document.querySelectorAll('.bf-col')]
                        .indexOf(e.closest('.bf-col'))};
        })""",
    )


def small_targets(page: Any) -> list[str]:
    """Visible links and buttons under 24 x 24 CSS px (the skip link is off screen)."""
    return page.eval_on_selector_all(
        "a, button, summary",
        """els => els.filter(e => e.getClientRects().length && !e.closest('.bf-hidden'))
            .map(e => [e, e.getBoundingClientRect()])
            .filter(([e, r]) => r.bottom > 0 && (r.width < 23.9 || r.height < 23.9))
            .map(([e, r]) => `${e.className || e.tagName} ${r.width}x${r.height}`)""",
    )


def overlapping(placed: list[dict[str, Any]]) -> list[tuple[str, str]]:
    found = []
    for i, a in enumerate(placed):
        for b in placed[i + 1 :]:
            if a["column"] != b["column"]:
                continue
            apart = (
                a["x"] + a["w"] <= b["x"] + 0.5
                or b["x"] + b["w"] <= a["x"] + 0.5
                or a["y"] + a["h"] <= b["y"] + 0.5
                or b["y"] + b["h"] <= a["y"] + 0.5
            )
            if not apart:
                found.append((a["text"], b["text"]))
    return found


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("view", VIEWS)
def test_each_view_at_each_width(
    browser: Any, server: LiveServer, artifacts: Path, view: str, width: int
) -> None:
    page = open_view(browser, server, view, width)
    page.screenshot(path=str(artifacts / f"widget-view-{view}-{width}.png"), full_page=True)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{view} is {overflow}px wider than {width}px"
    assert page.locator(".bf-zone").inner_text().startswith("Times are London time (GMT")
    if width == 390:
        assert small_targets(page) == []
    chips = boxes(page, ".bf-event")
    if view == "month" and width <= 560:  # a phone's month: each day's count opens the day
        counts = boxes(page, ".bf-count")
        assert counts and all(c["text"].isdigit() for c in counts)
    else:
        assert chips, "no event shown"
    for chip in chips:  # the whole text on hover, however narrow the chip
        assert " ".join(chip["text"].split()) in chip["title"]
    if view == "month" and width >= 800:
        clipped = page.eval_on_selector_all(
            ".bf-day .bf-event:not(.bf-continued):not(.bf-continues)",
            "els => els.filter(e => e.scrollHeight > e.clientHeight + 1"
            " || e.scrollWidth > e.clientWidth + 1).map(e => e.innerText)",
        )
        assert clipped == []
    timed_grid = view == "day" or (view == "week" and width > 560)
    if timed_grid:
        assert overlapping(boxes(page, ".bf-placed")) == []
        now = page.locator(".bf-today .bf-now")
        assert now.is_visible(), "no now-line today"
        line = now.bounding_box()
        open_studio = page.locator(".bf-today .bf-placed", has_text="Open Studio").bounding_box()
        # the class runs from 30 minutes before now to 30 after: the line crosses it
        assert open_studio["y"] - 2 <= line["y"] <= open_studio["y"] + open_studio["height"] + 2
    assert ERRORS.pop(id(page)) == []
    page.close()


@pytest.mark.parametrize("view", ["month", "week", "list"])
def test_whole_days_read_all_day_and_long_events_say_when_they_end(
    browser: Any, server: LiveServer, view: str
) -> None:
    page = open_view(browser, server, view, 800, later(2))
    chips = {c["text"]: c for c in boxes(page, ".bf-event")}
    assert any(text.startswith("All day") and "Open Day" in text for text in chips)
    page.close()
    page = open_view(browser, server, view, 800, later(4))
    retreat = [
        " ".join(t.split()) for t in chips | {c["text"]: c for c in boxes(page, ".bf-event")}
    ]
    retreat = [text for text in retreat if "Retreat" in text]
    assert "until 10:00 Winter Wellness Retreat" in retreat, retreat
    assert all(
        text.split(" Winter")[0] in ("from 20:00", "continues", "until 10:00") for text in retreat
    )
    page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_overlapping_bookings_sit_side_by_side_in_the_day_view(
    browser: Any, server: LiveServer, artifacts: Path, width: int
) -> None:
    page = open_view(browser, server, "day", width, later(1))
    page.screenshot(path=str(artifacts / f"widget-view-day-overlaps-{width}.png"), full_page=True)
    placed = boxes(page, ".bf-placed")
    at_ten = [p for p in placed if p["title"].startswith("10:00")]
    assert len(at_ten) == 7  # six workshops and the check, each in a lane of its own
    assert overlapping(placed) == []
    (check,) = [p for p in placed if "Quick Check" in p["title"]]
    workshop = next(p for p in placed if "Workshop" in p["title"])
    assert abs(workshop["h"] - 2 * check["h"]) <= 2  # two hours twice as tall as one
    assert abs(workshop["y"] - check["y"]) <= 1
    page.close()


def test_the_week_sends_a_crowded_hour_to_the_day(browser: Any, server: LiveServer) -> None:
    page = open_view(browser, server, "week", 1280, later(1))
    assert overlapping(boxes(page, ".bf-placed")) == []
    page.locator(".bf-lanes .bf-more").first.click()
    page.wait_for_selector(".bf-view-day")
    assert page.locator(".bf-placed", has_text="Quick Check").count() == 1
    page.close()


def test_the_month_grid_is_one_tab_stop_with_arrow_keys_and_a_skip_link(
    browser: Any, server: LiveServer
) -> None:
    page = open_view(browser, server, "month", 1280)
    page.locator("#bf-view-list").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "bf-skip"
    assert page.locator(".bf-skip").is_visible()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.closest('td').getAttribute('aria-current')")
    assert focused == "date"  # today's day
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('.bf-month')") is False
    stops = page.eval_on_selector_all(".bf-month a", "els => els.filter(e => e.tabIndex >= 0)")
    assert len(stops) == 1
    page.locator(".bf-day:not(.bf-outside) .bf-daylink").nth(9).focus()
    before = page.evaluate("document.activeElement.getAttribute('href')")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    after = page.evaluate("document.activeElement.getAttribute('href')")
    first, second = (datetime.fromisoformat(u.split("date=")[1][:10]) for u in (before, after))
    assert (second - first).days == 8
    assert page.eval_on_selector_all(".bf-month a", "els => els.filter(e => e.tabIndex >= 0)")
    page.keyboard.press("Enter")  # the day opens in place
    page.wait_for_selector(".bf-view-day")
    page.close()
    page = open_view(browser, server, "month", 1280)
    page.locator(".bf-skip").focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "bf-after-grid"
    page.close()


@pytest.mark.parametrize("view", VIEWS)
def test_print_shows_the_visible_range_as_a_list(
    browser: Any, server: LiveServer, artifacts: Path, view: str
) -> None:
    page = open_view(browser, server, view, 1280)
    page.emulate_media(media="print")
    page.screenshot(path=str(artifacts / f"widget-print-{view}.png"), full_page=True)
    assert not page.locator(".bf-pager").is_visible()
    assert not page.locator(".bf-views").is_visible()
    chips = boxes(page, ".bf-event")
    assert chips
    assert boxes(page, ".bf-outside") == []  # only the month's own days
    lefts = [c["x"] for c in chips]
    assert max(lefts) - min(lefts) <= 3, f"printed events are not one list: {sorted(lefts)}"
    page.close()


@pytest.fixture(scope="module")
def scrollbars(browser: Any) -> Iterator[Any]:
    """Chromium with classic scrollbars, as on Windows and most Linux desktops (Playwright
    hides them by default)."""
    classic = browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        ignore_default_args=["--hide-scrollbars"],
    )
    yield classic
    classic.close()


def assert_no_inner_scrollbar(frame: Any, what: str) -> None:
    sizes = frame.evaluate(
        "[document.documentElement.scrollHeight, document.documentElement.clientHeight,"
        " window.innerWidth - document.documentElement.clientWidth]"
    )
    assert sizes[0] <= sizes[1] and sizes[2] == 0, f"{what}: inner scroll {sizes}"


@pytest.mark.parametrize("compact", ["0", "1"])
@pytest.mark.parametrize("width", WIDTHS)
def test_the_frame_fits_exactly_with_classic_scrollbars(
    scrollbars: Any, server: LiveServer, host: HostSite, width: int, compact: str
) -> None:
    page = scrollbars.new_page(viewport={"width": width, "height": 900})
    widget = (token_of(server, TIMETABLE), {"compact": compact})
    page.goto(host.page(f"fit-{width}-{compact}", host_page(server, [widget])))
    frame = page.locator("iframe").element_handle().content_frame()
    frame.wait_for_selector("#bf-body")
    first = frame.get_attribute("#bf-body", "class").split("bf-view-")[1]  # a phone: the list
    for view in (first, *(view for view in VIEWS if view != first)):
        if view != first:
            frame.click(f"#bf-view-{view}")
            frame.wait_for_selector(f".bf-view-{view}")
        wait_until_fitted(page, frame)
        page.wait_for_timeout(200)
        assert_no_inner_scrollbar(frame, f"{view} at {width}px, compact={compact}")
    page.close()


def test_the_owners_live_preview_fits_with_classic_scrollbars(
    scrollbars: Any, server: LiveServer, artifacts: Path
) -> None:
    page = scrollbars.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, server)
    page.get_by_role("link", name=TIMETABLE.split(" (")[0]).first.click()
    preview = page.locator(".embed-preview iframe")
    preview.scroll_into_view_if_needed()
    frame = preview.element_handle().content_frame()
    frame.wait_for_selector(".bf-event")
    wait_until_fitted(page, frame)
    page.wait_for_timeout(100)
    preview.screenshot(path=str(artifacts / "widget-preview-classic-scrollbars.png"))
    assert_no_inner_scrollbar(frame, "the owner's preview")
    page.close()


@pytest.mark.parametrize("width", [600, 800, 1280])
def test_the_readmes_plain_iframe_holds_a_month(
    scrollbars: Any, server: LiveServer, host: HostSite, width: int
) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    snippet = re.search(r'<iframe src="https://cal\.example\.com/embed/TOKEN"[^>]*>', readme)
    assert snippet, "the README shows no plain iframe"
    html = snippet.group(0).replace(
        "https://cal.example.com/embed/TOKEN",
        f"{server.base_url}/embed/{token_of(server, TIMETABLE)}",
    )
    page = scrollbars.new_page(viewport={"width": width, "height": 900})
    page.goto(host.page(f"plain-{width}", f"<!doctype html><title>Plain</title>{html}</iframe>"))
    frame = page.locator("iframe").element_handle().content_frame()
    frame.wait_for_selector(".bf-view-month")
    page.wait_for_timeout(200)
    assert_no_inner_scrollbar(frame, f"a plain iframe at {width}px")
    page.close()


def test_a_month_that_narrows_below_its_titles_becomes_the_list(
    browser: Any, server: LiveServer
) -> None:
    """A plain iframe that a responsive page narrows: the widget switches by itself."""
    page = browser.new_page(viewport={"width": 800, "height": 900})
    page.goto(f"{server.base_url}/embed/{token_of(server, TIMETABLE)}")
    page.wait_for_selector(".bf-view-month")
    page.set_viewport_size({"width": 500, "height": 900})
    page.wait_for_selector(".bf-view-list")
    page.close()
