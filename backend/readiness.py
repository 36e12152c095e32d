"""GET /readyz: whether this process can serve, its database included (/healthz only says
that the process answers)."""

from __future__ import annotations

import asyncio
import logging

from litestar import MediaType, Response, get
from litestar.datastructures import State

logger = logging.getLogger(__name__)

# A probe that waits longer than this for the database reports it unready rather than hang.
READY_TIMEOUT_SECONDS = 2.0


@get("/readyz", include_in_schema=False, cache_control=None)
async def ready(state: State) -> Response[str]:
    try:
        await asyncio.wait_for(state.runtime.db.ping(), READY_TIMEOUT_SECONDS)
    except Exception as error:  # whatever the cause, the answer is the same: not ready
        logger.warning("not ready: the database did not answer (%s)", type(error).__name__)
        return _plain("database unavailable\n", 503)
    return _plain("ok\n", 200)


def _plain(text: str, status: int) -> Response[str]:
    return Response(
        text, status_code=status, media_type=MediaType.TEXT, headers={"cache-control": "no-store"}
    )
