"""Who may read the reports: supervisors and admins with a live console session (the same
cookie, sessions and CSRF token as the console); agents get 403, and nobody logged in is sent
to the console's login form, which brings them back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from handlers.agents.console.security import admin_session, check_form, secure
from handlers.reports.deps import REPORTS
from storage.sessions import Session

SESSION: web.RequestKey[Session] = web.RequestKey("reports_session")
MAX_BODY = 16 * 1024
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await _checked(request.clone(client_max_size=MAX_BODY), handler)
    except web.HTTPException as e:
        secure(e)
        raise
    secure(response)
    return response


async def _checked(request: web.Request, handler: Handler) -> web.StreamResponse:
    deps = request.app[REPORTS]
    session = await admin_session(request, deps.sessions, deps.clock)
    if not session.agent.role.supervising:
        raise web.HTTPForbidden(text="Reports are for supervisors and admins.")
    if request.method == "POST":
        await check_form(request, session)
    request[SESSION] = session
    return await handler(request)
