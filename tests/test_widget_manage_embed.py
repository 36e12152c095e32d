"""The owner's calendar page offers the widget's embed snippets and a live preview."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import msgspec
from litestar.testing import TestClient

from backend.app import create_app
from backend.policy import Detail, Policy
from backend.settings import Settings
from tests.conftest import Harness, OwnerClient, create_owner

TEMPLATES = Path(__file__).parent.parent / "templates"


def test_the_calendar_page_offers_snippets_for_each_enabled_link(owner: OwnerClient) -> None:
    record, link = owner.harness.create_calendar("acme", "Timetable", label="Website")
    page = owner.get(f"/manage/calendars/{record.id}").text
    text = unescape(page)
    assert "Embed on your website" in page
    assert f'data-calendar="{link.token}" async></script>' in text
    assert f'<iframe src="http://127.0.0.1:8000/embed/{link.token}"' in text
    assert f'<script src="/static/embed.js" data-calendar="{link.token}"' in page  # the preview
    assert "Personal data" not in page


def test_embedding_a_calendar_with_personal_data_is_warned_about(owner: OwnerClient) -> None:
    policy = Policy(details=frozenset({Detail.CUSTOMER_NAME}))
    record, _ = owner.harness.create_calendar("acme", "Front desk", policy)
    page = owner.get(f"/manage/calendars/{record.id}").text
    section = page[page.index('id="embed-title"') :]
    assert "Embedding publishes this calendar to every visitor" in section
    assert "customer name" in section.lower()


def test_a_calendar_without_enabled_links_has_nothing_to_embed(owner: OwnerClient) -> None:
    record, link = owner.harness.create_calendar("acme", "Paused")
    calendars = owner.harness.runtime.calendars
    owner.harness.call(calendars.set_link_enabled, "acme", link.record.id, False)
    page = owner.get(f"/manage/calendars/{record.id}").text
    assert "Enable or add a link to embed this calendar." in page
    assert "/static/embed.js" not in page


def test_snippets_hold_the_links_own_urls_whatever_the_public_url(settings: Settings) -> None:
    served_under = msgspec.structs.replace(settings, public_url="http://example.org/feeds/")
    with TestClient(create_app(served_under)) as client:
        harness = Harness(client)
        harness.create_account("acme")
        create_owner(harness, "acme")
        owner = OwnerClient(harness)
        assert owner.sign_in().status_code == 303
        record, link = harness.create_calendar("acme", "Timetable")
        text = unescape(owner.get(f"/manage/calendars/{record.id}").text)
    base = "http://example.org/feeds"
    assert f'<script src="{base}/static/embed.js" data-calendar="{link.token}" async>' in text
    assert f'<iframe src="{base}/embed/{link.token}"' in text


def test_no_page_silently_drops_a_part_that_went_missing() -> None:
    for template in TEMPLATES.rglob("*.html"):
        for tag in re.findall(r"{%-?\s*include\b[^%]*%}", template.read_text()):
            assert "ignore missing" not in tag, (template, tag)
            literal = re.fullmatch(r'{%-?\s*include\s+"([^"]+)"\s*-?%}', tag)
            assert literal is None or (TEMPLATES / literal.group(1)).is_file(), (template, tag)
