"""A large calendar's render does not stall the app: it runs in a worker thread while other
requests are answered, and concurrent cold fetches of one calendar render it once."""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

import backend.feed_parts
import backend.publish
import widget.publisher
import widget.routes
from backend.policy import Detail, Policy
from backend.store import bookings
from backend.store.db import now_utc
from tests.conftest import REFERENCES, Harness, appointment, soon

LARGE = 20_000


def seed_calendar(harness: Harness, count: int) -> str:
    """Account 'big' with `count` appointments in the window, five minutes apart; its token."""
    harness.create_account("big")
    harness.put("big", *REFERENCES)
    first = soon(1)

    async def write() -> None:
        starts = [first + timedelta(minutes=5 * n) for n in range(count)]
        items = [
            appointment(f"bk-{n}", start=start, end=start + timedelta(hours=1))
            for n, start in enumerate(starts)
        ]
        async with harness.runtime.db.transaction() as conn:
            await bookings.upsert_many(conn, "big", items, now_utc())

    harness.call(write)
    details = frozenset({Detail.DESCRIPTION, Detail.LOCATION, Detail.CUSTOMER_NAME})
    _, link = harness.create_calendar("big", "Big", Policy(details=details))
    return link.token


def counting(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[int]:
    """Count the calls of `module.name`, which still does its work."""
    calls: list[int] = []
    original: Callable[..., Any] = getattr(module, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    async def counted_async(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return await original(*args, **kwargs)

    wrapper = counted_async if asyncio.iscoroutinefunction(original) else counted
    monkeypatch.setattr(module, name, wrapper)
    return calls


def asgi_client(harness: Harness) -> httpx.AsyncClient:
    """Requests through the running app on its own event loop, as a server would send them."""
    transport = httpx.ASGITransport(app=harness.client.app)
    return httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1")


@pytest.mark.parametrize(
    ("path", "first_step", "last_step", "shows"),
    [
        (
            "/feeds/{}.ics",
            (backend.feed_parts, "Redactor"),
            (backend.feed_parts, "gzip_of_pieces"),
            b"BEGIN:VEVENT",
        ),
        (
            "/embed/{}?view=list",
            (widget.routes, "calendar_context"),
            (widget.routes, "rendered"),
            b"Haircut",
        ),
    ],
    ids=["feed", "widget"],
)
def test_healthz_answers_while_a_large_calendar_renders(
    harness: Harness,
    monkeypatch: pytest.MonkeyPatch,
    path: str,
    first_step: tuple[Any, str],
    last_step: tuple[Any, str],
    shows: bytes,
) -> None:
    """/healthz, asked once the large calendar's first rendering step has begun (redaction,
    layout), is answered before its last one (the calendar's bytes, the page's) has ended."""
    token = seed_calendar(harness, LARGE)
    on_start: list[Callable[[], object]] = []
    finished = threading.Event()
    first, last = getattr(*first_step), getattr(*last_step)

    def first_then_signal(*args: Any) -> Any:
        if on_start:
            on_start.pop()()
        return first(*args)

    def last_then_mark(*args: Any) -> Any:
        result = last(*args)
        finished.set()
        return result

    monkeypatch.setattr(*first_step, first_then_signal)
    monkeypatch.setattr(*last_step, last_then_mark)

    async def scenario() -> tuple[bool, httpx.Response, httpx.Response]:
        loop, started = asyncio.get_running_loop(), asyncio.Event()
        on_start.append(lambda: loop.call_soon_threadsafe(started.set))  # from any thread
        async with asgi_client(harness) as client:
            page = asyncio.create_task(client.get(path.format(token)))
            waiting = asyncio.create_task(started.wait())
            await asyncio.wait([page, waiting], return_when=asyncio.FIRST_COMPLETED)
            health = await client.get("/healthz")
            answered_during_render = not finished.is_set()
            waiting.cancel()
            return answered_during_render, health, await page

    answered_during_render, health, page = harness.call(scenario)
    assert health.status_code == 200
    assert answered_during_render, "/healthz waited for the large calendar's render"
    assert page.status_code == 200
    assert shows in page.content


def fetched_at_once(harness: Harness, path: str, count: int) -> list[httpx.Response]:
    """`count` GETs of `path` sent together to one app, their answers in order."""

    async def scenario() -> list[httpx.Response]:
        async with asgi_client(harness) as client:
            return await asyncio.gather(*(client.get(path) for _ in range(count)))

    return harness.call(scenario)


def test_concurrent_cold_fetches_render_the_feed_once(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = seed_calendar(harness, 2_000)
    renders = counting(monkeypatch, backend.publish, "_rendered")

    responses = fetched_at_once(harness, f"/feeds/{token}.ics", 8)
    assert [r.status_code for r in responses] == [200] * 8
    assert len({r.content for r in responses}) == 1
    assert responses[0].content.count(b"BEGIN:VEVENT") == 2_000
    assert len(renders) == 1


def test_concurrent_cold_widget_visits_build_and_lay_out_the_calendar_once(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = seed_calendar(harness, 2_000)
    builds = counting(monkeypatch, widget.publisher, "public_bookings")
    layouts = counting(monkeypatch, widget.routes, "calendar_context")

    responses = fetched_at_once(harness, f"/embed/{token}", 8)
    assert [r.status_code for r in responses] == [200] * 8
    assert len({r.content for r in responses}) == 1
    assert b"Haircut" in responses[0].content
    assert (len(builds), len(layouts)) == (1, 1)


def test_the_event_loop_does_little_of_a_large_window_read(harness: Harness) -> None:
    """Reading and decoding a large calendar's rows happens off the event loop (PostgreSQL's
    driver decodes on the loop that reads, so its large reads run on a loop of their own): of
    the CPU that gathering its public events takes, the loop's thread spends a small part."""
    seed_calendar(harness, LARGE)
    (calendar,) = harness.call(harness.runtime.calendars.list_calendars, "big")

    async def shares() -> tuple[float, float]:
        gc.disable()  # a collection runs in whichever thread allocates: noise to this measure
        try:
            loop_began, all_began = time.thread_time(), time.process_time()
            _, events = await backend.publish.public_events(
                harness.runtime.db, "big", calendar.id, now_utc()
            )
            assert len(events) == LARGE
            return time.thread_time() - loop_began, time.process_time() - all_began
        finally:
            gc.enable()

    on_loop, in_all = harness.call(shares)
    assert on_loop < 0.1 * in_all, f"the loop spent {on_loop:.3f} s of {in_all:.3f} s CPU"
