"""What Litestar cannot infer about the API, added once to the OpenAPI document it generates:
problem-details errors, 201 on PUT, ETag and Retry-After headers, the id pattern in paths and
the rule that unknown fields are rejected. The suite checks the result against the running
API with schemathesis."""

from __future__ import annotations

from typing import Any

import msgspec

from backend.api.errors import PROBLEM_JSON
from backend.api.kinds import KINDS
from backend.api.schemas import (
    ID_PATTERN,
    AccountOut,
    AccountPatch,
    Batch,
    BatchResult,
    Problem,
)

_REF = "#/components/schemas/{name}"
_STRING = {"type": "string"}
_ETAG = {
    "ETag": {
        "description": "The object's strong validator, for If-Match on PUT and DELETE",
        "schema": _STRING,
    }
}
_PROBLEMS = {
    400: "Invalid input; `field` names the offending value (e.g. `bookings[3].start`)",
    401: "No API key, or an unknown or revoked one",
    404: "No object with this id in the account",
    409: "The change would leave a booking referring to a deleted object",
    412: "If-Match names another ETag, or the object does not exist",
    413: "The body is larger than the installation's limit (BOOKFEED_MAX_BODY_BYTES)",
    429: "This key is over its rate limit; retry after Retry-After seconds",
}
_PROBLEM_HEADERS = {
    401: {"WWW-Authenticate": {"description": "Bearer", "schema": _STRING}},
    429: {
        "Retry-After": {
            "description": "Seconds until the key may send again",
            "schema": {"type": "integer", "minimum": 1},
        }
    },
}
# msgspec's own schemas of the types it decodes and encodes are exact (nested limits and
# patterns, `additionalProperties: false` where unknown fields are rejected); Litestar's lose
# some. They replace Litestar's components of the same name.
_TYPES = [
    *(kind.schema for kind in KINDS),
    *(kind.domain for kind in KINDS),
    Batch,
    BatchResult,
    AccountPatch,
    AccountOut,
    Problem,
]
_, _COMPONENTS = msgspec.json.schema_components(_TYPES, ref_template=_REF)


def complete(document: dict[str, Any]) -> dict[str, Any]:
    """Add the above to a generated document, in place (doing it twice changes nothing)."""
    document.setdefault("components", {}).setdefault("schemas", {}).update(_COMPONENTS)
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if path.startswith("/api/"):
                _complete_operation(path, method, operation)
    return document


def _complete_operation(path: str, method: str, operation: dict[str, Any]) -> None:
    responses = operation["responses"]
    by_id = "{object_id}" in path
    for parameter in operation.get("parameters", []):
        if parameter["name"] == "object_id":
            parameter["schema"] = {"type": "string", "pattern": ID_PATTERN}
        elif parameter["name"] == "If-Match":
            parameter["schema"] = _STRING
    if by_id and method in ("get", "put"):
        responses["200"]["headers"] = _ETAG
    if by_id and method == "put":
        responses["201"] = {**responses["200"], "description": "Created"}
        responses["200"] = {**responses["200"], "description": "Replaced, or unchanged"}
    if path == "/api/v1/account" and method == "get":
        responses["200"]["headers"] = _ETAG
    responses.pop("400", None)
    for status in _statuses(path, method, operation, by_id):
        responses[str(status)] = {
            "description": _PROBLEMS[status],
            "headers": _PROBLEM_HEADERS.get(status, {}),
            "content": {PROBLEM_JSON: {"schema": {"$ref": _REF.format(name="Problem")}}},
        }


def _statuses(path: str, method: str, operation: dict[str, Any], by_id: bool) -> list[int]:
    """The errors an operation can answer with."""
    statuses = {401, 429}
    if operation.get("parameters") or "requestBody" in operation:
        statuses.add(400)
    if "requestBody" in operation:
        statuses.add(413)
    if by_id and method in ("get", "delete"):
        statuses.add(404)
    if by_id and method in ("put", "delete"):
        statuses.add(412)
    if (by_id and method == "delete") or path.endswith("/batch"):
        statuses.add(409)
    return sorted(statuses)
