"""Logging in and out of the console.

Every attempt counts against the account name and the client address before its password is
checked (a success clears the name's count, not the address's); past a few, each further
attempt waits twice as long (counts live in the database, so several processes and restarts
agree). Unknown names cost the same argon2 work as wrong passwords, so timing does not reveal
who has an account. Every login, failed login (the name tried, never the password) and logout
goes into the audit log.
"""

from __future__ import annotations

import math
import secrets

from aiohttp import web

from dialogs.text_clean import clean
from handlers.agents.console.deps import CONSOLE
from handlers.agents.console.render import render
from handlers.agents.console.security import (
    ADMIN_COOKIE,
    ADMIN_PATH,
    COOKIE,
    LOGIN_COOKIE,
    SESSION_PATHS,
    same_origin,
    set_cookie,
    tokens_match,
)
from handlers.agents.passwords import dummy_verify, verify_password
from storage.audit import AuditAction

MAX_NAME = 64
MAX_PASSWORD = 1024


def _next(target: str) -> str:
    """Only back into the console or the admin pages: never an open redirect elsewhere."""
    if target.startswith(SESSION_PATHS) and not target.startswith("//") and "\\" not in target:
        return target
    return "/console"


def _form(request: web.Request, *, status: int = 200, error: str | None = None,
          name: str = "", next_: str | None = None) -> web.Response:
    token = secrets.token_urlsafe(24)
    response = render("login.html", status=status, csrf=token, error=error, name=name,
                      next=next_ or _next(request.query.get("next", "/console")))
    set_cookie(request, response, LOGIN_COOKIE, token, max_age=3600)
    return response


async def login_page(request: web.Request) -> web.StreamResponse:
    deps = request.app[CONSOLE]
    token = request.cookies.get(COOKIE)
    if token and await deps.sessions.find(token, deps.clock()):
        raise web.HTTPSeeOther(_next(request.query.get("next", "/console")))
    return _form(request)


async def login(request: web.Request) -> web.StreamResponse:
    deps = request.app[CONSOLE]
    form = await request.post()
    target = _next(str(form.get("next", "/console")))
    name = clean(str(form.get("name", ""))).strip()[:MAX_NAME]
    password = str(form.get("password", ""))
    if not same_origin(request) or not tokens_match(request.cookies.get(LOGIN_COOKIE, ""),
                                                    form.get("csrf")):
        return _form(request, status=403, name=name, next_=target,
                     error="The login form expired. Please try again.")
    if not name or not password or len(password) > MAX_PASSWORD:
        return _form(request, status=400, name=name, next_=target,
                     error="Enter your name and password.")
    now = deps.clock()
    keys = [f"name:{name.lower()}", f"ip:{request.remote or '-'}"]
    wait = await deps.failures.reserve(keys, now)
    if wait.total_seconds() > 0:
        await _audit(request, name, AuditAction.LOGIN_FAILED, reason="too many attempts")
        seconds = math.ceil(wait.total_seconds())
        return _form(request, status=429, name=name, next_=target,
                     error=f"Too many failed attempts. Try again in {seconds} s.")
    async with deps.verifying:
        hashed = await deps.agents.password_hash(name)
        ok = (await verify_password(hashed, password) if hashed
              else await dummy_verify(password))
    agent = await deps.agents.by_name(name) if ok else None
    if agent is None or agent.disabled:
        # The page says the same in every case; the audit log, for admins, says which.
        reason = "wrong password" if hashed and not ok else "unknown or disabled name"
        await _audit(request, name, AuditAction.LOGIN_FAILED, reason=reason)
        return _form(request, status=401, name=name, next_=target,
                     error="Wrong name or password.")
    # Only the name's count is forgiven: an attacker who owns one account must not wipe the
    # address's count by logging into it between guesses at the others.
    await deps.failures.succeeded(keys[:1])
    old = request.cookies.get(COOKIE)
    if old:  # logging in again: the previous session ends here
        await deps.sessions.close(old)
        await deps.hub.end_session(old)
    token, _ = await deps.sessions.open(agent.id, now)
    await _audit(request, agent.name, AuditAction.LOGGED_IN)
    response = web.HTTPSeeOther(target)
    set_cookie(request, response, COOKIE, token)
    set_cookie(request, response, ADMIN_COOKIE, token, path=ADMIN_PATH)
    response.del_cookie(LOGIN_COOKIE, path="/console")
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    deps = request.app[CONSOLE]
    token = request.cookies.get(COOKIE, "")
    # Whose session it was, for the audit log: a cookie of no live session logs nobody out.
    session = await deps.sessions.find(token, deps.clock(), touch=False)
    await deps.sessions.close(token)
    if session is not None:
        await _audit(request, session.agent.name, AuditAction.LOGGED_OUT)
    await deps.hub.end_session(token)
    response = web.HTTPSeeOther("/console/login")
    response.del_cookie(COOKIE, path="/console")
    response.del_cookie(ADMIN_COOKIE, path=ADMIN_PATH)
    raise response


async def _audit(request: web.Request, actor: str, action: AuditAction,
                 **detail: str) -> None:
    """Who came in or tried to, from where; never the password typed."""
    deps = request.app[CONSOLE]
    await deps.audit.add(actor=actor, action=action, subject="console",
                         detail={"address": request.remote or "-", **detail}, at=deps.clock())
