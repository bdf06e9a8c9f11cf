"""A customer's other tickets, for the console's customer panel: the same chat (channel and
chat id: one customer row) or the same phone number given in any complaint.

tickets.phone has no index yet: a customer with a phone costs a scan of tickets' phones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.clock import utc_required
from storage.schema import tickets

# A panel, not a report: a customer with more than this many tickets shows the newest.
MAX_SHOWN = 50


@dataclass(frozen=True, slots=True)
class PastTicket:
    number: str
    created_at: datetime
    category: str | None
    status: str
    rating: int | None  # 1–5, the customer's latest rating
    solved: bool | None  # the customer's latest "solved?" answer
    by_phone: bool  # found by the phone number only, from another chat or channel


async def other_tickets(conn: AsyncConnection, *, ticket_id: int, customer_id: int,
                        phone: str | None,
                        limit: int = MAX_SHOWN) -> list[PastTicket]:
    """Every other ticket of this customer, newest first, in one query."""
    t = tickets.c
    # A chat has one customer row (conversations.customer_id), so the customer is the chat,
    # and tickets' (customer_id, created_at) index finds theirs.
    same_chat = t.customer_id == customer_id
    mine = sa.or_(same_chat, t.phone == phone) if phone else same_chat
    rows = (await conn.execute(
        sa.select(t.number, t.created_at, t.category, t.status, t.rating, t.solved,
                  same_chat.label("same_chat"))
        .where(mine, t.id != ticket_id)
        .order_by(t.created_at.desc(), t.id.desc()).limit(limit))).all()
    return [PastTicket(r.number, utc_required(r.created_at), r.category, r.status, r.rating,
                       r.solved, not r.same_chat) for r in rows]


async def known_phone(conn: AsyncConnection, customer_id: int) -> str | None:
    """The phone number this customer gave most recently in any complaint."""
    t = tickets.c
    return (await conn.execute(
        sa.select(t.phone).where(t.customer_id == customer_id, t.phone.is_not(None),
                                 t.phone != "")
        .order_by(t.created_at.desc(), t.id.desc()).limit(1))).scalar()
