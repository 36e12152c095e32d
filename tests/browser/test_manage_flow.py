"""An owner manages a calendar in real Chromium, from sign-in to deleting it, while its feeds
answer exactly as promised."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.browser.conftest import DESKTOP, LiveServer

PHONE = {"width": 390, "height": 844}


def demo_login(server: LiveServer) -> tuple[str, str, str]:
    """The login URL, email and password that `serve --demo` printed."""
    for line in server.lines:
        match = re.match(r"(http://\S+/manage/login)\s+sign in as (\S+), password (\S+)$", line)
        if match:
            return match.group(1), match.group(2), match.group(3)
    raise AssertionError("serve --demo printed no login:\n" + "\n".join(server.lines))


def sign_in(page: Any, server: LiveServer) -> None:
    url, email, password = demo_login(server)
    page.goto(url)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/manage/$"))


def shoot(page: Any, artifacts: Path, name: str) -> None:
    """Screenshots at desktop and phone width; the page is left at desktop width."""
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(artifacts / f"manage-{name}-{label}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def feed_events(page: Any, url: str) -> str:
    response = page.request.get(url)
    assert response.status == 200
    body = response.text()
    assert body.startswith("BEGIN:VCALENDAR")
    return body


def link_card(page: Any, label: str) -> Any:
    return page.locator("article.link").filter(
        has=page.get_by_role("heading", name=label, exact=True)
    )


def feed_url_of(card: Any) -> str:
    return card.get_by_label("Feed URL").input_value()


def test_owner_manages_a_staff_calendar_from_sign_in_to_delete(
    live_server: LiveServer, page: Any, artifacts: Path
) -> None:
    url, _, _ = demo_login(live_server)
    page.goto(url)
    shoot(page, artifacts, "login")
    sign_in(page, live_server)
    assert page.get_by_role("heading", name="Subscription calendars").is_visible()
    shoot(page, artifacts, "calendars")

    page.get_by_role("link", name="New calendar").click()
    page.get_by_label("Name", exact=True).fill("Maya – with customers")
    page.get_by_label("Whose bookings it shows").select_option(label="Maya Okafor")
    page.get_by_label("Customer name").check()
    page.get_by_label("First name and initial: Jane D.").check()
    shoot(page, artifacts, "new-calendar")
    page.get_by_role("button", name="Create calendar").click()

    page.wait_for_url(re.compile(r"/manage/calendars/\d+$"))
    calendar_url = page.url
    assert page.locator(".summary .badge-personal").is_visible()
    assert "Maya Okafor" in page.locator(".summary").inner_text()
    preview = page.locator(".preview").inner_text()
    assert "Customer: " in preview
    assert re.search(r"Customer: \w+ \w\.", preview), "names show as first name and initial"

    first = link_card(page, "Default")
    first.get_by_role("button", name="Copy").first.click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == feed_url_of(first)
    assert copied.endswith(".ics")
    assert "BEGIN:VEVENT" in feed_events(page, copied)

    page.get_by_label("Add a link for").fill("Front desk")
    page.get_by_role("button", name="Add link").click()
    page.wait_for_load_state()
    second = link_card(page, "Front desk")
    second_url = feed_url_of(second)
    assert second_url != copied
    second.get_by_text("QR code for phones").click()
    qr = second.get_by_role("img", name=re.compile("QR code"))
    qr.wait_for()
    assert qr.evaluate("image => image.complete && image.naturalWidth > 0")
    shoot(page, artifacts, "calendar")

    page.evaluate("window.notReloaded = true")
    link_card(page, "Default").get_by_role("button", name="Disable").click()
    first = link_card(page, "Default")
    first.get_by_text("Disabled: its feed is empty").wait_for()
    assert page.evaluate("window.notReloaded === true"), "the toggle reloaded the page"
    assert "Disabled “Default”" in page.locator("#flash").inner_text()
    assert "BEGIN:VEVENT" not in feed_events(page, copied)
    assert "BEGIN:VEVENT" in feed_events(page, second_url)

    first.get_by_role("button", name="Enable").click()
    link_card(page, "Default").locator(".badge-on").wait_for()
    assert page.evaluate("window.notReloaded === true")
    assert "BEGIN:VEVENT" in feed_events(page, copied)

    first = link_card(page, "Default")
    first.get_by_text("Regenerate…").click()
    assert first.get_by_text("The current URL stops working at once").is_visible()
    first.get_by_role("button", name="Regenerate the URL").click()
    page.wait_for_url(re.compile(r"/manage/calendars/\d+"))
    regenerated = feed_url_of(link_card(page, "Default"))
    assert regenerated != copied
    assert "BEGIN:VEVENT" not in feed_events(page, copied)
    assert "BEGIN:VEVENT" in feed_events(page, regenerated)

    page.get_by_role("link", name="Edit settings").click()
    shoot(page, artifacts, "edit-calendar")
    page.goto(calendar_url)
    page.get_by_text("Delete calendar…").click()
    page.get_by_role("button", name="Delete “Maya – with customers”").click()
    page.wait_for_url(re.compile(r"/manage/$"))
    assert "Deleted “Maya – with customers”" in page.locator("#flash").inner_text()
    assert page.get_by_role("link", name="Maya – with customers").count() == 0
    for url in (regenerated, second_url):
        assert "BEGIN:VEVENT" not in feed_events(page, url)


def test_an_api_key_is_shown_once_and_can_be_revoked(
    live_server: LiveServer, page: Any, artifacts: Path
) -> None:
    sign_in(page, live_server)
    page.get_by_role("link", name="API keys").click()
    page.get_by_label("Create a key for").fill("Booking system")
    page.get_by_role("button", name="Create key").click()
    key = page.get_by_label("New API key").input_value()
    assert key.startswith("bfk_")
    shoot(page, artifacts, "api-keys")
    page.get_by_role("link", name="API keys").click()
    assert page.get_by_label("New API key").count() == 0
    row = page.locator("tr", has_text="Booking system").last
    row.get_by_text("Revoke…").click()
    row.get_by_role("button", name=re.compile("^Revoke bfk_")).click()
    assert "Revoked" in page.locator("#flash").inner_text()


def test_everything_is_reachable_by_keyboard(live_server: LiveServer, page: Any) -> None:
    url, email, password = demo_login(live_server)
    page.goto(url)
    # The email field takes the focus on arrival (autofocus lands just after the load event).
    page.wait_for_function("document.activeElement && document.activeElement.id === 'email'")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/manage/$"))

    focus_on(
        page, lambda: page.evaluate("document.activeElement.textContent") == "Treatment Room 1"
    )
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/manage/calendars/\d+$"))

    focus_on(page, lambda: page.evaluate("document.activeElement.textContent") == "Copy")
    focus_on(page, lambda: page.evaluate("document.activeElement.textContent") == "Disable")
    page.keyboard.press("Enter")
    page.locator(".badge-off").wait_for()
    assert page.evaluate("document.activeElement.textContent") == "Enable", "focus stays put"
    page.keyboard.press("Enter")
    page.locator(".badge-off").wait_for(state="detached")
    focus_on(page, lambda: page.evaluate("document.activeElement.textContent") == "Regenerate…")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Regenerate the URL"
    focus_on(page, lambda: page.evaluate("document.activeElement.textContent") == "Add link")
    focus_on(
        page, lambda: page.evaluate("document.activeElement.textContent") == "Delete calendar…"
    )


def focus_on(page: Any, reached: Any, limit: int = 80) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if reached():
            return
    raise AssertionError("Tab never reached the element")
