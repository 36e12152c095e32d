"""The `bookfeed` command's account management, through its real entry point."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import version
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


def test_version_is_the_installed_package_version(tmp_path: Path) -> None:
    done = bookfeed(tmp_path, "--version")
    assert done.returncode == 0
    assert done.stdout == f"bookfeed {version('bookfeed')}\n"


def test_check_passes_a_sound_setup_and_changes_nothing(tmp_path: Path) -> None:
    assert (
        bookfeed(
            tmp_path, "account", "create", "--id", "a", "--name", "A", "--time-zone", "UTC"
        ).returncode
        == 0
    )
    before = sorted(tmp_path.iterdir())
    done = bookfeed(tmp_path, "check")
    assert done.returncode == 0, done.stdout
    assert [line.split(":")[:2] for line in done.stdout.splitlines()] == [
        ["ok", " settings"],
        ["ok", " database"],
        ["ok", " key"],
    ]
    assert "0 migration(s) to apply" in done.stdout
    assert sorted(tmp_path.iterdir()) == before


def test_check_names_each_problem_and_exits_1(tmp_path: Path) -> None:
    (tmp_path / "cli.sqlite3").write_bytes(b"not a database at all" * 100)
    done = bookfeed(tmp_path, "check")
    assert done.returncode == 1
    assert "problem: database: BOOKFEED_DATABASE: cannot use" in done.stdout
    assert "file is not a database" in done.stdout

    env = {"BOOKFEED_DATABASE": str(tmp_path / "fresh.sqlite3"), "PATH": "/usr/bin:/bin"}
    keyless = subprocess.run(
        [sys.executable, "-m", "backend.cli", "check"], env=env, capture_output=True, text=True
    )
    assert keyless.returncode == 1
    assert keyless.stdout.startswith("problem: settings: BOOKFEED_SECRET_KEY: none set")
    assert not (tmp_path / "fresh.sqlite3.key").exists()

    bad_port = subprocess.run(
        [sys.executable, "-m", "backend.cli", "check"],
        env={**env, "BOOKFEED_SECRET_KEY": "k" * 32, "BOOKFEED_PORT": "http"},
        capture_output=True,
        text=True,
    )
    assert bad_port.returncode == 1
    assert (
        bad_port.stdout
        == "problem: settings: BOOKFEED_PORT: 'http' is not a port number from 1 to 65535\n"
    )
