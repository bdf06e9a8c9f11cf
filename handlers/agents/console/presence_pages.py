"""The console's pages about people: who else has this ticket open (a fragment the ticket
page's script fetches when told), who is on what (the supervisors' agents page), and an
agent's own settings (the display name customers see)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from aiohttp import web

from dialogs.display_name import BadDisplayName, display_name
from dialogs.ticket_number import TicketNumber
from handlers.agents.console.deps import CONSOLE
from handlers.agents.console.pages import page, redirect
from handlers.agents.console.security import SESSION
from storage.casefile import TicketFilter
from storage.presence import Here

# The supervisors' view of who holds what: the open tickets read at most.
HELD_LIMIT = 1000


async def presence_fragment(request: web.Request) -> web.StreamResponse:
    """Who else has the ticket open now: for the page's `#presence`."""
    typed = request.match_info["number"].upper()
    number = TicketNumber.parse(typed)
    if number is None:
        raise web.HTTPNotFound(text=f"{typed[:40]} is not a ticket number.")
    deps = request.app[CONSOLE]
    me = request[SESSION].agent
    others = [h for h in await deps.presence.store.on(str(number), deps.clock())
              if h.agent_id != me.id]
    response = page(request, "presence.html", fragment=True, others=others)
    response.headers["Cache-Control"] = "no-store"
    return response


async def agents_page(request: web.Request) -> web.StreamResponse:
    """The people, and who is on what now: for supervisors and admins."""
    if not request[SESSION].agent.role.supervising:
        raise web.HTTPForbidden(text="Supervisors and admins only.")
    deps = request.app[CONSOLE]
    return page(request, "agents.html", agents=await deps.agents.all(),
                **await _who_is_on_what(request))


async def _who_is_on_what(request: web.Request) -> dict[str, Any]:
    """Each agent's open pages (with typing) and the tickets they hold."""
    deps = request.app[CONSOLE]
    viewing: dict[int, list[Here]] = defaultdict(list)
    for here in await deps.presence.store.everywhere(deps.clock()):
        viewing[here.agent_id].append(here)
    holding: dict[str, list[str]] = defaultdict(list)
    for row in await deps.cases.tickets(TicketFilter(view="open", limit=HELD_LIMIT)):
        if row.agent:
            holding[row.agent].append(row.number)
    # Two agents on one ticket is what a supervisor looks for: those tickets are marked.
    counts: dict[str, int] = defaultdict(int)
    for pages in viewing.values():
        for here in pages:
            counts[here.number] += 1
    return {"viewing": viewing, "holding": holding,
            "shared": {n for n, c in counts.items() if c > 1}}


async def me_page(request: web.Request, status: int = 200, error: str | None = None,
                  typed: str | None = None) -> web.Response:
    me = request[SESSION].agent
    return page(request, "me.html", status=status, error=error,
                typed=me.display_name or "" if typed is None else typed)


async def set_my_display_name(request: web.Request) -> web.StreamResponse:
    """An agent sets what customers see on their own messages; empty: the login name."""
    deps = request.app[CONSOLE]
    me = request[SESSION].agent
    typed = str((await request.post()).get("display_name", ""))
    try:
        shown = display_name(typed) if typed.strip() else None
    except BadDisplayName as e:
        return await me_page(request, 422, str(e), typed[:200])
    await deps.agents.set_display_name(me.name, shown)
    redirect(request, "/console/me",
             f"Customers now see you as {shown}." if shown
             else f"Customers now see you as {me.name}.")
