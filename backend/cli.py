"""The `bookfeed` command: serve, and manage accounts from a shell."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import getpass
import http.client
import os
import resource
import socket
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from importlib.metadata import version
from typing import NoReturn, TypeVar

import msgspec

from backend import api_keys
from backend.accounts import create_account
from backend.calendars import CalendarService
from backend.demo import DEMO_ACCOUNT, seed_demo, seed_demo_owner
from backend.domain import Account
from backend.errors import BookfeedError, InvalidInput
from backend.links import LinkKeys
from backend.manage.auth import AuthService
from backend.settings import Settings, check_database, load_settings, parse_host, parse_port
from backend.store import accounts
from backend.store.db import Database

T = TypeVar("T")


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
    _add_api_key_commands(commands)
    _add_owner_commands(commands)
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
    from granian import Granian
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings

    settings = _settings(args)
    check_database(settings)
    if problem := _port_problem(settings.host, settings.port):
        print(f"error: {'--port' if args.port else 'BOOKFEED_PORT'}: {problem}", file=sys.stderr)
        return 1
    lines = asyncio.run(startup_lines(settings, args.demo))
    _allow_many_connections()
    # The worker process builds its own settings from the environment: hand it the same ones.
    os.environ.update(
        BOOKFEED_DATABASE=str(settings.database),
        BOOKFEED_HOST=settings.host,
        BOOKFEED_PORT=str(settings.port),
    )
    threading.Thread(target=_announce_when_answering, args=(settings, lines), daemon=True).start()
    Granian(
        "backend.app:app_from_environment",
        factory=True,
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGI,
        workers=args.workers,
        # A worker that dies is replaced; the others keep serving meanwhile.
        respawn_failed_workers=True,
        workers_kill_timeout=10,  # a worker stuck at shutdown does not hold up the others
        # Connections, idle ones included, count against backpressure: allow many, and close
        # one that sends no complete request head within the timeout. Only HTTP/1 starts that
        # clock at once: the auto mode waits, without a timer, for bytes to choose a protocol.
        # Browsers speak HTTP/2 only over TLS, which a proxy in front of Bookfeed ends.
        http=HTTPModes.http1,
        backlog=BACKLOG,
        backpressure=MAX_CONNECTIONS_PER_WORKER,
        http1_settings=HTTP1Settings(header_read_timeout=HEADER_TIMEOUT_MS),
        log_access=False,  # access logs would carry secret feed tokens
    ).serve()
    return 0


BACKLOG = 4096
MAX_CONNECTIONS_PER_WORKER = 16_384
HEADER_TIMEOUT_MS = 10_000


def _port_problem(host: str, port: int) -> str | None:
    """Why the address cannot be listened on, e.g. a server there already: the server itself
    shares a port with another that allows it, so try a bind that shares with none."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is no obstacle
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return f"{host}:{port} is already in use"
            return f"cannot listen on {host}:{port}: {error.strerror}"
    return None


def _allow_many_connections() -> None:
    """Each connection is a file descriptor: take the hard limit, not the common soft 1,024."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _announce_when_answering(settings: Settings, lines: list[str]) -> None:
    """Print the URLs once the server answers, not merely once it was asked to start."""
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(settings.host, settings.host)  # noqa: S104
    while True:
        connection = http.client.HTTPConnection(host, settings.port, timeout=2)
        try:
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                break
        except OSError:
            time.sleep(0.05)
        finally:
            connection.close()
    print(f"Bookfeed is listening on {settings.base_url()}/")
    for line in lines:
        print(line)
    sys.stdout.flush()


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


async def _with_database(work: Callable[[Database], Awaitable[T]]) -> T:
    db = await Database.open(load_settings().database)
    try:
        return await work(db)
    finally:
        await db.close()


def _create_api_key(args: argparse.Namespace) -> int:
    record, key = asyncio.run(
        _with_database(lambda db: api_keys.create_key(db, args.account, args.label))
    )
    print(key)
    print(
        f"created API key {record.prefix} (id {record.id}) for account {record.account_id};"
        " it is shown only this once",
        file=sys.stderr,
    )
    return 0


def _list_api_keys(args: argparse.Namespace) -> int:
    for record in asyncio.run(_with_database(lambda db: api_keys.list_keys(db, args.account))):
        state = f"revoked {record.revoked_at:%Y-%m-%d %H:%M}" if record.revoked_at else "active"
        used = f"{record.last_used_at:%Y-%m-%d %H:%M}" if record.last_used_at else "never"
        print(f"{record.id}\t{record.prefix}\t{state}\tlast used {used}\t{record.label}")
    return 0


def _revoke_api_key(args: argparse.Namespace) -> int:
    record = asyncio.run(_with_database(lambda db: api_keys.revoke_key(db, args.account, args.key)))
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


def _create_owner(args: argparse.Namespace) -> int:
    password = _read_password()
    owner = asyncio.run(
        _with_database(lambda db: AuthService(db).create_owner(args.account, args.email, password))
    )
    print(f"created owner {owner.email} for account {owner.account_id}")
    return 0


def _read_password() -> str:
    """From a prompt (typed twice) on a terminal, else the first line of stdin."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Repeat the password: ") != password:
        raise InvalidInput("the passwords differ", "password")
    return password


if __name__ == "__main__":
    raise SystemExit(main())
