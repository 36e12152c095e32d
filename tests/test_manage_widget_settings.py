"""The owner sets a calendar's widget defaults and the sites allowed to embed it in the
browser: a saved change shows on the next widget load, and a refused one comes back as typed
with a message and changes nothing."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.store.widgets import WidgetSettings
from tests.conftest import OwnerClient
from widget.settings import load_widget_settings

VALID = {
    "accent": "#336699",
    "theme": "dark",
    "default_view": "list",
    "compact": "on",
    "allowed_sites": "https://www.example.com\r\nHTTPS://Shop.Example.org/\r\n\r\n",
}
SAVED = WidgetSettings(
    accent="#336699",
    theme="dark",
    compact=True,
    default_view="list",
    allowed_sites=("https://www.example.com", "https://shop.example.org"),
)
ORIGIN = re.compile(r"https?://(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?", re.ASCII)


class Website:
    """One calendar of 'acme' with a link for a website, seen by its signed-in owner."""

    def __init__(self, owner: OwnerClient) -> None:
        self.owner = owner
        record, link = owner.harness.create_calendar("acme", "Timetable", label="Website")
        self.id = record.id
        self.token = link.token
        self.form_url = f"/manage/calendars/{record.id}/widget"

    def save(self, **changes: str) -> Any:
        self.owner.get(self.form_url)
        fields = {**VALID, **changes}
        return self.owner.post(self.form_url, [(k, v) for k, v in fields.items() if v is not None])

    def widget(self) -> Any:
        return self.owner.harness.client.get(f"/embed/{self.token}")

    def frame_ancestors(self) -> str:
        csp = self.widget().headers["content-security-policy"]
        return csp.split("frame-ancestors ", 1)[1]

    def stored(self) -> WidgetSettings:
        harness = self.owner.harness
        return harness.call(load_widget_settings, harness.runtime.db, "acme", self.id)


@pytest.fixture
def website(owner: OwnerClient) -> Website:
    return Website(owner)


def text_of(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def test_the_calendar_page_links_to_the_widget_settings_and_says_any_site_may_embed(
    website: Website,
) -> None:
    page = website.owner.get(f"/manage/calendars/{website.id}").text
    assert f'href="{website.form_url}"' in page
    assert "Any website may embed it." in text_of(page)


def test_the_form_starts_from_the_defaults_with_a_note_on_each_field(website: Website) -> None:
    page = website.owner.get(website.form_url)
    assert page.status_code == 200
    html = page.text
    assert re.search(r'id="theme-light"[^>]*checked', html)
    assert re.search(r'id="view-month"[^>]*checked', html)
    assert not re.search(r'id="compact"[^>]*checked', html)
    assert re.search(r'<textarea id="allowed_sites"[^>]*></textarea>', html)
    assert 'placeholder="#2b5fb4"' in html
    text = text_of(html)
    assert "Sites allowed to embed this calendar, one a line; empty means any site" in text
    assert "Phones start with the list" in text


def test_saved_settings_show_on_the_next_widget_load(website: Website) -> None:
    before = website.widget()
    assert website.frame_ancestors() == "*"
    assert 'data-theme="light"' in before.text
    saved = website.save()
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/manage/calendars/{website.id}"
    assert website.stored() == SAVED
    after = website.widget()
    assert website.frame_ancestors() == "'self' https://www.example.com https://shop.example.org"
    assert "--bf-accent:#336699" in after.text
    assert 'data-theme="dark"' in after.text
    assert "bf-view-list" in after.text
    assert "bf-compact" in after.text
    page = text_of(website.owner.get(f"/manage/calendars/{website.id}").text)
    assert "Saved the widget settings of “Timetable”" in page
    assert (
        "Only these sites may embed it: https://www.example.com, https://shop.example.org." in page
    )
    form = website.owner.get(website.form_url).text
    assert ">https://www.example.com\nhttps://shop.example.org</textarea>" in form
    assert re.search(r'id="compact"[^>]*checked', form)


def test_emptying_the_sites_lets_any_site_embed_again(website: Website) -> None:
    website.save()
    assert website.frame_ancestors() != "*"
    assert website.save(allowed_sites="", accent="", compact=None).status_code == 303
    assert website.frame_ancestors() == "*"
    assert website.stored() == WidgetSettings(theme="dark", default_view="list")
    assert "--bf-accent:#2b5fb4" in website.widget().text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("accent", "not-a-colour", "The accent must be a colour such as #2b5fb4."),
        ("accent", "red;}body{x", "The accent must be a colour such as #2b5fb4."),
        ("allowed_sites", "https://a.example/path", "is not a website address"),
        ("allowed_sites", "javascript:alert(1)", "is not a website address"),
        ("allowed_sites", "*; script-src *", "is not a website address"),
        ("allowed_sites", "https://ok.example\n'self' 'unsafe-inline'", "is not a website address"),
        ("allowed_sites", '"><script>alert(1)</script>', "is not a website address"),
        ("allowed_sites", "\n".join(f"https://s{n}.example" for n in range(21)), "at most 20"),
        ("theme", "neon", "The theme is light, dark or system."),
        ("default_view", "agenda", "The default view is month, week, day or list."),
    ],
)
def test_invalid_input_comes_back_as_typed_with_a_message_and_changes_nothing(
    website: Website, field: str, value: str, message: str
) -> None:
    website.save()
    csp_before = website.widget().headers["content-security-policy"]
    refused = website.save(**{"theme": "system", field: value})
    assert refused.status_code == 400
    html = refused.text
    assert message in text_of(html)
    assert f'href="#{field}-field"' in html, "the summary points at the field"
    assert "<script>alert" not in html
    if field == "allowed_sites":
        assert f">{value}</textarea>" in unescape(html)
    elif field == "accent":
        assert f'value="{value}"' in unescape(html)
    if field != "theme":
        assert re.search(r'id="theme-system"[^>]*checked', html), "other input is kept too"
    assert website.stored() == SAVED
    assert website.widget().headers["content-security-policy"] == csp_before


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60))
def test_whatever_is_typed_as_a_site_only_origins_reach_the_csp(
    website: Website, text: str
) -> None:
    answer = website.save(allowed_sites=text)
    assert answer.status_code in (303, 400)
    sources = website.frame_ancestors().split(" ")
    assert sources == ["*"] or (
        sources[0] == "'self'" and all(ORIGIN.fullmatch(s) for s in sources[1:])
    )


def test_filter_chips_are_off_until_the_owner_turns_them_on(website: Website) -> None:
    form = website.owner.get(website.form_url).text
    assert re.search(r'<input type="checkbox" id="filter_chips"', form)
    assert not re.search(r'id="filter_chips"[^>]*checked', form)
    assert website.stored().filter_chips is False
    assert website.save(filter_chips="on").status_code == 303
    assert website.stored().filter_chips is True
    assert re.search(r'id="filter_chips"[^>]*checked', website.owner.get(website.form_url).text)
    page = text_of(website.owner.get(f"/manage/calendars/{website.id}").text)
    assert "compact, filter chips." in page
    assert website.save(filter_chips=None).status_code == 303  # an unticked box is absent
    assert website.stored().filter_chips is False


def test_a_refused_form_keeps_the_filter_choice_as_typed(website: Website) -> None:
    refused = website.save(accent="not a colour", filter_chips="on")
    assert refused.status_code == 400
    assert re.search(r'id="filter_chips"[^>]*checked', refused.text)
    assert website.stored().filter_chips is False
