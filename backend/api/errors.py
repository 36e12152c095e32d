"""Every API error as JSON: {status, error, field}; registered on the API router only."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from backend.api.schemas import ErrorBody
from backend.errors import BookfeedError, http_status


def api_error(request: Request[Any, Any, Any], error: Exception) -> Response[ErrorBody]:
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
        if status == 413:
            limit = request.route_handler.resolve_request_max_body_size()
            message = f"the body is larger than the limit of {limit} bytes"
    else:
        status, message = 500, "internal error"  # logged by backend.error_log
    return Response(
        ErrorBody(status=status, error=message, field=field), status_code=status, headers=headers
    )


def _first_problem(error: ValidationException) -> tuple[str, str | None]:
    """Litestar's path and query validation: its first complaint, with the parameter it names."""
    problems = error.extra if isinstance(error.extra, list) else []
    for problem in problems:
        if isinstance(problem, dict) and problem.get("key") == "data":
            return "a JSON body is required", None
        if isinstance(problem, dict) and "message" in problem:
            return str(problem["message"]), problem.get("key")
    return error.detail, None
