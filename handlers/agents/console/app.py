"""The console as its own aiohttp sub-application, mounted at /console, so its guard
(session, CSRF, headers) wraps every console route and nothing else."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from handlers.agents.console import failed, login, macros, pages, presence_pages, search
from handlers.agents.console.deps import CONSOLE, ConsoleDeps
from handlers.agents.console.security import SESSION, TOKEN, guard, same_origin
from storage.presence import HEARTBEAT

STATIC = Path(__file__).resolve().parent / "static"
REVALIDATE_SECONDS = 60.0
log = logging.getLogger(__name__)


async def _socket(request: web.Request) -> web.StreamResponse:
    # Browsers send cookies on a cross-site WebSocket handshake: the Origin must be ours.
    if "Origin" not in request.headers or not same_origin(request):
        raise web.HTTPForbidden(text="This origin may not open the console socket.")
    session = request[SESSION]
    return await request.app[CONSOLE].hub.serve(request, request[TOKEN], session.agent.id,
                                                 session.expires_at)


async def _home(request: web.Request) -> web.StreamResponse:
    return await pages.queue_page(request)


def console_app(deps: ConsoleDeps) -> web.Application:
    app = web.Application(middlewares=[guard])
    app[CONSOLE] = deps
    app.router.add_routes([
        web.get("/login", login.login_page),
        web.post("/login", login.login),
        web.post("/logout", login.logout),
        web.get("", _home),
        web.get("/", _home),
        web.get("/queue", pages.queue_table),
        web.get("/search", search.search_page),
        web.post("/next", pages.take_next),
        web.get("/tickets/{number}", pages.ticket_page),
        web.get("/tickets/{number}/live", pages.ticket_live),
        web.get("/tickets/{number}/macro", macros.fill_for_ticket),
        web.get("/macros", macros.macros_page),
        web.post("/macros", macros.create_macro),
        web.get(r"/macros/{id:\d+}", macros.edit_page),
        web.post(r"/macros/{id:\d+}", macros.update_macro),
        web.post(r"/macros/{id:\d+}/delete", macros.delete_macro),
        web.get("/tickets/{number}/presence", presence_pages.presence_fragment),
        web.post("/tickets/{number}/vip", pages.mark_vip),
        web.post("/tickets/{number}/{action}", pages.act),
        web.get("/agents", presence_pages.agents_page),
        web.get("/me", presence_pages.me_page),
        web.post("/me", presence_pages.set_my_display_name),
        web.get("/failed", failed.failed_page),
        web.post("/failed/{action:retry|drop}", failed.failed_action),
        web.post("/agents/{name}/disable", pages.disable_agent),
        web.get("/ws", _socket),
        web.static("/static", STATIC),
    ])

    async def sockets(app: web.Application) -> AsyncIterator[None]:
        async def recheck() -> None:
            while True:
                await asyncio.sleep(REVALIDATE_SECONDS)
                try:
                    await deps.hub.revalidate(deps.sessions)
                except Exception:  # a database hiccup must not end the checks for good
                    log.exception("checking the console sockets' sessions failed")

        async def heartbeat() -> None:
            while True:
                await asyncio.sleep(HEARTBEAT.total_seconds())
                try:
                    await deps.presence.beat(deps.hub.pages())
                except Exception:
                    log.exception("refreshing who has which ticket open failed")

        checker = asyncio.create_task(recheck(), name="console-sockets")
        beating = asyncio.create_task(heartbeat(), name="console-presence")
        yield
        checker.cancel()
        beating.cancel()
        await asyncio.gather(checker, beating, return_exceptions=True)

    async def close_sockets(app: web.Application) -> None:
        # On shutdown, not at cleanup: aiohttp waits for every open handler (its shutdown
        # timeout) between the two, and a live page's socket never ends by itself.
        await deps.hub.close_all()

    app.cleanup_ctx.append(sockets)
    app.on_shutdown.append(close_sockets)
    return app
