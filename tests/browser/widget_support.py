"""Helpers for the widget's browser tests: a demo server whose widget settings the tests set,
and a host website served from another 127.0.0.1 port that embeds widgets with the loader."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from backend.calendars import CalendarService
from backend.demo import DEMO_ACCOUNT
from backend.domain import Booking, Service
from backend.links import LinkKeys
from backend.store import bookings, objects
from backend.store.db import Database, now_utc
from backend.store.widgets import WidgetSettings
from tests.browser.conftest import LiveServer, start_server
from widget.settings import save_widget_settings

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
TIMETABLE = "Northside Studio – timetable (Website)"
MAYA = "Maya's appointments (Maya's phone)"
ROOM = "Treatment Room 1 (Front desk)"


def host_page(server: LiveServer, widgets: list[tuple[str, dict[str, str]]]) -> str:
    """A plain web page with one loader snippet per (token, data attributes)."""
    snippets = "\n".join(
        f'<script src="{server.base_url}/static/embed.js" data-calendar="{token}"'
        + "".join(f' data-{name}="{value}"' for name, value in attributes.items())
        + " async></script>"
        for token, attributes in widgets
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Northside Studio</title></head><body>"
        "<h1>Northside Studio</h1><p>Our timetable:</p>"
        f'{snippets}<p id="after">Find us at 12 Upper Street.</p></body></html>'
    )


def wait_until_fitted(page, frame, index: int = 0, timeout: float = 30.0) -> float:
    """Wait until the index-th iframe is as tall as its content; the content's height.

    Both are read again on every try: the content may still grow after the first look
    (late styles, htmx settling), and the loader then follows it to the new height."""
    deadline = time.monotonic() + timeout
    while True:
        content = frame.evaluate("document.body.getBoundingClientRect().height")
        framed = page.evaluate(
            "i => document.querySelectorAll('iframe')[i].getBoundingClientRect().height", index
        )
        if abs(framed - content) <= 2:
            return content
        assert time.monotonic() < deadline, f"iframe {framed}px never fitted its {content}px"
        page.wait_for_timeout(50)


def token_of(server: LiveServer, name: str) -> str:
    return server.feed_urls()[name].rsplit("/", 1)[1].removesuffix(".ics")


@contextmanager
def widget_server(folder: Path) -> Iterator[tuple[LiveServer, Path]]:
    """The demo server on its own database, so tests may change widget settings."""
    database = folder / "bookfeed.sqlite3"
    process, server = start_server(database)
    try:
        yield server, database
    finally:
        _stop(process)


def set_widget_settings(database: Path, calendar_name: str, settings: WidgetSettings) -> None:
    async def save() -> None:
        db = await Database.open(database)
        try:
            calendars = await CalendarService(db, LinkKeys(b"")).list_calendars(DEMO_ACCOUNT)
            (calendar,) = [c for c in calendars if c.name == calendar_name]
            await save_widget_settings(db, DEMO_ACCOUNT, calendar.id, settings)
        finally:
            await db.close()

    # Playwright's sync API keeps an event loop running in this thread: use another one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, save()).result()


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def add_bookings(database: Path, services: list[Service], added: list[Booking]) -> None:
    """Bookings (with their services) written into the demo account, as the API would."""

    async def save() -> None:
        db = await Database.open(database)
        try:
            async with db.transaction() as conn:
                for service in services:
                    await objects.upsert(conn, DEMO_ACCOUNT, service)
                for booking in added:
                    await bookings.upsert(conn, DEMO_ACCOUNT, booking, now_utc())
        finally:
            await db.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, save()).result()
