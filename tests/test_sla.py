"""First-response promises: a warning before, a breach after, each once, with a controllable
clock; a first answer from a person stops the timer; the customer hears of a late promise."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.core import Core, open_core
from dialogs.events import Event, SlaAlert
from handlers.agents.desk import AgentDesk
from handlers.agents.promises import SlaWatch
from storage.agents import AgentStore
from storage.queue import TicketQueue
from tests.conftest import Clock, Customer, make_settings


async def escalate(core: Core, chat: str, text: str) -> Customer:
    c = Customer(core, chat)
    await c.says(text)
    return c


def watch(core: Core, c: Customer) -> tuple[SlaWatch, list[SlaAlert]]:
    seen: list[SlaAlert] = []

    async def record(events: list[Event]) -> None:
        seen.extend(e for e in events if isinstance(e, SlaAlert))

    core.pipeline.outbox.register("telegram", c.out)
    w = SlaWatch(TicketQueue(core.store.engine), core.pipeline, core.clock,
                 warn_before=timedelta(minutes=5))
    core.pipeline.outbox.subscribe(record)
    return w, seen


async def test_warning_then_breach_each_once_and_a_progress_note(core: Core,
                                                                 clock: Clock) -> None:
    c = await escalate(core, "8001", "The heater caught fire")  # P1: 15 minutes
    w, seen = watch(core, c)
    assert await w.tick() == []
    clock.advance(minutes=11)
    assert [a.kind for a in await w.tick()] == ["warning"]
    assert await w.tick() == []  # not twice
    clock.advance(minutes=5)
    alerts = await w.tick()
    assert [(a.kind, a.priority) for a in alerts] == [("breach", "P1")]
    assert c.out.sent[-1][1].template == "progress.note"
    clock.advance(hours=1)
    assert await w.tick() == []  # never twice, also later
    assert [a.kind for a in seen] == ["warning", "breach"]


async def test_a_first_answer_stops_the_timer(core: Core, clock: Clock) -> None:
    c = await escalate(core, "8002", "I want a human")  # P3: 4 hours
    w, _ = watch(core, c)
    number = (await TicketQueue(core.store.engine).waiting())[0].number
    alice = await AgentStore(core.store.engine).add("alice", "agent", datetime.now(UTC))
    core.pipeline.outbox.register("telegram", c.out)
    desk = AgentDesk(TicketQueue(core.store.engine), core.pipeline, core.clock)
    assert (await desk.take(alice, number)).ok
    clock.advance(hours=5)
    assert await w.tick() == []


async def test_timers_survive_a_restart_and_fire_once_across_two_watchers(
        database_url: str, clock: Clock) -> None:
    settings = make_settings(database_url)
    async with open_core(settings, clock=clock) as core:
        await escalate(core, "8003", "I will sue you")  # P2: 1 hour
    clock.advance(hours=2)  # the service was down when the promise fell due
    async with open_core(settings, clock=clock) as a, open_core(settings, clock=clock) as b:
        ca, cb = Customer(a, "8003"), Customer(b, "8003")
        (wa, seen_a), (wb, seen_b) = watch(a, ca), watch(b, cb)
        await asyncio.gather(wa.tick(), wb.tick())
        assert [x.kind for x in seen_a + seen_b] == ["breach"]


async def test_the_resolution_promise_is_watched_too(core: Core, clock: Clock) -> None:
    c = await escalate(core, "8004", "The heater caught fire")  # P1: resolved within a day
    w, _ = watch(core, c)
    number = (await TicketQueue(core.store.engine).waiting())[0].number
    alice = await AgentStore(core.store.engine).add("alice", "agent", datetime.now(UTC))
    core.pipeline.outbox.register("telegram", c.out)
    desk = AgentDesk(TicketQueue(core.store.engine), core.pipeline, core.clock)
    assert (await desk.take(alice, number)).ok  # first response given in time
    clock.advance(hours=23, minutes=30)
    assert [(a.target, a.kind) for a in await w.tick()] == [("resolution", "warning")]
    clock.advance(hours=1)
    assert [(a.target, a.kind, a.agent) for a in await w.tick()] == [
        ("resolution", "breach", "alice")]
    assert c.out.sent[-1][1].template == "progress.note"
    assert await w.tick() == []
    kinds = [e["kind"] for e in await core.store.ticket_events(number)]
    assert kinds[-2:] == ["resolution_warning", "resolution_breach"]
