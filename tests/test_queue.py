"""Agents and the human queue, on every backend: registration, queue order, atomic claims."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.core import Core
from storage.agents import AgentExists, AgentStore
from storage.migrate import upgrade
from storage.queue import TicketQueue
from storage.schema import tickets
from storage.store import Store
from tests.conftest import Customer

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    s = Store(database_url)
    await upgrade(s.engine)
    yield s
    await s.close()


async def seed_tickets(store: Store, specs: list[tuple[str, str | None, str, int]]) -> None:
    """(number, priority, team, minutes after NOW) for each ticket."""
    from dialogs.messages import ConversationKey
    from tests.test_storage_contract import load_one

    async with store.batch() as tx:
        ld = await load_one(tx, ConversationKey("web", "seed"))
        await tx.conn.execute(sa.insert(tickets), [
            {"number": n, "conversation_id": ld.conversation_id,
             "customer_id": ld.customer_id, "status": "escalated", "priority": p, "team": t,
             "description": "x", "slots": {}, "locale": "en",
             "created_at": NOW + timedelta(minutes=m)} for n, p, t, m in specs])


class TestAgentsAndQueue:
    async def test_agents_register_list_and_disable(self, store: Store) -> None:
        agents = AgentStore(store.engine)
        a = await agents.add("alice", "supervisor", NOW, team="logistics", telegram_id=42)
        await agents.add("bob", "agent", NOW, password_hash="argon2-hash")
        assert [x.name for x in await agents.all()] == ["alice", "bob"]
        assert (await agents.by_telegram_id(42)) == a
        with pytest.raises(AgentExists):
            await agents.add("alice", "agent", NOW)
        with pytest.raises(AgentExists):
            await agents.add("carol", "agent", NOW, telegram_id=42)
        with pytest.raises(ValueError):
            await agents.add("dave", "boss", NOW)
        assert await agents.disable("alice")
        assert await agents.by_telegram_id(42) is None  # a disabled agent cannot act
        assert not await agents.disable("nobody")
        assert await agents.password_hash("bob") == "argon2-hash"

    async def test_queue_is_ordered_by_priority_then_age(self, store: Store) -> None:
        await seed_tickets(store, [("T-4", "P4", "finance", 0), ("T-2b", "P2", "logistics", 5),
                                   ("T-1", "P1", "quality", 9), ("T-2a", "P2", "finance", 1),
                                   ("T-none", None, "finance", 2)])
        q = TicketQueue(store.engine)
        assert [t.number for t in await q.waiting()] == ["T-1", "T-2a", "T-2b", "T-4",
                                                         "T-none"]
        assert [t.number for t in await q.waiting(team="finance")] == ["T-2a", "T-4",
                                                                      "T-none"]

    async def test_two_agents_taking_at_once_one_wins(self, store: Store) -> None:
        await seed_tickets(store, [("T-1", "P1", "quality", 0)])
        agents = AgentStore(store.engine)
        ids = [(await agents.add(f"a{i}", "agent", NOW)).id for i in range(8)]
        q = TicketQueue(store.engine)
        claims = await asyncio.gather(*(q.claim("T-1", i, NOW) for i in ids))
        winners = [c for c in claims if c.taken]
        assert len(winners) == 1
        winner = ids[claims.index(winners[0])]
        assert {c.holder for c in claims if not c.taken} == {f"a{ids.index(winner)}"}
        assert await q.waiting() == []
        missing = await q.claim("T-404", ids[0], NOW)
        assert not missing.taken and not missing.found

    async def test_agents_taking_the_next_ticket_get_different_ones(self, store: Store) -> None:
        await seed_tickets(store, [(f"T-{i}", "P3", "quality", i) for i in range(5)])
        agents = AgentStore(store.engine)
        ids = [(await agents.add(f"n{i}", "agent", NOW)).id for i in range(7)]
        q = TicketQueue(store.engine)
        claims = await asyncio.gather(*(q.take_next(i, NOW) for i in ids))
        taken = sorted(c.number for c in claims if c is not None)
        assert taken == [f"T-{i}" for i in range(5)]  # each once, none twice
        assert claims.count(None) == 2

    async def test_a_ticket_keeps_one_topic_and_replaces_only_the_stale_one(
            self, store: Store) -> None:
        await seed_tickets(store, [("T-1", "P2", "logistics", 0), ("T-2", "P3", "quality", 1)])
        q = TicketQueue(store.engine)
        view = await q.view("T-1")
        assert view is not None and view.topic is None
        # Two makers racing for a ticket without a topic: the first one stored wins, and the
        # second is told the winner's (ids beyond 32 bits fit: thread ids are 64-bit).
        assert await q.set_topic("T-1", -1007, 2**40) == 2**40
        assert await q.set_topic("T-1", -1007, 99) == 2**40
        assert await q.by_topic(-1007, 2**40) == "T-1"
        assert await q.by_topic(-1007, 99) is None
        assert await q.by_topic(-2000, 2**40) is None  # another chat's thread is not it
        # The topic was deleted: only a replacement of that very id takes; a second one
        # replacing the same stale id loses to the first.
        assert await q.set_topic("T-1", -1007, 120, replacing=2**40) == 120
        assert await q.set_topic("T-1", -1007, 121, replacing=2**40) == 120
        view = await q.view("T-1")
        assert view is not None and view.topic == (-1007, 120)
        assert await q.by_topic(-1007, 2**40) is None
        assert await q.by_topic(-1007, 120) == "T-1"
        # The agents' group moved to another forum: the old chat's topic is no topic there.
        assert await q.set_topic("T-1", -3000, 7) == 7
        assert await q.by_topic(-3000, 7) == "T-1"
        assert await q.set_topic("T-404", -1007, 5) is None
        other = await q.view("T-2")
        assert other is not None and other.topic is None

        async def racer(thread: int) -> int | None:
            return await q.set_topic("T-2", -1007, thread)

        results = await asyncio.gather(*(racer(300 + i) for i in range(6)))
        assert len(set(results)) == 1 and results[0] in range(300, 306)


@pytest.mark.postgres
async def test_two_processes_never_double_take(postgres_url: str) -> None:
    a, b = Store(postgres_url), Store(postgres_url)
    await upgrade(a.engine)
    await seed_tickets(a, [(f"T-{i}", "P2", "quality", i) for i in range(20)])
    agents = AgentStore(a.engine)
    ids = [(await agents.add(f"p{i}", "agent", NOW)).id for i in range(10)]
    queues = [TicketQueue(a.engine), TicketQueue(b.engine)]
    claims = await asyncio.gather(*(
        queues[n % 2].claim(f"T-{n // 2}", ids[n % 10], NOW) for n in range(40)))
    won = [c.number for c in claims if c.taken]
    assert sorted(won) == sorted(f"T-{i}" for i in range(20))  # each exactly once
    await a.close()
    await b.close()


async def test_a_filed_ticket_is_routed_to_its_categorys_team(core: Core) -> None:
    from tests.test_dialog_flow import file_delivery_complaint

    c = Customer(core)
    number = await file_delivery_complaint(c)
    waiting = await TicketQueue(core.store.engine).waiting()
    assert [(t.number, t.team, t.priority) for t in waiting] == [(number, "logistics", "P4")]
