"""Device cookies, after OWASP's "slow brute-force protection using device cookies": a
browser that has signed in as an owner carries a signed cookie bound to that email address.
Strangers' failed guesses lock out unknown browsers for that address, not this one; its own
failures are counted apart, so a stolen cookie earns no more guesses than anyone else."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

DEVICE_COOKIE = "bookfeed_device"
DEVICE_LIFETIME = timedelta(days=365)


def issue(secret_key: bytes, email: str) -> str:
    """A new cookie value naming this browser as one that signed in as `email`."""
    nonce = secrets.token_urlsafe(16)
    return f"{nonce}.{_signature(secret_key, nonce, email)}"


def throttle_key(secret_key: bytes, email: str, cookie: str | None) -> str | None:
    """The key that counts this browser's failures for `email`, if its cookie was issued by
    us for that address; None for a missing, forged or other address's cookie."""
    nonce, _, signature = (cookie or "").partition(".")
    if not nonce or not hmac.compare_digest(signature, _signature(secret_key, nonce, email)):
        return None
    return "device:" + hashlib.sha256(nonce.encode()).hexdigest()


def _signature(secret_key: bytes, nonce: str, email: str) -> str:
    key = hashlib.sha256(b"bookfeed device\x00" + secret_key).digest()
    return hmac.new(key, f"{nonce}\x00{email}".encode(), hashlib.sha256).hexdigest()
