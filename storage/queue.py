"""The human queue: tickets waiting for a person, by priority then age, and atomic claims.

Taking a ticket is one conditional UPDATE (`… WHERE assigned_agent_id IS NULL`): on SQLite
the write lock serialises it, on PostgreSQL the second of two concurrent updates waits for
the first's row lock and then finds the condition false, so exactly one agent gets it, also
across processes. `take_next` claims the most urgent ticket with FOR UPDATE SKIP LOCKED
there, so claimers asking at once get different tickets instead of queueing behind each
other; it only claims (the relay benchmark races it across processes). Agents take the next
case through `AgentDesk.take_next`, which also tells the customer, under their lock.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from dialogs.events import AlertKind, Promise, SlaAlert
from dialogs.hours import ALWAYS, BusinessHours, parse_hours
from dialogs.messages import ConversationKey
from storage import ticket_facts
from storage.clock import utc_required
from storage.desk import WAITING
from storage.schema import agents, conversations, messages, ticket_events, tickets

# Most urgent first; a ticket without a priority ranks as P4.
PRIORITY_RANK = sa.case({"P1": 1, "P2": 2, "P3": 3}, value=tickets.c.priority, else_=4)


@dataclass(frozen=True, slots=True)
class QueuedTicket:
    number: str
    priority: str
    team: str | None
    category: str | None
    status: str
    created_at: datetime
    incomplete: bool


@dataclass(frozen=True, slots=True)
class Claim:
    taken: bool
    number: str
    holder: str | None = None  # who has it, when someone else was first
    found: bool = True


@dataclass(frozen=True, slots=True)
class TicketView:
    """What an agent needs to see about a ticket, and where its customer is."""

    number: str
    status: str
    priority: str
    team: str | None
    category: str | None
    description: str
    outcome: str | None
    reasons: list[dict[str, Any]]
    key: ConversationKey
    agent: str | None
    recent: list[str]  # the customer's last few messages, oldest first
    # Its topic in a forum agents' group: (chat id, message_thread_id), or None.
    topic: tuple[int, int] | None = None
    responded: bool = False  # a person has answered: the first-response promise is kept


class TicketQueue:
    def __init__(self, engine: AsyncEngine, read_engine: AsyncEngine | None = None,
                 hours: BusinessHours | None = None) -> None:
        self.engine = engine
        self.read_engine = read_engine or engine
        # The desk's opening hours: a first reply's delay is also recorded in open time.
        self.hours = hours or parse_hours(ALWAYS)

    async def waiting(self, team: str | None = None, limit: int = 50) -> list[QueuedTicket]:
        """Unclaimed tickets, most urgent first, oldest first within a priority."""
        query = (sa.select(tickets.c.number, tickets.c.priority, tickets.c.team,
                           tickets.c.category, tickets.c.status, tickets.c.created_at,
                           tickets.c.incomplete)
                 .where(tickets.c.status.in_(WAITING), tickets.c.assigned_agent_id.is_(None))
                 .order_by(PRIORITY_RANK, tickets.c.created_at, tickets.c.id).limit(limit))
        if team is not None:
            query = query.where(tickets.c.team == team)
        async with self.read_engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [QueuedTicket(r.number, r.priority or "P4", r.team, r.category, r.status,
                             utc_required(r.created_at), bool(r.incomplete)) for r in rows]

    async def claim(self, number: str, agent_id: int, now: datetime,
                    actor: str | None = None) -> Claim:
        """Take the ticket for the agent, if nobody holds it. With `actor`, the same
        transaction writes the "taken" event and stops the first-response timer (the
        customer is about to hear a person has joined)."""
        async with self.engine.begin() as conn:
            values: dict[str, Any] = {"assigned_agent_id": agent_id, "claimed_at": now}
            if actor is not None:
                values["first_responded_at"] = sa.func.coalesce(tickets.c.first_responded_at,
                                                                now)
            result = await conn.execute(
                sa.update(tickets)
                .where(tickets.c.number == number, tickets.c.assigned_agent_id.is_(None))
                .values(values))
            if result.rowcount == 1:
                if actor is not None:
                    await _event(conn, number, "taken", actor, {}, now)
                return Claim(True, number)
            exists = (await conn.execute(
                sa.select(tickets.c.id).where(tickets.c.number == number))).first()
            holder = await _holder(conn, number) if exists else None
        return Claim(False, number, holder, found=exists is not None)

    async def take_next(self, agent_id: int, now: datetime,
                        team: str | None = None) -> Claim | None:
        """Claim the most urgent waiting ticket (of `team`), or None when the queue is empty."""
        async with self.engine.begin() as conn:
            query = (sa.select(tickets.c.id, tickets.c.number)
                     .where(tickets.c.status.in_(WAITING), tickets.c.assigned_agent_id.is_(None))
                     .order_by(PRIORITY_RANK, tickets.c.created_at, tickets.c.id).limit(1))
            if team is not None:
                query = query.where(tickets.c.team == team)
            if conn.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            row = (await conn.execute(query)).first()
            if row is None:
                return None
            await conn.execute(sa.update(tickets).where(tickets.c.id == row.id)
                               .values(assigned_agent_id=agent_id, claimed_at=now))
        return Claim(True, row.number)

    async def view(self, number: str, recent: int = 3) -> TicketView | None:
        t, c = tickets.c, conversations.c
        async with self.read_engine.connect() as conn:
            row = (await conn.execute(
                sa.select(t.number, t.status, t.priority, t.team, t.category, t.description,
                          t.outcome, t.reasons, t.conversation_id, c.channel, c.chat_id,
                          agents.c.name.label("agent"), t.topic_chat_id, t.topic_thread_id,
                          t.first_responded_at)
                .join(conversations, conversations.c.id == t.conversation_id)
                .outerjoin(agents, agents.c.id == t.assigned_agent_id)
                .where(t.number == number.upper()))).first()
            if row is None:
                return None
            said = (await conn.execute(
                sa.select(messages.c.text)
                .where(messages.c.conversation_id == row.conversation_id,
                       messages.c.direction == "in")
                .order_by(messages.c.id.desc()).limit(recent))).scalars().all() if recent else []
        return TicketView(row.number, row.status, row.priority or "P4", row.team, row.category,
                          row.description, row.outcome, list(row.reasons or []),
                          ConversationKey(row.channel, row.chat_id), row.agent,
                          list(reversed(said)),
                          (row.topic_chat_id, row.topic_thread_id)
                          if row.topic_thread_id is not None else None,
                          row.first_responded_at is not None)

    async def set_topic(self, number: str, chat_id: int, thread_id: int,
                        replacing: int | None = None) -> int | None:
        """Make `thread_id` the ticket's topic in `chat_id`, but only while the stored one is
        still `replacing` (None: it has none in that chat yet) — so of two processes that
        each made a topic for one ticket, one wins and both then use the winner's. Returns
        the topic stored afterwards (None: no such ticket)."""
        t = tickets.c
        current = (sa.and_(t.topic_chat_id == chat_id, t.topic_thread_id == replacing)
                   if replacing is not None else
                   sa.or_(t.topic_thread_id.is_(None), t.topic_chat_id.is_distinct_from(chat_id)))
        async with self.engine.begin() as conn:
            result = await conn.execute(
                sa.update(tickets).where(t.number == number.upper(), current)
                .values(topic_chat_id=chat_id, topic_thread_id=thread_id))
            if result.rowcount == 1:
                return thread_id
            row = (await conn.execute(sa.select(t.topic_chat_id, t.topic_thread_id)
                                      .where(t.number == number.upper()))).first()
        return row.topic_thread_id if row is not None and row.topic_chat_id == chat_id else None

    async def by_topic(self, chat_id: int, thread_id: int) -> str | None:
        """The ticket whose topic this is, if any."""
        t = tickets.c
        async with self.read_engine.connect() as conn:
            return (await conn.execute(
                sa.select(t.number).where(t.topic_chat_id == chat_id,
                                          t.topic_thread_id == thread_id)
                .order_by(t.id.desc()).limit(1))).scalar_one_or_none()

    async def close(self, number: str, agent_id: int, resolution: str, now: datetime,
                    actor: str | None = None) -> bool:
        """Close a ticket the agent holds; False when they do not hold it (or it is closed).
        The resolution the agent wrote is the customer's answer from a person, so it is the
        first response if nobody had written before."""
        t = tickets.c
        async with self.engine.begin() as conn:
            held = [t.number == number, t.assigned_agent_id == agent_id, t.status != "closed"]
            row = (await conn.execute(sa.select(t.created_at, t.closed_spell_s,
                                                t.resolution_due).where(*held))).first()
            if row is None:
                return False
            result = await conn.execute(
                sa.update(tickets).where(*held)
                .values(status="closed", closed_at=now, **ticket_facts.close_values(row, now)))
            if result.rowcount != 1:
                return False
            await _event(conn, number, "closed", actor or f"agent:{agent_id}",
                         {"resolution": resolution}, now)
            await ticket_facts.first_reply(conn, number, now, self.hours)
        return True

    async def replied(self, number: str, now: datetime) -> None:
        """A person wrote to the customer (not the bot, not "an agent joined")."""
        async with self.engine.begin() as conn:
            await ticket_facts.first_reply(conn, number, now, self.hours)

    async def release(self, number: str, agent_id: int | None, now: datetime,
                      team: str | None = None, actor: str | None = None) -> bool:
        """Put a ticket back in the queue (of `team`, when given). `agent_id` None: whoever
        holds it (a supervisor's transfer); otherwise only the holder may release it."""
        values: dict[str, Any] = {"assigned_agent_id": None, "claimed_at": None}
        if team is not None:
            values["team"] = team
        return await self._change_held(
            number, agent_id, values, "transferred" if team else "released",
            actor or (f"agent:{agent_id}" if agent_id else "supervisor"),
            {"team": team} if team else {}, now)

    async def assign(self, number: str, to_agent: int, holder: int | None, now: datetime,
                     actor: str, to_name: str) -> bool:
        """Hand a ticket to another agent. `holder` None: whoever holds it, or nobody (a
        supervisor's move); otherwise only from that holder."""
        return await self._change_held(
            number, holder, {"assigned_agent_id": to_agent, "claimed_at": now},
            "transferred", actor, {"agent": to_name}, now)

    async def promise_callback(self, number: str, due: datetime, holder: int | None,
                               now: datetime, actor: str) -> bool:
        """Record a call-back promise (replacing any earlier one, whose alerts start over);
        `holder` None: whoever holds it (a supervisor), else only that agent's ticket."""
        async def record(conn: AsyncConnection) -> None:
            await ticket_facts.callback_promised(conn, number, actor, due, now)

        return await self._change_held(
            number, holder,
            {"callback_due": due, "callback_warned_at": None, "callback_breached_at": None},
            "callback_promised", actor, {"due": due.isoformat()}, now, then=record)

    async def callback_done(self, number: str, holder: int | None, now: datetime,
                            actor: str) -> bool:
        """The promised call-back happened; False when none was pending (on a ticket
        `holder` holds, unless None: a supervisor)."""
        async def record(conn: AsyncConnection) -> None:
            await ticket_facts.callback_done(conn, number, now)

        return await self._change_held(number, holder, {"callback_due": None}, "called_back",
                                       actor, {}, now, tickets.c.callback_due.is_not(None),
                                       then=record)

    async def _change_held(self, number: str, holder: int | None, values: dict[str, Any],
                           kind: str, actor: str, data: dict[str, Any], now: datetime,
                           *also: sa.ColumnElement[bool],
                           then: Callable[[AsyncConnection], Awaitable[None]] | None = None,
                           ) -> bool:
        """Change an open ticket (one `holder` holds, unless None) and record the event, in
        one transaction; False when no such ticket matched."""
        async with self.engine.begin() as conn:
            where = [tickets.c.number == number, tickets.c.status != "closed", *also]
            if holder is not None:
                where.append(tickets.c.assigned_agent_id == holder)
            result = await conn.execute(sa.update(tickets).where(*where).values(values))
            if result.rowcount != 1:
                return False
            await _event(conn, number, kind, actor, data, now)
            if then is not None:
                await then(conn)
        return True

    async def mark_first_response(self, number: str, now: datetime) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(sa.update(tickets).where(
                tickets.c.number == number, tickets.c.first_responded_at.is_(None),
            ).values(first_responded_at=now))

    async def sla_alerts(self, now: datetime, warn_before: timedelta,
                         resolution_warn_before: timedelta = timedelta(hours=1),
                         callback_warn_before: timedelta = timedelta(minutes=15),
                         ) -> list[SlaAlert]:
        """Promises about to be missed, and missed (the first response, then the resolution):
        each claimed here, once, also across processes (the claiming UPDATE is conditional)."""
        t = tickets.c
        targets = (
            (Promise.FIRST_RESPONSE, t.first_response_due, t.sla_warned_at, t.sla_breached_at,
             t.first_responded_at.is_(None), warn_before, "sla"),
            (Promise.RESOLUTION, t.resolution_due, t.resolution_warned_at,
             t.resolution_breached_at, sa.true(), resolution_warn_before, "resolution"),
            (Promise.CALLBACK, t.callback_due, t.callback_warned_at, t.callback_breached_at,
             sa.true(), callback_warn_before, "callback"),
        )
        alerts: list[SlaAlert] = []
        for target, due, warned, breached, pending, early, prefix in targets:
            for kind, column, horizon in ((AlertKind.BREACH, breached, now),
                                          (AlertKind.WARNING, warned, now + early)):
                async with self.engine.begin() as conn:
                    rows = (await conn.execute(
                        sa.select(t.id, t.number, due.label("due"), t.priority,
                                  conversations.c.channel, conversations.c.chat_id,
                                  agents.c.name.label("agent"))
                        .join(conversations, conversations.c.id == t.conversation_id)
                        .outerjoin(agents, agents.c.id == t.assigned_agent_id)
                        .where(t.status.in_(WAITING), pending, due.is_not(None),
                               due <= horizon, column.is_(None), breached.is_(None))
                        .order_by(due).limit(100))).all()
                    for r in rows:
                        claimed = await conn.execute(
                            sa.update(tickets).where(t.id == r.id, column.is_(None))
                            .values({column.key: now}))
                        if claimed.rowcount != 1:
                            continue
                        await _event(conn, r.number, f"{prefix}_{kind}", "scheduler",
                                     {"due": r.due.isoformat()}, now)
                        alerts.append(SlaAlert(r.number, kind, utc_required(r.due),
                                               r.priority or "P4", r.agent,
                                               ConversationKey(r.channel, r.chat_id), target))
        return alerts

    async def due_follow_ups(self, now: datetime, limit: int = 100) -> list[
            tuple[str, ConversationKey]]:
        """Follow-ups whose day has come, each claimed once (also across processes)."""
        t = tickets.c
        found: list[tuple[str, ConversationKey]] = []
        async with self.engine.begin() as conn:
            rows = (await conn.execute(
                sa.select(t.id, t.number, conversations.c.channel, conversations.c.chat_id)
                .join(conversations, conversations.c.id == t.conversation_id)
                .where(t.follow_up_due.is_not(None), t.follow_up_due <= now,
                       t.followed_up_at.is_(None))
                .order_by(t.follow_up_due).limit(limit))).all()
            for r in rows:
                claimed = await conn.execute(sa.update(tickets).where(
                    t.id == r.id, t.followed_up_at.is_(None)).values(followed_up_at=now))
                if claimed.rowcount == 1:
                    found.append((r.number, ConversationKey(r.channel, r.chat_id)))
        return found

    async def add_event(self, number: str, kind: str, actor: str, data: dict[str, Any],
                        now: datetime) -> None:
        async with self.engine.begin() as conn:
            await _event(conn, number, kind, actor, data, now)


async def _event(conn: AsyncConnection, number: str, kind: str, actor: str,
                 data: dict[str, Any], now: datetime) -> None:
    ticket_id = (await conn.execute(
        sa.select(tickets.c.id).where(tickets.c.number == number))).scalar_one()
    await conn.execute(sa.insert(ticket_events).values(
        ticket_id=ticket_id, at=now, actor=actor, kind=kind, data=data))


async def _holder(conn: AsyncConnection, number: str) -> str | None:
    return (await conn.execute(
        sa.select(agents.c.name).join(tickets, tickets.c.assigned_agent_id == agents.c.id)
        .where(tickets.c.number == number))).scalar_one_or_none()
