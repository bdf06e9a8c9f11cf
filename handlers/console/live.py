"""Live updates for open console pages: a WebSocket per page, told "ticket N changed".

The socket carries only the ticket number and what kind of change it was; the page then
fetches the fresh fragment over plain HTTP, through the same session check as any page, so
the socket never becomes a second way to read tickets.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from aiohttp import WSMsgType, web

from handlers.pipeline import CommitEvent
from storage.queue import SlaAlert

log = logging.getLogger(__name__)


class LiveHub:
    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self._sockets: dict[web.WebSocketResponse, datetime] = {}  # socket → session expiry

    def __len__(self) -> int:
        return len(self._sockets)

    async def serve(self, request: web.Request, expires_at: datetime) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=30.0, max_msg_size=4096)
        await ws.prepare(request)
        self._sockets[ws] = expires_at
        try:
            async for msg in ws:  # the page only listens; anything it sends is ignored
                if msg.type == WSMsgType.ERROR:
                    break
        finally:
            self._sockets.pop(ws, None)
        return ws

    async def changed(self, number: str, kind: str) -> None:
        if not self._sockets:
            return
        frame = json.dumps({"ticket": number, "kind": kind})
        now = self.clock()
        sends: list[Awaitable[object]] = []
        for ws, expires in list(self._sockets.items()):
            if now >= expires:  # the session ran out while the page stayed open
                self._sockets.pop(ws, None)
                sends.append(ws.close(code=4001, message=b"session expired"))
            elif not ws.closed:
                sends.append(ws.send_str(frame))
        for result in await asyncio.gather(*sends, return_exceptions=True):
            if isinstance(result, Exception):
                log.debug("console socket send failed: %s", result)

    async def on_commit(self, events: list[CommitEvent]) -> None:
        # Every commit event names its ticket; the page decides what to refetch.
        for event in events:
            await self.changed(event.number, type(event).__name__.lower())

    async def on_sla(self, alerts: list[SlaAlert]) -> None:
        """A promise is about to be, or was, missed: open pages show it at once."""
        for alert in alerts:
            await self.changed(alert.number, f"{alert.target}_{alert.kind}")

    async def close_all(self) -> None:
        sockets = list(self._sockets)
        self._sockets.clear()
        await asyncio.gather(*(ws.close(code=1001, message=b"server shutdown")
                               for ws in sockets), return_exceptions=True)
