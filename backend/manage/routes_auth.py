"""Signing in and out."""

from __future__ import annotations

from litestar import get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from backend.manage import devices
from backend.manage.auth import SignInRefused, SignInThrottled, normalize_email
from backend.manage.web import PageDep


@get("/login")
async def login_page(
    page: PageDep, next_page: FromQuery[str] = "/manage/", signed_out: FromQuery[bool] = False
) -> Template | Redirect:
    if page.owner is not None:
        return await page.redirect(_safe_next(next_page))
    notice = "You are signed out." if signed_out else None
    return await page.render("manage/login.html", next_page=_safe_next(next_page), notice=notice)


@post("/login")
async def sign_in(page: PageDep) -> Template | Redirect:
    form = await page.request.form()
    email, password = str(form.get("email", "")), str(form.get("password", ""))
    next_page = _safe_next(str(form.get("next", "")))
    secret_key = page.runtime.settings.secret_key
    cookie = page.request.cookies.get(devices.DEVICE_COOKIE)
    device_key = devices.throttle_key(secret_key, normalize_email(email), cookie)
    try:
        owner, session = await page.auth.sign_in(email, password, device_key)
    except (SignInRefused, SignInThrottled) as error:
        status = 429 if isinstance(error, SignInThrottled) else 400
        return await page.render(
            "manage/login.html", status, email=email, next_page=next_page, error=str(error)
        )
    device = page.device_cookie(devices.issue(secret_key, owner.email))
    return Redirect(next_page, status_code=303, cookies=[*page.cookies(session=session), device])


@post("/logout")
async def sign_out(page: PageDep) -> Redirect:
    if page.session:
        await page.auth.sign_out(page.session)
    return Redirect(
        "/manage/login?signed_out=true",
        status_code=303,
        cookies=[*page.cookies(), page.forget_session()],
    )


def _safe_next(path: str) -> str:
    """Only a page of ours: never another site, never a protocol-relative '//host'."""
    if path.startswith("/manage/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/manage/"
