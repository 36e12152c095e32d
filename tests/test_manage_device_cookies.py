"""A browser that has signed in as an owner before passes the throttle that strangers'
guesses put on the owner's email address (OWASP device cookies). Unknown browsers are
throttled exactly as before; a forged cookie, or one issued for another address, gives no
way past; and a device cookie used for guessing is locked out on its own count."""

from __future__ import annotations

from collections.abc import Callable
from http.cookies import SimpleCookie

import pytest

from backend.manage.auth import FREE_FAILURES
from backend.manage.devices import DEVICE_COOKIE
from tests.conftest import OWNER_EMAIL, Harness, OwnerClient, create_owner

WRONG = "guess guess guess"
OTHER_EMAIL = "other@acme.example"


@pytest.fixture
def browser(acme: Harness) -> OwnerClient:
    """A browser at the sign-in page of account 'acme', which has two owners."""
    create_owner(acme, "acme")
    create_owner(acme, "acme", OTHER_EMAIL)
    return OwnerClient(acme)


def device_cookie(client: OwnerClient) -> str | None:
    return client.harness.client.cookies.get(DEVICE_COOKIE)


def new_browser(client: OwnerClient, device: str | None = None) -> None:
    """Forget every cookie, as another browser would have none of them, except `device`."""
    cookies = client.harness.client.cookies
    cookies.clear()
    if device is not None:
        cookies.set(DEVICE_COOKIE, device, domain="testserver.local", path="/manage")


def lock_out(client: OwnerClient, email: str = OWNER_EMAIL) -> None:
    """A stranger's guesses at `email` until unknown browsers must wait."""
    for _ in range(FREE_FAILURES):
        assert client.sign_in(email, WRONG).status_code == 400
    assert client.sign_in(email, WRONG).status_code == 429


def test_a_sign_in_leaves_a_long_lived_httponly_cookie_bound_to_the_browser(
    browser: OwnerClient,
) -> None:
    response = browser.sign_in()
    assert response.status_code == 303
    cookies = SimpleCookie()
    for header in response.headers.get_list("set-cookie"):
        cookies.load(header)
    device = cookies[DEVICE_COOKIE]
    assert device["httponly"] is True
    assert device["samesite"].lower() == "strict"
    assert device["path"] == "/manage"
    assert int(device["max-age"]) >= 180 * 24 * 3600
    assert OWNER_EMAIL not in device.value, "the address is signed into it, not written in it"


def test_the_owners_browser_signs_in_while_a_stranger_keeps_the_address_locked(
    browser: OwnerClient,
) -> None:
    assert browser.sign_in().status_code == 303
    owners_device = device_cookie(browser)
    assert owners_device

    new_browser(browser)  # the attacker's
    lock_out(browser)
    assert browser.sign_in().status_code == 429, "an unknown browser waits, password or not"

    new_browser(browser, owners_device)
    response = browser.sign_in()
    assert response.status_code == 303
    assert browser.get("/manage/").status_code == 200

    new_browser(browser)
    assert browser.sign_in(password=WRONG).status_code == 429, "the lock on strangers stays"


def test_without_a_device_cookie_the_owner_is_throttled_as_before(browser: OwnerClient) -> None:
    lock_out(browser)
    response = browser.sign_in()
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.text


@pytest.mark.parametrize(
    "forge",
    [
        lambda genuine: genuine.split(".")[0] + "." + "0" * 64,
        lambda genuine: "x" + genuine,
        lambda genuine: genuine.split(".")[0],
        lambda genuine: "not a device cookie",
    ],
)
def test_a_forged_device_cookie_gives_no_way_past(
    browser: OwnerClient, forge: Callable[[str], str]
) -> None:
    assert browser.sign_in().status_code == 303
    genuine = device_cookie(browser)
    assert genuine
    new_browser(browser)
    lock_out(browser)
    new_browser(browser, forge(genuine))
    assert browser.sign_in().status_code == 429


def test_a_device_cookie_of_another_address_gives_no_way_past(browser: OwnerClient) -> None:
    assert browser.sign_in(OTHER_EMAIL).status_code == 303
    others_device = device_cookie(browser)
    assert others_device
    new_browser(browser)
    lock_out(browser, OWNER_EMAIL)
    new_browser(browser, others_device)
    assert browser.sign_in(OWNER_EMAIL).status_code == 429


def test_a_device_cookie_used_for_guessing_is_locked_out_on_its_own_count(
    browser: OwnerClient,
) -> None:
    assert browser.sign_in().status_code == 303
    device = device_cookie(browser)
    new_browser(browser, device)
    for _ in range(FREE_FAILURES):
        assert browser.sign_in(password=WRONG).status_code == 400
    assert browser.sign_in().status_code == 429, "the device's own count is spent"
    # Its guesses were its own: browsers without the cookie were never slowed by them.
    new_browser(browser)
    assert browser.sign_in().status_code == 303
