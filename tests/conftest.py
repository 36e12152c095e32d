"""Shared fixtures: a real store per test, the real app, and helpers that create data through
the same service and store functions production uses.

The store is a fresh SQLite file, or with BOOKFEED_TEST_STORE=postgresql a fresh database on
the PostgreSQL server BOOKFEED_TEST_DATABASE_URL names (./scripts/test starts one). Tests of
PostgreSQL itself (several processes, migrations) use `postgres_url` whichever store is chosen.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import asyncpg
import pytest
from litestar.testing import TestClient

from backend.accounts import create_account
from backend.api_keys import create_key
from backend.app import create_app
from backend.calendars import Link
from backend.domain import (
    Account,
    Booking,
    BookingKind,
    Customer,
    Event,
    Location,
    Resource,
    Service,
    StaffMember,
)
from backend.manage.auth import AuthService
from backend.policy import Policy
from backend.runtime import Runtime
from backend.settings import Settings
from backend.store import bookings, objects
from backend.store.calendars import CalendarRecord
from backend.store.db import now_utc

T = TypeVar("T")


class Harness:
    """The running app and ways to put data into it."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.runtime: Runtime = client.app.state.runtime

    def call(self, function: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        """Run an async function on the app's own event loop (where its connection lives)."""
        return self.client.blocking_portal.call(partial(function, *args, **kwargs))

    def create_account(self, account_id: str = "acme", time_zone: str = "Europe/London") -> None:
        account = Account(
            id=account_id, name=f"{account_id} ltd", time_zone=time_zone, locale="en_GB"
        )
        self.call(create_account, self.runtime.db, account)

    def put(self, account_id: str, *items: Any) -> None:
        """Upsert reference objects and bookings, in order, in one transaction."""

        async def write() -> None:
            async with self.runtime.db.transaction() as conn:
                for item in items:
                    if isinstance(item, Booking):
                        await bookings.upsert(conn, account_id, item, now_utc())
                    else:
                        await objects.upsert(conn, account_id, item)

        self.call(write)

    def delete_booking(self, account_id: str, booking_id: str) -> None:
        async def write() -> None:
            async with self.runtime.db.transaction() as conn:
                await bookings.delete(conn, account_id, booking_id)

        self.call(write)

    def create_calendar(
        self,
        account_id: str = "acme",
        name: str = "Calendar",
        policy: Policy | None = None,
        label: str = "Default",
    ) -> tuple[CalendarRecord, Link]:
        return self.call(
            self.runtime.calendars.create_calendar, account_id, name, policy or Policy(), label
        )

    def feed(self, token: str, **headers: str) -> Any:
        return self.client.get(f"/feeds/{token}.ics", headers=headers)


TEST_STORE = os.environ.get("BOOKFEED_TEST_STORE", "sqlite")
POSTGRES_SERVER = os.environ.get("BOOKFEED_TEST_DATABASE_URL")
assert TEST_STORE in ("sqlite", "postgresql"), "BOOKFEED_TEST_STORE is sqlite or postgresql"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only: reads SQLite's files directly; not run on PostgreSQL"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if TEST_STORE == "postgresql":
        items[:] = [item for item in items if item.get_closest_marker("sqlite_only") is None]


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards. Without a server the test is
    skipped, except in CI (CI=true), where that is a failure."""
    if not POSTGRES_SERVER:
        message = "BOOKFEED_TEST_DATABASE_URL names no PostgreSQL server (./scripts/test does)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    name = f"bookfeed_test_{secrets.token_hex(6)}"
    run_apart(_on_server(f'CREATE DATABASE "{name}"'))
    yield POSTGRES_SERVER.rsplit("/", 1)[0] + "/" + name
    run_apart(_on_server(f'DROP DATABASE "{name}" WITH (FORCE)'))


def run_apart(work: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to its end on an event loop of its own, in a thread of its own: the
    browser tests keep a loop running in the main thread."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, work).result()


async def _on_server(statement: str) -> None:
    connection = await asyncpg.connect(POSTGRES_SERVER)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where this test's store lives: the store BOOKFEED_TEST_STORE chooses, fresh."""
    if TEST_STORE == "postgresql":
        return request.getfixturevalue("postgres_url")
    return tmp_path / "bookfeed.sqlite3"


@pytest.fixture
def settings(database: Path | str) -> Settings:
    return Settings(
        database=database,
        secret_key=b"test secret key",
        fetch_flush_seconds=3600,  # tests flush explicitly
    )


@pytest.fixture
def harness(settings: Settings) -> Iterator[Harness]:
    with TestClient(create_app(settings)) as client:
        yield Harness(client)


def soon(hours: float = 24) -> datetime:
    """A whole-second instant `hours` from now."""
    return (datetime.now(UTC) + timedelta(hours=hours)).replace(minute=0, second=0, microsecond=0)


STAFF = StaffMember(id="st-1", name="Sam Staffer", email="sam@staff.example", phone="+44 1")
ROOM = Resource(id="rs-1", name="Room One")
PLACE = Location(id="lc-1", name="Downtown", address="1 High Street")
SERVICE = Service(id="sv-1", name="Haircut", description="A fine haircut")
CLASS = Event(id="ev-1", name="Yoga – Beginners", description="Bring a mat", capacity=10)
CUSTOMER = Customer(
    id="cu-1",
    name="Jane Doe",
    email="jane@customer.example",
    phone="+44 7700 900000",
    address="2 Low Road",
    custom_fields={"Allergy": "peanuts"},
)
REFERENCES = (STAFF, ROOM, PLACE, SERVICE, CLASS, CUSTOMER)


def appointment(booking_id: str = "bk-1", hours: float = 24, **changes: Any) -> Booking:
    start = soon(hours)
    values: dict[str, Any] = {
        "id": booking_id,
        "kind": BookingKind.APPOINTMENT,
        "service_id": SERVICE.id,
        "start": start,
        "end": start + timedelta(hours=1),
        "staff_ids": (STAFF.id,),
        "resource_ids": (ROOM.id,),
        "customer_ids": (CUSTOMER.id,),
        "location_id": PLACE.id,
    }
    values.update(changes)
    return Booking(**values)


@pytest.fixture
def acme(harness: Harness) -> Harness:
    """An account 'acme' holding one of each reference object and one appointment tomorrow."""
    harness.create_account("acme")
    harness.put("acme", *REFERENCES, appointment())
    return harness


class ApiClient:
    """The booking-system API as one account's key reaches it."""

    def __init__(self, harness: Harness, account_id: str, key: str) -> None:
        self.harness = harness
        self.account_id = account_id
        self.key = key
        self.headers = {"Authorization": f"Bearer {key}"}

    def request(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        if body is not None:
            kwargs["json"] = body
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.harness.client.request(method, f"/api/v1{path}", headers=headers, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.request("PUT", path, body, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.request("POST", path, body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.request("PATCH", path, body, **kwargs)

    def data_version(self) -> int:
        return self.get("/account").json()["data_version"]


def api_client(harness: Harness, account_id: str) -> ApiClient:
    """A new account with an API key of its own."""
    harness.create_account(account_id)
    _, key = harness.call(create_key, harness.runtime.db, account_id, "tests")
    return ApiClient(harness, account_id, key)


@pytest.fixture
def api(harness: Harness) -> ApiClient:
    """Account 'acme', empty, and a client holding its API key."""
    return api_client(harness, "acme")


OWNER_EMAIL = "owner@acme.example"
OWNER_PASSWORD = "correct horse battery"


class OwnerClient:
    """The owner pages as a browser uses them: sign in through the form, and send each form
    with the CSRF token of the last page seen."""

    def __init__(self, harness: Harness) -> None:
        self.harness = harness
        self.csrf = ""

    def get(self, path: str, **kwargs: Any) -> Any:
        response = self.harness.client.get(path, follow_redirects=False, **kwargs)
        self._remember(response)
        return response

    def post(
        self, path: str, data: Any = None, htmx: bool = False, csrf: bool = True, **kwargs: Any
    ) -> Any:
        fields = list(data.items()) if isinstance(data, dict) else list(data or [])
        if csrf:
            fields.append(("_csrf", self.csrf))
        headers = {"HX-Request": "true"} if htmx else {}
        response = self.harness.client.post(
            path,
            content=urlencode(fields),
            headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
            follow_redirects=False,
            **kwargs,
        )
        self._remember(response)
        return response

    def sign_in(self, email: str = OWNER_EMAIL, password: str = OWNER_PASSWORD) -> Any:
        self.get("/manage/login")
        return self.post("/manage/login", {"email": email, "password": password})

    def _remember(self, response: Any) -> None:
        match = re.search(r'name="_csrf" value="([^"]+)"', response.text)
        if match:
            self.csrf = match.group(1)


def create_owner(
    harness: Harness, account_id: str, email: str = OWNER_EMAIL, password: str = OWNER_PASSWORD
) -> None:
    harness.call(AuthService(harness.runtime.db).create_owner, account_id, email, password)


@pytest.fixture
def owner(acme: Harness) -> OwnerClient:
    """The signed-in owner of account 'acme'."""
    create_owner(acme, "acme")
    client = OwnerClient(acme)
    assert client.sign_in().status_code == 303
    return client


def run_cli(
    database: Path | str,
    *args: str,
    stdin: str | None = None,
    secret_key: str | None = "test secret key",
) -> subprocess.CompletedProcess[str]:
    """The `bookfeed` command in its own process (its asyncio.run needs a thread of its own)."""
    env = {"BOOKFEED_DATABASE": str(database), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    if secret_key is not None:
        env["BOOKFEED_SECRET_KEY"] = secret_key
    return subprocess.run(
        [sys.executable, "-m", "backend.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
