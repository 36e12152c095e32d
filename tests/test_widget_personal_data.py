"""A calendar that shows personal data is embeddable by no website until its owner lists the
sites that may embed it: its widget refuses every frame, and the owner's pages say so next to
the embed code and on the widget settings page."""

from __future__ import annotations

from backend.policy import Detail, Policy
from backend.store.widgets import WidgetSettings
from tests.conftest import CUSTOMER, Harness, OwnerClient
from tests.test_manage_calendars import text_of
from widget.settings import save_widget_settings

PERSONAL = Policy(details=frozenset({Detail.CUSTOMER_NAME}))
NOBODY = "No website may embed it: it shows personal data"


def frame_ancestors(harness: Harness, path: str) -> str:
    response = harness.client.get(path)
    assert response.status_code == 200
    return response.headers["content-security-policy"].split("frame-ancestors ", 1)[1]


def test_a_personal_data_widget_refuses_every_frame_until_sites_are_listed(acme: Harness) -> None:
    record, link = acme.create_calendar("acme", "Front desk", PERSONAL)
    assert frame_ancestors(acme, f"/embed/{link.token}") == "'none'"
    assert frame_ancestors(acme, f"/embed/{link.token}?view=list&lang=de") == "'none'"
    settings = WidgetSettings(allowed_sites=("https://www.example.com",))
    acme.call(save_widget_settings, acme.runtime.db, "acme", record.id, settings)
    assert frame_ancestors(acme, f"/embed/{link.token}") == "'self' https://www.example.com"
    acme.call(save_widget_settings, acme.runtime.db, "acme", record.id, WidgetSettings())
    assert frame_ancestors(acme, f"/embed/{link.token}") == "'none'"


def test_a_calendar_without_personal_data_stays_embeddable_by_any_site(acme: Harness) -> None:
    _, link = acme.create_calendar(
        "acme", "Timetable", Policy(details=frozenset({Detail.LOCATION}))
    )
    assert frame_ancestors(acme, f"/embed/{link.token}") == "*"


def test_ticking_personal_data_closes_an_embedded_widget_at_its_next_load(acme: Harness) -> None:
    record, link = acme.create_calendar("acme", "Timetable")
    assert frame_ancestors(acme, f"/embed/{link.token}") == "*"
    acme.call(acme.runtime.calendars.update_calendar, "acme", record.id, "Timetable", PERSONAL)
    assert frame_ancestors(acme, f"/embed/{link.token}") == "'none'"


def test_the_calendar_page_says_so_next_to_the_embed_code(owner: OwnerClient) -> None:
    record, _ = owner.harness.create_calendar("acme", "Front desk", PERSONAL)
    html = owner.get(f"/manage/calendars/{record.id}").text
    embed = text_of(html.split('id="embed-title"', 1)[1])
    assert NOBODY in embed
    assert "until you list the sites allowed to embed it in the widget settings" in embed
    assert "Any website may embed it" not in embed
    assert "data-calendar=" in embed, "the snippets are still there, for when sites are listed"
    assert "No preview: until you list the sites allowed to embed this calendar" in embed
    assert '<script src="/static/embed.js"' not in html, "no preview that could only fail"

    settings = WidgetSettings(allowed_sites=("https://www.example.com",))
    harness = owner.harness
    harness.call(save_widget_settings, harness.runtime.db, "acme", record.id, settings)
    html = owner.get(f"/manage/calendars/{record.id}").text
    assert "Only these sites may embed it: https://www.example.com." in text_of(html)
    assert NOBODY not in text_of(html)
    assert '<script src="/static/embed.js"' in html


def test_the_widget_settings_page_says_an_empty_list_means_no_site(owner: OwnerClient) -> None:
    personal, _ = owner.harness.create_calendar("acme", "Front desk", PERSONAL)
    plain, _ = owner.harness.create_calendar("acme", "Timetable")
    text = text_of(owner.get(f"/manage/calendars/{personal.id}/widget").text)
    assert "one a line; empty means no site" in text
    assert "This calendar shows personal data, so no website may embed it" in text
    text = text_of(owner.get(f"/manage/calendars/{plain.id}/widget").text)
    assert "one a line; empty means any site" in text
    assert "personal data" not in text


def test_the_event_pages_of_a_personal_data_widget_refuse_frames_too(acme: Harness) -> None:
    _, link = acme.create_calendar("acme", "Front desk", PERSONAL)
    body = acme.client.get(f"/embed/{link.token}").text
    path = next(
        part.split('"', 1)[0]
        for part in body.split('href="')[1:]
        if part.startswith(f"/embed/{link.token}/events/")
    )
    assert frame_ancestors(acme, path) == "'none'"
    assert CUSTOMER.name in acme.client.get(path).text, "a link holder still opens it itself"
