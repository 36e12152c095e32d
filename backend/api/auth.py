"""Bearer API keys: every API request names its account through its key, and only that one."""

from __future__ import annotations

import math
from typing import Any

from litestar import Request
from litestar.exceptions import NotAuthorizedException, TooManyRequestsException

from backend.api_keys import authenticate, hash_key

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="bookfeed"'}


async def account_of_key(request: Request[Any, Any, Any]) -> str:
    """The id of the account whose key the request carries; 401 without a valid key, 429
    when the key is over its rate limit (a batch is one request like any other)."""
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise NotAuthorizedException(
            "send the account's API key as 'Authorization: Bearer KEY'", headers=_CHALLENGE
        )
    account_id = await authenticate(request.app.state.runtime.db, key.strip())
    if account_id is None:
        raise NotAuthorizedException("unknown or revoked API key", headers=_CHALLENGE)
    wait = request.app.state.runtime.api_limit.take(hash_key(key.strip()))
    if wait:
        raise TooManyRequestsException(
            "too many requests with this API key; retry after the seconds in Retry-After",
            headers={"Retry-After": str(math.ceil(wait))},
        )
    return account_id
