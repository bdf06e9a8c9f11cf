"""Live updates for open console pages: a WebSocket per page, told "ticket N changed".

The socket carries only the ticket number and what kind of change it was; the page then
fetches the fresh fragment over plain HTTP, through the same session check as any page, so
the socket never becomes a second way to read tickets. A socket lives no longer than its
session: logging out or being disabled closes it at once, and a periodic check closes the
sockets of sessions that ran out. What a page says back is presence only (which ticket it
shows, whether its agent is typing: presence.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from aiohttp import WSMsgType, web

from dialogs.events import Event
from handlers.agents.console.presence import PresenceTracker
from handlers.live.changes import ticket_changes
from handlers.util.wsclose import close_promptly
from storage.sessions import SessionStore

log = logging.getLogger(__name__)

PER_SESSION = 8  # tabs one agent may keep open
TOTAL = 1000
SEND_TIMEOUT = 2.0  # a page that stops reading is dropped, not waited for
FRAME_SPACING = 0.2  # seconds between two presence frames of one page that are heard


@dataclass(frozen=True, slots=True)
class _Watcher:
    token: str
    agent_id: int
    expires_at: datetime
    request: web.Request  # to cut the connection off if the page does not answer a close
    # The page's name in the presence rows: each tab counts apart.
    page: str = field(default_factory=lambda: secrets.token_hex(8))


class LiveHub:
    def __init__(self, clock: Callable[[], datetime],
                 presence: PresenceTracker | None = None) -> None:
        self.clock = clock
        self.presence = presence
        self._sockets: dict[web.WebSocketResponse, _Watcher] = {}
        self._sending: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._sockets)

    async def serve(self, request: web.Request, token: str, agent_id: int,
                    expires_at: datetime) -> web.WebSocketResponse:
        mine = sum(1 for w in self._sockets.values() if w.token == token)
        if mine >= PER_SESSION or len(self._sockets) >= TOTAL:
            raise web.HTTPTooManyRequests(text="Too many open console pages.")
        ws = web.WebSocketResponse(heartbeat=30.0, max_msg_size=4096)
        await ws.prepare(request)
        watcher = _Watcher(token, agent_id, expires_at, request)
        self._sockets[ws] = watcher
        last = 0.0
        try:
            async for msg in ws:  # the page listens, and says where it is (presence)
                if msg.type == WSMsgType.ERROR:
                    break
                if msg.type != WSMsgType.TEXT or self.presence is None:
                    continue
                # Each frame is a database write and news for every page: a page that
                # chatters is read more slowly (none of what it says is lost).
                wait = last + FRAME_SPACING - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                last = time.monotonic()
                if ws in self._sockets:
                    await self.presence.heard(watcher.page, agent_id, msg.data)
        finally:
            self._sockets.pop(ws, None)
            if self.presence is not None:
                await self.presence.closed(watcher.page)
        return ws

    def pages(self) -> list[str]:
        """The presence names of this process's open pages (for the heartbeat)."""
        return [w.page for w in self._sockets.values()]

    def tell(self, number: str, kind: str) -> None:
        """Tell every open page; in the background, so an agent's action never waits for
        a slow reader. Also what another process's news comes in by (handlers/live/)."""
        if not self._sockets:
            return
        task = asyncio.create_task(self._broadcast(json.dumps({"ticket": number,
                                                               "kind": kind})))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _broadcast(self, frame: str) -> None:
        now = self.clock()
        sends = []
        for ws, watcher in list(self._sockets.items()):
            if now >= watcher.expires_at:
                sends.append(self._end(ws))
            elif not ws.closed:
                sends.append(self._send(ws, frame))
        await asyncio.gather(*sends)

    async def _send(self, ws: web.WebSocketResponse, frame: str) -> None:
        try:
            await asyncio.wait_for(ws.send_str(frame), SEND_TIMEOUT)
        except (TimeoutError, ConnectionError, RuntimeError) as e:
            log.debug("dropping a console socket: %r", e)
            await self._end(ws, code=1011)

    async def _end(self, ws: web.WebSocketResponse, code: int = 4001,
                   message: str = "session ended") -> None:
        """Close one socket; 4001 tells the page its session ended."""
        watcher = self._sockets.pop(ws, None)
        await close_promptly(ws, watcher.request if watcher else None, code=code,
                             message=message)

    async def end_session(self, token: str) -> None:
        await asyncio.gather(*(self._end(ws) for ws, w in list(self._sockets.items())
                               if w.token == token))

    async def end_agent(self, agent_id: int) -> None:
        await asyncio.gather(*(self._end(ws) for ws, w in list(self._sockets.items())
                               if w.agent_id == agent_id))

    async def revalidate(self, sessions: SessionStore) -> None:
        """Close the sockets whose sessions ended meanwhile (idle, expired, disabled, or
        logged out in another process)."""
        now = self.clock()
        tokens = {w.token for w in self._sockets.values()}
        for token in tokens:
            if await sessions.find(token, now, touch=False) is None:
                await self.end_session(token)

    async def on_events(self, events: list[Event]) -> None:
        """Every event names its ticket; the page decides what to refetch."""
        for number, kind in ticket_changes(events):
            self.tell(number, kind)

    async def close_all(self) -> None:
        """At shutdown: 1001 ("going away") tells the pages to reconnect."""
        for task in list(self._sending):
            task.cancel()
        await asyncio.gather(*(self._end(ws, 1001, "server shutdown")
                               for ws in list(self._sockets)))
