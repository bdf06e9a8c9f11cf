"""Where a ticket stood when an agent loaded its page, and what happened since: the console's
warning before a reply that would cross another agent's, a customer's newer words, or the
ticket changing hands.

A mark is the highest message id of the ticket's conversation and the highest event id of the
ticket, as "M.E": ids only grow, so "above the mark" is exactly "since", with no clock to
disagree between processes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.messages import AGENT_TEMPLATE_PREFIX, agent_of
from storage.schema import messages, ticket_events, tickets

_MARK = re.compile(r"(\d{1,18})\.(\d{1,18})")
# The ticket's events that mean it changed hands (or state) under the agent's feet.
HAND_CHANGES = ("taken", "released", "transferred", "closed", "reopened")


class Since(StrEnum):
    CUSTOMER = "customer"  # the customer wrote
    REPLY = "reply"  # another agent replied
    HANDS = "hands"  # the ticket was taken, released, transferred, closed or reopened


@dataclass(frozen=True, slots=True)
class Happened:
    what: Since
    who: str  # the agent's login name, or "customer"
    kind: str = ""  # for HANDS: the event's kind


def parse_mark(typed: str) -> tuple[int, int] | None:
    found = _MARK.fullmatch(typed.strip())
    return None if found is None else (int(found.group(1)), int(found.group(2)))


class TicketMarks:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def mark(self, number: str) -> str:
        """Where the ticket stands now ("0.0" for none)."""
        t = tickets.c
        async with self.engine.connect() as conn:
            row = (await conn.execute(
                sa.select(
                    sa.select(sa.func.max(messages.c.id))
                    .where(messages.c.conversation_id == t.conversation_id)
                    .scalar_subquery().label("m"),
                    sa.select(sa.func.max(ticket_events.c.id))
                    .where(ticket_events.c.ticket_id == t.id).scalar_subquery().label("e"))
                .where(t.number == number))).first()
        return "0.0" if row is None else f"{row.m or 0}.{row.e or 0}"

    async def since(self, number: str, mark: tuple[int, int], me: str) -> list[Happened]:
        """What others did to `number` after `mark`, oldest first; `me` (a login name) is the
        agent asking, whose own doings are no surprise to them."""
        seen_message, seen_event = mark
        t = tickets.c
        async with self.engine.connect() as conn:
            ticket = (await conn.execute(sa.select(t.id, t.conversation_id)
                                         .where(t.number == number))).first()
            if ticket is None:
                return []
            said = (await conn.execute(
                sa.select(messages.c.id, messages.c.direction, messages.c.template)
                .where(messages.c.conversation_id == ticket.conversation_id,
                       messages.c.id > seen_message)
                .where(sa.or_(messages.c.direction == "in",
                              messages.c.template.like(AGENT_TEMPLATE_PREFIX + "%")))
                .order_by(messages.c.id))).all()
            done = (await conn.execute(
                sa.select(ticket_events.c.actor, ticket_events.c.kind)
                .where(ticket_events.c.ticket_id == ticket.id,
                       ticket_events.c.id > seen_event,
                       ticket_events.c.kind.in_(HAND_CHANGES))
                .order_by(ticket_events.c.id))).all()
        happened: list[Happened] = []
        for m in said:
            writer = agent_of(m.template)
            if m.direction == "in":
                happened.append(Happened(Since.CUSTOMER, "customer"))
            elif writer is not None and writer != me:
                happened.append(Happened(Since.REPLY, writer))
        for e in done:
            actor = str(e.actor or "")
            if actor != AGENT_TEMPLATE_PREFIX + me:
                happened.append(Happened(Since.HANDS, actor.removeprefix(AGENT_TEMPLATE_PREFIX),
                                         str(e.kind)))
        return happened
