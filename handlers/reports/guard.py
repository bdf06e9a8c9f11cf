"""Who may read the reports: supervisors and admins with a live console session (the same
cookie, sessions and CSRF token as the console); agents get 403, and nobody logged in is sent
to the console's login form, which brings them back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import quote

from aiohttp import web

from handlers.agents.console.security import ADMIN_COOKIE, HEADERS, same_origin, tokens_match
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
        _secure(e)
        raise
    _secure(response)
    return response


async def _checked(request: web.Request, handler: Handler) -> web.StreamResponse:
    deps = request.app[REPORTS]
    token = request.cookies.get(ADMIN_COOKIE, "")
    session = await deps.sessions.find(token, deps.clock()) if token else None
    if session is None:
        if request.method == "GET":
            raise web.HTTPSeeOther(f"/console/login?next={quote(request.path_qs, safe='')}")
        raise web.HTTPUnauthorized(text="Your session has ended: log in again.")
    if not session.agent.role.supervising:
        raise web.HTTPForbidden(text="Reports are for supervisors and admins.")
    if request.method == "POST":
        form = await request.post()
        if not same_origin(request) or not tokens_match(session.csrf, form.get("csrf")):
            raise web.HTTPForbidden(text="This form has expired or came from elsewhere. "
                                         "Reload the page and try again.")
    request[SESSION] = session
    return await handler(request)


def _secure(response: web.StreamResponse) -> None:
    for header, value in HEADERS.items():
        response.headers.setdefault(header, value)
