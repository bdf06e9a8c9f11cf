"""The web chat's OutputChannel: admits chat sockets up to the caps and pushes replies to
every open tab of a visitor."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import Any, Protocol

from aiohttp import WSCloseCode, web

from dialogs.messages import ConversationKey, Reply
from handlers.channels.webchat.caps import (
    SERVER_BUSY,
    TOO_MANY_FROM_ADDRESS,
    TOO_MANY_TABS,
    Refusal,
    SocketCaps,
)
from handlers.channels.webchat.protocol import reply_frame

log = logging.getLogger(__name__)


class OpenSocket(Protocol):
    """One accepted chat socket (handlers.channels.webchat.connection.ChatConnection)."""

    @property
    def visitor_id(self) -> str: ...

    @property
    def address(self) -> str: ...

    @property
    def ws(self) -> web.WebSocketResponse: ...

    async def close(self, code: int, reason: str) -> None: ...

    def abort(self) -> None: ...


class WebChatOutput:
    """Registry of open sockets per visitor, and the sender the turn pipeline replies through.

    A reply for a visitor with no open socket is simply not pushed: the pipeline has already
    written it to the transcript, and the page shows it as history on the next connect.
    """

    name = "web"

    def __init__(self, caps: SocketCaps | None = None, send_timeout: float = 10.0) -> None:
        self.caps = caps or SocketCaps()
        # Every admitted socket until its handler ends: what the caps count.
        self._open: set[OpenSocket] = set()
        self._per_visitor: Counter[str] = Counter()
        self._per_address: Counter[str] = Counter()
        # What replies fan out to: the admitted sockets that have not failed a send.
        self._sockets: dict[str, set[OpenSocket]] = {}
        # A stalled browser must not hold up the turn that is replying to it.
        self._send_timeout = send_timeout

    def admit(self, sock: OpenSocket) -> Refusal | None:
        """Registers `sock`, or says which cap it is over (and registers nothing)."""
        if self._per_visitor[sock.visitor_id] >= self.caps.per_visitor:
            return TOO_MANY_TABS
        if self.caps.per_address and self._per_address[sock.address] >= self.caps.per_address:
            return TOO_MANY_FROM_ADDRESS
        if len(self._open) >= self.caps.total:
            return SERVER_BUSY
        self._open.add(sock)
        self._per_visitor[sock.visitor_id] += 1
        self._per_address[sock.address] += 1
        self._sockets.setdefault(sock.visitor_id, set()).add(sock)
        return None

    def release(self, sock: OpenSocket) -> None:
        """Its handler has ended: the socket no longer counts against any cap."""
        if sock not in self._open:
            return
        self._open.discard(sock)
        _decrement(self._per_visitor, sock.visitor_id)
        _decrement(self._per_address, sock.address)
        self._detach(sock)

    def _detach(self, sock: OpenSocket) -> None:
        sockets = self._sockets.get(sock.visitor_id)
        if sockets is None:
            return
        sockets.discard(sock)
        if not sockets:
            del self._sockets[sock.visitor_id]

    def open_sockets(self, visitor_id: str) -> int:
        return len(self._sockets.get(visitor_id, ()))

    @property
    def open_total(self) -> int:
        """Sockets admitted whose handlers have not ended."""
        return len(self._open)

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
        results = await asyncio.gather(*(self._send_one(s, frame) for s in sockets))
        for sock, ok in zip(sockets, results, strict=True):
            if not ok:
                self._detach(sock)
                # A browser that stopped reading would otherwise keep its socket, and its
                # place under the caps, for good.
                sock.abort()
        return sum(results)

    async def _send_one(self, sock: OpenSocket, frame: dict[str, Any]) -> bool:
        if sock.ws.closed:
            return False
        try:
            await asyncio.wait_for(sock.ws.send_json(frame), self._send_timeout)
        except (ConnectionError, RuntimeError, TimeoutError) as e:
            log.info("web chat socket dropped while sending: %r", e)
            return False
        return True

    async def close_all(self) -> None:
        """Closes every socket (1001, "going away": the page reconnects) without waiting on
        browsers that do not answer."""
        await asyncio.gather(
            *(s.close(WSCloseCode.GOING_AWAY, "server shutdown") for s in list(self._open)),
            return_exceptions=True,
        )


def _decrement(counter: Counter[str], key: str) -> None:
    counter[key] -= 1
    if counter[key] <= 0:
        del counter[key]
