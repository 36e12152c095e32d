"""Owners and their sign-in: argon2 password hashes, server-side sessions, slowed guessing."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from datetime import datetime, timedelta
from functools import cache

import msgspec
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from backend.errors import BookfeedError, InvalidInput, NotFound
from backend.store import accounts, owners
from backend.store.db import Connection, Database, now_utc

SESSION_DAYS = 14
# Guessing is slowed per email address only. A limit per client address was dropped on
# purpose: behind a reverse proxy or a shared office/NAT address every owner has the same
# one, so refusing by address lets any stranger's typos lock out owners with the right
# password, and letting the right password through anyway would make the limit slow no
# one. The count per email caps guesses against each owner from however many addresses.
# A browser that has signed in as the owner before is counted on its own instead (see
# devices.py), so that a stranger's guessing cannot keep the owner out.
FREE_FAILURES = 5
FIRST_WAIT = timedelta(seconds=30)
LONGEST_WAIT = timedelta(minutes=15)
# A count quiet for this long starts again from zero. Longer than LONGEST_WAIT so that a
# guesser who waits out the longest wait each time never earns a fresh set of free tries.
FORGET_AFTER = timedelta(hours=1)
MIN_PASSWORD = 10
MAX_PASSWORD = 1024

_hasher = PasswordHasher()


class Owner(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    account_id: str
    email: str


class SignInRefused(BookfeedError):
    """Wrong address or password; the message never says which."""


class SignInThrottled(BookfeedError):
    def __init__(self, wait: timedelta) -> None:
        minutes = max(1, round(wait.total_seconds() / 60))
        super().__init__(
            f"Too many failed sign-ins. Try again in {minutes} minute{'s' * (minutes != 1)}."
        )
        self.wait = wait


def normalize_email(email: str) -> str:
    return email.strip().lower()


def check_email(email: str) -> str:
    email = normalize_email(email)
    local, _, domain = email.partition("@")
    if not local or "." not in domain or len(email) > 254 or any(c.isspace() for c in email):
        raise InvalidInput("enter an email address like owner@example.com", "email")
    return email


def check_password(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(
            f"the password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters", "password"
        )


def session_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


class AuthService:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create_owner(self, account_id: str, email: str, password: str) -> Owner:
        email = check_email(email)
        check_password(password)
        hashed = await asyncio.to_thread(_hasher.hash, password)
        async with self._db.transaction() as conn:
            await accounts.get(conn, account_id)
            owner_id = await owners.insert_owner(conn, account_id, email, hashed, now_utc())
        return Owner(id=owner_id, account_id=account_id, email=email)

    async def ensure_owner(self, account_id: str, email: str, password: str) -> Owner:
        """The owner with this password, created if missing (how the demo seeds its login)."""
        async with self._db.reading() as conn:
            record = await owners.find_owner(conn, normalize_email(email))
        if record is None:
            return await self.create_owner(account_id, email, password)
        if not await asyncio.to_thread(_verify, record.password_hash, password):
            hashed = await asyncio.to_thread(_hasher.hash, password)
            async with self._db.transaction() as conn:
                await owners.set_password_hash(conn, record.id, hashed)
        return Owner(id=record.id, account_id=record.account_id, email=record.email)

    async def reset_password(self, email: str, password: str) -> Owner:
        """A new password for the owner, signed out everywhere, free to sign in at once."""
        check_password(password)
        hashed = await asyncio.to_thread(_hasher.hash, password)
        email = normalize_email(email)
        async with self._db.transaction() as conn:
            record = await _existing_owner(conn, email)
            await owners.set_password_hash(conn, record.id, hashed)
            await owners.delete_sessions_of(conn, record.id)
            await owners.clear_failures(conn, _throttle_key(email))
        return Owner(id=record.id, account_id=record.account_id, email=record.email)

    async def delete_owner(self, email: str) -> Owner:
        async with self._db.transaction() as conn:
            record = await _existing_owner(conn, normalize_email(email))
            await owners.delete_owner(conn, record.id)
        return Owner(id=record.id, account_id=record.account_id, email=record.email)

    async def sign_in(
        self, email: str, password: str, device_key: str | None = None
    ) -> tuple[Owner, str]:
        """A new session token for the owner, or SignInRefused / SignInThrottled. A known
        device's `device_key` counts its failures instead of the address's count."""
        email = normalize_email(email)
        key = device_key or _throttle_key(email)
        # The attempt counts as a failure before the slow password check, in the transaction
        # that checks the count: guesses sent at once each see the ones before them, so no
        # more than the free number reach the check, and a check cut short stays counted.
        async with self._db.transaction() as conn:
            await _reserve_attempt(conn, key, now_utc())
            record = await owners.find_owner(conn, email)
        verified = await asyncio.to_thread(
            _verify, record.password_hash if record else _decoy_hash(), password
        )
        if record is None or not verified:
            raise SignInRefused("That email address and password do not match.")
        rehashed = None
        if _hasher.check_needs_rehash(record.password_hash):
            rehashed = await asyncio.to_thread(_hasher.hash, password)
        token = secrets.token_urlsafe(32)
        now = now_utc()
        async with self._db.transaction() as conn:
            await owners.clear_failures(conn, key)
            await owners.purge_failures(conn, now - FORGET_AFTER)
            await owners.purge_sessions(conn, now)
            await owners.insert_session(
                conn, session_hash(token), record.id, now, now + timedelta(days=SESSION_DAYS)
            )
            if rehashed is not None:
                await owners.set_password_hash(conn, record.id, rehashed)
        return Owner(id=record.id, account_id=record.account_id, email=record.email), token

    async def owner_of(self, token: str) -> Owner | None:
        async with self._db.reading() as conn:
            record = await owners.session_owner(conn, session_hash(token), now_utc())
        if record is None:
            return None
        return Owner(id=record.id, account_id=record.account_id, email=record.email)

    async def sign_out(self, token: str) -> None:
        async with self._db.transaction() as conn:
            await owners.delete_session(conn, session_hash(token))

    async def flash(self, token: str, message: str) -> None:
        """Keep a message for the session's next page."""
        async with self._db.transaction() as conn:
            await owners.set_flash(conn, session_hash(token), message)

    async def take_flash(self, token: str) -> str | None:
        async with self._db.transaction() as conn:
            return await owners.take_flash(conn, session_hash(token))


@cache
def _decoy_hash() -> str:
    """Unknown addresses are checked against this, so timing does not tell who exists."""
    return _hasher.hash(secrets.token_urlsafe(16))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def _existing_owner(conn: Connection, email: str) -> owners.OwnerRecord:
    record = await owners.find_owner(conn, email)
    if record is None:
        raise NotFound(f"no owner {email!r}")
    return record


def _throttle_key(email: str) -> str:
    """The failure count's key: a hash, so a password typed into the email box is not kept."""
    return "email:" + hashlib.sha256(email.encode()).hexdigest()


async def _reserve_attempt(conn: Connection, key: str, now: datetime) -> None:
    """Count one more failure for the key, or raise SignInThrottled if it must wait first."""
    found = await owners.failures(conn, key)
    if found is not None and now - found.last_failed_at >= FORGET_AFTER:
        await owners.clear_failures(conn, key)
        found = None
    if found is not None and found.count >= FREE_FAILURES:
        wait = min(FIRST_WAIT * 2 ** min(found.count - FREE_FAILURES, 10), LONGEST_WAIT)
        remaining = found.last_failed_at + wait - now
        if remaining > timedelta(0):
            raise SignInThrottled(remaining)
    await owners.add_failure(conn, key, now)
