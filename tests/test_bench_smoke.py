"""The benchmarks' own code paths still run (the load parts need wrk and are not run here)."""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import icalendar
import pytest

from backend.ics import render_calendar
from bench import feeds, rebuild, scale, widget


def test_the_feed_benchmark_builds_the_same_calendar_both_ways() -> None:
    events = feeds.sample_events(3)
    ours = icalendar.Calendar.from_ical(render_calendar(feeds.META, events))
    baseline = icalendar.Calendar.from_ical(feeds.with_icalendar(events))
    assert [str(e["SUMMARY"]) for e in ours.walk("VEVENT")] == [
        str(e["SUMMARY"]) for e in baseline.walk("VEVENT")
    ]


def test_the_widget_benchmark_renders_its_month(tmp_path: Path) -> None:
    with ThreadPoolExecutor(1) as pool:  # asyncio.run needs a thread without a running loop
        token, data, events = pool.submit(
            asyncio.run, widget.seed(tmp_path / "bench.sqlite3", widget.EVENTS + 50)
        ).result()
    assert len(events) == widget.EVENTS, "the month shows its own events, not the others"
    assert widget.cold_render_ms(token, data, events, repeats=1) > 0


def test_the_scale_benchmark_runs_each_part_at_a_tiny_size(
    capsys: pytest.CaptureFixture[str],
) -> None:
    tiny = ["--big", "300", "--small", "5", "--seconds", "0.3", "--rounds", "1"]
    # HEAD as the baseline: any clone has it, and the temporary worktree's path still runs.
    scale.main([*tiny, "--puts", "3", "--batch", "20", "--baseline", "HEAD", "--postgres", ""])
    printed = capsys.readouterr().out
    assert "PostgreSQL: skipped" in printed
    assert re.search(r"SQLite +1 process +: warm p50 [\d.]+ ms .*; cold [\d.]+ ms", printed)
    assert re.search(r"SQLite +2 processes: warm p50", printed)
    assert re.search(r"before \(HEAD\), SQLite: rebuild [\d.]+ s", printed)
    assert re.search(r"after \(this checkout\), SQLite: rebuild [\d.]+ s", printed)
    for probe in ("/healthz", "/static/embed.js", "small feed, warm", "other account's PUT"):
        assert re.search(rf"{re.escape(probe)} +(n=\d+ +p50|no answers)", printed)
    assert re.search(r"SQLite +single PUT \d+ bookings/s .*; batch \d+ bookings/s", printed)


def test_the_rebuild_benchmark_runs_each_case_at_a_tiny_size(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rebuild.main(["--sizes", "20", "--older", "30", "--rounds", "1", "--baseline", "HEAD"])
    printed = capsys.readouterr().out
    assert "20 + 30 older events in the window" in printed
    assert re.search(r"SQLite +after +end to end [\d.]+ µs/event .*; peak \d+ MB", printed)
    assert "SQLite after/before: end to end" in printed
