"""API keys from the command line: printed once, stored only hashed, listed by prefix,
revoked at once; and the API's reference pages."""

from __future__ import annotations

import pytest

from backend.api_keys import list_keys
from backend.cli import main
from backend.settings import Settings
from tests.conftest import Harness


@pytest.fixture
def cli(harness: Harness, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Harness:
    monkeypatch.setenv("BOOKFEED_DATABASE", str(settings.database))
    harness.create_account("acme")
    return harness


def create_key(capsys: pytest.CaptureFixture[str], account: str = "acme") -> str:
    assert main(["api-key", "create", "--account", account, "--label", "Booking system"]) == 0
    return capsys.readouterr().out.strip()


def test_a_created_key_opens_its_account_and_only_its_hash_is_stored(
    cli: Harness, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    key = create_key(capsys)
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
    cli: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    key = create_key(capsys)
    assert main(["api-key", "list", "--account", "acme"]) == 0
    listed = capsys.readouterr().out
    assert key[:12] in listed and key not in listed
    assert "never" in listed and "Booking system" in listed
    cli.client.get("/api/v1/account", headers={"Authorization": f"Bearer {key}"})
    (record,) = cli.call(list_keys, cli.runtime.db, "acme")
    assert record.last_used_at is not None


@pytest.mark.parametrize("how", ["prefix", "id"])
def test_a_revoked_key_stops_working_at_once(
    cli: Harness, capsys: pytest.CaptureFixture[str], how: str
) -> None:
    key = create_key(capsys)
    spare = create_key(capsys)
    headers = {"Authorization": f"Bearer {key}"}
    assert cli.client.get("/api/v1/account", headers=headers).status_code == 200
    target = key[:12] if how == "prefix" else "1"
    assert main(["api-key", "revoke", target, "--account", "acme"]) == 0
    assert cli.client.get("/api/v1/account", headers=headers).status_code == 401
    spare_headers = {"Authorization": f"Bearer {spare}"}
    assert cli.client.get("/api/v1/account", headers=spare_headers).status_code == 200


def test_a_key_cannot_be_revoked_through_another_account(
    cli: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    cli.create_account("other")
    key = create_key(capsys)
    assert main(["api-key", "revoke", key[:12], "--account", "other"]) == 2
    assert "no API key" in capsys.readouterr().err
    headers = {"Authorization": f"Bearer {key}"}
    assert cli.client.get("/api/v1/account", headers=headers).status_code == 200


def test_a_key_for_an_unknown_account_is_refused(
    cli: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["api-key", "create", "--account", "nobody"]) == 2
    assert "no account" in capsys.readouterr().err


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
