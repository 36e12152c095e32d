"""Small promises of the owner pages: the navigation marks the current page, a message takes
the focus, a toggled link's embed snippets go at once, and nothing is drawn that needs
JavaScript to work (the browser side is in tests/browser/test_manage_details.py)."""

from __future__ import annotations

import re

from tests.conftest import OwnerClient


def nav_links(html: str) -> dict[str, str]:
    nav = html.split('<nav class="topnav"', 1)[1].split("</nav>", 1)[0]
    return {label: attrs for attrs, label in re.findall(r"<a ([^>]*)>([^<]+)</a>", nav)}


def test_the_navigation_marks_the_current_page(owner: OwnerClient) -> None:
    calendar, _ = owner.harness.create_calendar("acme", "Timetable")
    links = nav_links(owner.get("/manage/").text)
    assert 'aria-current="page"' in links["Calendars"]
    assert "aria-current" not in links["API keys"]
    links = nav_links(owner.get("/manage/api-keys").text)
    assert 'aria-current="page"' in links["API keys"]
    assert "aria-current" not in links["Calendars"]
    links = nav_links(owner.get(f"/manage/calendars/{calendar.id}").text)
    assert all("aria-current" not in attrs for attrs in links.values())


def test_the_message_after_adding_or_regenerating_a_link_takes_the_focus(
    owner: OwnerClient,
) -> None:
    calendar, link = owner.harness.create_calendar("acme", "Timetable")
    owner.get(f"/manage/calendars/{calendar.id}")
    added = owner.post(f"/manage/calendars/{calendar.id}/links", {"label": "Website"})
    assert added.headers["location"] == f"/manage/calendars/{calendar.id}", "opens at the top"
    html = owner.get(added.headers["location"]).text
    assert re.search(r'<p class="flash" [^>]*tabindex="-1" autofocus>Added the link', html)
    regenerated = owner.post(f"/manage/links/{link.record.id}/regenerate")
    html = owner.get(regenerated.headers["location"]).text
    assert re.search(r'<p class="flash" [^>]*tabindex="-1" autofocus>New URL for', html)
    assert "autofocus" not in owner.get(f"/manage/calendars/{calendar.id}").text, "shown once"


def test_disabling_a_link_in_place_also_replaces_the_embed_section(owner: OwnerClient) -> None:
    calendar, first = owner.harness.create_calendar("acme", "Timetable", label="Website")
    second = owner.harness.call(
        owner.harness.runtime.calendars.add_link, "acme", calendar.id, "Shop"
    )
    page = owner.get(f"/manage/calendars/{calendar.id}").text
    assert first.token in page.split('id="embed"', 1)[1]
    swapped = owner.post(
        f"/manage/links/{first.record.id}/enabled", {"enabled": "false"}, htmx=True
    ).text
    embed = swapped.split('<section class="card embed" id="embed"', 1)[1].split("</section>", 1)[0]
    assert embed.startswith(' aria-labelledby="embed-title" hx-swap-oob="true">')
    assert first.token not in embed, "no snippet of the disabled link"
    assert f'data-calendar="{second.token}"' in embed
    assert "Snippets for the link “Website”" not in embed

    owner.post(f"/manage/links/{second.record.id}/enabled", {"enabled": "false"}, htmx=True)
    swapped = owner.post(
        f"/manage/links/{first.record.id}/enabled", {"enabled": "true"}, htmx=True
    ).text
    assert f'data-calendar="{first.token}"' in swapped.split('id="embed"', 1)[1]


def test_copy_buttons_are_drawn_hidden_for_the_script_to_show(owner: OwnerClient) -> None:
    calendar, _ = owner.harness.create_calendar("acme", "Timetable")
    html = owner.get(f"/manage/calendars/{calendar.id}").text
    buttons = re.findall(r"<button [^>]*data-copy-target[^>]*>", html)
    assert len(buttons) >= 4
    assert all(" hidden" in button for button in buttons), buttons
    preview = html.split('class="embed-preview"', 1)[1].split("</div>", 1)[0]
    assert "<noscript><p" in preview
    assert "The live preview is drawn by JavaScript, which is turned off in this browser." in (
        preview
    )
