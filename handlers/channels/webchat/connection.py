"""One chat WebSocket: reads the visitor's frames and runs each as a turn, in order."""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from dialogs.messages import ConversationKey, Inbound
from handlers.channels.webchat.keys import TRANSCRIPTS, TURNS
from handlers.channels.webchat.output import WebChatOutput
from handlers.channels.webchat.protocol import (
    ButtonPress,
    Hello,
    HistoryRequest,
    ProtocolError,
    TextMessage,
    ack_frame,
    error_frame,
    history_frame,
    parse,
    typing_frame,
)
from handlers.channels.webchat.ratelimit import VisitorLimiter
from handlers.util.tokenbucket import TokenBucket
from handlers.util.wsclose import abort, close_promptly

log = logging.getLogger(__name__)

# A hello is queued as a turn of its own: the greeting it may bring comes before the replies
# to anything typed after it.
Turn = TextMessage | ButtonPress | Hello


@dataclass(frozen=True, slots=True)
class SocketLimits:
    max_message_chars: int
    # Frames beyond this are cut off by aiohttp itself (close code 1009).
    max_frame_bytes: int
    # Refused messages a connection may keep sending (per second, burst) before it is closed.
    abuse_rate: float = 1.0
    abuse_burst: float = 20.0
    history_limit: int = 100
    # Accepted turns waiting behind a slow one; the visitor's token bucket keeps this small.
    queue_size: int = 32
    # A tab that stops reading is dropped rather than holding its handler.
    send_timeout: float = 10.0


class ChatConnection:
    def __init__(
        self,
        request: web.Request,
        ws: web.WebSocketResponse,
        visitor_id: str,
        output: WebChatOutput,
        limiter: VisitorLimiter,
        limits: SocketLimits,
        background: set[asyncio.Task[None]],
    ) -> None:
        self._request = request
        self._ws = ws
        self._visitor_id = visitor_id
        # Taken now: the caps count by it, and the peer's address is gone once it disconnects.
        self._address = request.remote or "unknown"
        self._key = ConversationKey("web", visitor_id)
        self._output = output
        self._limiter = limiter
        self._limits = limits
        self._abuse = TokenBucket(limits.abuse_rate, limits.abuse_burst)
        # Unbounded so the closing sentinel can always be queued; _on_frame enforces the size.
        self._turns: asyncio.Queue[Turn | None] = asyncio.Queue()
        self._background = background
        self._language: str | None = None
        # Whether the history this socket was first sent holds anything (None: it could not
        # be read). A conversation with a history has started: its hello greets no one, so
        # a reconnect or a second tab costs no turn.
        self._started: bool | None = None
        self._opened = False
        # Set once the socket is being closed from our side: queued turns are then skipped.
        self._ending = False

    @property
    def visitor_id(self) -> str:
        return self._visitor_id

    @property
    def address(self) -> str:
        return self._address

    @property
    def ws(self) -> web.WebSocketResponse:
        return self._ws

    async def close(self, code: int, reason: str) -> None:
        """Closes the socket without waiting long on the browser. The turn already running
        finishes; queued ones are dropped: they were not acknowledged, so the page sends them
        again, with the same ids, once it reconnects."""
        self._ending = True
        await close_promptly(self._ws, self._request, code=code, message=reason)

    def abort(self) -> None:
        abort(self._request)

    async def run(self) -> None:
        self._started = await self._send_history()
        # Turns run beside the reader so pings, flood control and "slow down" answers keep
        # working while the pipeline is busy with a slow turn.
        worker = asyncio.create_task(self._work(), name=f"webchat-turns-{self._visitor_id}")
        self._background.add(worker)
        worker.add_done_callback(self._background.discard)
        try:
            async for msg in self._ws:
                if msg.type is WSMsgType.TEXT:
                    await self._on_frame(msg.data)
                elif msg.type is WSMsgType.BINARY:
                    await self._on_frame(None)
                if self._ws.closed:
                    break
        finally:
            # Turns already accepted still run, even if aiohttp cancels this handler because
            # the tab went away: the customer said it, the transcript keeps it, and the page
            # shows the replies as history when it reconnects. Shutdown drains `background`.
            self._turns.put_nowait(None)
            await asyncio.shield(worker)

    async def _on_frame(self, raw: str | None) -> None:
        """Handles one text frame (None for a binary one, which we do not speak)."""
        parsed: Any
        try:
            if raw is None:
                raise ProtocolError("bad_message", "Only JSON text frames are understood.")
            parsed = parse(raw, max_chars=self._limits.max_message_chars)
        except ProtocolError as e:
            parsed = e
        # Checked before anything else so that garbage floods are throttled like chat floods.
        if not self._limiter.allow(self._visitor_id):
            await self._refuse_flood(getattr(parsed, "client_id", None))
            return
        if isinstance(parsed, ProtocolError):
            await self._send(error_frame(parsed.code, parsed.message, parsed.client_id))
        elif isinstance(parsed, HistoryRequest):
            await self._send_history()
        elif isinstance(parsed, Hello) and (self._opened or self._started):
            self._language = parsed.language
        else:
            if isinstance(parsed, Hello):
                self._language = parsed.language
                self._opened = True
            if self._turns.qsize() >= self._limits.queue_size:
                await self._refuse_flood(_client_id(parsed))
            else:
                self._turns.put_nowait(parsed)

    async def _refuse_flood(self, client_id: str | None) -> None:
        if not self._abuse.take():
            log.warning("closing web chat socket of %s: sustained flooding", self._visitor_id)
            await self.close(WSCloseCode.POLICY_VIOLATION, "too many messages")
            return
        await self._send(
            error_frame("slow_down", "You are sending messages too fast; please wait.", client_id)
        )

    async def _work(self) -> None:
        while (turn := await self._turns.get()) is not None:
            if not self._ending:
                await self._run_turn(turn)

    async def _run_turn(self, turn: Turn) -> None:
        turns = self._request.config_dict[TURNS]
        await self._output.push(self._visitor_id, typing_frame(True))
        try:
            await turns.handle(self._inbound(turn), self._output)
        except Exception:
            log.exception("web chat turn failed for %s", self._key)
            await self._send(
                error_frame(
                    "server_error",
                    "Sorry, something went wrong on our side. Please try again.",
                    _client_id(turn),
                )
            )
        else:
            if (client_id := _client_id(turn)) is not None:
                await self._send(ack_frame(client_id))
        finally:
            await self._output.push(self._visitor_id, typing_frame(False))

    def _inbound(self, turn: Turn) -> Inbound:
        common: dict[str, Any] = {
            "key": self._key,
            "user_id": self._visitor_id,
            "language_code": self._language,
            "identified": False,
        }
        if isinstance(turn, Hello):
            # No update id: an open that fails is not kept for a retry, since a greeting
            # minutes later, to a page perhaps closed, would greet no one.
            return Inbound(opened=True, **common)
        # Without a client id the message cannot be recognised on a resend; a fresh id
        # still gives the pipeline something unique to record.
        common["update_id"] = turn.client_id or f"w-{uuid.uuid4()}"
        common["message_id"] = turn.client_id
        if isinstance(turn, ButtonPress):
            return Inbound(text=turn.label, callback_data=turn.payload, **common)
        return Inbound(text=turn.text, **common)

    async def _send_history(self) -> bool | None:
        """Sends the transcript; says whether it holds anything (None: it could not be read)."""
        transcripts = self._request.config_dict[TRANSCRIPTS]
        try:
            items = await transcripts.history(self._key, limit=self._limits.history_limit)
        except Exception:
            log.exception("could not read the web chat history of %s", self._key)
            await self._send(
                error_frame("history_unavailable", "Earlier messages could not be loaded.")
            )
            return None
        await self._send(history_frame(items))
        return bool(items)

    async def _send(self, frame: dict[str, Any]) -> None:
        if self._ws.closed:
            return
        try:
            await asyncio.wait_for(self._ws.send_json(frame), self._limits.send_timeout)
        except (ConnectionError, RuntimeError, TimeoutError) as e:
            log.info("web chat socket dropped while sending: %r", e)
            self.abort()


def _client_id(turn: Turn) -> str | None:
    return None if isinstance(turn, Hello) else turn.client_id
