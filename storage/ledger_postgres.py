"""The ticket ledger's statements on PostgreSQL, through SQLAlchemy (storage.ledger_sqlite
says the same on SQLite)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from storage.desk import TicketLedger
from storage.schema import attachments, ticket_counters, ticket_events, tickets
from storage.search_index import PostgresSearchIndex


class PostgresLedger(TicketLedger):
    def _search_index(self) -> PostgresSearchIndex:
        return PostgresSearchIndex(self.conn)

    async def _numbers_for_orders(self, order_nos: list[str]) -> Sequence[Sequence[Any]]:
        return list(await self.conn.execute(
            sa.select(tickets.c.order_no, tickets.c.number)
            .where(tickets.c.order_no.in_(order_nos)).order_by(tickets.c.id)))

    async def _lock_counter(self, day: str) -> int:
        ins = postgresql.insert(ticket_counters).values(prefix=self.prefix, day=day, last=0)
        stmt = ins.on_conflict_do_update(
            index_elements=["prefix", "day"], set_={"last": ticket_counters.c.last}
        ).returning(ticket_counters.c.last)
        return int((await self.conn.execute(stmt)).scalar_one())

    async def _insert(self, counters: list[tuple[str, int]],
                      files: list[dict[str, Any]]) -> None:
        c = ticket_counters.c
        if counters:
            await self.conn.execute(
                sa.update(ticket_counters)
                .where(c.prefix == self.prefix, c.day == sa.bindparam("b_day"))
                .values(last=sa.bindparam("b_last")),
                [{"b_day": d, "b_last": n} for d, n in counters])
        if self.tickets:
            await self.conn.execute(sa.insert(tickets), self.tickets)
            if files:
                await self.conn.execute(
                    sa.update(attachments)
                    .where(attachments.c.conversation_id == sa.bindparam("b_conv"),
                           attachments.c.ticket_id.is_(None))
                    .values(ticket_id=_ticket_id(sa.bindparam("b_number"))),
                    [{"b_conv": t["conversation_id"], "b_number": t["number"]} for t in files])
        if self.events:
            await self.conn.execute(
                sa.insert(ticket_events).values(
                    ticket_id=_ticket_id(sa.bindparam("number")), at=sa.bindparam("at"),
                    actor=sa.bindparam("actor"), kind=sa.bindparam("kind"),
                    data=sa.bindparam("data", type_=sa.JSON)),
                self.events)

    async def count_since(self, customer_id: int, since: datetime) -> int:
        count = (await self.conn.execute(
            sa.select(sa.func.count()).select_from(tickets)
            .where(tickets.c.customer_id == customer_id, tickets.c.created_at >= since)
        )).scalar_one()
        return int(count)

    async def latest_for_order(self, order_no: str) -> str | None:
        found = (await self.conn.execute(
            sa.select(tickets.c.number).where(tickets.c.order_no == order_no)
            .order_by(tickets.c.id.desc()).limit(1))).scalar_one_or_none()
        return str(found) if found is not None else None


def _ticket_id(number: Any) -> Any:
    return sa.select(tickets.c.id).where(tickets.c.number == number).scalar_subquery()
