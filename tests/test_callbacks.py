"""A call-back an agent promises is tracked like the other promises: the customer hears the
time, a warning comes before it, an alert and a progress note after, each once, on every
backend; marking it done stops the watch, and a new promise starts it again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.core import Core, open_core
from dialogs.events import Event, SlaAlert
from handlers.agents.desk import AgentDesk
from handlers.agents.promises import SlaWatch
from storage.agents import Agent, AgentStore
from storage.queue import TicketQueue
from tests.conftest import Clock, Customer, make_settings


@pytest.fixture
async def core(database_url: str, clock: Clock) -> AsyncIterator[Core]:
    async with open_core(make_settings(database_url, HEARD_TIMEZONE="Asia/Shanghai"),
                         clock=clock) as c:
        yield c


async def held_case(core: Core) -> tuple[Customer, AgentDesk, Agent, Agent, str]:
    c = Customer(core, "7001")
    await c.says("My parcel never came")
    await c.says("human")
    queue = TicketQueue(core.store.engine)
    number = (await queue.waiting())[0].number
    agents = AgentStore(core.store.engine)
    alice = await agents.add("alice", "agent", datetime.now(UTC))
    bob = await agents.add("bob", "agent", datetime.now(UTC))
    core.pipeline.outbox.register("telegram", c.out)
    desk = AgentDesk(queue, core.pipeline, core.clock,
                     agents=agents, timezone="Asia/Shanghai")
    assert (await desk.take(alice, number)).ok
    return c, desk, alice, bob, number


def callback_alerts(seen: list[SlaAlert]) -> list[str]:
    return [a.kind for a in seen if a.target == "callback"]


async def test_a_promised_call_back_is_told_watched_and_kept(core: Core, clock: Clock) -> None:
    c, desk, alice, bob, number = await held_case(core)

    refused = await desk.promise_callback(alice, number, "sometime")
    assert not refused.ok and "15:30" in refused.message and "Asia/Shanghai" in refused.message
    assert not (await desk.promise_callback(alice, number, "+40d")).ok  # too far ahead
    assert not (await desk.promise_callback(bob, number, "+2h")).ok  # bob does not hold it

    done = await desk.promise_callback(alice, number, "+2h")
    # 09:30 UTC + 2 h = 19:30 in Shanghai, and the customer reads it in their own words.
    assert done.ok and "19:30 (Asia/Shanghai)" in done.message
    told = c.out.sent[-1][1]
    assert told.template == "agent.callback"
    assert told.text.startswith("alice will get back to you by Tue 24 Nov, 19:30")

    core.pipeline.outbox.register("telegram", c.out)
    watch = SlaWatch(desk.queue, core.pipeline, clock)
    seen: list[SlaAlert] = []

    async def record(events: list[Event]) -> None:
        seen.extend(e for e in events if isinstance(e, SlaAlert))

    core.pipeline.outbox.subscribe(record)
    await watch.tick()
    assert callback_alerts(seen) == []
    clock.advance(minutes=106)  # 14 minutes before
    await watch.tick()
    await watch.tick()
    assert callback_alerts(seen) == ["warning"]
    before = len(c.out.sent)
    clock.advance(minutes=15)
    await watch.tick()
    await watch.tick()
    assert callback_alerts(seen) == ["warning", "breach"]
    assert [r.template for _, r in c.out.sent[before:]] == ["progress.note"]

    assert (await desk.called_back(alice, number)).ok
    assert not (await desk.called_back(alice, number)).ok  # nothing pending any more

    # A new promise is watched afresh.
    assert (await desk.promise_callback(alice, number, "+30m")).ok
    clock.advance(minutes=31)
    await watch.tick()
    assert callback_alerts(seen) == ["warning", "breach", "breach"]

    kinds = [e["kind"] for e in await core.store.ticket_events(number)]
    assert kinds.count("callback_promised") == 2 and "called_back" in kinds
    assert "callback_breach" in kinds


async def test_a_supervisor_may_promise_for_a_ticket_someone_else_holds(core: Core) -> None:
    c, desk, _, _, number = await held_case(core)
    sam = await AgentStore(core.store.engine).add("sam", "supervisor", datetime.now(UTC))
    assert (await desk.promise_callback(sam, number, "2026-11-25 10:00")).ok
    assert "Wed 25 Nov, 10:00" in c.out.sent[-1][1].text
    view = await desk.queue.view(number)
    assert view is not None and view.agent == "alice"  # still hers
