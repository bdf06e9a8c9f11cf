"""What the web console reads: lists of tickets by filter and sort, and one ticket's whole
file (record, reasons, the conversation split at where this complaint began, notes and events,
and the customer's other tickets)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from dialogs.machine import CLOSED_STATES
from storage.clock import utc, utc_required
from storage.customer_history import PastTicket, known_phone, other_tickets
from storage.desk import WAITING
from storage.queue import PRIORITY_RANK
from storage.schema import agents, conversations, customers, messages, ticket_events, tickets

VIEWS = ("waiting", "mine", "open", "closed", "all")
# A customer message sent from one of these states opened a new complaint: the first ever
# ("new"), or one after the last complaint was filed, cancelled, expired, handed over or rated.
_OPENING_STATES = ("new", *CLOSED_STATES)
EARLIER_LIMIT = 200  # of the chat's earlier (and later) conversations, the newest shown


class Sort(StrEnum):
    """How the queue is ordered (`?sort=`)."""

    URGENCY = "urgency"  # priority, then oldest first: how the queue is worked (the default)
    WAITED = "waited"  # longest waiting first
    DUE = "due"  # first answer due soonest first; none due last
    PRIORITY = "priority"  # priority, then newest first
    NEWEST = "newest"  # newest first: how history is read


@dataclass(frozen=True, slots=True)
class TicketFilter:
    view: str = "waiting"  # one of VIEWS
    team: str | None = None
    priority: str | None = None
    agent_id: int | None = None  # whose "mine"
    limit: int = 100
    sort: Sort | None = None  # None: urgency for live views, newest for closed and all

    @property
    def order(self) -> Sort:
        if self.sort is not None:
            return self.sort
        return Sort.NEWEST if self.view in ("closed", "all") else Sort.URGENCY


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
    reasons: tuple[str, ...] = ()  # why a person: the escalation rules that fired
    locale: str = ""


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
class Customer:
    name: str | None
    channel: str
    chat_id: str
    locale: str
    phone: str | None  # given in this complaint, else in their latest one
    email: str | None


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
    # `transcript` is this complaint, from the customer message that began it; `earlier`
    # the same chat before it (earlier complaints), `later` after the next ticket began.
    earlier: list[Line] = field(default_factory=list)
    later: list[Line] = field(default_factory=list)
    customer_panel: Customer | None = None
    others: list[PastTicket] = field(default_factory=list)  # the customer's other tickets
    rating: int | None = None
    solved: bool | None = None

    @property
    def notes(self) -> list[HistoryEntry]:
        return [e for e in self.events if e.kind == "note"]


_ROW_COLUMNS = (tickets.c.number, tickets.c.status, tickets.c.priority, tickets.c.team,
                tickets.c.category, agents.c.name.label("agent"), tickets.c.incomplete,
                tickets.c.created_at, tickets.c.first_response_due, tickets.c.description,
                tickets.c.first_responded_at, tickets.c.reasons, tickets.c.locale)


def _reason_names(reasons: Any) -> tuple[str, ...]:
    names = [str(r.get("reason")) for r in reasons or () if isinstance(r, dict)]
    return tuple(dict.fromkeys(n for n in names if n and n != "None"))


def _row(r: Any) -> TicketRow:
    summary = r.description.splitlines()[0] if r.description else ""
    return TicketRow(r.number, r.status, r.priority or "P4", r.team, r.category, r.agent,
                     bool(r.incomplete), utc_required(r.created_at), utc(r.first_response_due),
                     summary[:140], r.first_responded_at is not None,
                     _reason_names(r.reasons), r.locale or "")


def _ordering(sort: Sort) -> tuple[Any, ...]:
    t = tickets.c
    if sort is Sort.WAITED:
        return (t.created_at, t.id)
    if sort is Sort.DUE:
        # Tickets already answered or without a promise go last on both databases.
        settled = sa.case((t.first_response_due.is_(None), 1),
                          (t.first_responded_at.is_not(None), 1), else_=0)
        return (settled, t.first_response_due, PRIORITY_RANK, t.id)
    if sort is Sort.PRIORITY:
        return (PRIORITY_RANK, t.created_at.desc(), t.id.desc())
    if sort is Sort.NEWEST:
        return (t.created_at.desc(), t.id.desc())
    return (PRIORITY_RANK, t.created_at, t.id)


def _line(m: Any) -> Line:
    return Line(utc_required(m.created_at), m.direction, m.text, m.template)


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
        query = query.order_by(*_ordering(f.order))
        async with self.engine.connect() as conn:
            return [_row(r) for r in (await conn.execute(query)).all()]

    async def case(self, number: str, transcript_limit: int = 500) -> CaseFile | None:
        t = tickets.c
        async with self.engine.connect() as conn:
            r = (await conn.execute(
                sa.select(*_ROW_COLUMNS, t.id, t.outcome, t.slots, t.reasons, t.locale,
                          t.conversation_id, t.customer_id, t.resolution_due, t.callback_due,
                          t.phone, t.rating, t.solved,
                          conversations.c.channel, conversations.c.chat_id,
                          customers.c.display_name)
                .join(conversations, conversations.c.id == t.conversation_id)
                .join(customers, customers.c.id == t.customer_id)
                .outerjoin(agents, agents.c.id == t.assigned_agent_id)
                .where(t.number == number.upper()))).first()
            if r is None:
                return None
            began = await _opening(conn, r.conversation_id, r.created_at)
            ended = await _next_opening(conn, r, began)
            m = messages.c
            columns = (m.created_at, m.direction, m.text, m.template)
            in_chat = m.conversation_id == r.conversation_id
            now_part = sa.and_(in_chat, m.id >= began, *(() if ended is None else (m.id < ended,)))
            current = (await conn.execute(
                sa.select(*columns).where(now_part)
                .order_by(m.id.desc()).limit(transcript_limit))).all()
            earlier = (await conn.execute(
                sa.select(*columns).where(in_chat, m.id < began)
                .order_by(m.id.desc()).limit(EARLIER_LIMIT))).all() if began else []
            later = (await conn.execute(
                sa.select(*columns).where(in_chat, m.id >= ended)
                .order_by(m.id.desc()).limit(EARLIER_LIMIT))).all() if ended else []
            events = (await conn.execute(
                sa.select(ticket_events.c.at, ticket_events.c.actor, ticket_events.c.kind,
                          ticket_events.c.data)
                .where(ticket_events.c.ticket_id == r.id)
                .order_by(ticket_events.c.id))).all()
            phone = r.phone or await known_phone(conn, r.customer_id)
            others = await other_tickets(conn, ticket_id=r.id, customer_id=r.customer_id,
                                         phone=phone)
        slots = dict(r.slots or {})
        email = slots.get("email")
        panel = Customer(r.display_name, r.channel, r.chat_id, r.locale, phone,
                         str(email) if email else None)
        return CaseFile(
            _row(r), r.description, r.outcome, slots, list(r.reasons or []),
            r.locale, r.channel, r.display_name, utc(r.resolution_due), utc(r.callback_due),
            [_line(x) for x in reversed(current)],
            [HistoryEntry(utc_required(e.at), e.actor, e.kind, dict(e.data or {})) for e in events],
            r.chat_id, [_line(x) for x in reversed(earlier)], [_line(x) for x in reversed(later)],
            panel, others, r.rating, r.solved)


async def _opening(conn: AsyncConnection, conversation_id: int, filed: datetime,
                   after: int = 0) -> int:
    """The id of the customer message that began the complaint filed at `filed`: the last
    one, up to then, sent from a state that opens a new complaint (0: none, from the start)."""
    m = messages.c
    found = (await conn.execute(
        sa.select(sa.func.max(m.id))
        .where(m.conversation_id == conversation_id, m.direction == "in",
               m.state.in_(_OPENING_STATES), m.created_at <= filed, m.id > after))).scalar()
    return int(found or after)


async def _next_opening(conn: AsyncConnection, r: Any, began: int) -> int | None:
    """Where the chat's next complaint, the next ticket filed from it, began (None: this is
    the chat's latest)."""
    t = tickets.c
    later = (await conn.execute(
        sa.select(t.created_at)
        .where(t.conversation_id == r.conversation_id,
               sa.or_(t.created_at > r.created_at,
                      sa.and_(t.created_at == r.created_at, t.id > r.id)))
        .order_by(t.created_at, t.id).limit(1))).scalar()
    if later is None:
        return None
    opened = await _opening(conn, r.conversation_id, later, after=began)
    return opened if opened > began else None
