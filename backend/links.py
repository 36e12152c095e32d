"""Secret link tokens: derived from the server's key and a per-link nonce, stored hashed.

A token is 144 bits of HMAC output in 24 URL-safe characters, so a feed URL stays far below
Google's 256-character limit. The database keeps the nonce and the token's SHA-256; only the
key turns a nonce back into the token, so a copy of the database alone opens no feed.
Lookup is by hash through an index: an attacker cannot steer the hash's bytes, so timing
reveals nothing about stored tokens.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

TOKEN_BYTES = 18
NONCE_BYTES = 16
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{24}")


class LinkKeys:
    """Turns nonces into tokens with the server's secret key."""

    def __init__(self, secret_key: bytes) -> None:
        self._key = hashlib.sha256(b"bookfeed link tokens\x00" + secret_key).digest()

    def token(self, nonce: bytes) -> str:
        digest = hmac.new(self._key, nonce, hashlib.sha256).digest()[:TOKEN_BYTES]
        return base64.urlsafe_b64encode(digest).decode()


def new_nonce() -> bytes:
    return secrets.token_bytes(NONCE_BYTES)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def is_token_shaped(text: str) -> bool:
    return _TOKEN_SHAPE.fullmatch(text) is not None


def redacted(token: str) -> str:
    """How a token may appear in logs: enough to tell links apart, useless to open one."""
    return token[:4] + "…"
