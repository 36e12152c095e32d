"""The operator's commands, each run as the `bookfeed` process: listing, deleting, resetting
a password and backing up while the database is being written."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from backend.cli import startup_lines
from backend.demo import DEMO_ACCOUNT
from backend.manage.auth import AuthService, SignInRefused
from backend.settings import Settings
from backend.store.db import Database
from tests.conftest import run_cli
from tests.servers import server_env

NEW_PASSWORD = "a brand new passphrase"


def bookfeed(tmp_path: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return run_cli(tmp_path / "ops.sqlite3", *args, stdin=stdin)


def rows_per_table(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'sqlite_sequence'"
            )
        ]
        return {
            table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in tables
        }


def seed_demo(tmp_path: Path) -> None:
    """The demo account with its owner, calendars, links and bookings (as `serve --demo`)."""
    settings = Settings(database=tmp_path / "ops.sqlite3", secret_key=b"test secret key")
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, startup_lines(settings, demo=True)).result()


def kept_account(tmp_path: Path) -> None:
    created = bookfeed(
        tmp_path, "account", "create", "--id", "kept", "--name", "Kept", "--time-zone", "UTC"
    )
    assert created.returncode == 0, created.stderr
    owner = bookfeed(
        tmp_path,
        "owner",
        "create",
        "--account",
        "kept",
        "--email",
        "kept@example.com",
        stdin="kept password 123\n",
    )
    assert owner.returncode == 0, owner.stderr


def test_account_and_owner_lists(tmp_path: Path) -> None:
    kept_account(tmp_path)
    seed_demo(tmp_path)
    accounts = bookfeed(tmp_path, "account", "list")
    assert accounts.returncode == 0, accounts.stderr
    header, *lines = accounts.stdout.splitlines()
    assert header.split("\t") == ["id", "name", "time zone", "owners", "calendars", "bookings"]
    rows = {line.split("\t")[0]: line.split("\t") for line in lines}
    assert set(rows) == {DEMO_ACCOUNT, "kept"}
    assert rows["kept"][1:] == ["Kept", "UTC", "1", "0", "0"]
    assert int(rows[DEMO_ACCOUNT][4]) > 0 and int(rows[DEMO_ACCOUNT][5]) > 0
    owners = bookfeed(tmp_path, "owner", "list", "--account", "kept")
    assert owners.returncode == 0, owners.stderr
    assert [line.split("\t")[:2] for line in owners.stdout.splitlines()[1:]] == [
        ["kept@example.com", "kept"]
    ]
    everyone = bookfeed(tmp_path, "owner", "list").stdout.splitlines()[1:]
    assert len(everyone) == 2


def test_account_delete_removes_all_its_data_and_only_after_confirmation(tmp_path: Path) -> None:
    kept_account(tmp_path)
    database = tmp_path / "ops.sqlite3"
    before = rows_per_table(database)
    seed_demo(tmp_path)
    seeded = rows_per_table(database)
    for table in ("accounts", "owners", "calendars", "links", "bookings", "customers"):
        assert seeded[table] > before[table], table

    refused = bookfeed(tmp_path, "account", "delete", DEMO_ACCOUNT, stdin="")
    assert refused.returncode == 2
    assert "--yes" in refused.stderr
    assert rows_per_table(database) == seeded

    missing = bookfeed(tmp_path, "account", "delete", "nobody", "--yes")
    assert missing.returncode == 2 and "no account 'nobody'" in missing.stderr

    deleted = bookfeed(tmp_path, "account", "delete", DEMO_ACCOUNT, "--yes")
    assert deleted.returncode == 0, deleted.stderr
    assert rows_per_table(database) == before


def test_reset_password_lets_the_new_one_in_and_signs_the_old_sessions_out(
    tmp_path: Path,
) -> None:
    kept_account(tmp_path)
    database = tmp_path / "ops.sqlite3"
    with sqlite3.connect(database) as conn:
        conn.execute(
            "INSERT INTO owner_sessions (token_hash, owner_id, created_at, expires_at)"
            " SELECT x'00', id, '2026-01-01T00:00:00Z', '2999-01-01T00:00:00Z' FROM owners"
        )
    assert bookfeed(tmp_path, "owner", "list").stdout.splitlines()[1].endswith("\t1")

    short = bookfeed(tmp_path, "owner", "reset-password", "kept@example.com", stdin="short\n")
    assert short.returncode == 2 and "password" in short.stderr
    unknown = bookfeed(tmp_path, "owner", "reset-password", "x@example.com", stdin=NEW_PASSWORD)
    assert unknown.returncode == 2 and "no owner" in unknown.stderr

    reset = bookfeed(
        tmp_path, "owner", "reset-password", "KEPT@example.com", stdin=NEW_PASSWORD + "\n"
    )
    assert reset.returncode == 0, reset.stderr
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT COUNT(*) FROM owner_sessions").fetchone() == (0,)
    assert sign_in(database, "kept@example.com", NEW_PASSWORD) == "signed in"
    assert sign_in(database, "kept@example.com", "kept password 123") == "refused"


def sign_in(database: Path, email: str, password: str) -> str:
    """Sign in as the owner pages do, through the app's own service and store."""

    async def attempt() -> str:
        db = await Database.open(database)
        try:
            await AuthService(db).sign_in(email, password)
            return "signed in"
        except SignInRefused:
            return "refused"
        finally:
            await db.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, attempt()).result()


def test_owner_delete_leaves_the_account(tmp_path: Path) -> None:
    kept_account(tmp_path)
    deleted = bookfeed(tmp_path, "owner", "delete", "kept@example.com")
    assert deleted.returncode == 0, deleted.stderr
    counts = rows_per_table(tmp_path / "ops.sqlite3")
    assert (counts["owners"], counts["accounts"]) == (0, 1)
    again = bookfeed(tmp_path, "owner", "delete", "kept@example.com")
    assert again.returncode == 2 and "no owner" in again.stderr


def test_backup_copies_the_data_while_another_connection_writes(tmp_path: Path) -> None:
    seed_demo(tmp_path)
    database = tmp_path / "ops.sqlite3"
    stop = threading.Event()

    def write() -> None:
        with sqlite3.connect(database, isolation_level=None) as conn:
            n = 0
            while not stop.is_set():
                conn.execute(
                    "INSERT INTO sign_in_failures (key, failures, last_failed_at)"
                    " VALUES (?, 1, '2026-01-01T00:00:00Z')",
                    (f"k{n}",),
                )
                n += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        done = bookfeed(tmp_path, "backup", str(tmp_path / "copy.sqlite3"))
    finally:
        stop.set()
        writer.join()
    assert done.returncode == 0, done.stderr
    assert "copy.sqlite3" in done.stdout
    copy = tmp_path / "copy.sqlite3"
    assert [path.name for path in tmp_path.iterdir() if "copy" in path.name] == [copy.name]
    assert copy.stat().st_mode & 0o077 == 0  # personal data: readable by its owner only
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    counts, original = rows_per_table(copy), rows_per_table(database)
    assert counts["bookings"] == original["bookings"] > 0
    assert 0 < counts["sign_in_failures"] <= original["sign_in_failures"]
    nowhere = bookfeed(tmp_path, "backup", str(tmp_path / "no" / "such" / "dir" / "x.sqlite3"))
    assert nowhere.returncode == 2 and "FILE" in nowhere.stderr


def confirm_at_a_terminal(tmp_path: Path, answer: str) -> subprocess.CompletedProcess:
    """`account delete` with a terminal for stdin (a pseudo-terminal), typing `answer`."""
    primary, terminal = os.openpty()
    try:
        os.write(primary, answer.encode() + b"\n")
        env = server_env(tmp_path / "ops.sqlite3")
        return subprocess.run(
            [sys.executable, "-m", "backend.cli", "account", "delete", DEMO_ACCOUNT],
            stdin=terminal,
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
    finally:
        os.close(terminal)
        os.close(primary)


def test_account_delete_at_a_terminal_asks_for_the_account_id(tmp_path: Path) -> None:
    seed_demo(tmp_path)
    database = tmp_path / "ops.sqlite3"
    seeded = rows_per_table(database)
    wrong = confirm_at_a_terminal(tmp_path, "yes")
    assert wrong.returncode == 2 and "not confirmed" in wrong.stderr
    assert f"Type {DEMO_ACCOUNT} to confirm" in wrong.stdout
    assert rows_per_table(database) == seeded
    right = confirm_at_a_terminal(tmp_path, DEMO_ACCOUNT)
    assert right.returncode == 0, right.stderr
    assert rows_per_table(database)["accounts"] == 0


def test_backup_never_replaces_the_database_itself(tmp_path: Path) -> None:
    kept_account(tmp_path)
    database = tmp_path / "ops.sqlite3"
    before = rows_per_table(database)
    for target in (database, tmp_path / "." / "ops.sqlite3", tmp_path / "ops.sqlite3-wal"):
        refused = bookfeed(tmp_path, "backup", str(target))
        assert refused.returncode == 2, target
        assert "must not replace the database" in refused.stderr
    assert rows_per_table(database) == before
    dated = bookfeed(tmp_path, "backup", str(tmp_path / "ops.sqlite3-2026-05-04"))
    assert dated.returncode == 0, dated.stderr
