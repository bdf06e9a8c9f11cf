"""Tickets: filing with a gap-free per-day number, lookups scoped to their customer, events."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs.messages import ConversationKey
from dialogs.ports import TicketDraft, TicketInfo
from storage.clock import utc, utc_required
from storage.schema import attachments, conversations, ticket_counters, ticket_events, tickets
from storage.upsert import insert_for


class SqlDesk:
    """The `Desk` port on the turn's connection: filing commits or rolls back with the turn."""

    def __init__(self, conn: AsyncConnection, *, conversation_id: int, customer_id: int,
                 prefix: str, tz: ZoneInfo,
                 before_write: Callable[[], Awaitable[None]] | None = None) -> None:
        self.conn = conn
        # Opens the turn's savepoint on first use, so a turn that raises takes its ticket back.
        self._before_write = before_write
        self.conversation_id = conversation_id
        self.customer_id = customer_id
        self.prefix = prefix
        self.tz = tz

    async def _next_number(self, now: datetime) -> str:
        day = now.astimezone(self.tz).strftime("%Y%m%d")
        ins = insert_for(self.conn, ticket_counters).values(prefix=self.prefix, day=day, last=1)
        stmt = ins.on_conflict_do_update(
            index_elements=["prefix", "day"], set_={"last": ticket_counters.c.last + 1}
        ).returning(ticket_counters.c.last)
        n = (await self.conn.execute(stmt)).scalar_one()
        return f"{self.prefix}-{day}-{n:04d}"

    async def _writing(self) -> None:
        if self._before_write is not None:
            await self._before_write()

    async def file_ticket(self, draft: TicketDraft, now: datetime) -> TicketInfo:
        await self._writing()
        number = await self._next_number(now)
        ticket_id = (await self.conn.execute(
            sa.insert(tickets).values(
                number=number, conversation_id=self.conversation_id,
                customer_id=self.customer_id, status=draft.status, category=draft.category,
                incomplete=draft.incomplete, description=draft.description,
                outcome=draft.outcome, phone=draft.phone, slots=draft.slots,
                locale=draft.locale, created_at=now,
                first_response_due=draft.first_response_due,
            ).returning(tickets.c.id)
        )).scalar_one()
        await self.conn.execute(
            sa.update(attachments)
            .where(attachments.c.conversation_id == self.conversation_id,
                   attachments.c.ticket_id.is_(None))
            .values(ticket_id=ticket_id)
        )
        await self._event(ticket_id, "filed", {"status": draft.status,
                                               "incomplete": draft.incomplete,
                                               "reasons": list(draft.reasons)}, now, "customer")
        return TicketInfo(number, draft.status, draft.category, now, draft.first_response_due)

    async def _event(self, ticket_id: int, kind: str, data: dict[str, Any], now: datetime,
                     actor: str) -> None:
        await self.conn.execute(sa.insert(ticket_events).values(
            ticket_id=ticket_id, at=now, actor=actor, kind=kind, data=data))

    def _owned(self, key: ConversationKey) -> Any:
        owner = (sa.select(conversations.c.customer_id)
                 .where(conversations.c.channel == key.channel,
                        conversations.c.chat_id == key.chat_id)
                 .scalar_subquery())
        return tickets.c.customer_id == owner

    async def ticket(self, number: str, key: ConversationKey) -> TicketInfo | None:
        row = (await self.conn.execute(
            sa.select(tickets.c.number, tickets.c.status, tickets.c.category,
                      tickets.c.created_at, tickets.c.first_response_due)
            .where(tickets.c.number == number.upper(), self._owned(key))
        )).first()
        return _info(row) if row else None

    async def recent_tickets(self, key: ConversationKey, limit: int = 5) -> list[TicketInfo]:
        rows = (await self.conn.execute(
            sa.select(tickets.c.number, tickets.c.status, tickets.c.category,
                      tickets.c.created_at, tickets.c.first_response_due)
            .where(self._owned(key)).order_by(tickets.c.id.desc()).limit(limit)
        )).all()
        return [_info(r) for r in rows]

    async def add_event(self, number: str, kind: str, data: dict[str, Any], now: datetime,
                        actor: str = "customer") -> None:
        ticket_id = (await self.conn.execute(
            sa.select(tickets.c.id).where(tickets.c.number == number))).scalar_one_or_none()
        if ticket_id is not None:
            await self._writing()
            await self._event(ticket_id, kind, data, now, actor)


def _info(row: Any) -> TicketInfo:
    return TicketInfo(row.number, row.status, row.category, utc_required(row.created_at),
                      utc(row.first_response_due))
