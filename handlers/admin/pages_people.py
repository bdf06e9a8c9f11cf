"""People: the agents, supervisors and admins who work the desk. An admin adds them, sets
their role, team (a team the routing knows) and display name (what customers see on their
messages), resets a password and disables or enables them; each change is in the audit log,
and a new password, role or disabling ends the person's console sessions."""

from __future__ import annotations

from aiohttp import web

from dialogs.display_name import BadDisplayName, display_name
from handlers.admin.common import form, me, page, see_other
from handlers.admin.deps import ADMIN
from handlers.agents.grammar import AGENT_NAME, AGENT_NAME_RULE
from handlers.agents.passwords import hash_password
from storage.agents import AgentExists, Role
from storage.audit import AuditAction


async def people(request: web.Request, status: int = 200, error: str = "") -> web.Response:
    deps = request.app[ADMIN]
    current = (await deps.studio.current())[1]
    return page(request, "people.html", status=status, agents=await deps.agents.all(),
                roles=list(Role), teams=current.teams, error=error)


async def add(request: web.Request) -> web.StreamResponse:
    deps = request.app[ADMIN]
    posted = await form(request)
    name, team = posted.get("name", "").strip(), posted.get("team", "").strip() or None
    try:
        role = Role(posted.get("role", ""))
    except ValueError:
        return await people(request, 422, "Choose a role.")
    if not AGENT_NAME.fullmatch(name):
        return await people(request, 422, f"A name is {AGENT_NAME_RULE}.")
    if team is not None and team not in (await deps.studio.current())[1].teams:
        return await people(request, 422, f"There is no team {team!r}.")
    shown = posted.get("display_name", "").strip() or None
    if shown is not None:
        try:
            shown = display_name(shown)
        except BadDisplayName as e:
            return await people(request, 422, str(e))
    hashed = None
    if posted.get("password"):
        try:
            hashed = await hash_password(posted["password"])
        except ValueError as e:
            return await people(request, 422, str(e))
    try:
        await deps.agents.add(name, role, deps.clock(), team=team, password_hash=hashed,
                              display_name=shown)
    except AgentExists:
        return await people(request, 422, f"There is already someone called {name!r}.")
    await _audit(request, AuditAction.AGENT_ADDED, name, {"role": str(role), "team": team,
                                                          "display_name": shown})
    raise see_other("/admin/people", f"{name} added as {role}.")


async def change(request: web.Request) -> web.StreamResponse:
    deps = request.app[ADMIN]
    name, what = request.match_info["name"], request.match_info["what"]
    posted = await form(request)
    agent = await deps.agents.by_name(name)
    if agent is None:
        raise web.HTTPNotFound(text=f"There is nobody called {name!r}.")
    detail: dict[str, object] = {"what": what}
    if what == "role":
        try:
            role = Role(posted.get("role", ""))
        except ValueError:
            return await people(request, 422, "Choose a role.")
        if agent.name == me(request) and role is not Role.ADMIN:
            return await people(request, 422, "You cannot take away your own admin role.")
        await deps.agents.set_role(name, role)
        detail["role"] = str(role)
    elif what == "team":
        team = posted.get("team", "").strip() or None
        if team is not None and team not in (await deps.studio.current())[1].teams:
            return await people(request, 422, f"There is no team {team!r}.")
        await deps.agents.set_team(name, team)
        detail["team"] = team
    elif what == "display_name":
        # Empty: none, customers see the login name again.
        typed = posted.get("display_name", "").strip()
        try:
            shown = display_name(typed) if typed else None
        except BadDisplayName as e:
            return await people(request, 422, str(e))
        await deps.agents.set_display_name(name, shown)
        detail["display_name"] = shown
    elif what == "password":
        try:
            await deps.agents.set_password(name, await hash_password(posted.get("password", "")))
        except ValueError as e:
            return await people(request, 422, str(e))
    elif what in ("disable", "enable"):
        if agent.name == me(request):
            return await people(request, 422, "You cannot disable yourself.")
        await (deps.agents.disable(name) if what == "disable" else deps.agents.enable(name))
    else:
        raise web.HTTPNotFound()
    await _audit(request, AuditAction.AGENT_CHANGED, name, detail)
    raise see_other("/admin/people", f"{name}: {what.replace('_', ' ')} changed.")


async def _audit(request: web.Request, action: AuditAction, name: str,
                 detail: dict[str, object]) -> None:
    deps = request.app[ADMIN]
    await deps.audit.add(actor=me(request), action=action, subject=f"agent {name}",
                         detail=detail, at=deps.clock())
