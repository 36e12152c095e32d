"""The /api/v1 routes: thin handlers over backend.api.sync, one set per kind of object.

This module keeps annotations evaluated (no `from __future__ import annotations`): the
per-kind handlers are built in a loop and Litestar reads their types from the annotations.
"""

from typing import Annotated, Any

from litestar import HttpMethod, Request, Response, Router, delete, get, patch, post, put, route
from litestar.di import NamedDependency, Provide
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, HeaderParameter, JSONBody, Parameter

from backend.api import account, sync
from backend.api.auth import account_of_key
from backend.api.decoding import StrictBody
from backend.api.errors import api_error
from backend.api.kinds import KINDS, Kind
from backend.api.preconditions import etag_of
from backend.api.schemas import AccountOut, AccountPatch, Batch, BatchResult, Page
from backend.errors import BookfeedError
from backend.store.db import Database
from backend.store.objects import Change

BEARER = "BearerApiKey"
IfMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match",
        description="Change only if the object's ETag is one of these (`*`: only if it exists)",
    ),
]
DatabaseDep = NamedDependency[Database]
AccountDep = NamedDependency[str]


def api_router(max_body_bytes: int) -> Router:
    handlers: list[Any] = [read_account, patch_account, apply_batch]
    for kind in KINDS:
        handlers.extend(_kind_handlers(kind))
    return Router(
        path="/api/v1",
        route_handlers=[*_options_handlers(handlers), *handlers],
        dependencies={
            "account_id": Provide(account_of_key),
            "db": Provide(_database, sync_to_thread=False),
        },
        exception_handlers={Exception: api_error, BookfeedError: api_error},
        request_max_body_size=max_body_bytes,
        security=[{BEARER: []}],
    )


def _options_handlers(handlers: list[HTTPRouteHandler]) -> list[HTTPRouteHandler]:
    """OPTIONS for each path, listing all of its methods. Registered before the others: the
    answer Litestar adds by itself lists only the methods registered before it."""
    methods: dict[str, set[str]] = {}
    for handler in handlers:
        for path in handler.paths:
            methods.setdefault(path, {"OPTIONS"}).update(handler.http_methods)
    return [_options(path, ", ".join(sorted(allowed))) for path, allowed in methods.items()]


def _options(path: str, allow: str) -> HTTPRouteHandler:
    def options() -> Response[None]:
        return Response(None, status_code=204, headers={"Allow": allow})

    options.__name__ = options.__qualname__ = f"options_{path}"
    return route(
        path, http_method=[HttpMethod.OPTIONS], include_in_schema=False, sync_to_thread=False
    )(options)


def _database(request: Request[Any, Any, Any]) -> Database:
    return request.app.state.runtime.db


@get("/account", tags=["account"], summary="Read the account's settings and data version")
async def read_account(db: DatabaseDep, account_id: AccountDep) -> Response[AccountOut]:
    shown = await account.read(db, account_id)
    return Response(shown, headers={"ETag": etag_of(shown)})


@patch(
    "/account",
    tags=["account"],
    summary="Change the account's name, time zone, locale or week start",
    dto=StrictBody[AccountPatch],
    return_dto=None,
)
async def patch_account(
    db: DatabaseDep, account_id: AccountDep, data: JSONBody[AccountPatch]
) -> AccountOut:
    return await account.patch(db, account_id, data)


@post(
    "/batch",
    tags=["batch"],
    summary="Apply many upserts and deletions in one transaction, all or nothing",
    dto=StrictBody[Batch],
    return_dto=None,
    status_code=200,
)
async def apply_batch(
    db: DatabaseDep, account_id: AccountDep, data: JSONBody[Batch]
) -> BatchResult:
    return await sync.apply_batch(db, account_id, data)


def _kind_handlers(kind: Kind) -> list[Any]:
    path = f"/{kind.name}/{{object_id:str}}"
    tags = [kind.name]

    async def put_object(
        db: DatabaseDep,
        account_id: AccountDep,
        object_id: FromPath[str],
        data: Any,
        if_match: IfMatch = None,
    ) -> Any:
        change, stored = await sync.put(db, account_id, kind, object_id, data, if_match)
        status = 201 if change is Change.CREATED else 200
        return Response(stored, status_code=status, headers={"ETag": etag_of(stored)})

    async def get_object(db: DatabaseDep, account_id: AccountDep, object_id: FromPath[str]) -> Any:
        shown = await sync.get(db, account_id, kind, object_id)
        return Response(shown, headers={"ETag": etag_of(shown)})

    async def delete_object(
        db: DatabaseDep, account_id: AccountDep, object_id: FromPath[str], if_match: IfMatch = None
    ) -> None:
        await sync.delete(db, account_id, kind, object_id, if_match)

    async def list_objects(
        db: DatabaseDep,
        account_id: AccountDep,
        after: Annotated[str | None, Parameter(description="continue after this id")] = None,
        limit: Annotated[int, Parameter(ge=1, le=1000)] = 100,
    ) -> Any:
        items, next_after = await sync.list_page(db, account_id, kind, after, limit)
        return Page(items=items, next_after=next_after)

    put_object.__annotations__.update(
        {"data": JSONBody[kind.schema], "return": Response[kind.domain]}
    )
    get_object.__annotations__["return"] = Response[kind.domain]
    list_objects.__annotations__["return"] = Page[kind.domain]
    for handler in (put_object, get_object, delete_object, list_objects):
        handler.__name__ = handler.__qualname__ = f"{handler.__name__}_{kind.name}"
    return [
        put(
            path,
            tags=tags,
            summary=f"Create or replace one of {kind.name} by the booking system's id",
            dto=StrictBody[kind.schema],
            return_dto=None,
        )(put_object),
        get(path, tags=tags, summary=f"Read one of {kind.name}")(get_object),
        delete(path, tags=tags, summary=f"Delete one of {kind.name}", status_code=204)(
            delete_object
        ),
        get(f"/{kind.name}", tags=tags, summary=f"List {kind.name} in id order, a page at a time")(
            list_objects
        ),
    ]
