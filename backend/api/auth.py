"""Bearer API keys: every API request names its account through its key, and only that one."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import NotAuthorizedException

from backend.api_keys import authenticate

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="bookfeed"'}


async def account_of_key(request: Request[Any, Any, Any]) -> str:
    """The id of the account whose key the request carries; 401 without a valid key."""
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise NotAuthorizedException(
            "send the account's API key as 'Authorization: Bearer KEY'", headers=_CHALLENGE
        )
    account_id = await authenticate(request.app.state.runtime.db, key.strip())
    if account_id is None:
        raise NotAuthorizedException("unknown or revoked API key", headers=_CHALLENGE)
    return account_id
