"""Values that end up in response headers are held to ASCII-only rules: a Unicode digit never
passes for a digit, and a bad value already stored can never break the page it belongs to."""

from __future__ import annotations

import pytest

from backend import api_keys
from backend.errors import NotFound
from backend.store.db import now_utc
from backend.store.widgets import WidgetSettings, put_settings
from tests.conftest import Harness, OwnerClient
from tests.test_manage_widget_settings import SAVED, Website, text_of

FULL_WIDTH_PORT = "https://a.example:\uff18\uff10"  # full-width 80, which \d matches
ARABIC_INDIC_PORT = "https://a.example:\u0668\u0660"


@pytest.fixture
def website(owner: OwnerClient) -> Website:
    return Website(owner)


@pytest.mark.parametrize("site", [FULL_WIDTH_PORT, ARABIC_INDIC_PORT])
def test_an_allowed_site_with_non_ascii_digits_is_refused_with_a_message(
    website: Website, site: str
) -> None:
    website.save()
    refused = website.save(allowed_sites=site)
    assert refused.status_code == 400
    assert "is not a website address" in text_of(refused.text)
    assert website.stored() == SAVED
    assert website.widget().status_code == 200


def test_a_stored_site_a_header_cannot_carry_is_dropped_and_the_widget_still_answers(
    acme: Harness,
) -> None:
    record, link = acme.create_calendar("acme", "Website calendar")
    stored = WidgetSettings(allowed_sites=(FULL_WIDTH_PORT, "https://ok.example"))

    async def write() -> None:
        async with acme.runtime.db.transaction() as conn:
            await put_settings(conn, "acme", record.id, stored, now_utc())

    acme.call(write)
    response = acme.client.get(f"/embed/{link.token}")
    assert response.status_code == 200
    assert response.headers["content-security-policy"].endswith(
        "frame-ancestors 'self' https://ok.example"
    )


def test_a_stored_list_of_only_bad_sites_still_refuses_other_framers(acme: Harness) -> None:
    record, link = acme.create_calendar("acme", "Website calendar")

    async def write() -> None:
        async with acme.runtime.db.transaction() as conn:
            settings = WidgetSettings(allowed_sites=(FULL_WIDTH_PORT,))
            await put_settings(conn, "acme", record.id, settings, now_utc())

    acme.call(write)
    response = acme.client.get(f"/embed/{link.token}")
    assert response.status_code == 200
    assert response.headers["content-security-policy"].endswith("frame-ancestors 'self'")


@pytest.mark.parametrize("key", ["\u00b2", "\u0661"])
def test_an_api_key_named_by_a_unicode_digit_is_not_found(acme: Harness, key: str) -> None:
    record, _ = acme.call(api_keys.create_key, acme.runtime.db, "acme", "sync")
    assert record.id == 1
    with pytest.raises(NotFound):
        acme.call(api_keys.revoke_key, acme.runtime.db, "acme", key)
