"""Reopening: "not solved" after a close records why, and within REOPEN_DAYS of a close the
customer can reopen the case themselves, once, back to the agent who had it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from bot.core import Core, open_core
from dialogs.events import Escalated, Event, Reopened
from handlers.agents.desk import AgentDesk
from storage.agents import Agent, AgentStore
from storage.queue import TicketQueue
from storage.schema import tickets
from tests.conftest import Clock, Customer, make_settings
from tests.e2e_support import wait_for


@pytest.fixture
async def any_core(database_url: str, clock: Clock) -> AsyncIterator[Core]:
    async with open_core(make_settings(database_url), clock=clock) as c:
        yield c


class Desk:
    """A customer with a case Alice took and closed, and what the agents' side was told."""

    def __init__(self, core: Core, chat_id: str = "visitor-20") -> None:
        self.core = core
        self.c = Customer(core, channel="web", chat_id=chat_id)
        self.queue = TicketQueue(core.store.engine)
        core.pipeline.outbox.register("web", self.c.out)
        self.desk = AgentDesk(self.queue, core.pipeline, core.clock)
        self.agents = AgentStore(core.store.engine)
        self.events: list[Event] = []
        core.pipeline.outbox.subscribe(self._record)
        self.number = ""

    async def _record(self, batch: list[Event]) -> None:
        self.events.extend(batch)

    async def closed_case(self) -> Agent:
        alice = await self.agents.add("alice", "agent", datetime.now(UTC))
        await self.c.says("My parcel never arrived")
        await self.c.says("human")
        await wait_for(lambda: any(isinstance(e, Escalated) for e in self.events),
                       what="the case")
        self.number = next(e.number for e in self.events if isinstance(e, Escalated))
        assert (await self.desk.take(alice, self.number)).ok
        assert (await self.desk.close(alice, self.number, "Redelivered")).ok
        return alice

    async def row(self) -> Any:
        async with self.core.store.read_engine.connect() as conn:
            return (await conn.execute(
                sa.select(tickets).where(tickets.c.number == self.number))).one()

    async def kinds(self) -> list[str]:
        return [e["kind"] for e in await self.core.store.ticket_events(self.number)]


async def test_not_solved_records_the_rejected_outcome(any_core: Core) -> None:
    d = Desk(any_core)
    await d.closed_case()
    await d.c.send(d.c.inbound("No, still nothing", callback_data="feedback:solved.no"))
    assert d.c.templates == ["feedback.reopened"] and await d.c.state() == "handed_off"
    row = await d.row()
    assert (row.status, row.closed_at, row.priority) == ("escalated", None, "P2")
    assert row.reasons[-1] == {"reason": "outcome_rejected", "priority": "P2",
                               "evidence": {"after": "closed", "text": "No, still nothing"}}
    events = await any_core.store.ticket_events(d.number)
    reopened = [e["data"] for e in events if e["kind"] == "reopened"]
    assert len(reopened) == 1 and reopened[0]["why"] == "not_solved"
    assert reopened[0]["agent"] == "alice"
    assert [r["reason"] for r in reopened[0]["reasons"]] == ["outcome_rejected"]
    await wait_for(lambda: any(isinstance(e, Reopened) and e.why == "not_solved"
                               for e in d.events), what="the group told")


async def rate_it(d: Desk) -> None:
    await d.c.send(d.c.inbound("Yes", callback_data="feedback:solved.yes"))
    await d.c.says("5")
    assert await d.c.state() == "filed"


async def test_the_customer_reopens_within_the_window(any_core: Core, clock: Clock) -> None:
    d = Desk(any_core)
    await d.closed_case()
    closed_at = (await d.row()).closed_at
    assert closed_at is not None
    await rate_it(d)
    clock.advance(days=6, hours=23)
    await d.c.says(f"reopen {d.number}")
    assert d.c.templates == ["reopen.done"] and await d.c.state() == "handed_off"
    assert "alice" in d.c.text and d.number in d.c.text
    row = await d.row()
    assert (row.status, row.closed_at) == ("escalated", None)
    assert row.assigned_agent_id is not None  # back with Alice, not in the queue
    assert await d.queue.waiting() == []
    assert "reopened" in await d.kinds()
    await wait_for(lambda: any(isinstance(e, Reopened) and e.why == "asked"
                               for e in d.events), what="the group told")
    await d.c.says("It broke again the same way")
    assert d.c.last == []  # Alice has it: relayed, the bot stays quiet


async def test_two_reopen_messages_reopen_once(any_core: Core, clock: Clock) -> None:
    d = Desk(any_core)
    await d.closed_case()
    await rate_it(d)
    clock.advance(days=1)
    first, second = d.c.inbound("重新打开"), d.c.inbound(f"reopen {d.number}")
    before = len(d.c.out.sent)
    await asyncio.gather(d.core.pipeline.handle(first, d.c.out),
                         d.core.pipeline.handle(second, d.c.out))
    # The second finds Alice holding the case again: it is passed to her, not re-done.
    assert [r.template for _, r in d.c.out.sent[before:]] == ["reopen.done"]
    assert (await d.kinds()).count("reopened") == 1
    await wait_for(lambda: any(isinstance(e, Reopened) for e in d.events), what="reopen")
    assert sum(isinstance(e, Reopened) for e in d.events) == 1


async def test_a_disabled_agents_case_goes_back_to_the_queue(any_core: Core,
                                                           clock: Clock) -> None:
    d = Desk(any_core)
    await d.closed_case()
    await rate_it(d)
    assert await d.agents.disable("alice")
    clock.advance(days=2)
    await d.c.says("問題又出現了")  # zh-TW: it came back
    assert d.c.templates == ["reopen.done"] and await d.c.state() == "handed_off"
    assert "同事" in d.c.text
    assert [t.number for t in await d.queue.waiting()] == [d.number]
    await d.c.says("Hello?")
    assert d.c.templates == ["queue.waiting"]  # nobody holds it: the bot answers
    await d.c.says("reopen")
    assert d.c.templates == ["reopen.still_open"]
    assert (await d.kinds()).count("reopened") == 1


async def test_after_the_window_a_new_complaint_refers_to_the_old_one(
        any_core: Core, clock: Clock) -> None:
    d = Desk(any_core)
    await d.closed_case()
    await rate_it(d)
    clock.advance(days=7, minutes=1)
    await d.c.says("reopen")
    assert d.c.templates == ["reopen.too_late"] and "7 days" in d.c.text
    assert (await d.row()).status == "closed"
    assert await d.c.state() == "listening"
    await d.c.says("The replacement parcel never came either")
    await d.c.says("human")
    new = [e.number for e in d.events if isinstance(e, Escalated) and e.number != d.number]
    await wait_for(lambda: len([e for e in d.events if isinstance(e, Escalated)]) == 2,
                   what="the new case")
    new = [e.number for e in d.events if isinstance(e, Escalated) and e.number != d.number]
    async with any_core.store.read_engine.connect() as conn:
        slots = (await conn.execute(sa.select(tickets.c.slots)
                                    .where(tickets.c.number == new[0]))).scalar_one()
    assert slots["refers_to"] == d.number


async def test_reopening_an_open_or_unknown_case(core: Core) -> None:
    d = Desk(core)
    alice = await d.agents.add("alice", "agent", datetime.now(UTC))
    await d.c.says("My parcel never arrived")
    await d.c.says("human")
    await wait_for(lambda: any(isinstance(e, Escalated) for e in d.events), what="the case")
    d.number = next(e.number for e in d.events if isinstance(e, Escalated))
    await d.desk.take(alice, d.number)
    await d.c.says("reopen")
    assert d.c.last == []  # with Alice: words for her, not a command for the bot
    stranger = Customer(core, channel="web", chat_id="visitor-99")
    await stranger.says(f"reopen {d.number}")
    assert stranger.templates == ["status.not_found"]  # not theirs


async def test_reopen_days_zero_never_reopens(sqlite_url: str, clock: Clock) -> None:
    async with open_core(make_settings(sqlite_url, REOPEN_DAYS="0"), clock=clock) as core:
        d = Desk(core)
        await d.closed_case()
        await rate_it(d)
        await d.c.says("reopen")
        assert d.c.templates == ["reopen.too_late"] and (await d.row()).status == "closed"


async def test_the_agents_group_hears_why_and_can_take_a_queued_reopen(
        core: Core, clock: Clock) -> None:
    from handlers.agents.telegram_group import AgentGroup
    from handlers.channels.base import CollectingOutputChannel

    d = Desk(core)
    await d.closed_case()
    await rate_it(d)
    await d.agents.disable("alice")
    group_out = CollectingOutputChannel("telegram")
    group = AgentGroup(-100, group_out, d.desk, d.agents)  # type: ignore[arg-type]
    clock.advance(days=1)
    await d.c.says("reopen")
    await wait_for(lambda: any(isinstance(e, Reopened) for e in d.events), what="reopen")
    await group.on_events([e for e in d.events if isinstance(e, Reopened)])
    posted = group_out.sent[-1][1]
    assert posted.text.startswith(f"{d.number} reopened: the customer asked to reopen it "
                                  "(back with the queue)")
    assert [b.payload for b in posted.buttons] == [f"take:{d.number}"]


async def test_tickets_closed_before_0011_get_their_close_time(database_url: str) -> None:
    from storage.database import create_engine
    from storage.migrate import upgrade
    from storage.schema import conversations, customers, ticket_events

    engine = create_engine(database_url)
    at = datetime(2026, 11, 20, 8, tzinfo=UTC)
    try:
        await upgrade(engine, "0010")
        async with engine.begin() as conn:
            await conn.execute(sa.insert(customers).values(
                id=1, channel="web", external_id="v", created_at=at))
            await conn.execute(sa.insert(conversations).values(
                id=1, channel="web", chat_id="v", customer_id=1, state="filed", slots={},
                context={}, locale="en", version=1, created_at=at, updated_at=at))
            for n, status in ((1, "closed"), (2, "escalated")):
                await conn.execute(sa.text(
                    "INSERT INTO tickets (id, number, conversation_id, customer_id, status, "
                    "description, slots, locale, created_at) "
                    "VALUES (:id, :number, 1, 1, :status, 'x', '{}', 'en', :at)"),
                    {"id": n, "number": f"C-20261120-000{n}", "status": status, "at": at})
            await conn.execute(sa.insert(ticket_events).values(
                [{"ticket_id": 1, "at": at, "actor": "agent:1", "kind": "closed", "data": {}},
                 {"ticket_id": 1, "at": at.replace(hour=9), "actor": "agent:1",
                  "kind": "closed", "data": {}},
                 {"ticket_id": 2, "at": at, "actor": "agent:1", "kind": "closed",
                  "data": {}}]))
        await upgrade(engine)
        async with engine.connect() as conn:
            rows = (await conn.execute(sa.select(tickets.c.number, tickets.c.closed_at)
                                       .order_by(tickets.c.id))).all()
    finally:
        await engine.dispose()
    from storage.clock import utc
    assert [(r[0], utc(r[1])) for r in rows] == [
        ("C-20261120-0001", at.replace(hour=9)),  # the latest close
        ("C-20261120-0002", None)]  # reopened since: not closed
