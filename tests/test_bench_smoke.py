"""The benchmarks' own code paths still run (the load parts need wrk and are not run here)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import icalendar

from backend.ics import render_calendar
from bench import feeds, widget


def test_the_feed_benchmark_builds_the_same_calendar_both_ways() -> None:
    events = feeds.sample_events(3)
    ours = icalendar.Calendar.from_ical(render_calendar(feeds.META, events))
    baseline = icalendar.Calendar.from_ical(feeds.with_icalendar(events))
    assert [str(e["SUMMARY"]) for e in ours.walk("VEVENT")] == [
        str(e["SUMMARY"]) for e in baseline.walk("VEVENT")
    ]


def test_the_widget_benchmark_renders_its_month(tmp_path: Path) -> None:
    with ThreadPoolExecutor(1) as pool:  # asyncio.run needs a thread without a running loop
        token, data = pool.submit(asyncio.run, widget.seed(tmp_path / "bench.sqlite3")).result()
    assert len(data.events) == widget.EVENTS
    assert widget.cold_render_ms(token, data, repeats=1) > 0
