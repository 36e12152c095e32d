"""Guessing an owner's password is slowed per email address: guesses sent together cannot
slip past the limit, a quiet address is forgiven, a success clears the count, and strangers'
failures from the same client address never lock out an owner with the right password."""

from __future__ import annotations

import asyncio
from datetime import datetime
from urllib.parse import urlencode

import httpx
import pytest

from backend.manage import auth
from backend.manage.auth import FORGET_AFTER, FREE_FAILURES
from backend.store.db import now_utc
from tests.conftest import OWNER_EMAIL, OWNER_PASSWORD, Harness, OwnerClient, create_owner

WRONG = "guess guess guess"
THROTTLED = "Too many failed sign-ins"


class Clock:
    """Stands in for the sign-in code's clock, so a test can move time on without sleeping."""

    def __init__(self) -> None:
        self.now = now_utc()

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(auth, "now_utc", clock)
    return clock


@pytest.fixture
def visitor(acme: Harness) -> OwnerClient:
    """Someone at the sign-in page of account 'acme', which has an owner."""
    create_owner(acme, "acme")
    return OwnerClient(acme)


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password that reached the (slow) argon2 check, in order."""
    seen: list[str] = []
    verify = auth._verify

    def counting(password_hash: str, password: str) -> bool:
        seen.append(password)
        return verify(password_hash, password)

    monkeypatch.setattr(auth, "_verify", counting)
    return seen


def test_guesses_sent_at_once_cannot_pass_the_limit(
    visitor: OwnerClient, verifications: list[str]
) -> None:
    visitor.get("/manage/login")
    harness = visitor.harness
    body = urlencode({"email": OWNER_EMAIL, "password": WRONG, "_csrf": visitor.csrf})

    async def guess_together() -> list[httpx.Response]:
        # Straight into the running app on its own loop: the test client sends one at a time.
        transport = httpx.ASGITransport(app=harness.client.app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url=str(harness.client.base_url),
            cookies=dict(harness.client.cookies),
        ) as client:
            guesses = (
                client.post(
                    "/manage/login",
                    content=body,
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                )
                for _ in range(2 * FREE_FAILURES)
            )
            return list(await asyncio.gather(*guesses))

    answers = harness.call(guess_together)
    statuses = sorted(response.status_code for response in answers)
    assert statuses == [400] * FREE_FAILURES + [429] * FREE_FAILURES
    assert all(THROTTLED in r.text for r in answers if r.status_code == 429)
    assert len(verifications) == FREE_FAILURES, "the rest never reached the password check"


def test_a_count_left_quiet_long_enough_starts_again_from_zero(
    visitor: OwnerClient, clock: Clock
) -> None:
    for _ in range(FREE_FAILURES):
        assert visitor.sign_in(password=WRONG).status_code == 400
    assert visitor.sign_in(password=WRONG).status_code == 429
    clock.now += auth.LONGEST_WAIT
    assert visitor.sign_in(password=WRONG).status_code == 400, "one try after the wait"
    assert visitor.sign_in(password=WRONG).status_code == 429, "not a fresh set of tries"
    clock.now += FORGET_AFTER
    for _ in range(FREE_FAILURES):
        assert visitor.sign_in(password=WRONG).status_code == 400, "quiet long enough: forgiven"
    response = visitor.sign_in()
    assert response.status_code == 429
    assert THROTTLED in response.text


def test_strangers_failing_from_the_same_address_never_lock_out_the_owner(
    visitor: OwnerClient, verifications: list[str]
) -> None:
    for person in range(10):  # one office behind one proxy: every request has its address
        for _ in range(FREE_FAILURES - 1):
            response = visitor.sign_in(f"person{person}@acme.example", WRONG)
            assert response.status_code == 400
    response = visitor.sign_in()
    assert response.status_code == 303
    assert visitor.get("/manage/").status_code == 200
    assert verifications[-1] == OWNER_PASSWORD, "the right password was checked, not refused"


def test_a_success_clears_the_count_of_failures(visitor: OwnerClient) -> None:
    for _ in range(5):
        for _ in range(FREE_FAILURES - 1):
            assert visitor.sign_in(password=WRONG).status_code == 400
        assert visitor.sign_in().status_code == 303, "a typo or four, then the right password"
        visitor.harness.client.cookies.delete("bookfeed_session")
    for _ in range(FREE_FAILURES):
        assert visitor.sign_in(password=WRONG).status_code == 400
    assert visitor.sign_in().status_code == 429
