"""The `bookfeed` command's account management, through its real entry point."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from backend.cli import startup_lines
from backend.settings import Settings
from tests.conftest import run_cli


def bookfeed(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(tmp_path / "cli.sqlite3", *args)


def account_ids(tmp_path: Path) -> list[str]:
    with sqlite3.connect(tmp_path / "cli.sqlite3") as conn:
        return [row[0] for row in conn.execute("SELECT id FROM accounts ORDER BY id")]


def test_account_create_makes_an_account(tmp_path: Path) -> None:
    done = bookfeed(
        tmp_path,
        "account",
        "create",
        "--id",
        "northside",
        "--name",
        "Northside",
        "--time-zone",
        "Europe/Berlin",
        "--locale",
        "de_DE",
    )
    assert done.returncode == 0, done.stderr
    assert "created account northside" in done.stdout
    assert account_ids(tmp_path) == ["northside"]


def test_account_create_refuses_bad_settings_and_writes_nothing(tmp_path: Path) -> None:
    bad_zone = bookfeed(
        tmp_path, "account", "create", "--id", "a", "--name", "A", "--time-zone", "Mars/Olympus"
    )
    assert bad_zone.returncode == 2
    assert "time_zone" in bad_zone.stderr and "Mars/Olympus" in bad_zone.stderr
    bad_id = bookfeed(
        tmp_path, "account", "create", "--id", "Bad Id!", "--name", "A", "--time-zone", "UTC"
    )
    assert bad_id.returncode == 2
    assert "id:" in bad_id.stderr
    assert account_ids(tmp_path) == []
    ok = bookfeed(tmp_path, "account", "create", "--id", "a", "--name", "A", "--time-zone", "UTC")
    assert ok.returncode == 0
    duplicate = bookfeed(
        tmp_path, "account", "create", "--id", "a", "--name", "B", "--time-zone", "UTC"
    )
    assert duplicate.returncode == 2
    assert "already exists" in duplicate.stderr


def prepare(tmp_path: Path, demo: bool) -> list[str]:
    """What `bookfeed serve` prints before it listens (run on a thread of its own, as the
    browser tests may hold an event loop on this one)."""
    settings = Settings(database=tmp_path / "cli.sqlite3", secret_key=b"test secret key")
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, startup_lines(settings, demo)).result()


def test_serve_on_an_empty_database_says_how_to_begin(tmp_path: Path) -> None:
    lines = prepare(tmp_path, demo=False)
    assert any("bookfeed account create" in line for line in lines)
    assert any("bookfeed owner create" in line for line in lines)
    assert account_ids(tmp_path) == []


def test_serve_names_the_sign_in_page_once_an_account_exists(tmp_path: Path) -> None:
    bookfeed(tmp_path, "account", "create", "--id", "a", "--name", "A", "--time-zone", "UTC")
    assert prepare(tmp_path, demo=False) == [
        "http://127.0.0.1:8000/manage/login  owners sign in here"
    ]
