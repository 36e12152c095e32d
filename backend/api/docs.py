"""The API reference at /schema: OpenAPI JSON plus a plain HTML page rendered on the server,
so reading the docs loads nothing from a CDN (the stock UIs all do)."""

from __future__ import annotations

import re
from html import escape
from typing import Any

from litestar import Request, Router
from litestar.datastructures import ResponseHeader
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, OpenAPIRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

from backend.api.document import complete
from backend.api.routes import BEARER

OPENAPI_JSON = "/schema/openapi.json"
_METHODS = ("get", "put", "post", "patch", "delete")
_CODE_SPAN = re.compile(r"`([^`]+)`")
# The reference page is plain HTML: no script, style or image, and no reason to be framed.
_SECURITY_HEADERS = (
    (
        "content-security-policy",
        "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    ),
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
)


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Bookfeed booking-system API",
        version="1",
        description=(
            "Push an account's staff, resources, locations, services, events, customers and "
            "bookings. Authenticate with `Authorization: Bearer KEY` (`bookfeed api-key create`)."
        ),
        path="/schema",
        openapi_router=Router(
            "/schema",
            route_handlers=[],
            include_in_schema=False,
            response_headers=[ResponseHeader(name=n, value=v) for n, v in _SECURITY_HEADERS],
        ),
        render_plugins=[ReferencePage(), CompleteJson()],
        components=Components(
            security_schemes={BEARER: SecurityScheme(type="http", scheme="bearer")}
        ),
    )


class CompleteJson(JsonRenderPlugin):
    """openapi.json with what Litestar cannot infer (backend.api.document)."""

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return super().render(request, complete(openapi_schema))


class ReferencePage(OpenAPIRenderPlugin):
    """Every operation with its body and answers, then every schema with its fields."""

    def __init__(self) -> None:
        super().__init__(path="/")

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        openapi_schema = complete(openapi_schema)
        info = openapi_schema.get("info", {})
        parts = [
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
            f"<title>{escape(info.get('title', 'API'))}</title></head><body>",
            f"<h1>{escape(info.get('title', 'API'))}</h1>",
            f"<p>{prose(info.get('description', ''))}</p>",
            f"<p><a href='{escape(self.get_openapi_json_route(request))}'>openapi.json</a></p>",
            "<h2>Operations</h2>",
        ]
        for path, item in openapi_schema.get("paths", {}).items():
            for method in _METHODS:
                if method in item:
                    parts.append(_operation(method, path, item[method]))
        parts.append("<h2>Schemas</h2>")
        for name, schema in openapi_schema.get("components", {}).get("schemas", {}).items():
            parts.append(_schema(name, schema))
        parts.append("</body></html>")
        return "".join(parts).encode()


def _operation(method: str, path: str, operation: dict[str, Any]) -> str:
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    lines = [
        f"<h3 id='{escape(operation.get('operationId', ''))}'>{method.upper()} {escape(path)}</h3>",
        f"<p>{prose(operation.get('summary', ''))}</p><ul>",
    ]
    for parameter in operation.get("parameters", []):
        lines.append(f"<li>{escape(parameter['in'])} <code>{escape(parameter['name'])}</code></li>")
    if body:
        lines.append(f"<li>body: {_type(body.get('schema', {}))}</li>")
    for status, answer in operation.get("responses", {}).items():
        lines.append(f"<li>{escape(status)}: {prose(answer.get('description', ''))}</li>")
    return "".join(lines) + "</ul>"


def prose(text: str) -> str:
    """Description text as HTML: escaped first, then Markdown `code` spans as <code>."""
    return _CODE_SPAN.sub(r"<code>\1</code>", escape(text))


def _schema(name: str, schema: dict[str, Any]) -> str:
    required = set(schema.get("required", ()))
    rows = [
        f"<tr><td><code>{escape(field)}</code>{' (required)' if field in required else ''}</td>"
        f"<td>{_type(spec)}</td></tr>"
        for field, spec in schema.get("properties", {}).items()
    ]
    return f"<h3 id='{escape(name)}'>{escape(name)}</h3><table>{''.join(rows)}</table>"


def _type(spec: dict[str, Any]) -> str:
    if "$ref" in spec:
        name = spec["$ref"].rsplit("/", 1)[-1]
        return f"<a href='#{escape(name)}'>{escape(name)}</a>"
    if "oneOf" in spec or "anyOf" in spec:
        return " or ".join(_type(option) for option in spec.get("oneOf", spec.get("anyOf")))
    if spec.get("type") == "array":
        return f"list of {_type(spec.get('items', {}))}"
    shown = [str(spec.get("type", "any"))]
    for key in ("format", "enum", "pattern", "minLength", "maxLength", "minimum", "maximum"):
        if key in spec:
            shown.append(f"{key} {spec[key]}")
    return escape(", ".join(shown))
