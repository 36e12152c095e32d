"""Settings read once from BOOKFEED_* environment variables into one typed value."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

import msgspec

from backend.errors import InvalidInput
from backend.metrics_server import parse_address
from backend.store.db import is_postgres

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


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the BOOKFEED_* variables; a missing secret key comes from a key file beside a SQLite
    database. PostgreSQL serves many processes, which must all derive the same links: there
    the key must be given."""
    env = os.environ if environ is None else environ
    target = env.get("BOOKFEED_DATABASE", DEFAULT_DATABASE)
    database: Path | str = target if is_postgres(target) else Path(target)
    key_text = env.get("BOOKFEED_SECRET_KEY")
    if key_text:
        secret_key = key_text.encode()
    elif isinstance(database, Path):
        secret_key = _key_file_secret(database)
    else:
        raise InvalidInput(
            "with PostgreSQL, set the same secret key for every process", "BOOKFEED_SECRET_KEY"
        )
    return Settings(
        database=database,
        secret_key=secret_key,
        public_url=env.get("BOOKFEED_PUBLIC_URL") or None,
        host=env.get("BOOKFEED_HOST", "127.0.0.1"),
        port=int(env.get("BOOKFEED_PORT", "8000")),
        link_retention_days=int(env.get("BOOKFEED_LINK_RETENTION_DAYS", "90")),
        max_body_bytes=int(env.get("BOOKFEED_MAX_BODY_BYTES", str(16 * 1024 * 1024))),
        api_rate_limit=float(env.get("BOOKFEED_API_RATE_LIMIT", "1000")),
        api_burst=int(env.get("BOOKFEED_API_BURST", "10000")),
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


def _key_file_secret(database: Path) -> bytes:
    """A key kept in its own file, so that a copy of the database alone yields no working link."""
    key_file = database.with_name(database.name + ".key")
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(32))
    return key_file.read_text().strip().encode()
