"""The owner pages under /manage/: one router with the session, CSRF guard, security
headers and error pages they all share."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, Response, Router, get
from litestar.di import Provide
from litestar.exceptions import PermissionDeniedException
from litestar.response import Redirect, Template

from backend.errors import NotFound
from backend.manage import (
    routes_api_keys,
    routes_auth,
    routes_calendars,
    routes_links,
    routes_widget,
)
from backend.manage.web import (
    SignInRequired,
    check_csrf,
    check_ids,
    provide_owner,
    provide_page,
    security_headers,
)


def manage_router() -> Router:
    return Router(
        path="/manage",
        route_handlers=[
            routes_auth.login_page,
            routes_auth.sign_in,
            routes_auth.sign_out,
            routes_calendars.calendars_page,
            routes_calendars.new_calendar_page,
            routes_calendars.create_calendar,
            routes_calendars.calendar_page,
            routes_calendars.edit_calendar_page,
            routes_calendars.update_calendar,
            routes_calendars.delete_calendar,
            routes_calendars.add_link,
            routes_widget.widget_settings_page,
            routes_widget.update_widget_settings,
            routes_links.set_enabled,
            routes_links.regenerate,
            routes_links.delete,
            routes_links.qr_code,
            routes_api_keys.api_keys_page,
            routes_api_keys.create_api_key,
            routes_api_keys.revoke_api_key,
        ],
        dependencies={"page": Provide(provide_page), "owner": Provide(provide_owner)},
        guards=[check_ids, check_csrf],
        middleware=[security_headers],
        exception_handlers={
            NotFound: _not_found,
            SignInRequired: _to_sign_in,
            PermissionDeniedException: _forbidden,
        },
        include_in_schema=False,
    )


@get("/", include_in_schema=False)
async def home() -> Redirect:
    return Redirect("/manage/", status_code=303)


def _not_found(_: Request[Any, Any, Any], __: Exception) -> Template:
    return Template("manage/error.html", context={"title": "Not found"}, status_code=404)


def _forbidden(_: Request[Any, Any, Any], error: Exception) -> Template:
    context = {"title": "Form expired", "message": getattr(error, "detail", "")}
    return Template("manage/error.html", context=context, status_code=403)


def _to_sign_in(request: Request[Any, Any, Any], _: Exception) -> Response[Any]:
    back = request.url.path if request.method == "GET" else "/manage/"
    target = "/manage/login?next_page=" + quote(back, safe="/")
    if request.headers.get("hx-request") == "true":
        return Response(b"", status_code=204, headers={"HX-Redirect": target})
    return Redirect(target, status_code=303)
