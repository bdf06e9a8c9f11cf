"""Closing a server-side WebSocket without waiting on the browser.

aiohttp's `WebSocketResponse.close` waits for the peer's own close frame (ten seconds by
default) and, before that, for the peer to read what is already queued: a tab that stopped
reading, or a client that never answers, would hold up a shutdown or a refusal that long.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

log = logging.getLogger(__name__)

# Long enough for a live browser on a slow link to answer the close frame.
CLOSE_TIMEOUT = 1.0


async def close_promptly(ws: web.WebSocketResponse, request: web.BaseRequest | None, *,
                         code: int, message: str) -> None:
    """Send the close frame with `code` and `message`; a peer that has not answered within
    CLOSE_TIMEOUT is cut off."""
    try:
        await asyncio.wait_for(ws.close(code=code, message=message.encode()), CLOSE_TIMEOUT)
    except TimeoutError:
        log.debug("a WebSocket peer did not answer the close frame; dropping it")
        abort(request)
    except (ConnectionError, RuntimeError) as e:
        log.debug("a WebSocket was gone before it could be closed: %r", e)
        abort(request)


def abort(request: web.BaseRequest | None) -> None:
    """Drop the connection at once, unsent data and all (a graceful close would wait for the
    peer to read it)."""
    transport = request.transport if request is not None else None
    if transport is not None:
        transport.abort()
