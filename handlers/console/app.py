"""The console as its own aiohttp sub-application, mounted at /console, so its guard
(session, CSRF, headers) wraps every console route and nothing else."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from aiohttp import web

from handlers.agent_desk import AgentDesk
from handlers.appkeys import CONSOLE
from handlers.console import login, pages
from handlers.console.live import LiveHub
from handlers.console.security import SESSION, guard, same_origin
from storage.agents import AgentStore
from storage.casefile import CaseFiles
from storage.sessions import LoginFailures, SessionStore

STATIC = Path(__file__).resolve().parent / "static"


@dataclass
class ConsoleDeps:
    desk: AgentDesk
    cases: CaseFiles
    sessions: SessionStore
    failures: LoginFailures
    agents: AgentStore
    clock: Callable[[], datetime]
    teams: Collection[str] = ()
    allowed_origins: list[str] = field(default_factory=list)
    hub: LiveHub = field(init=False)

    def __post_init__(self) -> None:
        self.hub = LiveHub(self.clock)
        self.desk.listeners.append(self.hub.changed)


async def _socket(request: web.Request) -> web.StreamResponse:
    # Browsers send cookies on a cross-site WebSocket handshake: the Origin must be ours.
    if "Origin" not in request.headers or not same_origin(request):
        raise web.HTTPForbidden(text="This origin may not open the console socket.")
    return await request.app[CONSOLE].hub.serve(request, request[SESSION].expires_at)


async def _home(request: web.Request) -> web.StreamResponse:
    return await pages.queue_page(request)


def console_app(deps: ConsoleDeps) -> web.Application:
    app = web.Application(middlewares=[guard], client_max_size=64 * 1024)
    app[CONSOLE] = deps
    app.router.add_routes([
        web.get("/login", login.login_page),
        web.post("/login", login.login),
        web.post("/logout", login.logout),
        web.get("", _home),
        web.get("/", _home),
        web.get("/queue", pages.queue_table),
        web.post("/next", pages.take_next),
        web.get("/tickets/{number}", pages.ticket_page),
        web.get("/tickets/{number}/live", pages.ticket_live),
        web.post("/tickets/{number}/{action}", pages.act),
        web.get("/agents", pages.agents_page),
        web.post("/agents/{name}/disable", pages.disable_agent),
        web.get("/ws", _socket),
        web.static("/static", STATIC, append_version=True),
    ])

    async def sockets(app: web.Application) -> AsyncIterator[None]:
        yield
        await deps.hub.close_all()

    app.cleanup_ctx.append(sockets)
    return app
