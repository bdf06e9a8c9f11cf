"""Wires the web chat into an aiohttp application: page, assets, WebSocket."""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from aiohttp import WSCloseCode, web

from handlers.channels.webchat.caps import SocketCaps
from handlers.channels.webchat.connection import ChatConnection, SocketLimits
from handlers.channels.webchat.keys import WEBCHAT_OUTPUT
from handlers.channels.webchat.origin import origin_allowed
from handlers.channels.webchat.output import WebChatOutput
from handlers.channels.webchat.ratelimit import VisitorLimiter
from handlers.channels.webchat.visitor import VisitorCookie

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
ASSETS = ("chat.js", "chat.css", "favicon.svg")

# No inline script or style anywhere, so injected markup could not run even if it got in.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def setup_webchat(
    app: web.Application,
    *,
    secret: str | Callable[[], Awaitable[str]],
    allowed_origins: list[str],
    caps: SocketCaps | None = None,
    secure_cookies: bool = False,
    max_message_chars: int = 20_000,
    max_frame_bytes: int | None = None,
    messages_per_second: float = 5.0,
    burst: int = 10,
    heartbeat: float = 30.0,
    drain_timeout: float = 3.0,
    brand: str = "heard",
) -> None:
    """Adds GET / (redirect), /chat, /chat/static/*, /chat/ws and sets app[WEBCHAT_OUTPUT].

    `secret` signs the visitor cookie: a string, or a coroutine function that fetches it
    (from the database, say) when the app starts. It is awaited in this call's cleanup_ctx
    entry, so whatever it needs must be started by an entry appended before this call.

    `app[TURNS]` and `app[TRANSCRIPTS]` are read per connection, so the composition root may
    set them after this call, as long as it is before startup.
    """
    cookie = VisitorCookie(secure=secure_cookies)
    if isinstance(secret, str):
        cookie.use_key(secret)
    output = WebChatOutput(caps)
    limiter = VisitorLimiter(messages_per_second, burst)
    # A JSON-escaped character takes at most 6 bytes; beyond that aiohttp drops the frame.
    limits = SocketLimits(
        max_message_chars=max_message_chars,
        max_frame_bytes=max_frame_bytes or max_message_chars * 6 + 4096,
    )
    page_html = (STATIC_DIR / "chat.html").read_text(encoding="utf-8")
    page_html = page_html.replace("__MAX_CHARS__", str(max_message_chars))
    page_html = page_html.replace("__BRAND__", html.escape(brand))
    origins = list(allowed_origins)
    # Turns still running for sockets that already closed.
    background: set[asyncio.Task[None]] = set()

    async def redirect_to_chat(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound("/chat")

    async def chat_page(request: web.Request) -> web.StreamResponse:
        response = web.Response(text=page_html, content_type="text/html", charset="utf-8")
        response.headers["Cache-Control"] = "no-store"
        cookie.issue(request, response)
        return response

    async def chat_socket(request: web.Request) -> web.StreamResponse:
        if not origin_allowed(request, origins):
            raise web.HTTPForbidden(text="This origin may not open the chat.")
        visitor_id = cookie.read(request)
        if visitor_id is None:
            raise web.HTTPForbidden(text="No valid visitor cookie: open /chat first.")
        ws = web.WebSocketResponse(max_msg_size=limits.max_frame_bytes, heartbeat=heartbeat)
        if not ws.can_prepare(request).ok:
            raise web.HTTPBadRequest(text="Expected a WebSocket upgrade.")
        await ws.prepare(request)
        connection = ChatConnection(request, ws, visitor_id, output, limiter, limits, background)
        # Refused after the handshake rather than with an HTTP status: a browser shows the
        # page only a close frame's code and reason, never a refused handshake's.
        refusal = output.admit(connection)
        if refusal is not None:
            log.info("refusing a web chat socket of %s from %s: %s", visitor_id,
                     connection.address, refusal.reason)
            await connection.close(refusal.code, refusal.reason)
            return ws
        try:
            await connection.run()
        finally:
            output.release(connection)
            limiter.prune()
            await connection.close(WSCloseCode.OK, "")
        return ws

    def asset(name: str) -> web.RouteDef:
        path = STATIC_DIR / name

        async def serve(request: web.Request) -> web.StreamResponse:
            # Revalidated on each load (ETag), so a deploy never mixes old and new assets.
            return web.FileResponse(path, headers={"Cache-Control": "no-cache"})

        return web.get(f"/chat/static/{name}", serve)

    async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
        if request.path == "/chat" or request.path.startswith("/chat/"):
            for header, value in SECURITY_HEADERS.items():
                response.headers.setdefault(header, value)

    async def close_sockets(app: web.Application) -> None:
        await output.close_all()

    async def webchat_ctx(app: web.Application) -> AsyncIterator[None]:
        if not isinstance(secret, str):
            cookie.use_key(await secret())
        yield
        if not background:
            return
        # Short: a turn takes milliseconds; one still running after this is stuck.
        _, pending = await asyncio.wait(set(background), timeout=drain_timeout)
        if pending:
            log.warning("cancelling %d web chat turns still running at shutdown", len(pending))
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    app[WEBCHAT_OUTPUT] = output
    app.router.add_routes(
        [
            web.get("/", redirect_to_chat),
            web.get("/chat", chat_page),
            web.get("/chat/ws", chat_socket),
            *(asset(name) for name in ASSETS),
        ]
    )
    app.on_response_prepare.append(security_headers)
    # Open sockets would otherwise hold graceful shutdown until its timeout.
    app.on_shutdown.append(close_sockets)
    app.cleanup_ctx.append(webchat_ctx)
