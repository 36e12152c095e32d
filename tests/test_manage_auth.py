"""Owners sign in with a password only an argon2 hash of which is kept; guessing is slowed
down, sessions end at sign-out, and the cookie is as strict as the browser allows."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import msgspec
import pytest
from litestar.testing import TestClient

from backend.app import create_app
from backend.manage.auth import FREE_FAILURES
from backend.settings import Settings
from backend.store import owners
from tests.conftest import (
    OWNER_EMAIL,
    OWNER_PASSWORD,
    Harness,
    OwnerClient,
    create_owner,
    run_cli,
)


@pytest.fixture
def visitor(acme: Harness) -> OwnerClient:
    """Someone at the sign-in page of account 'acme', which has an owner."""
    create_owner(acme, "acme")
    return OwnerClient(acme)


def test_owner_pages_send_a_visitor_to_sign_in_first(visitor: OwnerClient) -> None:
    for path in ("/manage/", "/manage/calendars/new", "/manage/calendars/1"):
        response = visitor.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/manage/login?next_page=")
    assert visitor.get("/").headers["location"] == "/manage/"


def test_the_right_password_signs_in_and_returns_to_the_page_asked_for(
    visitor: OwnerClient,
) -> None:
    visitor.get("/manage/login?next_page=/manage/calendars/new")
    response = visitor.post(
        "/manage/login",
        {
            "email": " Owner@ACME.example ",
            "password": OWNER_PASSWORD,
            "next": "/manage/calendars/new",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/manage/calendars/new"
    assert visitor.get("/manage/").status_code == 200


@pytest.mark.parametrize(
    ("email", "password"),
    [(OWNER_EMAIL, "wrong password"), ("nobody@acme.example", OWNER_PASSWORD), ("", "")],
)
def test_a_failed_sign_in_says_so_without_telling_which_part_was_wrong(
    visitor: OwnerClient, email: str, password: str
) -> None:
    visitor.get("/manage/login")
    response = visitor.post("/manage/login", {"email": email, "password": password})
    assert response.status_code == 400
    assert "That email address and password do not match." in response.text
    assert f'value="{email}"' in response.text  # the address stays typed in
    assert "bookfeed_session" not in response.headers.get("set-cookie", "")
    assert visitor.get("/manage/").status_code == 303


def test_repeated_failures_lock_the_address_even_for_the_right_password(
    visitor: OwnerClient,
) -> None:
    visitor.get("/manage/login")
    for _ in range(FREE_FAILURES):
        assert visitor.sign_in(password="guess guess guess").status_code == 400
    response = visitor.sign_in()
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.text
    assert visitor.get("/manage/").status_code == 303


def test_sign_out_ends_the_session_for_good(owner: OwnerClient) -> None:
    cookie = owner.harness.client.cookies.get("bookfeed_session")
    assert cookie
    owner.get("/manage/")
    response = owner.post("/manage/logout")
    assert response.status_code == 303
    assert response.headers["location"] == "/manage/login?signed_out=true"
    assert owner.get("/manage/").status_code == 303
    owner.harness.client.cookies.set("bookfeed_session", cookie, path="/manage")
    assert owner.get("/manage/").status_code == 303, "the old cookie opens nothing"


def test_session_cookie_is_httponly_and_samesite_lax(visitor: OwnerClient) -> None:
    response = visitor.sign_in()
    cookie = next(c for c in response.headers.get_list("set-cookie") if "bookfeed_session=" in c)
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert "Path=/manage" in cookie
    assert "Secure" not in cookie  # plain http on localhost would never send it back


def test_session_cookie_is_secure_when_served_over_https(settings: Settings) -> None:
    settings = msgspec.structs.replace(settings, public_url="https://cal.example.com")
    with TestClient(create_app(settings), base_url="https://testserver.local") as client:
        harness = Harness(client)
        harness.create_account("acme")
        create_owner(harness, "acme")
        response = OwnerClient(harness).sign_in()
    assert response.status_code == 303
    cookies = response.headers.get_list("set-cookie")
    assert all("Secure" in cookie for cookie in cookies)


def test_sign_in_never_redirects_to_another_site(visitor: OwnerClient) -> None:
    for target in ("//evil.example/", "https://evil.example/manage/", "/manage/\\evil"):
        visitor.harness.client.cookies.delete("bookfeed_session")
        visitor.get("/manage/login")
        response = visitor.post(
            "/manage/login", {"email": OWNER_EMAIL, "password": OWNER_PASSWORD, "next": target}
        )
        assert response.headers["location"] == "/manage/"


def test_only_an_argon2_hash_of_the_password_is_stored(visitor: OwnerClient) -> None:
    async def stored_hash() -> str:
        async with visitor.harness.runtime.db.reading() as conn:
            found = await owners.find_owner(conn, OWNER_EMAIL)
        assert found is not None
        return found.password_hash

    stored = visitor.harness.call(stored_hash)
    assert stored.startswith("$argon2id$")
    assert OWNER_PASSWORD not in stored


def test_owner_create_command_reads_the_password_from_stdin(tmp_path: Path) -> None:
    def bookfeed(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return run_cli(tmp_path / "cli.sqlite3", *args, stdin=stdin)

    made = bookfeed("account", "create", "--id", "acme", "--name", "Acme", "--time-zone", "UTC")
    assert made.returncode == 0, made.stderr
    create = ("owner", "create", "--account", "acme", "--email", "Boss@Acme.example")
    short = bookfeed(*create, stdin="short\n")
    assert short.returncode == 2
    assert "password" in short.stderr
    done = bookfeed(*create, stdin=OWNER_PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    assert "created owner boss@acme.example for account acme" in done.stdout
    again = bookfeed(*create, stdin=OWNER_PASSWORD + "\n")
    assert again.returncode == 2
    assert "already exists" in again.stderr
    unknown = bookfeed(
        "owner", "create", "--account", "nope", "--email", "a@b.example", stdin=OWNER_PASSWORD
    )
    assert unknown.returncode == 2
    with sqlite3.connect(tmp_path / "cli.sqlite3") as conn:
        assert conn.execute("SELECT account_id, email FROM owners").fetchall() == [
            ("acme", "boss@acme.example")
        ]
