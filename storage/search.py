"""Finding tickets by what agents remember of them: a number, a name, a phone, an order
number, words the customer, the bot or an agent wrote (storage/search_index.py keeps the
index; dialogs/search_text.py says what the terms are).

A ticket found by its own fields (number, customer, phone, order, story) comes first, newest
first; then tickets whose messages matched, by their newest matching message. Only the
`RECENT_MESSAGES` newest matching messages are looked at, which keeps a query on a word in
half the transcripts as quick as one on a phone number; an older ticket is still found by
any word that is rarer than that.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.search_text import Term, query_terms
from storage.clock import utc_required
from storage.schema import customers, messages, tickets

RECENT_MESSAGES = 2000


@dataclass(frozen=True, slots=True)
class Found:
    number: str
    status: str
    priority: str | None
    customer: str | None
    channel: str
    phone: str | None
    order_no: str | None
    created_at: datetime
    # What matched: a message's text, or the ticket's own fields (by_ticket).
    text: str
    by_ticket: bool


class TicketSearch(ABC):
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @abstractmethod
    def _ticket_hits(self) -> sa.TextClause:
        """Ids of ticket documents matching :q, newest first, at most :limit."""

    @abstractmethod
    def _message_hits(self) -> sa.TextClause:
        """(ticket number, newest matching message id) for :q, at most :limit tickets."""

    @abstractmethod
    def _query(self, terms: list[Term]) -> str: ...

    async def find(self, query: str, limit: int = 50) -> list[Found]:
        terms = query_terms(query)
        if not terms:
            return []
        params = {"q": self._query(terms), "limit": limit, "recent": RECENT_MESSAGES}
        async with self.engine.connect() as conn:
            ticket_ids = [-int(r[0]) for r in await conn.execute(self._ticket_hits(), params)]
            by_message = [(str(r[0]), int(r[1]))
                          for r in await conn.execute(self._message_hits(), params)]
            rows = await self._tickets(conn, ticket_ids, [n for n, _ in by_message])
            texts = await self._texts(conn, [m for _, m in by_message])
        by_id = {r["id"]: r for r in rows}
        by_number = {r["number"]: r for r in rows}
        found: dict[str, Found] = {}
        for tid in ticket_ids:
            if tid in by_id:
                r = by_id[tid]
                found[r["number"]] = _found(r, _fields(r), by_ticket=True)
        for number, mid in by_message:
            if number not in found and number in by_number:
                found[number] = _found(by_number[number], texts.get(mid, ""), by_ticket=False)
        return list(found.values())[:limit]

    async def _tickets(self, conn: Any, ids: list[int],
                       numbers: list[str]) -> list[dict[str, Any]]:
        if not ids and not numbers:
            return []
        t = tickets.c
        rows = await conn.execute(
            sa.select(t.id, t.number, t.status, t.priority, t.phone, t.order_no, t.description,
                      t.created_at, customers.c.display_name, customers.c.channel)
            .join(customers, customers.c.id == t.customer_id)
            .where(sa.or_(t.id.in_(ids), t.number.in_(numbers))))
        return [dict(r._mapping) for r in rows]

    async def _texts(self, conn: Any, ids: list[int]) -> dict[int, str]:
        if not ids:
            return {}
        rows = await conn.execute(sa.select(messages.c.id, messages.c.text)
                                  .where(messages.c.id.in_(ids)))
        return {int(r.id): str(r.text) for r in rows}


def _fields(r: dict[str, Any]) -> str:
    return " · ".join(str(v) for v in (r["number"], r["display_name"], r["phone"],
                                       r["order_no"], r["description"]) if v)


def _found(r: dict[str, Any], text: str, *, by_ticket: bool) -> Found:
    return Found(number=r["number"], status=r["status"], priority=r["priority"],
                 customer=r["display_name"], channel=r["channel"], phone=r["phone"],
                 order_no=r["order_no"], created_at=utc_required(r["created_at"]), text=text,
                 by_ticket=by_ticket)


class SqliteTicketSearch(TicketSearch):
    def _query(self, terms: list[Term]) -> str:
        # Each term quoted (it holds only letters and digits), `*` for a prefix; FTS5 ANDs
        # terms written side by side.
        return " ".join(f'"{t.text}"' + ("*" if t.prefix else "") for t in terms)

    def _ticket_hits(self) -> sa.TextClause:
        return sa.text("SELECT rowid FROM search_fts WHERE search_fts MATCH :q AND rowid < 0 "
                       "ORDER BY rowid LIMIT :limit")

    def _message_hits(self) -> sa.TextClause:
        return sa.text(
            "SELECT d.ticket_number, max(d.id) AS doc FROM search_docs d WHERE d.id IN ("
            " SELECT rowid FROM search_fts WHERE search_fts MATCH :q AND rowid > 0"
            " ORDER BY rowid DESC LIMIT :recent)"
            " AND d.ticket_number IS NOT NULL"
            " GROUP BY d.ticket_number ORDER BY doc DESC LIMIT :limit")


class PostgresTicketSearch(TicketSearch):
    def _query(self, terms: list[Term]) -> str:
        # A tsquery literal: quoted lexemes are taken as they are, `:*` for a prefix.
        return " & ".join(f"'{t.text}'" + (":*" if t.prefix else "") for t in terms)

    def _ticket_hits(self) -> sa.TextClause:
        return sa.text("SELECT id FROM search_docs WHERE terms @@ CAST(:q AS tsquery) "
                       "AND id < 0 ORDER BY id LIMIT :limit")

    def _message_hits(self) -> sa.TextClause:
        return sa.text(
            "SELECT ticket_number, max(id) AS doc FROM ("
            " SELECT id, ticket_number FROM search_docs"
            " WHERE terms @@ CAST(:q AS tsquery) AND id > 0 ORDER BY id DESC LIMIT :recent) h"
            " WHERE ticket_number IS NOT NULL"
            " GROUP BY ticket_number ORDER BY doc DESC LIMIT :limit")
