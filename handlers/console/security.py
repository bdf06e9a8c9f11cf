"""Who is asking, and may they: the console's session cookie, CSRF tokens and headers.

Every console route sits behind `guard`, so no handler can forget the check: without a live
session a page redirects to the login form and anything else is refused; every POST must
carry the session's CSRF token and, when the browser names one, our own Origin.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from aiohttp import web

from handlers.appkeys import CONSOLE
from handlers.webchat.origin import origin_allowed
from storage.sessions import Session

COOKIE = "heard_console"
LOGIN_COOKIE = "heard_console_login"  # the login form's CSRF token, before any session
SESSION: web.RequestKey[Session] = web.RequestKey("console_session")
TOKEN: web.RequestKey[str] = web.RequestKey("console_token")
PUBLIC = ("/console/login", "/console/static/")

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self'",
    "connect-src 'self'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
])
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def same_origin(request: web.Request) -> bool:
    """A browser's POST names its page's Origin; one from another site is refused. Requests
    without Origin (older browsers on same-origin forms) still need the CSRF token."""
    if "Origin" not in request.headers:
        return True
    return origin_allowed(request, request.app[CONSOLE].allowed_origins)


def tokens_match(expected: str, given: object) -> bool:
    return isinstance(given, str) and bool(given) and hmac.compare_digest(
        expected.encode(), given.encode())


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await _checked(request, handler)
    except web.HTTPException as e:
        _secure(e)
        raise
    _secure(response)
    return response


async def _checked(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith(PUBLIC):
        return await handler(request)
    deps = request.app[CONSOLE]
    token = request.cookies.get(COOKIE, "")
    session = await deps.sessions.find(token, deps.clock()) if token else None
    if session is None:
        if request.method == "GET" and request.headers.get("Upgrade", "").lower() != "websocket":
            raise web.HTTPSeeOther(f"/console/login?next={quote(request.path_qs, safe='')}")
        raise web.HTTPUnauthorized(text="Your session has ended: log in again.")
    if request.method == "POST":
        form = await request.post()
        if not same_origin(request) or not tokens_match(session.csrf, form.get("csrf")):
            raise web.HTTPForbidden(
                text="This form has expired or came from elsewhere: reload the page and "
                     "try again.")
    request[SESSION] = session
    request[TOKEN] = token
    return await handler(request)


def _secure(response: web.StreamResponse) -> None:
    for header, value in HEADERS.items():
        response.headers.setdefault(header, value)


def set_cookie(request: web.Request, response: web.StreamResponse, name: str, value: str,
               max_age: int | None = None) -> None:
    # Strict: the console is never entered from another site's link with a live session.
    response.set_cookie(name, value, path="/console", httponly=True, samesite="Strict",
                        secure=request.secure, max_age=max_age)
