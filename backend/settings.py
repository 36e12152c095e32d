"""Settings read once from BOOKFEED_* environment variables into one typed value."""

from __future__ import annotations

import ipaddress
import os
import secrets
import sqlite3
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import msgspec

from backend.errors import InvalidInput
from backend.metrics_server import parse_address
from backend.store.db import is_postgres
from backend.store.sqlite import check_file

N = TypeVar("N", int, float)

DEFAULT_DATABASE = "bookfeed.sqlite3"


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    database: Path | str  # a SQLite file, or a postgresql:// URL shared by many processes
    secret_key: bytes
    public_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    link_retention_days: int = 90
    fetch_flush_seconds: float = 5.0
    max_body_bytes: int = 16 * 1024 * 1024  # an API request body; a 10,000-booking batch is ~4 MB
    # Per API key and process: a burst that takes a 10,000-object sync of single PUTs at full
    # speed, then about what one process serves, so only a runaway client waits. 0: no limit.
    api_rate_limit: float = 1000.0
    api_burst: int = 10_000
    log_format: str = "text"  # of the access log: "text" or "json"
    metrics_address: str | None = None  # HOST:PORT of the Prometheus listener; None: no metrics

    def base_url(self) -> str:
        """The origin that absolute links start with, without a trailing slash."""
        if self.public_url:
            return self.public_url.rstrip("/")
        return f"http://{self.host}:{self.port}"


def load_settings(environ: Mapping[str, str] | None = None, *, create_key: bool = True) -> Settings:
    """Read the BOOKFEED_* variables; a missing secret key comes from a key file beside a SQLite
    database, created on first use unless `create_key` is false. PostgreSQL serves many
    processes, which must all derive the same links: there the key must be given.

    A value that cannot be used raises InvalidInput naming its variable."""
    env = os.environ if environ is None else environ
    database = _database(env.get("BOOKFEED_DATABASE", DEFAULT_DATABASE))
    key_text = env.get("BOOKFEED_SECRET_KEY")
    if key_text:
        secret_key = key_text.encode()
    elif isinstance(database, Path):
        secret_key = _key_file_secret(database, create_key)
    else:
        raise InvalidInput(
            "with PostgreSQL, set the same secret key for every process", "BOOKFEED_SECRET_KEY"
        )
    return Settings(
        database=database,
        secret_key=secret_key,
        public_url=_public_url(env.get("BOOKFEED_PUBLIC_URL") or None),
        host=parse_host(env.get("BOOKFEED_HOST", "127.0.0.1"), "BOOKFEED_HOST"),
        port=parse_port(env.get("BOOKFEED_PORT", "8000"), "BOOKFEED_PORT"),
        link_retention_days=_integer(env, "BOOKFEED_LINK_RETENTION_DAYS", 90, minimum=1),
        max_body_bytes=_integer(env, "BOOKFEED_MAX_BODY_BYTES", 16 * 1024 * 1024, minimum=1),
        api_rate_limit=_number(env, "BOOKFEED_API_RATE_LIMIT", 1000.0),
        api_burst=_integer(env, "BOOKFEED_API_BURST", 10_000, minimum=1),
        log_format=_log_format(env.get("BOOKFEED_LOG_FORMAT", "text")),
        metrics_address=_metrics_address(env.get("BOOKFEED_METRICS_ADDRESS") or None),
    )


def _log_format(value: str) -> str:
    if value not in ("text", "json"):
        raise InvalidInput(f"{value!r} is neither text nor json", "BOOKFEED_LOG_FORMAT")
    return value


def _metrics_address(value: str | None) -> str | None:
    if value is not None:
        try:
            parse_address(value)
        except ValueError as error:
            raise InvalidInput(str(error), "BOOKFEED_METRICS_ADDRESS") from error
    return value


def parse_host(text: str, setting: str) -> str:
    """An IP address to listen on: a name such as localhost may stand for several."""
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        raise InvalidInput(
            f"{text!r} is not an IP address; use 127.0.0.1, ::1 or 0.0.0.0", setting
        ) from None


def parse_port(text: str, setting: str) -> int:
    return _bounded(text, setting, int, 1, 65535, "a port number from 1 to 65535")


def _integer(env: Mapping[str, str], setting: str, default: int, minimum: int) -> int:
    if setting not in env:
        return default
    return _bounded(env[setting], setting, int, minimum, None, f"a whole number from {minimum}")


def _number(env: Mapping[str, str], setting: str, default: float) -> float:
    if setting not in env:
        return default
    return _bounded(env[setting], setting, float, 0.0, sys.float_info.max, "a number from 0")


def _bounded(
    text: str,
    setting: str,
    kind: Callable[[str], N],
    minimum: N,
    maximum: N | None,
    wanted: str,
) -> N:
    try:
        value = kind(text.strip())
    except ValueError:
        raise InvalidInput(f"{text!r} is not {wanted}", setting) from None
    if not minimum <= value or (maximum is not None and value > maximum):
        raise InvalidInput(f"{text!r} is not {wanted}", setting)
    return value


def _public_url(text: str | None) -> str | None:
    if text is None:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise InvalidInput(
            f"{text!r} is not an origin such as https://cal.example.com", "BOOKFEED_PUBLIC_URL"
        )
    return text


def _database(text: str) -> Path | str:
    if not text.strip():
        raise InvalidInput("empty; name the SQLite file or PostgreSQL URL", "BOOKFEED_DATABASE")
    return text if is_postgres(text) else Path(text)


def check_database(settings: Settings, thorough: bool = False) -> int | None:
    """That the database is a SQLite file this process can open, or a new one it can create:
    the migrations it still needs, None for a new file (or a PostgreSQL server, which only
    connecting checks). InvalidInput names what is wrong."""
    path = settings.database
    if not isinstance(path, Path):
        return None
    if not path.exists():
        if not path.parent.is_dir() or not os.access(path.parent, os.W_OK | os.X_OK):
            raise InvalidInput(f"cannot create {path}: no writable folder", "BOOKFEED_DATABASE")
        return None
    try:
        return check_file(path, thorough)
    except sqlite3.DatabaseError as error:
        raise InvalidInput(f"cannot use {path} as SQLite: {error}", "BOOKFEED_DATABASE") from None


def _key_file_secret(database: Path, create: bool) -> bytes:
    """A key kept in its own file, so that a copy of the database alone yields no working link."""
    key_file = database.with_name(database.name + ".key")
    if not create and not key_file.exists():
        raise InvalidInput(
            f"none set, and no key file {key_file} yet (serving creates one)", "BOOKFEED_SECRET_KEY"
        )
    try:
        if not key_file.exists():
            key_file.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(32))
        key = key_file.read_text().strip().encode()
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or error
        raise InvalidInput(
            f"cannot read or create the key file {key_file}: {reason}", "BOOKFEED_DATABASE"
        ) from None
    if not key:
        raise InvalidInput(f"the key file {key_file} is empty", "BOOKFEED_SECRET_KEY")
    return key
