"""Optimistic concurrency: a strong ETag per object as the API shows it, and If-Match."""

from __future__ import annotations

from typing import Any

import msgspec

from backend.errors import PreconditionFailed
from backend.http_cache import content_tag


def etag_of(shown: Any) -> str:
    """The strong validator of an object's JSON: equal tags mean equal bodies."""
    return f'"{content_tag(msgspec.json.encode(shown))}"'


def check_if_match(if_match: str | None, current: Any | None) -> None:
    """RFC 9110 13.1.1: `*` needs the object to exist, otherwise one of the listed tags must
    be its tag by strong comparison (a weak tag, or anything else, never matches). None is
    no condition."""
    if if_match is None:
        return
    if current is not None:
        if if_match.strip() == "*":
            return
        if etag_of(current) in (tag.strip() for tag in if_match.split(",")):
            return
    raise PreconditionFailed(
        "the object has changed since it was read (If-Match names another ETag)"
        if current is not None
        else "the object does not exist, so it matches no If-Match"
    )
