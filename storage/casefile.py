"""What the web console reads: lists of tickets by filter, and one ticket's whole file
(record, transcript, reasons, notes and events)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.clock import utc, utc_required
from storage.desk import WAITING
from storage.queue import PRIORITY_RANK
from storage.schema import agents, conversations, customers, messages, ticket_events, tickets

VIEWS = ("waiting", "mine", "open", "closed", "all")


@dataclass(frozen=True, slots=True)
class TicketFilter:
    view: str = "waiting"  # one of VIEWS
    team: str | None = None
    priority: str | None = None
    agent_id: int | None = None  # whose "mine"
    limit: int = 100


@dataclass(frozen=True, slots=True)
class TicketRow:
    number: str
    status: str
    priority: str
    team: str | None
    category: str | None
    agent: str | None
    incomplete: bool
    created_at: datetime
    first_response_due: datetime | None
    summary: str
    answered: bool  # a person has answered the customer


@dataclass(frozen=True, slots=True)
class Line:
    at: datetime
    direction: str  # "in" from the customer, "out" to them
    text: str
    template: str | None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: datetime
    actor: str
    kind: str
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CaseFile:
    row: TicketRow
    description: str
    outcome: str | None
    slots: dict[str, Any]
    reasons: list[dict[str, Any]]
    locale: str
    channel: str
    customer: str | None
    resolution_due: datetime | None
    callback_due: datetime | None
    transcript: list[Line]
    events: list[HistoryEntry]
    chat_id: str = ""  # the customer's chat on `channel` ("telegram:<chat_id>" is a VIP mark)

    @property
    def notes(self) -> list[HistoryEntry]:
        return [e for e in self.events if e.kind == "note"]


_ROW_COLUMNS = (tickets.c.number, tickets.c.status, tickets.c.priority, tickets.c.team,
                tickets.c.category, agents.c.name.label("agent"), tickets.c.incomplete,
                tickets.c.created_at, tickets.c.first_response_due, tickets.c.description,
                tickets.c.first_responded_at)


def _row(r: Any) -> TicketRow:
    summary = r.description.splitlines()[0] if r.description else ""
    return TicketRow(r.number, r.status, r.priority or "P4", r.team, r.category, r.agent,
                     bool(r.incomplete), utc_required(r.created_at), utc(r.first_response_due),
                     summary[:140], r.first_responded_at is not None)


class CaseFiles:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def tickets(self, f: TicketFilter) -> list[TicketRow]:
        t = tickets.c
        query = (sa.select(*_ROW_COLUMNS)
                 .outerjoin(agents, agents.c.id == t.assigned_agent_id).limit(f.limit))
        if f.view == "waiting":
            query = query.where(t.status.in_(WAITING), t.assigned_agent_id.is_(None))
        elif f.view == "mine":
            query = query.where(t.status != "closed", t.assigned_agent_id == f.agent_id)
        elif f.view == "open":
            query = query.where(t.status != "closed")
        elif f.view == "closed":
            query = query.where(t.status == "closed")
        if f.team:
            query = query.where(t.team == f.team)
        if f.priority:
            query = query.where(t.priority == f.priority)
        # The queue is worked most urgent first; history is read newest first.
        if f.view in ("closed", "all"):
            query = query.order_by(t.created_at.desc(), t.id.desc())
        else:
            query = query.order_by(PRIORITY_RANK, t.created_at, t.id)
        async with self.engine.connect() as conn:
            return [_row(r) for r in (await conn.execute(query)).all()]

    async def case(self, number: str, transcript_limit: int = 500) -> CaseFile | None:
        t = tickets.c
        async with self.engine.connect() as conn:
            r = (await conn.execute(
                sa.select(*_ROW_COLUMNS, t.id, t.outcome, t.slots, t.reasons, t.locale,
                          t.conversation_id, t.resolution_due, t.callback_due,
                          conversations.c.channel, conversations.c.chat_id,
                          customers.c.display_name)
                .join(conversations, conversations.c.id == t.conversation_id)
                .join(customers, customers.c.id == t.customer_id)
                .outerjoin(agents, agents.c.id == t.assigned_agent_id)
                .where(t.number == number.upper()))).first()
            if r is None:
                return None
            lines = (await conn.execute(
                sa.select(messages.c.created_at, messages.c.direction, messages.c.text,
                          messages.c.template)
                .where(messages.c.conversation_id == r.conversation_id)
                .order_by(messages.c.id.desc()).limit(transcript_limit))).all()
            events = (await conn.execute(
                sa.select(ticket_events.c.at, ticket_events.c.actor, ticket_events.c.kind,
                          ticket_events.c.data)
                .where(ticket_events.c.ticket_id == r.id)
                .order_by(ticket_events.c.id))).all()
        return CaseFile(
            _row(r), r.description, r.outcome, dict(r.slots or {}), list(r.reasons or []),
            r.locale, r.channel, r.display_name, utc(r.resolution_due), utc(r.callback_due),
            [Line(utc_required(m.created_at), m.direction, m.text, m.template)
             for m in reversed(lines)],
            [HistoryEntry(utc_required(e.at), e.actor, e.kind, dict(e.data or {})) for e in events],
            r.chat_id)
