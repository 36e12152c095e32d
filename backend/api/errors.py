"""Every API error as RFC 9457 problem details (application/problem+json)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from backend.api.schemas import Problem
from backend.errors import BookfeedError, http_status

PROBLEM_JSON = "application/problem+json"
# Litestar's routing errors carry only the status phrase; say what it means here.
_ROUTING_DETAIL = {
    404: "there is nothing at this address; see /schema for the API's routes",
    405: "this address does not take this method; the Allow header lists those it takes",
}


def api_error(request: Request[Any, Any, Any], error: Exception) -> Response[Problem]:
    """Map any exception to its status and a message a person understands."""
    headers: dict[str, str] = {}
    field = getattr(error, "field", None)
    if isinstance(error, BookfeedError):
        status, message = http_status(error), str(error)
    elif isinstance(error, ValidationException):
        status, message, field = 400, *_first_problem(error)
    elif isinstance(error, HTTPException):
        status, message = error.status_code, error.detail
        headers = dict(error.headers or {})
        if message == HTTPStatus(status).phrase:
            message = _ROUTING_DETAIL.get(status, message)
        if status == 413:
            limit = request.route_handler.resolve_request_max_body_size()
            message = f"the body is larger than the limit of {limit} bytes"
    else:
        status, message = 500, "internal error"  # logged by backend.error_log
    return problem(status, message, field, headers)


def problem(
    status: int, detail: str, field: str | None = None, headers: dict[str, str] | None = None
) -> Response[Problem]:
    """The answer for one error: its status's phrase as the title, `detail` saying what to fix."""
    body = Problem(
        type="about:blank",
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        field=field,
    )
    return Response(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def _first_problem(error: ValidationException) -> tuple[str, str | None]:
    """Litestar's path and query validation: its first complaint, with the parameter it names."""
    problems = error.extra if isinstance(error.extra, list) else []
    for item in problems:
        if isinstance(item, dict) and item.get("key") == "data":
            return "a JSON body is required", None
        if isinstance(item, dict) and "message" in item:
            return str(item["message"]), item.get("key")
    return error.detail, None
