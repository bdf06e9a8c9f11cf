"""The failed messages page: customer turns the service could not process, retried with
backoff and then quarantined (storage.failed_turns), for supervisors to retry or drop."""

from __future__ import annotations

from aiohttp import web

from handlers.agents.console.deps import CONSOLE
from handlers.agents.console.pages import page, redirect
from handlers.agents.console.security import SESSION
from handlers.ops.lines import ops
from storage.failed_turns import parse_ref


def _supervisor(request: web.Request) -> str:
    me = request[SESSION].agent
    if not me.role.supervising:
        raise web.HTTPForbidden(text="Supervisors and admins only.")
    return me.name


async def failed_page(request: web.Request) -> web.StreamResponse:
    _supervisor(request)
    turns = await request.app[CONSOLE].failed.listing()
    return page(request, "failed.html", turns=turns)


async def failed_action(request: web.Request) -> web.StreamResponse:
    name = _supervisor(request)
    action = request.match_info["action"]
    ref = str((await request.post()).get("ref", ""))
    found = parse_ref(ref)
    if found is None:
        raise web.HTTPBadRequest(text="Which message? (channel:update)")
    deps = request.app[CONSOLE]
    now = deps.clock()
    if action == "retry":
        done = await deps.failed.retry(*found, now)
        message = f"{ref} will be tried again within seconds." if done else ""
    else:
        done = await deps.failed.drop(*found, now)
        message = f"{ref} is dropped: kept on record, never run again." if done else ""
    if done:
        ops(f"turn.{action}", channel=found[0], update=found[1], by=name)
    redirect(request, "/console/failed", message or f"{ref} is not a failed message (any more).")
