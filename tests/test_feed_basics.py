from __future__ import annotations

from tests.conftest import Harness


def test_a_new_calendar_link_serves_its_bookings(acme: Harness) -> None:
    _, link = acme.create_calendar(name="Front desk")
    response = acme.feed(link.token)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert "SUMMARY:Haircut" in response.text
    assert "X-WR-CALNAME:Front desk" in response.text
