"""Widget benchmark: the month view of a 200-event month, rendered cold in-process, then served
under load beside the same calendar's feed, all in one run against one server process.

    .venv/bin/python -m bench.widget [--seconds 8]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader

from backend.accounts import create_account
from backend.app import printed
from backend.calendars import CalendarService
from backend.domain import Account, Booking, BookingKind, Service
from backend.links import LinkKeys
from backend.policy import Policy
from backend.publish import public_events
from backend.static import StaticFiles
from backend.store import bookings, objects
from backend.store.db import Database, now_utc
from backend.store.widgets import WidgetSettings
from bench.serving import ROOT, granian, wrk
from widget.colors import accent_style
from widget.context import calendar_context
from widget.i18n import translator
from widget.locale import formatter
from widget.options import parse_options
from widget.publisher import CalendarData
from widget.urls import WidgetUrls

SECRET = "bench secret key"
ZONE = ZoneInfo("Europe/London")
EVENTS = 200


async def seed(database: Path) -> tuple[str, CalendarData]:
    """200 appointments spread over the current month; the token and the widget's data."""
    db = await Database.open(database)
    try:
        await create_account(db, Account(id="bench", name="Bench", time_zone="Europe/London"))
        today = datetime.now(ZONE).date()
        first = today.replace(day=1)
        days = ((first + timedelta(days=32)).replace(day=1) - first).days
        async with db.transaction() as conn:
            await objects.upsert(conn, "bench", Service(id="sv", name="Sports Massage"))
            for i in range(EVENTS):
                day = first + timedelta(days=i % days)
                start = datetime.combine(day, clock(8 + (i // days) % 10), ZONE)
                booking = Booking(
                    id=f"bk-{i}",
                    kind=BookingKind.APPOINTMENT,
                    service_id="sv",
                    start=start,
                    end=start + timedelta(minutes=50),
                )
                await bookings.upsert(conn, "bench", booking, now_utc())
        service = CalendarService(db, LinkKeys(SECRET.encode()))
        record, link = await service.create_calendar("bench", "Bench", Policy(past_days=60))
        meta, events = await public_events(db, "bench", record.id, datetime.now(UTC))
        data = CalendarData(
            key=(0, 0, today.isoformat()),
            meta=meta,
            events=tuple(events),
            settings=WidgetSettings(),
            personal=False,
            locale="en_GB",
            week_start=0,
            today=today,
        )
        return link.token, data
    finally:
        await db.close()


def cold_render_ms(token: str, data: CalendarData, repeats: int = 30) -> float:
    """Best time to lay out and render the month page without any cache."""
    environment = Environment(
        loader=FileSystemLoader(ROOT / "templates"), autoescape=True, finalize=printed
    )
    environment.globals["static_url"] = StaticFiles(ROOT / "static").url
    template = environment.get_template("widget/calendar.html")
    best = float("inf")
    for _ in range(repeats):
        began = time.perf_counter()
        options = parse_options({"view": "month"}, data.settings, None)
        context = calendar_context(
            data, options, WidgetUrls(token, (), "http://x"), formatter("en_GB")
        )
        context.update(translator("en_GB").template_globals())
        template.render(**context, style=accent_style(options.accent)[0])
        best = min(best, time.perf_counter() - began)
    return best * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=8, help="length of each load run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bench.sqlite3"
        token, data = asyncio.run(seed(database))
        in_month = sum(1 for e in data.events if e.start.astimezone(ZONE).month == data.today.month)
        print(f"Cold month render, {in_month} events: {cold_render_ms(token, data):.2f} ms")
        env = {"BOOKFEED_DATABASE": str(database), "BOOKFEED_SECRET_KEY": SECRET}
        with granian("backend.app:app_from_environment", env) as base:
            month = f"{base}/embed/{token}?view=month"
            feed = f"{base}/feeds/{token}.ics"
            etags, sizes = {}, {}
            for name, url in (("month", month), ("feed", feed)):
                with urllib.request.urlopen(url) as response:
                    sizes[name] = len(response.read())
                    etags[name] = response.headers["etag"]
            print(
                f"Served under load: month page {sizes['month'] // 1024} KB, "
                f"feed {sizes['feed'] // 1024} KB; wrk -t1 -c32 -d{args.seconds}s, one worker"
            )
            results = [
                ("widget month, warm (200 OK)", wrk(month, args.seconds)),
                (
                    "widget month, If-None-Match (304)",
                    wrk(month, args.seconds, headers={"If-None-Match": etags["month"]}),
                ),
                ("feed, warm (200 OK)", wrk(feed, args.seconds)),
                (
                    "feed, If-None-Match (304)",
                    wrk(feed, args.seconds, headers={"If-None-Match": etags["feed"]}),
                ),
            ]
    for label, result in results:
        print(result.line(label))


if __name__ == "__main__":
    main()
