"""API keys from the command line: printed once, stored only hashed, listed by prefix,
revoked at once; and the API's reference pages."""

from __future__ import annotations

import subprocess

import pytest

from backend.api.docs import prose
from backend.api_keys import list_keys
from backend.settings import Settings
from tests.conftest import Harness, run_cli


@pytest.fixture
def cli(harness: Harness) -> Harness:
    harness.create_account("acme")
    return harness


def bookfeed(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(settings.database, *args)


def create_key(settings: Settings, account: str = "acme") -> str:
    done = bookfeed(
        settings, "api-key", "create", "--account", account, "--label", "Booking system"
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.sqlite_only
def test_a_created_key_opens_its_account_and_only_its_hash_is_stored(
    cli: Harness, settings: Settings
) -> None:
    key = create_key(settings)
    response = cli.client.get("/api/v1/account", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    assert response.json()["id"] == "acme"
    stored = (
        settings.database.read_bytes()
        + settings.database.with_name(settings.database.name + "-wal").read_bytes()
    )
    assert key.encode() not in stored
    assert key[:12].encode() in stored


def test_listing_shows_prefixes_and_last_use_never_the_key(
    cli: Harness, settings: Settings
) -> None:
    key = create_key(settings)
    listed = bookfeed(settings, "api-key", "list", "--account", "acme").stdout
    assert key[:12] in listed and key not in listed
    assert "never" in listed and "Booking system" in listed
    cli.client.get("/api/v1/account", headers={"Authorization": f"Bearer {key}"})
    (record,) = cli.call(list_keys, cli.runtime.db, "acme")
    assert record.last_used_at is not None


@pytest.mark.parametrize("how", ["prefix", "id"])
def test_a_revoked_key_stops_working_at_once(cli: Harness, settings: Settings, how: str) -> None:
    key = create_key(settings)
    spare = create_key(settings)
    headers = {"Authorization": f"Bearer {key}"}
    assert cli.client.get("/api/v1/account", headers=headers).status_code == 200
    target = key[:12] if how == "prefix" else "1"
    assert bookfeed(settings, "api-key", "revoke", target, "--account", "acme").returncode == 0
    assert cli.client.get("/api/v1/account", headers=headers).status_code == 401
    spare_headers = {"Authorization": f"Bearer {spare}"}
    assert cli.client.get("/api/v1/account", headers=spare_headers).status_code == 200


def test_a_key_cannot_be_revoked_through_another_account(cli: Harness, settings: Settings) -> None:
    cli.create_account("other")
    key = create_key(settings)
    refused = bookfeed(settings, "api-key", "revoke", key[:12], "--account", "other")
    assert refused.returncode == 2
    assert "no API key" in refused.stderr
    headers = {"Authorization": f"Bearer {key}"}
    assert cli.client.get("/api/v1/account", headers=headers).status_code == 200


def test_a_key_for_an_unknown_account_is_refused(cli: Harness, settings: Settings) -> None:
    refused = bookfeed(settings, "api-key", "create", "--account", "nobody")
    assert refused.returncode == 2
    assert "no account" in refused.stderr


def test_the_api_reference_is_served_without_a_cdn(harness: Harness) -> None:
    schema = harness.client.get("/schema/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {"/api/v1/batch", "/api/v1/bookings/{object_id}", "/api/v1/account"} <= set(paths)
    booking_in = schema.json()["components"]["schemas"]["BookingIn"]
    assert {"kind", "start", "end"} <= set(booking_in["required"])
    page = harness.client.get("/schema")
    assert page.status_code == 200
    assert "PUT /api/v1/bookings/{object_id}" in page.text
    assert "<script" not in page.text and "https://" not in page.text


def test_the_api_reference_shows_code_spans_as_code(harness: Harness) -> None:
    page = harness.client.get("/schema").text
    assert "Authenticate with <code>Authorization: Bearer KEY</code>" in page
    assert "(<code>bookfeed api-key create</code>)" in page
    assert "`" not in page


def test_description_text_is_escaped_before_code_spans_become_code() -> None:
    hostile = "Send `<b>x</b>` & <script>alert(1)</script>, or `a` and a lone ` tick"
    assert prose(hostile) == (
        "Send <code>&lt;b&gt;x&lt;/b&gt;</code> &amp; &lt;script&gt;alert(1)&lt;/script&gt;, "
        "or <code>a</code> and a lone ` tick"
    )
