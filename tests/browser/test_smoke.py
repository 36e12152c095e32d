from __future__ import annotations

from tests.browser.conftest import LiveServer


def test_the_demo_server_prints_a_working_feed_url_per_calendar(
    live_server: LiveServer, browser
) -> None:
    urls = live_server.feed_urls()
    assert len(urls) == 3
    page = browser.new_page()
    response = page.request.get(next(iter(urls.values())))
    assert response.status == 200
    assert b"BEGIN:VCALENDAR" in response.body()
    page.close()
