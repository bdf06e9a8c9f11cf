"""Tickets: gap-free per-day numbers, filings written with their batch, lookups scoped to the
customer, and events.

Numbers come from a counter row per prefix and day. The first filing of a batch locks that row
(a no-op upsert) and later ones count on in memory while the batch holds the lock; the row is
written once, with the tickets, in the batch's transaction. A turn that fails gives its number
back before anyone else could take one, so no number is ever skipped.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs.messages import ConversationKey
from dialogs.ports import ReopenedTicket, TicketDraft, TicketInfo
from dialogs.ticket_number import TicketNumber
from storage import ticket_facts
from storage.clock import utc, utc_required
from storage.schema import agents, conversations, customers, tickets
from storage.search_index import SearchIndex, ticket_terms


@dataclass
class TurnWrites:
    """The desk's writes of one turn, kept until the turn succeeded."""

    tickets: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    # (number, column values) for tickets filed before: a status, a follow-up date…
    updates: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    numbers: list[tuple[str, int]] = field(default_factory=list)  # (day, n) taken


# Tickets waiting for a person (not yet taken, not closed).
WAITING = ("open", "escalated")


class TicketLedger(ABC):
    """The batch's view of tickets: counters it holds, tickets and events it will write.
    What differs between the databases is in one subclass each (storage.ledger_sqlite,
    storage.ledger_postgres), chosen with the batch."""

    def __init__(self, conn: AsyncConnection, prefix: str, tz: ZoneInfo) -> None:
        self.conn = conn
        self.prefix = prefix
        self.tz = tz
        self._last: dict[str, int] = {}
        self._start: dict[str, int] = {}
        self.tickets: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.updates: list[tuple[str, dict[str, Any]]] = []
        # Latest ticket per order number, looked up for the whole batch before its turns.
        self.orders: dict[str, str | None] = {}
        self.search = self._search_index()

    # --- what each backend says its own way -----------------------------------------------
    @abstractmethod
    def _search_index(self) -> SearchIndex:
        """The search index's writes, in this ledger's transaction."""

    @abstractmethod
    async def _numbers_for_orders(self, order_nos: list[str]) -> Sequence[Sequence[Any]]:
        """(order number, ticket number) of every ticket for `order_nos`, oldest first."""

    @abstractmethod
    async def _lock_counter(self, day: str) -> int:
        """Lock the counter row of `day` for the rest of the transaction; its last number."""

    @abstractmethod
    async def _insert(self, counters: list[tuple[str, int]],
                      files: list[dict[str, Any]]) -> None:
        """Write the counters moved (day, last), the tickets and events of the batch, and link
        the attachments of the conversations in `files` to their ticket."""

    @abstractmethod
    async def count_since(self, customer_id: int, since: datetime) -> int:
        """Tickets of the customer stored since `since` (not those of this batch)."""

    @abstractmethod
    async def latest_for_order(self, order_no: str) -> str | None:
        """The newest stored ticket for the order (not those of this batch)."""

    # --- shared ----------------------------------------------------------------------------
    async def prefetch_orders(self, order_nos: set[str]) -> None:
        wanted = sorted(order_nos - self.orders.keys())
        if not wanted:
            return
        rows = await self._numbers_for_orders(wanted)
        self.orders.update(dict.fromkeys(wanted))
        self.orders.update({str(r[0]): str(r[1]) for r in rows})

    async def take_number(self, now: datetime, turn: TurnWrites) -> str:
        day = now.astimezone(self.tz).strftime("%Y%m%d")
        if day not in self._last:
            self._last[day] = self._start[day] = await self._lock_counter(day)
        self._last[day] += 1
        turn.numbers.append((day, self._last[day]))
        return TicketNumber.make(self.prefix, day, self._last[day])

    def commit_turn(self, turn: TurnWrites) -> None:
        self.tickets.extend(turn.tickets)
        self.events.extend(turn.events)
        self.updates.extend(turn.updates)

    def abandon_turn(self, turn: TurnWrites) -> None:
        # Turns run one after another, so the failed turn's numbers are the latest taken.
        for day, n in reversed(turn.numbers):
            if self._last.get(day) == n:
                self._last[day] = n - 1

    def pending(self, number: str) -> dict[str, Any] | None:
        return next((t for t in self.tickets if t["number"] == number), None)

    async def write(self) -> None:
        changed = [(d, n) for d, n in self._last.items() if n != self._start[d]]
        for number, values in self.updates:  # rare: one statement each is fine
            values = dict(values)
            where = [tickets.c.number == number]
            if "_if_status" in values:  # a guarded change: only from that status
                where.append(tickets.c.status == values.pop("_if_status"))
            await self.conn.execute(sa.update(tickets).where(*where).values(values))
        self.updates.clear()
        files = [t for t in self.tickets if t.pop("_has_files", False)]
        filed = list(self.tickets)
        await self._insert(changed, files)
        if filed:
            await self._index(filed)
        self.tickets.clear()
        self.events.clear()
        self._start = dict(self._last)


    async def _index(self, filed: list[dict[str, Any]]) -> None:
        """The new tickets in the search index, with their drafts' messages."""
        ids = sorted({t["customer_id"] for t in filed})
        names = {r.id: r.display_name for r in await self.conn.execute(
            sa.select(customers.c.id, customers.c.display_name).where(customers.c.id.in_(ids)))}
        await self.search.add_tickets(
            (t["number"], ticket_terms(t, names.get(t["customer_id"]))) for t in filed)
        await self.search.link((t["conversation_id"], t["number"]) for t in filed)


class SqlDesk:
    """The `Desk` port for one turn: what it files is written with the batch, or not at all
    if the turn fails."""

    def __init__(self, ledger: TicketLedger, turn: TurnWrites, *, conversation_id: int,
                 customer_id: int) -> None:
        self.ledger = ledger
        self.turn = turn
        self.conn = ledger.conn
        self.conversation_id = conversation_id
        self.customer_id = customer_id

    async def file_ticket(self, draft: TicketDraft, now: datetime) -> TicketInfo:
        number = await self.ledger.take_number(now, self.turn)
        self.turn.tickets.append({
            "number": number, "conversation_id": self.conversation_id,
            "customer_id": self.customer_id, "status": draft.status,
            "category": draft.category, "priority": draft.priority,
            "incomplete": draft.incomplete,
            "description": draft.description, "outcome": draft.outcome, "phone": draft.phone,
            "slots": draft.slots, "locale": draft.locale, "created_at": now,
            "first_response_due": draft.first_response_due,
            "order_no": draft.slots.get("order_no"), "reasons": list(draft.reasons),
            "reason_tags": ticket_facts.reason_tags(draft.reasons),
            "team": draft.team, "resolution_due": draft.resolution_due,
            "bundle_version": draft.bundle_version,
            # Only conversations that sent photos or files need their attachments linked.
            "_has_files": bool(draft.slots.get("attachments"))})
        self._event(number, "filed", {"status": draft.status, "incomplete": draft.incomplete,
                                      "priority": draft.priority,
                                      "reasons": list(draft.reasons)}, now, "customer")
        return TicketInfo(number, draft.status, draft.category, now, draft.first_response_due,
                          draft.resolution_due)

    def _event(self, number: str, kind: str, data: dict[str, Any], now: datetime,
               actor: str) -> None:
        self.turn.events.append({"number": number, "at": now, "actor": actor, "kind": kind,
                                 "data": data})

    def _owned(self, key: ConversationKey) -> Any:
        owner = (sa.select(conversations.c.customer_id)
                 .where(conversations.c.channel == key.channel,
                        conversations.c.chat_id == key.chat_id)
                 .scalar_subquery())
        return tickets.c.customer_id == owner

    async def ticket(self, number: str, key: ConversationKey) -> TicketInfo | None:
        number = number.upper()
        mine = self.ledger.pending(number)
        if mine is not None:
            return _info(mine) if mine["customer_id"] == self.customer_id else None
        row = (await self.conn.execute(
            sa.select(*_INFO_COLUMNS).where(tickets.c.number == number, self._owned(key))
        )).first()
        return _info(row._mapping) if row else None

    async def recent_tickets(self, key: ConversationKey, limit: int = 5) -> list[TicketInfo]:
        rows = (await self.conn.execute(
            sa.select(*_INFO_COLUMNS).where(self._owned(key)).order_by(tickets.c.id.desc()).limit(limit)
        )).all()
        pending = [t for t in self.ledger.tickets if t["customer_id"] == self.customer_id]
        return ([_info(t) for t in reversed(pending)] + [_info(r._mapping) for r in rows])[:limit]

    async def add_event(self, number: str, kind: str, data: dict[str, Any], now: datetime,
                        actor: str = "customer") -> None:
        self._event(number, kind, data, now, actor)
        facts = ticket_facts.answer_values(kind, data)
        if kind == "escalated":
            facts["reason_tags"] = ticket_facts.add_reasons(data.get("reasons", []))
        if facts:
            self.turn.updates.append((number, facts))

    async def reopen(self, number: str, now: datetime, *, why: str,
                     reasons: list[dict[str, Any]], priority: str,
                     first_response_due: datetime, text: str) -> ReopenedTicket | None:
        t = tickets.c
        if any(n == number for n, v in self.turn.updates if v.get("_if_status") == "closed"):
            return None  # this turn reopened it already
        row = (await self.conn.execute(
            sa.select(t.status, t.reasons, t.assigned_agent_id, agents.c.name,
                      agents.c.display_name, agents.c.disabled, t.closed_at,
                      t.closed_spell_s, t.reopens)
            .outerjoin(agents, agents.c.id == t.assigned_agent_id)
            .where(t.number == number))).first()
        if row is None or row.status != "closed":
            return None
        # A disabled agent cannot pick it up again: the team's queue takes it instead.
        agent = row.name if row.assigned_agent_id is not None and not row.disabled else None
        values: dict[str, Any] = {
            "_if_status": "closed", "status": "escalated", "closed_at": None,
            "priority": priority, "reasons": [*(row.reasons or []), *reasons],
            "reason_tags": ticket_facts.add_reasons(reasons),
            **ticket_facts.reopen_values(row, now),
            # A fresh promise: someone answers the reopened case within its priority's time.
            "first_response_due": first_response_due, "first_responded_at": None,
            "sla_warned_at": None, "sla_breached_at": None}
        if agent is None:
            values.update(assigned_agent_id=None, claimed_at=None)
        self.turn.updates.append((number, values))
        self._event(number, "reopened", {"why": why, "agent": agent, "priority": priority,
                                         "reasons": reasons, "text": text}, now, "customer")
        # The customer is told who has it again as they know them: the display name.
        return ReopenedTicket((row.display_name or agent) if agent else None)

    async def schedule_follow_up(self, number: str, due: datetime) -> None:
        self.turn.updates.append((number, {"follow_up_due": due, "followed_up_at": None}))

    async def queue_position(self, number: str) -> int | None:
        t = tickets.c
        me = (await self.conn.execute(
            sa.select(t.priority, t.created_at, t.id, t.team, t.status, t.assigned_agent_id)
            .where(t.number == number))).first()
        if me is None or me.assigned_agent_id is not None or me.status not in WAITING:
            return None
        rank = sa.case({"P1": 1, "P2": 2, "P3": 3}, value=t.priority, else_=4)
        mine = {"P1": 1, "P2": 2, "P3": 3}.get(me.priority or "P4", 4)
        ahead = (await self.conn.execute(
            sa.select(sa.func.count()).select_from(tickets).where(
                t.status.in_(WAITING), t.assigned_agent_id.is_(None),
                t.team == me.team if me.team is not None else t.team.is_(None),
                sa.or_(rank < mine, sa.and_(rank == mine, sa.or_(
                    t.created_at < me.created_at,
                    sa.and_(t.created_at == me.created_at, t.id < me.id))))))).scalar_one()
        return int(ahead) + 1

    async def tickets_since(self, key: ConversationKey, since: datetime) -> int:
        pending = sum(1 for t in self.ledger.tickets if t["customer_id"] == self.customer_id)
        return pending + await self.ledger.count_since(self.customer_id, since)

    async def ticket_for_order(self, order_no: str) -> str | None:
        for t in reversed(self.ledger.tickets):
            if t.get("order_no") == order_no:
                return str(t["number"])
        if order_no in self.ledger.orders:
            return self.ledger.orders[order_no]
        return await self.ledger.latest_for_order(order_no)


_INFO_COLUMNS = (tickets.c.number, tickets.c.status, tickets.c.category, tickets.c.created_at,
                 tickets.c.first_response_due, tickets.c.priority, tickets.c.closed_at)


def _info(row: Any) -> TicketInfo:
    return TicketInfo(row["number"], row["status"], row["category"],
                      utc_required(row["created_at"]), utc(row["first_response_due"]),
                      priority=row.get("priority"), closed_at=utc(row.get("closed_at")))
