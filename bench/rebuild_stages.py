"""Times a cold feed rebuild's stages in process, with the code of the checkout it runs in, so a
baseline checkout times its own code. It imports nothing from bench/.

    cd CHECKOUT && PYTHONPATH=. python /path/to/bench/rebuild_stages.py DATABASE ACCOUNT REPEATS

Prints JSON: {"events": shown events, "read" | "redact" | "render" | "gzip": [seconds, one per
repeat]}. "read" is the window's database read and decoding; "redact" resolves, selects and
redacts (public_events less its read); "render" writes the ICS; "gzip" compresses it.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from backend import policy as policies
from backend import publish
from backend.http_cache import compress
from backend.ics import render_calendar
from backend.store import accounts, bookings, calendars
from backend.store.db import Database


async def stages(database: str, account_id: str, repeats: int) -> dict[str, object]:
    db = await Database.open(database if "://" in database else Path(database))
    try:
        now = datetime.now(UTC)
        async with db.reading() as conn:
            cursor = await conn.execute(
                "SELECT id FROM calendars WHERE account_id = ?", (account_id,)
            )
            (calendar_id,) = await cursor.fetchone()
        found: dict[str, list[float]] = {"read": [], "redact": [], "render": [], "gzip": []}
        events: list[object] = []
        for _ in range(repeats):
            began = time.perf_counter()
            async with db.reading() as conn:
                record = await accounts.get_record(conn, account_id)
                calendar = await calendars.get_calendar(conn, account_id, calendar_id)
                window = publish.window_for(calendar.policy, record.account.time_zone, now)
                needs = getattr(policies, "booking_fields", None)  # what this checkout has
                extra = (needs(calendar.policy),) if needs else ()
                await bookings.in_window(
                    conn, account_id, record.uid_salt, window.start, window.end, *extra
                )
            read = time.perf_counter() - began
            began = time.perf_counter()
            meta, events = await publish.public_events(db, account_id, calendar_id, now)
            found["read"].append(read)
            found["redact"].append(max(time.perf_counter() - began - read, 0.0))
            began = time.perf_counter()
            body = render_calendar(meta, events)
            found["render"].append(time.perf_counter() - began)
            began = time.perf_counter()
            compress(body)
            found["gzip"].append(time.perf_counter() - began)
        return {"events": len(events), **found}
    finally:
        await db.close()


def main() -> None:
    database, account_id, repeats = sys.argv[1:]
    print(json.dumps(asyncio.run(stages(database, account_id, int(repeats)))))


if __name__ == "__main__":
    main()
