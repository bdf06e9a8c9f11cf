"""Tickets from the customer's side: filing the draft with its due times, saying when the
desk opens, reopening a closed case, and answering "where is my complaint?"."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from dialogs import intents
from dialogs.escalation import Hit, top_priority
from dialogs.events import Escalated, Reopened, ReopenWhy
from dialogs.machine import CLOSED_STATES, DRAFT_STATES
from dialogs.ports import ReopenedTicket, TicketDraft, TicketInfo
from dialogs.turn.context import TurnContext

if TYPE_CHECKING:
    from dialogs.engine import DialogEngine


async def file(t: TurnContext, status: str, hits: list[Hit] | None = None) -> None:
    c = t.conv
    d = draft(t, status, hits or [])
    ticket = await t.desk.file_ticket(d, t.now)
    c.context.pop("refers_to", None)
    c.context["last_ticket"] = ticket.number
    c.context["priority"] = d.priority
    if status == "escalated":
        c.hand_off()
        t.out.events.append(Escalated(ticket.number))
    else:
        c.confirm()
    t.say("handoff" if status == "escalated" else "filed", t.buttons(),
          number=ticket.number, team=t.label("team.default"),
          due=t.e.fmt.when(ticket.first_response_due, c.locale),
          resolve_by=t.e.fmt.day_of(ticket.resolution_due, c.locale),
          phone=c.slots.get("phone"))
    if status == "escalated":
        after_hours(t)


def draft(t: TurnContext, status: str, hits: list[Hit]) -> TicketDraft:
    c = t.conv
    incomplete = not (c.has_story() and c.has_category() and c.details_complete()
                      and c.has_outcome() and c.contact_ok())
    priority = top_priority(hits)
    first, resolve = promised(t.e, t.now, priority)
    return TicketDraft(
        key=c.key, status=status, incomplete=incomplete,
        category=c.slots.get("category"), description=c.description(),
        outcome=c.slots.get("outcome"), phone=c.slots.get("phone"),
        slots={**c.slots, **({"refers_to": c.context["refers_to"]}
                             if c.context.get("refers_to") else {})},
        locale=c.locale, first_response_due=first, priority=priority,
        reasons=tuple(h.record() for h in hits),
        team=t.e.rules.team_for(c.slots.get("category")), resolution_due=resolve,
        bundle_version=t.e.bundle_version,
    )


def due(t: TurnContext, priority: str) -> datetime:
    return promised(t.e, t.now, priority)[0]


def promised(e: DialogEngine, now: datetime, priority: str) -> tuple[datetime, datetime]:
    """When a case of this priority filed now is promised a first response and a
    resolution. A person can only answer while the desk is open: the first counts open
    time; the second is calendar time."""
    return (e.hours.add(now, timedelta(minutes=e.rules.first_response_minutes[priority])),
            now + timedelta(hours=e.rules.resolution_hours.get(priority, 168)))


def after_hours(t: TurnContext) -> None:
    """Handed to a person while nobody is at the desk: say when someone will be."""
    opens = t.e.hours.next_opening(t.now)
    if opens is not None:
        t.say("hours.closed", opens=t.e.fmt.opening(opens, t.conv.locale),
              tz=t.e.fmt.zone(t.conv.locale))


async def reopen(t: TurnContext, number: str, why: str, hits: list[Hit],
                 info: TicketInfo | None) -> ReopenedTicket | None:
    """A closed ticket goes back to its agent (or the queue), once: a second request
    finds it open and changes nothing."""
    c = t.conv
    if info is None or info.status != "closed":
        return None
    priority = top_priority([*hits, Hit("held", info.priority or "P4", {})])
    back = await t.desk.reopen(
        number, t.now, why=why, reasons=[h.record() for h in hits], priority=priority,
        first_response_due=due(t, priority), text=t.words)
    if back is None:
        return None
    c.context["last_ticket"] = number
    c.context["priority"] = priority
    if back.agent:
        c.context["agent"] = back.agent
    else:
        c.context.pop("agent", None)
    c.context.pop("feedback_step", None)
    c.reopen()
    t.out.events.append(Reopened(number, ReopenWhy(why)))
    return back


def may_reopen(t: TurnContext) -> bool:
    """Reopening is for a customer between complaints, not one halfway through a draft."""
    c = t.conv
    if c.state == "handed_off" and c.context.get("agent"):
        return False  # a person has it open: the words are for them
    return c.state not in DRAFT_STATES or (c.state in ("new", "listening")
                                           and not c.has_story())


async def reopen_asked(t: TurnContext) -> None:
    """"reopen C-…", "重新打开": within REOPEN_DAYS of the close, back to a person;
    after that, a kind no and a new complaint that refers to the old one."""
    c = t.conv
    number = intents.ticket_number(t.text) or c.context.get("last_ticket")
    if not number:
        t.say("reopen.which", t.buttons())
        return
    info = await t.desk.ticket(str(number), c.key)
    if info is None:
        t.say("status.not_found", t.buttons(), number=number)
        return
    if info.status != "closed":
        t.say("reopen.still_open", t.buttons(), number=info.number)
        return
    days = t.e.settings.reopen_days
    if (not days or info.closed_at is None
            or t.now - info.closed_at > timedelta(days=days)):
        # A new complaint starts here, carrying the old number so the team sees what
        # it continues.
        if c.state in CLOSED_STATES:
            c.reset()
            c.begin_again()
        elif c.state == "new":
            c.greet()
        c.context["refers_to"] = info.number
        t.say("reopen.too_late", t.buttons(), number=info.number, days=days)
        return
    back = await reopen(t, info.number, "asked", [], info)
    if back is None:
        t.say("reopen.still_open", t.buttons(), number=info.number)
        return
    t.say("reopen.done", t.buttons(), number=info.number, agent=back.agent or "",
          due=t.e.fmt.when(due(t, str(c.context["priority"])), c.locale))
    after_hours(t)


async def status(t: TurnContext, number: str | None) -> None:
    c = t.conv
    if number is None:
        tickets = await t.desk.recent_tickets(c.key)
        if not tickets:
            t.say("status.none")
            return
        t.say("status.list", tickets=[
            {"number": tk.number, "status": t.label(f"status.{tk.status}"),
             "created": t.e.fmt.when(tk.created_at, c.locale)} for tk in tickets])
        return
    info = await t.desk.ticket(number, c.key)
    if info is None:
        t.say("status.not_found", number=number)
        return
    t.say("status.found", number=info.number, status=t.label(f"status.{info.status}"),
          created=t.e.fmt.when(info.created_at, c.locale),
          category=t.label(f"category.{info.category}") if info.category else None,
          due=t.e.fmt.when(info.first_response_due, c.locale)
          if info.first_response_due and info.status != "closed" else None)
