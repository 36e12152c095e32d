"""The owner pages in Chromium, the way a person uses them: the scope chosen in the calendar
form is the one saved, a message after an action is in view and focused, a disabled link
leaves the embed section at once, a calendar with personal data stays off other websites,
and without JavaScript nothing is drawn that cannot work."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import icalendar
import pytest

from tests.browser.conftest import DESKTOP, LiveServer
from tests.browser.host_site import HostSite
from tests.browser.test_manage_flow import link_card, sign_in
from tests.browser.widget_support import MAYA, host_page, token_of, widget_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A demo server of this module's own: these tests add, disable and regenerate links."""
    with widget_server(tmp_path_factory.mktemp("manage-details")) as (live, _):
        yield live


def staff_in_feed(page: Any, feed_url: str) -> list[str]:
    """The staff line of each event of the feed."""
    feed = icalendar.Calendar.from_ical(page.request.get(feed_url).body())
    return [
        next(line for line in str(event["DESCRIPTION"]).splitlines() if line.startswith("Staff"))
        for event in feed.walk("VEVENT")
    ]


def in_view_and_focused(page: Any, selector: str) -> bool:
    page.wait_for_function(f"document.activeElement === document.querySelector('{selector}')")
    return page.evaluate(
        """(selector) => {
            const box = document.querySelector(selector).getBoundingClientRect();
            return box.top >= 0 && box.bottom <= window.innerHeight;
        }""",
        selector,
    )


def test_a_staff_member_picked_in_the_form_is_the_one_the_calendar_follows(
    server: LiveServer, page: Any
) -> None:
    sign_in(page, server)
    page.get_by_role("link", name="New calendar").click()
    page.get_by_label("Name", exact=True).fill("Tom only")
    page.get_by_label("Whose bookings it shows").select_option(label="Tom Hughes")
    page.get_by_label("Staff name").check()
    page.get_by_role("button", name="Create calendar").click()
    page.wait_for_url(re.compile(r"/manage/calendars/\d+$"))
    assert "Staff: Tom Hughes" in page.locator(".summary").inner_text()
    feed_url = link_card(page, "Default").get_by_label("Feed URL").input_value()
    lines = staff_in_feed(page, feed_url)
    assert lines and all(line == "Staff: Tom Hughes" for line in lines), set(lines)

    page.get_by_role("link", name="Edit settings").click()
    scope = page.get_by_label("Whose bookings it shows")
    assert scope.locator("option:checked").inner_text() == "Tom Hughes"
    scope.select_option(label="Raj Patel")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(re.compile(r"/manage/calendars/\d+$"))
    assert "Staff: Raj Patel" in page.locator(".summary").inner_text()
    lines = staff_in_feed(page, feed_url)
    assert lines and all(line == "Staff: Raj Patel" for line in lines), set(lines)


def test_the_message_after_adding_or_regenerating_a_link_is_in_view_and_focused(
    server: LiveServer, page: Any
) -> None:
    sign_in(page, server)
    page.get_by_role("link", name="Treatment Room 1").first.click()
    page.get_by_label("Add a link for").fill("Reception tablet")
    page.get_by_role("button", name="Add link").click()
    page.wait_for_load_state()
    assert "Added the link “Reception tablet”" in page.locator("#flash").inner_text()
    assert in_view_and_focused(page, "#flash-message")

    card = link_card(page, "Reception tablet")
    card.get_by_text("Regenerate…").click()
    card.get_by_role("button", name="Regenerate the URL").click()
    page.wait_for_load_state()
    assert "New URL for “Reception tablet”" in page.locator("#flash").inner_text()
    assert in_view_and_focused(page, "#flash-message")


def test_a_link_disabled_in_place_leaves_the_embed_section_without_a_reload(
    server: LiveServer, page: Any
) -> None:
    sign_in(page, server)
    page.get_by_role("link", name="Northside Studio – timetable").first.click()
    page.get_by_label("Add a link for").fill("Second website")
    page.get_by_role("button", name="Add link").click()
    page.wait_for_load_state()
    embed = page.locator("#embed")
    assert embed.get_by_text("Snippets for the link “Website”").count() == 1
    token = token_of(server, "Northside Studio – timetable (Website)")
    assert token in embed.inner_html()

    page.evaluate("window.notReloaded = true")
    link_card(page, "Website").get_by_role("button", name="Disable").click()
    link_card(page, "Website").locator(".badge-off").wait_for()
    page.locator("#embed").get_by_text("Snippets for the link “Website”").wait_for(state="detached")
    assert page.evaluate("window.notReloaded === true"), "the toggle reloaded the page"
    assert token not in page.locator("#embed").inner_html()
    assert page.locator("#embed").get_by_text("Snippets for the link “Second website”").count()

    link_card(page, "Website").get_by_role("button", name="Enable").click()
    page.locator("#embed").get_by_text("Snippets for the link “Website”").wait_for()
    assert page.evaluate("window.notReloaded === true")


def test_the_nav_marks_the_current_page(server: LiveServer, page: Any) -> None:
    sign_in(page, server)
    nav = page.get_by_role("navigation", name="Main")
    assert nav.locator("[aria-current=page]").inner_text() == "Calendars"
    nav.get_by_role("link", name="API keys").click()
    page.wait_for_url(re.compile(r"/api-keys$"))
    assert nav.locator("[aria-current=page]").inner_text() == "API keys"


def test_a_personal_data_calendar_is_refused_by_another_website_and_says_so(
    server: LiveServer, page: Any, browser: Any, host: HostSite
) -> None:
    website = browser.new_page(viewport=DESKTOP)  # its refusals are expected, not errors
    refusal = "frame-ancestors 'none'"
    with website.expect_console_message(lambda message: refusal in message.text):
        website.goto(host.page("personal", host_page(server, [(token_of(server, MAYA), {})])))
    frame = website.locator("iframe").first
    assert frame.element_handle().content_frame().locator("#bf-body").count() == 0
    website.close()

    sign_in(page, server)
    page.get_by_role("link", name="Maya's appointments").first.click()
    page.wait_for_url(re.compile(r"/manage/calendars/\d+$"))
    text = page.locator("#embed").inner_text()
    assert "No website may embed it: it shows personal data" in text
    assert "No preview" in text
    assert page.locator("#embed iframe").count() == 0


def test_without_javascript_copy_buttons_are_hidden_and_the_preview_says_why_it_is_empty(
    server: LiveServer, browser: Any
) -> None:
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, server)
    page.get_by_role("link", name="Northside Studio – timetable").first.click()
    page.wait_for_url(re.compile(r"/manage/calendars/\d+$"))
    buttons = page.locator("button[data-copy-target]")
    assert buttons.count() >= 4
    assert all(not button.is_visible() for button in buttons.all())
    assert page.get_by_label("Feed URL").first.is_visible(), "the URL itself stays to copy"
    notice = page.locator(".embed-preview p")  # Playwright's text search skips <noscript>
    assert notice.is_visible()
    assert "The live preview is drawn by JavaScript" in notice.inner_text()
    context.close()

    scripted = browser.new_context(viewport=DESKTOP)
    page = scripted.new_page()
    sign_in(page, server)
    page.get_by_role("link", name="Northside Studio – timetable").first.click()
    page.locator("button[data-copy-target]").first.wait_for(state="visible")
    assert not page.locator(".embed-preview p").is_visible()
    page.locator(".embed-preview iframe").wait_for()
    scripted.close()
