"""Who is asking, and may they: the console's session cookie, CSRF tokens and headers.

Every console route sits behind `guard`, so no handler can forget the check: without a live
session a page redirects to the login form and anything else is refused; every POST must
carry the session's CSRF token and, when the browser names one, our own Origin.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from urllib.parse import quote

from aiohttp import web

from handlers.agents.console.deps import CONSOLE
from handlers.agents.console.render import render
from handlers.channels.webchat.origin import origin_allowed
from storage.sessions import Session, SessionStore

log = logging.getLogger(__name__)

COOKIE = "heard_console"
LOGIN_COOKIE = "heard_console_login"  # the login form's CSRF token, before any session
SESSION: web.RequestKey[Session] = web.RequestKey("console_session")
TOKEN: web.RequestKey[str] = web.RequestKey("console_token")
PUBLIC = ("/console/login", "/console/static/")
# The same session, under its own name, for the admin pages (the reports, later the admin
# studio), which check it the same way; nowhere else on the host gets it.
ADMIN_COOKIE = "heard_admin"
ADMIN_PATH = "/admin"
# Where the login form may send someone back to.
SESSION_PATHS = ("/console", ADMIN_PATH)
MAX_BODY = 64 * 1024  # a reply is at most a few thousand characters

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
    """A browser's POST names its page's Origin; only the console's own host is accepted (not
    the shop sites allowed to embed the web chat). Requests without Origin (older browsers on
    same-origin forms) still need the CSRF token."""
    if "Origin" not in request.headers:
        return True
    return origin_allowed(request, ())


def tokens_match(expected: str, given: object) -> bool:
    return isinstance(given, str) and bool(given) and hmac.compare_digest(
        expected.encode(), given.encode())


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    # A chunked body names no length: this request stops reading past MAX_BODY (413) instead
    # of taking the application's own, larger limit.
    request = request.clone(client_max_size=MAX_BODY)
    try:
        response = await _checked(request, handler)
    except web.HTTPException as e:
        secure(e)
        raise
    except Exception:
        log.exception("console request %s %s failed", request.method, request.path)
        if request.method != "POST":
            error = web.HTTPInternalServerError(text="Something went wrong on our side.")
            secure(error)
            raise error from None
        response = await _refused(request, 500, "Something went wrong on our side. Try "
                                                "again in a moment.")
    if request.path.startswith("/console/static/"):
        # Revalidated on each load (ETag): cheap, and a deploy never mixes old and new.
        response.headers["Cache-Control"] = "no-cache"
    secure(response)
    return response


async def _checked(request: web.Request, handler: Handler) -> web.StreamResponse:
    if (request.content_length or 0) > MAX_BODY:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY,
                                            actual_size=request.content_length or 0)
    if request.path.startswith(PUBLIC):
        return await handler(request)
    deps = request.app[CONSOLE]
    token = request.cookies.get(COOKIE, "")
    session = await deps.sessions.find(token, deps.clock()) if token else None
    if session is None:
        if request.method == "GET" and request.headers.get("Upgrade", "").lower() != "websocket":
            raise web.HTTPSeeOther(f"/console/login?next={quote(request.path_qs, safe='')}")
        if request.method == "POST":
            return await _refused(request, 401, "Your session has ended. Log in again.")
        raise web.HTTPUnauthorized(text="Your session has ended: log in again.")
    if request.method == "POST":
        form = await request.post()
        if not same_origin(request) or not tokens_match(session.csrf, form.get("csrf")):
            return await _refused(request, 403, "This form has expired or came from "
                                                "elsewhere. Reload the page and try again.")
    request[SESSION] = session
    request[TOKEN] = token
    return await handler(request)


async def _refused(request: web.Request, status: int, why: str) -> web.Response:
    """A form that cannot be acted on: say why, and hand back what the agent wrote."""
    form = await request.post()
    text = form.get("text")
    return render("refused.html", status=status, why=why,
                  text=text if isinstance(text, str) else "")


def secure(response: web.StreamResponse) -> None:
    for header, value in HEADERS.items():
        response.headers.setdefault(header, value)


def set_cookie(request: web.Request, response: web.StreamResponse, name: str, value: str,
               max_age: int | None = None, path: str = "/console") -> None:
    # Strict: the console is never entered from another site's link with a live session.
    # Behind a proxy that ends TLS the request looks like plain HTTP: the setting says so.
    secure = request.secure or request.app[CONSOLE].secure_cookies
    response.set_cookie(name, value, path=path, httponly=True, samesite="Strict",
                        secure=secure, max_age=max_age)


# --- the pages under /admin (the studio, the reports): the same sessions, their own cookie --


async def admin_session(request: web.Request, sessions: SessionStore,
                        clock: Callable[[], datetime]) -> Session:
    """The live session of a request under /admin, or: to the login form (which brings a
    page back), or 401."""
    token = request.cookies.get(ADMIN_COOKIE, "")
    session = await sessions.find(token, clock()) if token else None
    if session is not None:
        return session
    if request.method == "GET":
        raise web.HTTPSeeOther(f"/console/login?next={quote(request.path_qs, safe='')}")
    raise web.HTTPUnauthorized(text="Your session has ended: log in again.")


async def check_form(request: web.Request, session: Session) -> None:
    """A POST carries the session's CSRF token and, when the browser names one, our Origin."""
    form = await request.post()
    if not same_origin(request) or not tokens_match(session.csrf, form.get("csrf")):
        raise web.HTTPForbidden(text="This form has expired or came from elsewhere. "
                                     "Reload the page and try again.")
