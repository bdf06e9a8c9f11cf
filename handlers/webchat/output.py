"""The web chat's OutputChannel: pushes replies to every open tab of a visitor."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import WSCloseCode, web

from dialogs.messages import ConversationKey, Reply
from handlers.webchat.protocol import reply_frame

log = logging.getLogger(__name__)


class WebChatOutput:
    """Registry of open sockets per visitor, and the sender the turn pipeline replies through.

    A reply for a visitor with no open socket is simply not pushed: the pipeline has already
    written it to the transcript, and the page shows it as history on the next connect.
    """

    name = "web"

    def __init__(self, send_timeout: float = 10.0) -> None:
        self._sockets: dict[str, set[web.WebSocketResponse]] = {}
        # A stalled browser must not hold up the turn that is replying to it.
        self._send_timeout = send_timeout

    def attach(self, visitor_id: str, ws: web.WebSocketResponse) -> None:
        self._sockets.setdefault(visitor_id, set()).add(ws)

    def detach(self, visitor_id: str, ws: web.WebSocketResponse) -> None:
        sockets = self._sockets.get(visitor_id)
        if sockets is None:
            return
        sockets.discard(ws)
        if not sockets:
            del self._sockets[visitor_id]

    def open_sockets(self, visitor_id: str) -> int:
        return len(self._sockets.get(visitor_id, ()))

    def __len__(self) -> int:
        """Visitors with at least one open socket."""
        return len(self._sockets)

    async def send(self, key: ConversationKey, reply: Reply) -> None:
        if key.channel != self.name:
            raise ValueError(f"the web chat cannot deliver to {key}")
        await self.push(key.chat_id, reply_frame(reply))

    async def push(self, visitor_id: str, frame: dict[str, Any]) -> int:
        """Sends one frame to all the visitor's open sockets; returns how many got it."""
        sockets = list(self._sockets.get(visitor_id, ()))
        if not sockets:
            return 0
        results = await asyncio.gather(*(self._send_one(ws, frame) for ws in sockets))
        for ws, ok in zip(sockets, results, strict=True):
            if not ok:
                self.detach(visitor_id, ws)
        return sum(results)

    async def _send_one(self, ws: web.WebSocketResponse, frame: dict[str, Any]) -> bool:
        if ws.closed:
            return False
        try:
            await asyncio.wait_for(ws.send_json(frame), self._send_timeout)
        except (ConnectionError, RuntimeError, TimeoutError) as e:
            log.info("web chat socket dropped while sending: %r", e)
            return False
        return True

    async def close_all(self) -> None:
        """Closes every socket so a shutdown does not wait on idle browsers."""
        sockets = [ws for group in self._sockets.values() for ws in group]
        self._sockets.clear()
        await asyncio.gather(
            *(ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown") for ws in sockets),
            return_exceptions=True,
        )
