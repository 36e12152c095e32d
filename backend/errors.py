"""Domain exceptions; app.py maps them to HTTP answers in one place."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")


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
        self.errors: tuple[InvalidInput, ...] = (self,)  # each problem it stands for


class InvalidInputs(InvalidInput):
    """Several rules broken at once: `errors` holds each, so a form can show them together.
    Whoever maps only InvalidInput sees the first."""

    def __init__(self, errors: Sequence[InvalidInput]) -> None:
        super().__init__(errors[0].message, errors[0].field)
        self.errors = tuple(errors)


class Problems:
    """Collects what several checks refuse, so that all of it is reported at once."""

    def __init__(self) -> None:
        self.errors: list[InvalidInput] = []

    def __bool__(self) -> bool:
        return bool(self.errors)

    @contextmanager
    def check(self) -> Iterator[None]:
        """Run the block; an InvalidInput it raises is kept instead of passed on."""
        try:
            yield
        except InvalidInput as error:
            self.errors.extend(error.errors)

    def read(self, convert: Callable[[], T], fallback: T) -> T:
        """convert()'s value, or `fallback` once its InvalidInput is kept."""
        with self.check():
            return convert()
        return fallback

    def raise_any(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise InvalidInputs(self.errors)


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
