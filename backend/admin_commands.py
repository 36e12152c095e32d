"""The operator's commands beside `serve`: list and delete accounts and owners, reset an
owner's password, and back the database up."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from backend.accounts import delete_account
from backend.errors import InvalidInput
from backend.manage.auth import AuthService
from backend.settings import load_settings
from backend.store import accounts, owners
from backend.store.backup import backup
from backend.store.db import Connection, Database, is_postgres, now_utc

T = TypeVar("T")


def add_account_actions(actions: argparse._SubParsersAction) -> None:
    listing = actions.add_parser("list", help="list accounts with their owners, calendars…")
    listing.set_defaults(run=_list_accounts)
    delete = actions.add_parser("delete", help="delete an account and all its data")
    delete.add_argument("account", metavar="ID")
    delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    delete.set_defaults(run=_delete_account)


def add_owner_actions(actions: argparse._SubParsersAction) -> None:
    listing = actions.add_parser("list", help="list owners")
    listing.add_argument("--account", help="only this account's owners")
    listing.set_defaults(run=_list_owners)
    reset = actions.add_parser(
        "reset-password",
        help="set a new password (from a prompt or stdin) and sign the owner out everywhere",
    )
    reset.add_argument("email")
    reset.set_defaults(run=_reset_password)
    delete = actions.add_parser("delete", help="delete an owner (their account stays)")
    delete.add_argument("email")
    delete.set_defaults(run=_delete_owner)


def add_backup_command(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser(
        "backup", help="copy the SQLite database to FILE, safely while the server runs"
    )
    command.add_argument("file", metavar="FILE", type=Path)
    command.set_defaults(run=_backup)


def _list_accounts(_: argparse.Namespace) -> int:
    print("id\tname\ttime zone\towners\tcalendars\tbookings")
    for row in asyncio.run(_read(accounts.list_accounts)):
        print(
            f"{row.id}\t{row.name}\t{row.time_zone}\t{row.owners}\t{row.calendars}\t{row.bookings}"
        )
    return 0


def _delete_account(args: argparse.Namespace) -> int:
    if not args.yes:
        _confirm(f"Delete account {args.account} with all its data", args.account)
    asyncio.run(with_database(lambda db: delete_account(db, args.account)))
    print(f"deleted account {args.account} and all its data")
    return 0


def _list_owners(args: argparse.Namespace) -> int:
    print("email\taccount\tcreated\tsessions")
    for row in asyncio.run(_read(lambda conn: owners.list_owners(conn, args.account, now_utc()))):
        print(f"{row.email}\t{row.account_id}\t{row.created_at}\t{row.sessions}")
    return 0


def _reset_password(args: argparse.Namespace) -> int:
    password = read_password()
    owner = asyncio.run(
        with_database(lambda db: AuthService(db).reset_password(args.email, password))
    )
    print(f"new password set for {owner.email}; their sessions are signed out")
    return 0


def _delete_owner(args: argparse.Namespace) -> int:
    owner = asyncio.run(with_database(lambda db: AuthService(db).delete_owner(args.email)))
    print(f"deleted owner {owner.email} of account {owner.account_id}")
    return 0


def _backup(args: argparse.Namespace) -> int:
    database = load_settings().database
    if is_postgres(database):
        raise InvalidInput("a PostgreSQL store is backed up with pg_dump", "BOOKFEED_DATABASE")
    try:
        size = backup(Path(database), args.file)
    except (OSError, ValueError) as error:
        raise InvalidInput(str(error), "FILE") from error
    print(f"copied {database} to {args.file} ({size} bytes)")
    return 0


def _confirm(question: str, answer: str) -> None:
    """Go on only if a person at a terminal types `answer`; a script must pass --yes."""
    if not sys.stdin.isatty():
        raise InvalidInput("not a terminal: pass --yes to confirm", "--yes")
    if input(f"{question}? Type {answer} to confirm: ").strip() != answer:
        raise InvalidInput("not confirmed; nothing was deleted", "--yes")


async def with_database(work: Callable[[Database], Awaitable[T]]) -> T:
    db = await Database.open(load_settings().database)
    try:
        return await work(db)
    finally:
        await db.close()


async def _read(query: Callable[[Connection], Awaitable[T]]) -> T:
    async def read(db: Database) -> T:
        async with db.reading() as conn:
            return await query(conn)

    return await with_database(read)


def read_password() -> str:
    """From a prompt (typed twice) on a terminal, else the first line of stdin."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Repeat the password: ") != password:
        raise InvalidInput("the passwords differ", "password")
    return password
