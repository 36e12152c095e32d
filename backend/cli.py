"""The `bookfeed` command: serve, and manage accounts from a shell."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

import msgspec

from backend import api_keys
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
from backend.metrics_server import serving_metrics
from backend.settings import Settings, load_settings
from backend.store import accounts
from backend.store.db import Database


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except BookfeedError as error:
        field = getattr(error, "field", None)
        print(f"error: {f'{field}: ' if field else ''}{error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bookfeed", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the web server")
    serve.add_argument("--demo", action="store_true", help="seed the demo account if missing")
    serve.add_argument("--host", default=None, help="listen address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="listen port (default 8000)")
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(run=_serve)

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


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings()
    overrides = {
        name: value for name in ("host", "port") if (value := getattr(args, name, None)) is not None
    }
    return msgspec.structs.replace(settings, **overrides)


def _serve(args: argparse.Namespace) -> int:
    from granian import Granian
    from granian.constants import Interfaces

    settings = _settings(args)
    lines = asyncio.run(startup_lines(settings, args.demo))
    print(f"Bookfeed is listening on {settings.base_url()}/")
    for line in lines:
        print(line)
    sys.stdout.flush()
    # The worker process builds its own settings from the environment: hand it the same ones.
    os.environ.update(
        BOOKFEED_DATABASE=str(settings.database),
        BOOKFEED_HOST=settings.host,
        BOOKFEED_PORT=str(settings.port),
    )
    with serving_metrics(settings.metrics_address):
        Granian(
            "backend.app:app_from_environment",
            factory=True,
            address=settings.host,
            port=settings.port,
            interface=Interfaces.ASGI,
            workers=args.workers,
            log_access=False,  # it would carry secret feed tokens: backend/observe.py logs
        ).serve()
    return 0


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
