"""Logging of unexpected errors: the traceback, and the path with any secret token shortened."""

from __future__ import annotations

import re
import sys
from logging import Logger

from litestar.exceptions import HTTPException
from litestar.logging.config import LoggingConfig
from litestar.types import Scope

from backend.errors import BookfeedError, http_status
from backend.links import redacted

_TOKEN_IN_PATH = re.compile(r"(?<=/)[A-Za-z0-9_-]{24}(?=[/.]|$)")


def loggable_path(path: str) -> str:
    """The request path as logs may show it: a link token keeps only its first characters."""
    return _TOKEN_IN_PATH.sub(lambda match: redacted(match.group(0)), path)


def log_unexpected(logger: Logger, scope: Scope, traceback_lines: list[str]) -> None:
    """Log errors that become a 5xx; a client's mistake (4xx) is answered, not logged."""
    error = sys.exc_info()[1]
    if isinstance(error, HTTPException) and error.status_code < 500:
        return
    if isinstance(error, BookfeedError) and http_status(error) < 500:
        return
    logger.error(
        "Unexpected error on %s %s\n%s",
        scope.get("method", scope["type"]),
        loggable_path(scope.get("path", "")),
        "".join(traceback_lines),
    )


def logging_config() -> LoggingConfig:
    return LoggingConfig(log_exceptions="always", exception_logging_handler=log_unexpected)
