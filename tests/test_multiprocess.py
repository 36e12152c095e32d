"""Two real `bookfeed serve` processes sharing one database, PostgreSQL or a SQLite file, as
behind a load balancer: whatever one is told, the other shows on its very next answer."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import icalendar
import pytest

from backend.accounts import create_account
from backend.api_keys import create_key
from backend.calendars import CalendarService
from backend.domain import Account
from backend.links import LinkKeys
from backend.manage.auth import FREE_FAILURES, AuthService
from backend.policy import Policy
from backend.store.db import Database, migrations
from backend.store.fetches import counts_since
from tests.conftest import OWNER_EMAIL, OWNER_PASSWORD, run_apart
from tests.test_api_objects import SAMPLES

SECRET = "shared test secret key"
START = (datetime.now(UTC) + timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(database: str, port: int) -> subprocess.Popen[str]:
    env = {
        "BOOKFEED_DATABASE": database,
        "BOOKFEED_SECRET_KEY": SECRET,
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    }
    command = [sys.executable, "-m", "backend.cli", "serve", "--port", str(port)]
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def wait_until_up(server: subprocess.Popen[str], base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server exited: {server.stdout.read() if server.stdout else ''}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail("the server did not start within a minute")


def stop(server: subprocess.Popen[str]) -> str:
    """Stop as an operator would (SIGINT): the server flushes what it counted, then exits."""
    if server.poll() is None:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return server.stdout.read() if server.stdout else ""


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "shared.sqlite3")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def servers(database: str) -> Iterator[list[tuple[subprocess.Popen[str], str]]]:
    """Two servers started at once on a fresh database (both migrate it: once)."""
    started = [(serve(database, port), f"http://127.0.0.1:{port}") for port in ports()]
    try:
        for server, base in started:
            wait_until_up(server, base)
        yield started
    finally:
        for server, _ in started:
            stop(server)


def ports() -> tuple[int, int]:
    first = free_port()
    while (second := free_port()) == first:
        pass
    return first, second


class Seeded:
    def __init__(self, token: str, link_id: int, calendar_id: int, key: str) -> None:
        self.token = token
        self.link_id = link_id
        self.calendar_id = calendar_id
        self.key = key


async def seed(database: str) -> Seeded:
    db = await Database.open(database)
    try:
        await create_account(db, Account(id="acme", name="Acme", time_zone="UTC", locale="en"))
        await AuthService(db).create_owner("acme", OWNER_EMAIL, OWNER_PASSWORD)
        service = CalendarService(db, LinkKeys(SECRET.encode()))
        _, link = await service.create_calendar("acme", "Studio", Policy())
        _, key = await create_key(db, "acme", "booking system")
        return Seeded(link.token, link.record.id, link.record.calendar_id, key)
    finally:
        await db.close()


def summaries(base: str, token: str) -> list[str]:
    response = httpx.get(f"{base}/feeds/{token}.ics", headers={"User-Agent": "curl/8"})
    assert response.status_code == 200
    return [str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(response.text).walk("VEVENT")]


def widget_text(base: str, token: str) -> str:
    response = httpx.get(f"{base}/embed/{token}", params={"view": "list"})
    assert response.status_code == 200
    return response.text


def csrf(page: httpx.Response) -> str:
    match = re.search(r'name="_csrf" value="([^"]+)"', page.text)
    assert match is not None
    return match.group(1)


def sign_in(browser: httpx.Client, password: str) -> int:
    form = {"email": OWNER_EMAIL, "password": password, "_csrf": csrf(browser.get("/manage/login"))}
    return browser.post("/manage/login", data=form).status_code


def sign_in_anew(base: str, password: str) -> int:
    with httpx.Client(base_url=base) as browser:
        return sign_in(browser, password)


async def fetch_counts(database: str, link_id: int) -> tuple[int, int]:
    """The link's recorded fetches, and how many migrations the database recorded."""
    db = await Database.open(database)
    recorded = (
        "PRAGMA user_version"  # SQLite records the last, and they are numbered from 1
        if db.dialect == "sqlite"
        else "SELECT COUNT(*) FROM schema_migrations"
    )
    try:
        async with db.reading() as conn:
            counts = await counts_since(conn, [link_id], "2000-01-01")
            cursor = await conn.execute(recorded)
            (migrated,) = await cursor.fetchone()
        return sum(counts.get(link_id, {}).values()), migrated
    finally:
        await db.close()


def test_two_processes_on_one_database_act_as_one(
    servers: list[tuple[subprocess.Popen[str], str]], database: str
) -> None:
    (_, one), (_, other) = servers
    seeded = run_apart(seed(database))
    api = httpx.Client(base_url=f"{one}/api/v1", headers={"Authorization": f"Bearer {seeded.key}"})
    for kind, body in SAMPLES.items():
        assert api.put(f"/{kind}/x1", json=body).status_code == 201
    fetched = {one: 0, other: 0}

    def feed(base: str) -> list[str]:
        fetched[base] += 1
        return summaries(base, seeded.token)

    assert feed(other) == []  # the other process has now rendered (and cached) an empty feed
    booking = {
        "kind": "appointment",
        "service_id": "x1",
        "start": START.isoformat(),
        "end": (START + timedelta(hours=1)).isoformat(),
    }
    assert api.put("/bookings/bk-1", json=booking).status_code == 201
    name = SAMPLES["services"]["name"]
    assert feed(other) == [name]
    assert name in widget_text(other, seeded.token)
    # The other process catches up from the bookings written since it rendered, and a
    # deletion through one process shows on the other's next fetch too.
    later = {
        **booking,
        "start": (START + timedelta(hours=2)).isoformat(),
        "end": (START + timedelta(hours=3)).isoformat(),
    }
    assert api.put("/bookings/bk-2", json=later).status_code == 201
    assert feed(other) == [name, name]

    def representations(base: str) -> list[tuple[str, bytes]]:
        """The feed's identity and gzip bytes, each with its ETag."""
        found = []
        for coding in ("identity", "gzip"):
            fetched[base] += 1
            path = f"{base}/feeds/{seeded.token}.ics"
            with httpx.stream("GET", path, headers={"accept-encoding": coding}) as response:
                found.append((response.headers["etag"], b"".join(response.iter_raw())))
        return found

    # Caught up in one process, rendered in full in the other: the same bytes, the same ETags.
    assert representations(other) == representations(one)
    assert api.delete("/bookings/bk-2").status_code == 204
    assert feed(other) == [name]

    assert api.put("/services/x1", json={"name": "Beard trim"}).status_code == 200
    assert feed(other) == ["Beard trim"]
    assert "Beard trim" in widget_text(other, seeded.token)
    assert feed(one) == ["Beard trim"]

    # Disabling the link through one process empties its feed on the other at once.
    with httpx.Client(base_url=one) as browser:
        assert sign_in(browser, OWNER_PASSWORD) == 303
        form = {
            "enabled": "false",
            "_csrf": csrf(browser.get(f"/manage/calendars/{seeded.calendar_id}")),
        }
        disabled = browser.post(f"/manage/links/{seeded.link_id}/enabled", data=form)
        assert disabled.status_code == 303
    assert feed(other) == []
    assert httpx.get(f"{other}/embed/{seeded.token}").status_code == 404

    # The sign-in throttle counts failures from both processes together.
    statuses = [sign_in_anew((one, other)[n % 2], "wrong password") for n in range(FREE_FAILURES)]
    assert statuses == [400] * FREE_FAILURES
    assert sign_in_anew(other, "wrong password") == 429
    assert sign_in_anew(one, OWNER_PASSWORD) == 429

    # Fetch counts from both add up once each process has flushed (it does when stopped).
    for _ in range(3):
        feed(one)
    for server, _ in servers:
        stop(server)
    counted, migrated = run_apart(fetch_counts(database, seeded.link_id))
    assert counted == fetched[one] + fetched[other]
    assert migrated == len(migrations("sqlite" if database.endswith(".sqlite3") else "postgresql"))
