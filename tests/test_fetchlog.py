"""Which kind of client fetched a link, told from its User-Agent."""

from __future__ import annotations

import pytest

from backend.fetchlog import Client, classify_client


@pytest.mark.parametrize(
    ("agent", "client"),
    [
        ("Google-Calendar-Importer", Client.GOOGLE),
        (
            "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17126; Pro)",
            Client.OUTLOOK,
        ),
        ("Microsoft.Exchange/15.20 (Windows NT 6.3; Win64; x64)", Client.OUTLOOK),
        ("macOS/14.2 (23C64) CalendarAgent/988", Client.APPLE),
        ("iOS/17.1 (21B80) dataaccessd/1.0", Client.APPLE),
        ("Mac OS X/10.13.6 (17G65) CalendarAgent/399.6.1", Client.APPLE),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Thunderbird/115.5.0",
            Client.THUNDERBIRD,
        ),
        # Browsers and crawlers are not calendar apps, whatever platform they run on.
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15"
            " (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
            Client.OTHER,
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36"
            " (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
            Client.OTHER,
        ),
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", Client.OTHER),
        ("curl/8.5.0", Client.OTHER),
        ("", Client.OTHER),
    ],
)
def test_calendar_apps_are_told_apart_from_browsers(agent: str, client: Client) -> None:
    assert classify_client(agent) is client
