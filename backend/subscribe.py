"""The ways to subscribe to a feed URL: webcal, Google, Outlook, and a QR code for phones."""

from __future__ import annotations

import io
from urllib.parse import quote, urlencode

import segno


def webcal_url(feed_url: str) -> str:
    return "webcal://" + feed_url.split("://", 1)[1]


def google_url(feed_url: str) -> str:
    return "https://calendar.google.com/calendar/r?" + urlencode(
        {"cid": webcal_url(feed_url)}, quote_via=quote
    )


def outlook_url(feed_url: str, name: str, host: str = "outlook.live.com") -> str:
    """Outlook.com's "subscribe from web" page; `host` outlook.office.com for Microsoft 365
    (work and school accounts sign in there). Neither form is documented by Microsoft."""
    return f"https://{host}/calendar/0/addfromweb?" + urlencode(
        {"url": feed_url, "name": name}, quote_via=quote
    )


def qr_svg(url: str) -> bytes:
    """A standalone SVG QR code of `url`, sized by its viewBox."""
    out = io.BytesIO()
    segno.make(url, error="m").save(
        out,
        kind="svg",
        scale=1,
        border=2,
        omitsize=True,
        dark="#1b1f24",
        light="#ffffff",
        xmldecl=False,
    )
    return out.getvalue()
