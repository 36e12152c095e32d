"""Widget benchmark: a cold month page (its bookings read, redacted, laid out, rendered and
compressed) for an account with 200 bookings and for one with 100,000, end to end over HTTP
against a server process and in-process through the ASGI app, with the layout and templating
alone beside them.

    .venv/bin/python -m bench.widget [--repeats 15] [--quick]

Both accounts show the same 200 appointments in the current month; the large one holds 99,800
more outside the month's grid, half later in the calendar's window and half older than it.
A page is cold when no cache holds it: each repeat asks with another accent colour, so the
page is rendered anew from the database. Figures are medians over the repeats (min-max).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import logging
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from jinja2 import Environment, FileSystemLoader
from litestar.testing import AsyncTestClient

from backend.accounts import create_account
from backend.app import create_app, printed
from backend.calendars import CalendarService
from backend.domain import Account, Booking, BookingKind, Service
from backend.links import LinkKeys
from backend.policy import Policy, PublicEvent
from backend.publish import calendar_meta, public_events, window_for
from backend.settings import Settings
from backend.static import StaticFiles
from backend.store import accounts, bookings, calendars, objects
from backend.store.db import Database, now_utc
from backend.store.widgets import WidgetSettings
from bench.serving import ROOT, granian
from widget.colors import accent_style
from widget.context import calendar_context
from widget.i18n import translator
from widget.layout import period_of, shown_days
from widget.locale import formatter
from widget.options import View, parse_options
from widget.publisher import CalendarData
from widget.urls import WidgetUrls

SECRET = "bench secret key"
ZONE = ZoneInfo("Europe/London")
EVENTS = 200  # in the month shown
CHUNK = 5_000
GZIP = {"Accept-Encoding": "gzip"}


async def seed(database: Path, total: int = EVENTS) -> tuple[str, CalendarData, list[PublicEvent]]:
    """EVENTS appointments over the current month and `total - EVENTS` outside its grid; the
    token, the widget's calendar data and the month's events."""
    db = await Database.open(database)
    try:
        await create_account(db, Account(id="bench", name="Bench", time_zone="Europe/London"))
        today = datetime.now(ZONE).date()
        first = today.replace(day=1)
        days = ((first + timedelta(days=32)).replace(day=1) - first).days
        grid = shown_days(period_of(View.MONTH, today, 0), 0)
        async with db.transaction() as conn:
            await objects.upsert(conn, "bench", Service(id="sv", name="Sports Massage"))
        month = [
            _appointment(f"bk-{i}", first + timedelta(days=i % days), 8 + (i // days) % 10)
            for i in range(EVENTS)
        ]
        others = [_appointment(f"bk-x{i}", *_outside(grid, i)) for i in range(total - EVENTS)]
        items = month + others
        for offset in range(0, len(items), CHUNK):
            async with db.transaction() as conn:
                await bookings.upsert_many(conn, "bench", items[offset : offset + CHUNK], now_utc())
        service = CalendarService(db, LinkKeys(SECRET.encode()))
        record, link = await service.create_calendar("bench", "Bench", Policy(past_days=60))
        now = datetime.now(UTC)
        async with db.reading() as conn:
            calendar = await calendars.get_calendar(conn, "bench", record.id)
            account = await accounts.get(conn, "bench")
        window = window_for(calendar.policy, account.time_zone, now)
        data = CalendarData(
            key=(0, 0, today.isoformat()),
            account_id="bench",
            calendar_id=record.id,
            meta=calendar_meta(calendar, account.time_zone, window),
            settings=WidgetSettings(),
            personal=False,
            locale="en_GB",
            week_start=0,
            today=today,
        )
        _, events = await public_events(db, "bench", record.id, now, within=data.span(*grid))
        return link.token, data, events
    finally:
        await db.close()


def _appointment(booking_id: str, day: date, hour: int) -> Booking:
    start = datetime.combine(day, clock(hour), ZONE)
    return Booking(
        id=booking_id,
        kind=BookingKind.APPOINTMENT,
        service_id="sv",
        start=start,
        end=start + timedelta(minutes=50),
    )


def _outside(grid: tuple[date, date], i: int) -> tuple[date, int]:
    """Even: up to 730 days before the month's grid; odd: up to 300 days after it."""
    if i % 2:
        return grid[1] + timedelta(days=(i // 2) % 300), 8 + (i // 600) % 10
    return grid[0] - timedelta(days=1 + (i // 2) % 730), 8 + (i // 1460) % 10


def cold_render_ms(
    token: str, data: CalendarData, events: list[PublicEvent], repeats: int
) -> float:
    """Median time to lay out and render the month page from its events, without any cache."""
    environment = Environment(
        loader=FileSystemLoader(ROOT / "templates"), autoescape=True, finalize=printed
    )
    environment.globals["static_url"] = StaticFiles(ROOT / "static").url
    template = environment.get_template("widget/calendar.html")
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        options = parse_options({"view": "month"}, data.settings, None)
        urls = WidgetUrls(token, (), "http://x", data.zone)
        context = calendar_context(data, events, options, urls, formatter("en_GB"))
        context.update(translator("en_GB").template_globals())
        template.render(**context, style=accent_style(options.accent)[0])
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


def month_path(token: str, repeat: int) -> str:
    """The month page, made cold by an accent colour no earlier request used."""
    return f"/embed/{token}?view=month&accent=%23{repeat + 1:06x}"


async def in_process_ms(database: Path, token: str, repeats: int) -> list[float]:
    settings = Settings(database=database, secret_key=SECRET.encode())
    times = []
    with contextlib.redirect_stdout(io.StringIO()):  # the access log: not for this report
        app = create_app(settings)
    async with AsyncTestClient(app=app) as client:
        for repeat in range(repeats):
            began = time.perf_counter()
            response = await client.get(month_path(token, repeat), headers=GZIP)
            times.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200 and "bf-view-month" in response.text
    return times


def over_http_ms(base: str, token: str, repeats: int) -> list[float]:
    times = []
    with httpx.Client(base_url=base, headers=GZIP) as client:
        client.get("/healthz")  # the connection is open before the clock starts
        for repeat in range(repeats):
            began = time.perf_counter()
            response = client.get(month_path(token, repeat))
            times.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200 and "bf-view-month" in response.text
    return times


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):8.2f} ms ({min(values):.2f}-{max(values):.2f})"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=15, help="cold pages per figure")
    parser.add_argument("--large", type=int, default=100_000, help="bookings in the large account")
    parser.add_argument("--quick", action="store_true", help="5 repeats")
    args = parser.parse_args(argv)
    repeats = 5 if args.quick else args.repeats
    logging.getLogger("httpx").setLevel(logging.WARNING)
    print(f"Cold month page, {EVENTS} events shown; median of {repeats} (min-max)")
    for total in (EVENTS, args.large):
        with tempfile.TemporaryDirectory() as folder:
            database = Path(folder) / "bench.sqlite3"
            token, data, events = asyncio.run(seed(database, total))
            layout = cold_render_ms(token, data, events, 5)
            in_process = asyncio.run(in_process_ms(database, token, repeats))
            env = {"BOOKFEED_DATABASE": str(database), "BOOKFEED_SECRET_KEY": SECRET}
            with granian("backend.app:app_from_environment", env) as base:
                over_http = over_http_ms(base, token, repeats)
        print(f"{total:>7} bookings: over HTTP {spread(over_http)}")
        print(f"{'':>17} in-process {spread(in_process)}; layout and templating {layout:.2f} ms")


if __name__ == "__main__":
    main()
