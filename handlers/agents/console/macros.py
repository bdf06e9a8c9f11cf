"""Canned replies in the console: a macro filled in for a ticket (JSON for the page's script,
or the ticket page again with the reply box filled, for a browser without it), and the page
where agents keep their own macros and admins the shared and team ones."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from dialogs.macros import Scope, check
from dialogs.templates import LOCALES
from dialogs.text_clean import clean
from handlers.agents.console.deps import CONSOLE
from handlers.agents.console.pages import _number, page, redirect, ticket_form
from handlers.agents.console.security import SESSION
from handlers.agents.macros import Filled, Macros, may_change, may_write
from storage.agents import Agent
from storage.macros import Macro, MacroExists, owner_of

HOME = "/console/macros"


def _macros(request: web.Request) -> Macros:
    found = request.app[CONSOLE].macros
    if found is None:
        raise web.HTTPNotFound(text="Canned replies are not set up here.")
    return found


async def fill_for_ticket(request: web.Request) -> web.StreamResponse:
    """GET /console/tickets/{number}/macro?name=…: JSON when the script asks for it, else the
    ticket page with the reply box holding the filled text."""
    macros = _macros(request)
    number = _number(request)
    name = request.query.get("name", "")[:40]
    wants_json = "application/json" in request.headers.get("Accept", "")
    filled = await macros.fill(request[SESSION].agent, number, name)
    if wants_json:
        if isinstance(filled, str):
            return web.json_response({"error": filled}, status=404)
        return web.json_response({"name": filled.macro.name, "text": filled.text,
                                  "locale": filled.locale, "wanted": filled.wanted,
                                  "note": filled.note})
    if isinstance(filled, str):
        return await ticket_form(request, 404, error=filled)
    return await ticket_form(request, draft={"reply": filled.text}, macro_note=_said(filled))


def _said(filled: Filled) -> str:
    return filled.note or f"{filled.macro.name} inserted in {filled.locale}: edit it, then send."


# --- the management page ---------------------------------------------------------------------

def _choices(me: Agent, teams: list[str]) -> list[tuple[str, str]]:
    """Who a new macro can be for, as the form offers it: (value, label)."""
    found = [("personal", "Only me")]
    if may_write(me, Scope.TEAM):
        found += [(f"team:{t}", f"Team {t}") for t in teams]
    if may_write(me, Scope.SHARED):
        found.append(("shared", "Everyone (shared)"))
    return found


async def _listing(request: web.Request, status: int = 200, **extra: Any) -> web.Response:
    me = request[SESSION].agent
    macros = _macros(request)
    teams = sorted(set(request.app[CONSOLE].teams))
    listed = await macros.store.visible(me, every_team=me.role.supervising)
    return page(request, "macros.html", status=status, macros=listed, locales=LOCALES,
                choices=_choices(me, teams), may_change=lambda m: may_change(me, m),
                typed=extra.pop("typed", {}), errors=extra.pop("errors", []), **extra)


async def macros_page(request: web.Request) -> web.StreamResponse:
    return await _listing(request)


def _typed(form: Any) -> dict[str, Any]:
    """The form as typed, cleaned of what the database cannot hold."""
    def field(name: str, limit: int) -> str:
        return clean(str(form.get(name, "")))[:limit]

    return {"name": field("name", 60).strip().lower(), "title": field("title", 200).strip(),
            "for": field("for", 80),
            "bodies": {loc: field(f"body_{loc}", 5000).strip() for loc in LOCALES}}


async def create_macro(request: web.Request) -> web.StreamResponse:
    macros = _macros(request)
    me = request[SESSION].agent
    typed = _typed(await request.post())
    errors = check(typed["name"], typed["title"], typed["bodies"])
    scope, team = _scope(typed["for"])
    teams = set(request.app[CONSOLE].teams)
    if scope is None or (scope is Scope.TEAM and teams and team not in teams):
        errors.append("Who sees it: choose one of the choices offered.")
    elif not may_write(me, scope):
        errors.append(f"Only {_writers(scope)} write {scope} macros; make it yours.")
    if errors:
        return await _listing(request, 400, typed=typed, errors=errors)
    assert scope is not None
    bodies = {k: v for k, v in typed["bodies"].items() if v}
    try:
        made = await macros.store.create(
            name=typed["name"], title=typed["title"], scope=scope,
            owner=owner_of(scope, me, team), bodies=bodies, actor=me.name,
            now=request.app[CONSOLE].clock())
    except MacroExists as e:
        return await _listing(request, 409, typed=typed, errors=[str(e)])
    redirect(request, HOME, f"Saved {made.name} ({made.label}).")


def _writers(scope: Scope) -> str:
    return "admins" if scope is Scope.SHARED else "supervisors and admins"


def _scope(value: str) -> tuple[Scope | None, str | None]:
    kind, _, team = value.partition(":")
    try:
        scope = Scope(kind)
    except ValueError:
        return None, None
    if (scope is Scope.TEAM) != bool(team):
        return None, None
    return scope, team or None


async def _mine(request: web.Request) -> Macro:
    """The macro the URL names, if the agent may change it; another agent's own is not
    even there for them."""
    me = request[SESSION].agent
    try:
        macro_id = int(request.match_info["id"])
    except ValueError:
        raise web.HTTPNotFound(text="No such macro.") from None
    macro = await _macros(request).store.get(macro_id)
    if macro is None or (macro.scope is Scope.PERSONAL and macro.owner != str(me.id)):
        raise web.HTTPNotFound(text="No such macro.")
    if not may_change(me, macro):
        raise web.HTTPForbidden(text=f"Only {_writers(macro.scope)} change {macro.label} "
                                     f"macros.")
    return macro


def _edit(request: web.Request, macro: Macro, status: int = 200, **extra: Any) -> web.Response:
    typed = extra.pop("typed", None) or {"name": macro.name, "title": macro.title,
                                         "bodies": macro.bodies}
    return page(request, "macro.html", status=status, macro=macro, locales=LOCALES,
                typed=typed, errors=extra.pop("errors", []))


async def edit_page(request: web.Request) -> web.StreamResponse:
    return _edit(request, await _mine(request))


async def update_macro(request: web.Request) -> web.StreamResponse:
    macro = await _mine(request)
    me = request[SESSION].agent
    typed = _typed(await request.post())
    errors = check(typed["name"], typed["title"], typed["bodies"])
    if errors:
        return _edit(request, macro, 400, typed=typed, errors=errors)
    bodies = {k: v for k, v in typed["bodies"].items() if v}
    try:
        done = await _macros(request).store.update(
            macro, name=typed["name"], title=typed["title"], bodies=bodies, actor=me.name,
            now=request.app[CONSOLE].clock())
    except MacroExists as e:
        return _edit(request, macro, 409, typed=typed, errors=[str(e)])
    redirect(request, HOME, f"Saved {typed['name']}." if done else "It was deleted meanwhile.")


async def delete_macro(request: web.Request) -> web.StreamResponse:
    macro = await _mine(request)
    me = request[SESSION].agent
    done = await _macros(request).store.delete(macro, actor=me.name,
                                               now=request.app[CONSOLE].clock())
    redirect(request, HOME, f"Deleted {macro.name}." if done else "It was deleted already.")
