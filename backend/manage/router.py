"""The owner pages under /manage/: one router with the session, CSRF guard, security
headers and error pages they all share."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, Response, Router, get
from litestar.di import Provide
from litestar.exceptions import PermissionDeniedException
from litestar.response import Redirect
from litestar.types import Receive, Scope, Send

from backend.errors import NotFound
from backend.manage import (
    routes_api_keys,
    routes_auth,
    routes_calendars,
    routes_links,
    routes_widget,
)
from backend.manage.web import (
    SECURITY_HEADERS,
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
            NotFound: not_found_page,
            SignInRequired: _to_sign_in,
            PermissionDeniedException: _forbidden,
        },
        include_in_schema=False,
    )


@get("/", include_in_schema=False)
async def home() -> Redirect:
    return Redirect("/manage/", status_code=303)


class ErrorPage(Response[bytes]):
    """manage/error.html as an exception handler's answer, with the navigation of whoever is
    signed in. Exception handlers are synchronous and finding the owner is not, so the page
    is rendered when the answer is sent."""

    def __init__(
        self, title: str, status_code: int, message: str = "", headers: dict[str, str] | None = None
    ) -> None:
        security = {name.decode(): value.decode() for name, value in SECURITY_HEADERS}
        super().__init__(b"", status_code=status_code, headers={**security, **(headers or {})})
        self.title = title
        self.message = message

    def to_asgi_response(self, app: Any, request: Request[Any, Any, Any], **_: Any) -> Any:
        async def send_page(scope: Scope, receive: Receive, send: Send) -> None:
            page = await provide_page(request)
            template = await page.render(
                "manage/error.html", self.status_code, title=self.title, message=self.message
            )
            answer = template.to_asgi_response(None, request, headers=dict(self.headers))
            await answer(scope, receive, send)

        return send_page


def not_found_page(_: Request[Any, Any, Any], __: Exception) -> ErrorPage:
    return ErrorPage("Not found", 404)


def method_not_allowed_page(_: Request[Any, Any, Any], error: Exception) -> ErrorPage:
    headers = dict(getattr(error, "headers", None) or {})
    message = "This address does not take that kind of request."
    return ErrorPage("Method not allowed", 405, message, headers)


def _forbidden(_: Request[Any, Any, Any], error: Exception) -> ErrorPage:
    return ErrorPage("Form expired", 403, getattr(error, "detail", ""))


def _to_sign_in(request: Request[Any, Any, Any], _: Exception) -> Response[Any]:
    back = request.url.path if request.method == "GET" else "/manage/"
    target = "/manage/login?next_page=" + quote(back, safe="/")
    if request.headers.get("hx-request") == "true":
        return Response(b"", status_code=204, headers={"HX-Redirect": target})
    return Redirect(target, status_code=303)
