"""The console's pages and forms: the queue, a ticket's file, and what agents do to it.

A form that succeeds redirects (so a reload does not send it twice) with the outcome in a
short-lived cookie; one that fails renders the page again with the error and what the agent
typed, so nothing they wrote is lost.
"""

from __future__ import annotations

from typing import Any, NoReturn
from urllib.parse import urlencode

from aiohttp import web

from dialogs.escalation import PRIORITIES
from dialogs.text_clean import clean
from dialogs.ticket_number import TicketNumber
from handlers.agents.console.collision import crossed_message, crossed_since
from handlers.agents.console.deps import CONSOLE
from handlers.agents.console.render import render
from handlers.agents.console.security import SESSION, set_cookie
from handlers.agents.desk import Outcome
from handlers.agents.grammar import EVERY_TEAM, TargetKind, TransferTarget, Verb
from storage.agents import Role
from storage.casefile import VIEWS, Sort, TicketFilter

FLASH = "heard_console_flash"
SEEN_HEADER = "X-Heard-Seen"  # a live fragment's mark (storage/ticket_marks.py)
MAX_TEXT = 4000


def _base(request: web.Request, **extra: Any) -> dict[str, Any]:
    session = request[SESSION]
    # Every page shows times in the desk's zone (the `when` filter reads it).
    deps = request.app[CONSOLE]
    return {"me": session.agent, "csrf": session.csrf, "timezone": deps.desk.timezone,
            "now": deps.clock(),
            "supervising": session.agent.role.supervising,
            "flash": request.cookies.get(FLASH), **extra}


def page(request: web.Request, template: str, status: int = 200, *,
          fragment: bool = False, **extra: Any) -> web.Response:
    response = render(template, status=status, **_base(request, **extra))
    # Only a whole page shows the flash: a live fragment's refetch must not eat it.
    if FLASH in request.cookies and not fragment:
        response.del_cookie(FLASH, path="/console")
    return response


def _filter(request: web.Request) -> TicketFilter:
    me = request[SESSION].agent
    q = request.query
    view = q.get("view", "waiting")
    view = view if view in VIEWS else "waiting"
    # An agent starts on their own team's queue; "all" (or a supervisor) sees every team.
    team: str | None = q.get("team", me.team or EVERY_TEAM)
    team = None if team in (EVERY_TEAM, "") else team
    priority = q.get("priority") if q.get("priority") in PRIORITIES else None
    sort = q.get("sort", "")
    return TicketFilter(view=view, team=team, priority=priority, agent_id=me.id,
                        sort=Sort(sort) if sort in Sort.__members__.values() else None)


def queue_url(f: TicketFilter, **change: str) -> str:
    """The queue's address with this filter and sort (and `change`): every link and form
    round-trips them, so a reload, a bookmark or the live refetch shows the same list."""
    params = {"view": f.view, "team": f.team or EVERY_TEAM, "priority": f.priority or "",
              "sort": f.sort.value if f.sort else "", **change}
    return "/console?" + urlencode({k: v for k, v in params.items() if v})


async def _queue_context(request: web.Request) -> dict[str, Any]:
    deps = request.app[CONSOLE]
    f = _filter(request)
    sorts = {s.value: queue_url(f, sort=s.value) for s in Sort}
    return {"rows": await deps.cases.tickets(f), "filter": f, "views": VIEWS,
            "priorities": PRIORITIES, "teams": sorted(set(deps.teams)),
            "query": request.query_string, "sorts": sorts, "sort": f.order.value}


async def queue_page(request: web.Request) -> web.StreamResponse:
    return page(request, "queue.html", **await _queue_context(request))


async def queue_table(request: web.Request) -> web.StreamResponse:
    return page(request, "queue_table.html", fragment=True, **await _queue_context(request))


def _number(request: web.Request) -> TicketNumber:
    typed = request.match_info["number"].upper()
    number = TicketNumber.parse(typed)
    if number is None:
        raise web.HTTPNotFound(text=f"{typed[:40]} is not a ticket number.")
    return number


async def _ticket(request: web.Request, status: int = 200, template: str = "ticket.html",
                  fragment: bool = False, **extra: Any) -> web.Response:
    deps = request.app[CONSOLE]
    number = _number(request)
    # Before the case is read: whatever comes between is then "since", never unseen.
    seen = await deps.marks.mark(number)
    case = await deps.cases.case(number)
    if case is None:
        raise web.HTTPNotFound(text=f"There is no ticket {number}.")
    if fragment:  # the live part: what changed, not the forms around it
        response = page(request, template, fragment=True, case=case, t=case.row)
        # What the page now shows: its script moves the reply form's mark on to it.
        response.headers[SEEN_HEADER] = seen
        return response
    me = request[SESSION].agent
    targets = [TransferTarget(TargetKind.TEAM, team) for team in sorted(set(deps.teams))]
    targets += [TransferTarget(TargetKind.AGENT, a.name) for a in await deps.agents.all()
                if not a.disabled and a.name != me.name]
    channel = f"{case.channel}:{case.chat_id}" if case.chat_id else None
    vip = None if deps.vip is None or channel is None else {"channel": channel,
                                                             "on": channel in deps.vip}
    macros = [] if deps.macros is None else await deps.macros.usable(me)
    return page(request, template, status=status, case=case, t=case.row,
                 targets=targets, vip=vip, macros=macros,
                 macro_note=extra.pop("macro_note", ""),
                 seen=seen, crossed=extra.pop("crossed", []),
                 draft=extra.pop("draft", {}), error=extra.pop("error", None), **extra)


async def ticket_form(request: web.Request, status: int = 200, **extra: Any) -> web.Response:
    """The ticket's page with its forms as given: a draft, an error, a note."""
    return await _ticket(request, status, **extra)


async def mark_vip(request: web.Request) -> web.StreamResponse:
    """A supervisor puts the customer's chat on the VIP list, or takes it off: published
    as a version of the configuration of its own, in force in every process."""
    deps = request.app[CONSOLE]
    number = _number(request)
    me = request[SESSION].agent
    if not me.role.supervising or deps.vip is None:
        raise web.HTTPForbidden(text="Supervisors and admins mark VIP customers.")
    case = await deps.cases.case(number)
    if case is None or not case.chat_id:
        raise web.HTTPNotFound(text=f"There is no ticket {number}.")
    channel = f"{case.channel}:{case.chat_id}"
    on = (await request.post()).get("vip") == "on"
    made = await deps.vip.set(channel, on, actor=me.name)
    said = ("Nothing to change." if made is None else
            f"{'Marked as VIP' if on else 'No longer VIP'} (configuration version {made}).")
    redirect(request, f"/console/tickets/{number}", said)


async def ticket_page(request: web.Request) -> web.StreamResponse:
    return await _ticket(request)


async def ticket_live(request: web.Request) -> web.StreamResponse:
    return await _ticket(request, template="ticket_live.html", fragment=True)


async def act(request: web.Request) -> web.StreamResponse:
    deps = request.app[CONSOLE]
    number = _number(request)
    action = request.match_info["action"]
    me = request[SESSION].agent
    form = await request.post()
    text = clean(str(form.get("text", ""))).strip()
    if len(text) > MAX_TEXT:
        return await _ticket(request, 400, error=f"Keep it under {MAX_TEXT} characters.",
                             draft={action: text})
    desk = deps.desk
    outcome: Outcome
    verb = Verb.named(action)
    if verb is Verb.REPLY and not form.get("confirm"):
        crossed = await crossed_since(request, number, str(form.get("seen", "")))
        if crossed:
            return await _ticket(request, 409, error=crossed_message(crossed),
                                 draft={action: text}, crossed=crossed)
    if verb is Verb.TAKE:
        outcome = await desk.take(me, number)
    elif verb is Verb.REPLY:
        outcome = await desk.reply(me, number, text)
    elif verb is Verb.NOTE:
        outcome = await desk.note(me, number, text)
    elif verb is Verb.RELEASE:
        outcome = await desk.release(me, number)
    elif verb is Verb.CLOSE:
        outcome = await desk.close(me, number, text)
    elif verb is Verb.CALLBACK:
        outcome = await desk.promise_callback(me, number, text)
    elif verb is Verb.CALLED:
        outcome = await desk.called_back(me, number)
    elif verb is Verb.TRANSFER:
        target = TransferTarget.from_form(clean(str(form.get("to", ""))))
        if target is None:
            outcome = Outcome(False, "Choose a team or an agent to transfer to.")
        elif target.kind is TargetKind.TEAM:
            outcome = await desk.release(me, number, team=target.name)
        else:
            outcome = await desk.transfer_to(me, number, target.name)
    else:  # the group's /queue, /next and /help are no forms
        raise web.HTTPNotFound(text="No such action.")
    if not outcome.ok:
        return await _ticket(request, 409, error=outcome.message, draft={action: text})
    redirect(request, f"/console/tickets/{number}", outcome.message)


async def take_next(request: web.Request) -> web.StreamResponse:
    deps = request.app[CONSOLE]
    form = await request.post()
    team = str(form.get("team", EVERY_TEAM))
    outcome = await deps.desk.take_next(request[SESSION].agent,
                                        None if team == EVERY_TEAM else team)
    redirect(request, f"/console/tickets/{outcome.number}" if outcome.number else "/console",
              outcome.message)


async def disable_agent(request: web.Request) -> web.StreamResponse:
    me = request[SESSION].agent
    if me.role is not Role.ADMIN:
        raise web.HTTPForbidden(text="Only admins can disable accounts.")
    deps = request.app[CONSOLE]
    name = request.match_info["name"]
    target = await deps.agents.by_name(name)
    if target is None:
        raise web.HTTPNotFound(text="No such agent.")
    if target.id == me.id:
        message = "You cannot disable your own account."
    else:
        await deps.agents.disable(name)
        await deps.sessions.close_all(target.id)
        await deps.hub.end_agent(target.id)
        message = f"{name} is disabled and signed out."
    redirect(request, "/console/agents", message)



def redirect(request: web.Request, location: str, message: str) -> NoReturn:
    """After a form that went through: to `location`, saying `message` there once."""
    response = web.HTTPSeeOther(location)
    set_cookie(request, response, FLASH, message[:300], max_age=60)
    raise response
