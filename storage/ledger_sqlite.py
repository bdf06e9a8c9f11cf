"""The ticket ledger's statements on SQLite, sent straight to the aiosqlite driver like the
batch's own (storage.batch_sqlite; storage.driver says why)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from storage.desk import TicketLedger
from storage.driver import DriverSql, RowBinder
from storage.schema import ticket_events, tickets
from storage.search_index import SqliteSearchIndex

_LOCK_COUNTER_SQL = (
    "INSERT INTO ticket_counters (prefix, day, last) VALUES (?, ?, 0) "
    "ON CONFLICT (prefix, day) DO UPDATE SET last = ticket_counters.last RETURNING last")
_COUNTER_SQL = "UPDATE ticket_counters SET last = ? WHERE prefix = ? AND day = ?"
_TICKET_COLUMNS = ("number", "conversation_id", "customer_id", "status", "category",
                   "priority", "incomplete", "description", "outcome", "phone", "slots",
                   "locale", "created_at", "first_response_due", "order_no", "reasons",
                   "team", "resolution_due", "bundle_version",
                   "reason_tags")
_TICKET_SQL = (f"INSERT INTO tickets ({', '.join(_TICKET_COLUMNS)}) "
               f"VALUES ({', '.join('?' * len(_TICKET_COLUMNS))})")
_LINK_FILES_SQL = (
    "UPDATE attachments SET ticket_id = (SELECT id FROM tickets WHERE number = ?) "
    "WHERE conversation_id = ? AND ticket_id IS NULL")
_EVENT_COLUMNS = ("at", "actor", "kind", "data")
_EVENT_SQL = (
    f"INSERT INTO ticket_events (ticket_id, {', '.join(_EVENT_COLUMNS)}) "
    f"VALUES ((SELECT id FROM tickets WHERE number = ?), {', '.join('?' * len(_EVENT_COLUMNS))})")


class SqliteLedger(TicketLedger):
    def __init__(self, conn: AsyncConnection, prefix: str, tz: ZoneInfo,
                 driver: DriverSql) -> None:
        self.driver = driver
        super().__init__(conn, prefix, tz)

    def _search_index(self) -> SqliteSearchIndex:
        return SqliteSearchIndex(self.driver)

    async def _numbers_for_orders(self, order_nos: list[str]) -> Sequence[Sequence[Any]]:
        return await self.driver.fetch(
            f"SELECT order_no, number FROM tickets WHERE order_no IN "
            f"({', '.join('?' * len(order_nos))}) ORDER BY id", order_nos)

    async def _lock_counter(self, day: str) -> int:
        rows = await self.driver.fetch(_LOCK_COUNTER_SQL, (self.prefix, day))
        return int(rows[0][0])

    async def _insert(self, counters: list[tuple[str, int]],
                      files: list[dict[str, Any]]) -> None:
        if counters:
            await self.driver.many(_COUNTER_SQL, [(n, self.prefix, d) for d, n in counters])
        if self.tickets:
            bind = RowBinder(self.driver.binders([tickets.c[name] for name in _TICKET_COLUMNS]))
            await self.driver.many(_TICKET_SQL, [
                bind([t[name] for name in _TICKET_COLUMNS]) for t in self.tickets])
            if files:
                await self.driver.many(_LINK_FILES_SQL, [(t["number"], t["conversation_id"])
                                                        for t in files])
        if self.events:
            bind = RowBinder(self.driver.binders([ticket_events.c[n] for n in _EVENT_COLUMNS]))
            await self.driver.many(_EVENT_SQL, [
                (e["number"], *bind([e[n] for n in _EVENT_COLUMNS])) for e in self.events])

    async def count_since(self, customer_id: int, since: datetime) -> int:
        stamp = self.driver.binders([tickets.c.created_at])[0]
        rows = await self.driver.fetch(
            "SELECT count(*) FROM tickets WHERE customer_id = ? AND created_at >= ?",
            (customer_id, stamp(since) if stamp else since))
        return int(rows[0][0])

    async def latest_for_order(self, order_no: str) -> str | None:
        rows = await self.driver.fetch(
            "SELECT number FROM tickets WHERE order_no = ? ORDER BY id DESC LIMIT 1",
            (order_no,))
        return str(rows[0][0]) if rows else None
