"""What every owner page shares: the visitor's cookies, CSRF tokens, flash messages,
security headers, and rendering with all of that in the context."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any, cast
from zoneinfo import ZoneInfo

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.response import Redirect, Template
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from backend.errors import BookfeedError, NotFound
from backend.manage.auth import AuthService, Owner
from backend.manage.devices import DEVICE_COOKIE, DEVICE_LIFETIME
from backend.manage.formatting import Formatter
from backend.runtime import Runtime
from backend.store import accounts
from backend.store.db import holds_integer, now_utc

SESSION_COOKIE = "bookfeed_session"
NONCE_COOKIE = "bookfeed_csrf"
CSRF_FIELD = "_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SECURITY_HEADERS = (
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self';"
        b" object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"cache-control", b"no-store"),
)


class SignInRequired(BookfeedError):
    """The page needs a signed-in owner."""


def security_headers(app: ASGIApp) -> ASGIApp:
    """Middleware: every owner page (errors included) forbids inline script and framing."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                for name, value in SECURITY_HEADERS:
                    headers[name.decode()] = value.decode()
            await send(message)

        await app(scope, receive, send_with_headers)

    return middleware


class Page:
    """One request's view of the visitor: who is signed in, their CSRF token, how to answer."""

    def __init__(self, request: Request[Any, Any, Any], owner: Owner | None) -> None:
        self.request = request
        self.owner = owner
        self.runtime: Runtime = request.app.state.runtime
        self.auth = AuthService(self.runtime.db)
        self.session = request.cookies.get(SESSION_COOKIE)
        existing = request.cookies.get(NONCE_COOKIE)
        self._new_nonce = None if existing else secrets.token_urlsafe(24)
        self.nonce = existing or self._new_nonce or ""
        self.is_htmx = request.headers.get("hx-request") == "true"

    def csrf_token(self) -> str:
        return csrf_token(self.runtime.settings.secret_key, self.nonce, self.session)

    async def render(self, template: str, status_code: int = 200, **context: Any) -> Template:
        flash = None
        if self.session and self.owner and not self.is_htmx:
            flash = await self.auth.take_flash(self.session)
        context.update(
            owner=self.owner,
            csrf=self.csrf_token(),
            flash=flash,
            htmx=self.is_htmx,
            current_path=self.request.url.path,
        )
        if self.owner is not None:
            async with self.runtime.db.reading() as conn:
                account = await accounts.get(conn, self.owner.account_id)
            context.update(account=account, fmt=Formatter(ZoneInfo(account.time_zone), now_utc()))
        return Template(
            template_name=template,
            context=context,
            status_code=status_code,
            cookies=self.cookies(),
        )

    async def redirect(self, path: str, flash: str | None = None) -> Redirect:
        """After a form: show `path`, with `flash` on it."""
        if flash and self.session:
            await self.auth.flash(self.session, flash)
        return Redirect(path, status_code=303, cookies=self.cookies())

    def cookies(self, session: str | None = None) -> list[Cookie]:
        cookies = []
        if self._new_nonce:
            cookies.append(self._cookie(NONCE_COOKIE, self._new_nonce, samesite="strict"))
        if session is not None:
            cookies.append(self._cookie(SESSION_COOKIE, session, samesite="lax"))
        return cookies

    def device_cookie(self, value: str) -> Cookie:
        """The cookie that marks this browser as one that has signed in (devices.py)."""
        lifetime = int(DEVICE_LIFETIME.total_seconds())
        return self._cookie(DEVICE_COOKIE, value, samesite="strict", max_age=lifetime)

    def forget_session(self) -> Cookie:
        return self._cookie(SESSION_COOKIE, "", samesite="lax", max_age=0)

    def _cookie(self, key: str, value: str, samesite: str, max_age: int | None = None) -> Cookie:
        secure = self.request.url.scheme == "https" or self.runtime.settings.base_url().startswith(
            "https:"
        )
        return Cookie(
            key=key,
            value=value,
            path="/manage",
            httponly=True,
            secure=secure,
            samesite=cast(Any, samesite),
            max_age=max_age,
        )


def csrf_token(secret_key: bytes, nonce: str, session: str | None) -> str:
    """A token bound to this browser (nonce cookie) and, once signed in, to the session."""
    key = hashlib.sha256(b"bookfeed csrf\x00" + secret_key).digest()
    message = f"{nonce}\x00{session or ''}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


async def provide_page(request: Request[Any, Any, Any]) -> Page:
    session = request.cookies.get(SESSION_COOKIE)
    owner = None
    if session:
        owner = await AuthService(request.app.state.runtime.db).owner_of(session)
    return Page(request, owner)


async def provide_owner(page: PageDep) -> Owner:
    if page.owner is None:
        raise SignInRequired("sign in first")
    return page.owner


async def check_ids(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: an id in the path that no row can have is not found, on every route at once."""
    for value in connection.path_params.values():
        if isinstance(value, int) and not holds_integer(value):
            raise NotFound("no such object")


async def check_csrf(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: an unsafe request must carry the token of the page that sent it."""
    if connection.scope["method"] in SAFE_METHODS:
        return
    request = cast(Request[Any, Any, Any], connection)
    nonce = request.cookies.get(NONCE_COOKIE)
    sent = request.headers.get(CSRF_HEADER) or (await request.form()).get(CSRF_FIELD) or ""
    secret_key = request.app.state.runtime.settings.secret_key
    expected = csrf_token(secret_key, nonce or "", request.cookies.get(SESSION_COOKIE))
    if not nonce or not hmac.compare_digest(str(sent), expected):
        raise PermissionDeniedException("This form has expired. Reload the page and try again.")


PageDep = NamedDependency[Page]
OwnerDep = NamedDependency[Owner]
