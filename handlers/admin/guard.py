"""Who may do what in the studio: admins edit; supervisors look, and try messages; agents get
403; nobody logged in is sent to the console's login, which brings them back. Every POST
carries the session's CSRF token and, when the browser names one, our own Origin. The
console's security headers (a strict CSP: no inline script or style) on every response."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from handlers.admin.deps import ADMIN
from handlers.agents.console.security import admin_session, check_form, secure
from storage.agents import Role
from storage.sessions import Session

SESSION: web.RequestKey[Session] = web.RequestKey("admin_session")
# A bundle draft's largest form: every phrase of one meaning, a template in six variants.
MAX_BODY = 256 * 1024
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# What a supervisor may POST: trying a message changes nothing.
LOOKING = ("/admin/try", "/admin/preview")


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
    if request.path.startswith(("/admin/static/", "/admin/reports")):
        # The reports have their own guard (supervisors may keep the action plan there).
        return await handler(request)
    deps = request.app[ADMIN]
    session = await admin_session(request, deps.sessions, deps.clock)
    role = session.agent.role
    if not role.supervising:
        raise web.HTTPForbidden(text="The studio is for admins (and supervisors, to look).")
    if request.method == "POST":
        if role is not Role.ADMIN and not request.path.startswith(LOOKING):
            raise web.HTTPForbidden(text="Only an admin may change the bot.")
        await check_form(request, session)
    request[SESSION] = session
    return await handler(request)
