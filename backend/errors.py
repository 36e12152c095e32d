"""Domain exceptions; app.py maps them to HTTP answers in one place."""

from __future__ import annotations


class BookfeedError(Exception):
    """Base of every error the core raises on purpose."""


class NotFound(BookfeedError):
    """The object does not exist in this account (or the caller may not know it does)."""


class InvalidInput(BookfeedError):
    """Input that breaks a rule; `field` is the path of the offending value."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Conflict(BookfeedError):
    """The change would leave the data inconsistent (e.g. deleting a referenced object)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class PreconditionFailed(BookfeedError):
    """The object is not in the state the caller based its change on (If-Match)."""


def http_status(error: BookfeedError) -> int:
    """The HTTP status that answers a domain error."""
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Conflict):
        return 409
    if isinstance(error, PreconditionFailed):
        return 412
    return 400
