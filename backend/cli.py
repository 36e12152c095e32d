"""The `bookfeed` command: serve, and manage accounts from a shell."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from importlib.metadata import version
from typing import NoReturn

import msgspec

from backend import api_keys, server
from backend.accounts import create_account
from backend.admin_commands import (
    add_account_actions,
    add_backup_command,
    add_owner_actions,
    read_password,
    with_database,
)
from backend.calendars import CalendarService
from backend.demo import DEMO_ACCOUNT, seed_demo, seed_demo_owner
from backend.domain import Account
from backend.errors import BookfeedError
from backend.links import LinkKeys
from backend.manage.auth import AuthService
from backend.settings import Settings, check_database, load_settings, parse_host, parse_port
from backend.store import accounts
from backend.store.db import Database


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except BookfeedError as error:
        print(f"error: {_described(error)}", file=sys.stderr)
        return 2


def _described(error: BookfeedError) -> str:
    """The error on one line, led by the field or setting it is about."""
    field = getattr(error, "field", None)
    return f"{field}: {error}" if field else str(error)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, like every other refusal; --help shows the usage.
        self.exit(2, f"error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="bookfeed", description=__doc__)
    parser.add_argument("--version", action="version", version=f"bookfeed {version('bookfeed')}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the web server")
    serve.add_argument("--demo", action="store_true", help="seed the demo account if missing")
    serve.add_argument("--host", default=None, help="listen address (default 127.0.0.1)")
    serve.add_argument("--port", default=None, help="listen port (default 8000)")
    serve.add_argument("--workers", type=_workers, default=1, help="server processes (default 1)")
    serve.set_defaults(run=_serve)

    check = commands.add_parser(
        "check", help="check the settings, the database and the key; exit 1 on a problem"
    )
    check.set_defaults(run=_check)

    account = commands.add_parser("account", help="manage accounts")
    account_commands = account.add_subparsers(required=True, metavar="ACTION")
    create = account_commands.add_parser("create", help="create an account")
    create.add_argument("--id", required=True, help="identifier, e.g. 'northside'")
    create.add_argument("--name", required=True)
    create.add_argument("--time-zone", required=True, help="IANA name, e.g. Europe/London")
    create.add_argument("--locale", default="en")
    create.add_argument("--week-start", type=int, default=0, help="0 = Monday … 6 = Sunday")
    create.set_defaults(run=_create_account)
    add_account_actions(account_commands)
    _add_api_key_commands(commands)
    _add_owner_commands(commands)
    add_backup_command(commands)
    return parser


def _add_api_key_commands(commands: argparse._SubParsersAction) -> None:
    api_key = commands.add_parser("api-key", help="manage a booking system's API keys")
    actions = api_key.add_subparsers(required=True, metavar="ACTION")
    create = actions.add_parser("create", help="create a key and print it (shown only once)")
    create.add_argument("--account", required=True)
    create.add_argument("--label", default="API key", help="what the key is for")
    create.set_defaults(run=_create_api_key)
    listing = actions.add_parser("list", help="list an account's keys (prefixes only)")
    listing.add_argument("--account", required=True)
    listing.set_defaults(run=_list_api_keys)
    revoke = actions.add_parser("revoke", help="revoke a key at once")
    revoke.add_argument("key", metavar="PREFIX-OR-ID", help="the key's visible prefix or its id")
    revoke.add_argument("--account", required=True)
    revoke.set_defaults(run=_revoke_api_key)


def _workers(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes from 1 to 64")
    return int(text)


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings()
    if args.host is not None:
        settings = msgspec.structs.replace(settings, host=parse_host(args.host, "--host"))
    if args.port is not None:
        settings = msgspec.structs.replace(settings, port=parse_port(args.port, "--port"))
    return settings


def _serve(args: argparse.Namespace) -> int:
    settings = _settings(args)
    check_database(settings)
    if problem := server.listen_problem(settings.host, settings.port):
        about, message = problem
        given = args.port if about == "port" else args.host
        print(
            f"error: {f'--{about}' if given else f'BOOKFEED_{about.upper()}'}: {message}",
            file=sys.stderr,
        )
        return 1
    lines = asyncio.run(startup_lines(settings, args.demo))
    server.run(settings, args.workers, lines)
    return 0


def _check(_: argparse.Namespace) -> int:
    """Each check on a line of its own, `ok` or `problem`; exit 1 after any problem."""
    try:
        settings = load_settings(create_key=False)
    except BookfeedError as error:
        print(f"problem: settings: {_described(error)}")
        return 1
    print(f"ok: settings: listen on {settings.host}:{settings.port}, links {settings.base_url()}/")
    problems = 0
    for what, check in (("database", _database_state), ("key", _key_source)):
        try:
            print(f"ok: {what}: {check(settings)}")
        except BookfeedError as error:
            problems += 1
            print(f"problem: {what}: {_described(error)}")
    return 1 if problems else 0


def _database_state(settings: Settings) -> str:
    pending = check_database(settings, thorough=True)
    if pending is None:
        return f"{settings.database} is new; serving creates it"
    return f"{settings.database} is SQLite and intact; {pending} migration(s) to apply"


def _key_source(_: Settings) -> str:
    # load_settings has read the key already, or refused the settings.
    if os.environ.get("BOOKFEED_SECRET_KEY"):
        return "from BOOKFEED_SECRET_KEY"
    return "from the key file beside the database (keep it apart from database backups)"


async def startup_lines(settings: Settings, demo: bool) -> list[str]:
    """Migrate the database, seed the demo if asked, and list the URLs worth opening."""
    db = await Database.open(settings.database)
    try:
        service = CalendarService(db, LinkKeys(settings.secret_key))
        if not demo:
            return await _start_hints(db, settings)
        await seed_demo(db, service)
        email, password = await seed_demo_owner(db, settings.secret_key)
        base = settings.base_url()
        lines = [f"{base}/manage/login  sign in as {email}, password {password}"]
        widgets = []
        for calendar in await service.list_calendars(DEMO_ACCOUNT):
            for link in await service.links(DEMO_ACCOUNT, calendar.id):
                name = f"{calendar.name} ({link.record.label})"
                lines.append(f"{base}/feeds/{link.token}.ics  {name}")
                widgets.append(f"{base}/embed/{link.token}  widget of {name}")
        return lines + widgets
    finally:
        await db.close()


async def _start_hints(db: Database, settings: Settings) -> list[str]:
    """Where an owner signs in, or how to make the first account when there is none."""
    async with db.reading() as conn:
        has_accounts = bool(await accounts.list_ids(conn))
    if has_accounts:
        return [f"{settings.base_url()}/manage/login  owners sign in here"]
    return [
        "The database holds no account yet. Create one and its owner:",
        "  bookfeed account create --id ID --name NAME --time-zone Europe/London",
        "  bookfeed owner create --account ID --email EMAIL",
        "or start with demo data: bookfeed serve --demo",
    ]


def _create_account(args: argparse.Namespace) -> int:
    account = Account(
        id=args.id,
        name=args.name,
        time_zone=args.time_zone,
        locale=args.locale,
        week_start=args.week_start,
    )

    async def create() -> None:
        db = await Database.open(load_settings().database)
        try:
            await create_account(db, account)
        finally:
            await db.close()

    asyncio.run(create())
    print(f"created account {account.id}")
    return 0


def _create_api_key(args: argparse.Namespace) -> int:
    record, key = asyncio.run(
        with_database(lambda db: api_keys.create_key(db, args.account, args.label))
    )
    print(key)
    print(
        f"created API key {record.prefix} (id {record.id}) for account {record.account_id};"
        " it is shown only this once",
        file=sys.stderr,
    )
    return 0


def _list_api_keys(args: argparse.Namespace) -> int:
    for record in asyncio.run(with_database(lambda db: api_keys.list_keys(db, args.account))):
        state = f"revoked {record.revoked_at:%Y-%m-%d %H:%M}" if record.revoked_at else "active"
        used = f"{record.last_used_at:%Y-%m-%d %H:%M}" if record.last_used_at else "never"
        print(f"{record.id}\t{record.prefix}\t{state}\tlast used {used}\t{record.label}")
    return 0


def _revoke_api_key(args: argparse.Namespace) -> int:
    record = asyncio.run(with_database(lambda db: api_keys.revoke_key(db, args.account, args.key)))
    print(f"revoked API key {record.prefix} (id {record.id})")
    return 0


def _add_owner_commands(commands: argparse._SubParsersAction) -> None:
    owner = commands.add_parser("owner", help="manage the owners who sign in to /manage/")
    actions = owner.add_subparsers(required=True, metavar="ACTION")
    create = actions.add_parser(
        "create", help="create an owner; the password is read from a prompt or stdin"
    )
    create.add_argument("--account", required=True)
    create.add_argument("--email", required=True)
    create.set_defaults(run=_create_owner)
    add_owner_actions(actions)


def _create_owner(args: argparse.Namespace) -> int:
    password = read_password()
    owner = asyncio.run(
        with_database(lambda db: AuthService(db).create_owner(args.account, args.email, password))
    )
    print(f"created owner {owner.email} for account {owner.account_id}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
