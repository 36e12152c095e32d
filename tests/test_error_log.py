"""Unexpected errors are logged with their traceback, never with a secret token."""

from __future__ import annotations

import logging

import pytest

import widget.publisher
from backend.error_log import loggable_path
from tests.conftest import Harness


def test_tokens_in_paths_are_shortened_for_logs() -> None:
    token = "AbCdEfGhIjKlMnOpQrStUvWx"
    assert loggable_path(f"/feeds/{token}.ics") == "/feeds/AbCd….ics"
    assert loggable_path(f"/embed/{token}/events/x") == "/embed/AbCd…/events/x"
    assert loggable_path("/manage/calendars/12") == "/manage/calendars/12"


def test_a_failing_widget_page_is_logged_without_its_token(
    acme: Harness, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, link = acme.create_calendar()

    async def broken(*_: object, **__: object) -> None:
        raise RuntimeError("renderer exploded")

    monkeypatch.setattr(widget.publisher, "public_bookings", broken)
    caplog.set_level(logging.ERROR)
    response = acme.client.get(f"/embed/{link.token}")
    assert response.status_code == 500
    assert link.token not in response.text
    server_side = "\n".join(
        record.getMessage() for record in caplog.records if not record.name.startswith("httpx")
    )
    assert "renderer exploded" in server_side
    assert f"/embed/{link.token[:4]}…" in server_side
    assert link.token not in server_side


def test_client_mistakes_are_answered_not_logged(
    acme: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    signed_out = acme.client.get("/manage/calendars/999", follow_redirects=False)
    assert signed_out.status_code == 303
    assert acme.client.get("/api/v1/account").status_code == 401
    assert acme.client.get("/embed/" + "A" * 24).status_code == 404
    assert acme.client.get("/no/such/page").status_code == 404
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
