"""A small year of complaints made through the real pipeline and agents' desk, on a clock the
test moves, for the report tests: every figure they check is worked out by hand below.

Asia/Shanghai (UTC+8), desk open Mon-Fri 09:00-18:00; "human" makes a P3 case (first
response within 4 open hours, resolution within 168 h). Times are local.

- T1 delivery, customer a: filed Tue 31 Mar 23:30 (Q1); alice takes it Wed 09:30, replies
  10:00 (10.5 h, 1 business h, promise 13:00: met), closes 11:00 (11.5 h: met); solved, 5.
  Follow-up due Sat 4 Apr: asked, the fix held.
- T2 quality (Breville kettle), customer b: filed Wed 1 Apr 00:30 (Q2, April); never answered.
- T3 billing, customer c: filed Tue 10 Mar 10:00; bob takes it, closes 11:00 without a reply
  (the resolution is the first response: 1 h, met); "not solved" at 12:00 reopens it (closed
  for 1 h); bob closes again Thu 12 Mar 10:00 (48 h - 1 h = 47 h: met); solved, 2; at the
  follow-up on Sun 15 Mar the fix held.
- T4 quality (Breville kettle), customer d: filed Fri 20 Mar 17:30; alice takes it Mon 23 Mar
  09:15, promises a call-back by 11:30 and makes it at 11:00 (kept), replies 09:30 (64 h,
  1 business h: met, due 12:30); still open, resolution promise passed.
- T5 quality (Breville kettle), customer c again: filed Wed 25 Mar 10:00; never answered
  (missed); a repeat complainant in March.
- T6 delivery, customer f: filed Tue 10 Feb 10:00 (the month before March).
- T7 delivery, customer g: filed Wed 5 Mar 2025 10:00 (March a year earlier).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.core import Core
from handlers.agents.desk import AgentDesk, Outcome
from handlers.agents.promises import FollowUps
from storage.agents import AgentStore
from storage.queue import TicketQueue
from tests.conftest import Clock, Customer

ZONE = "Asia/Shanghai"
HOURS = "Mon-Fri 09:00-18:00"
NOW = datetime(2026, 5, 10, 4, tzinfo=UTC)  # when the reports are read
SETTINGS = {"HEARD_TIMEZONE": ZONE, "BUSINESS_HOURS": HOURS}


def local(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC) - timedelta(hours=8)


@dataclass
class Year:
    core: Core
    clock: Clock
    numbers: dict[str, str] = field(default_factory=dict)
    customers: dict[str, Customer] = field(default_factory=dict)

    def customer(self, name: str) -> Customer:
        if name not in self.customers:
            c = Customer(self.core, f"chat-{name}")
            self.core.pipeline.outbox.register("telegram", _Fanout(self.customers))
            self.customers[name] = c
        return self.customers[name]

    async def complaint(self, key: str, who: str, at: datetime, story: str,
                        product: str | None = None, again: bool = False) -> str:
        self.clock.now = at
        c = self.customer(who)
        if again:
            await c.presses("New complaint")
        await c.says(story)
        await c.says("that's all")
        await c.says("yes")
        if product:
            await c.says(product)
        await c.says("human")
        found = re.search(r"C-\d{8}-\d{4}", c.text)
        assert found, c.text
        self.numbers[key] = found.group(0)
        return found.group(0)


class _Fanout:
    """One sender for the channel: each reply reaches its customer's collector."""

    def __init__(self, customers: dict[str, Customer]) -> None:
        self.customers = customers

    async def send(self, key: object, reply: object) -> None:
        for c in self.customers.values():
            if c.key == key:
                await c.out.send(key, reply)  # type: ignore[arg-type]


async def build_year(core: Core, clock: Clock) -> Year:
    y = Year(core, clock)
    queue = TicketQueue(core.store.engine, hours=core.engine.hours)
    agents = AgentStore(core.store.engine)
    alice = await agents.add("alice", "agent", clock(), team="logistics")
    bob = await agents.add("bob", "agent", clock(), team="finance")
    desk = AgentDesk(queue, core.pipeline, clock, agents=agents, timezone=ZONE)

    async def at(when: datetime) -> None:
        clock.now = when

    def ok(outcome: Outcome) -> None:
        assert outcome.ok, outcome.message

    await y.complaint("T7", "g", local(2025, 3, 5, 10), "My parcel never arrived")
    await y.complaint("T6", "f", local(2026, 2, 10, 10), "My parcel never arrived")

    t3 = await y.complaint("T3", "c", local(2026, 3, 10, 10), "You charged me twice")
    await at(local(2026, 3, 10, 10, 5))
    ok(await desk.take(bob, t3))
    await at(local(2026, 3, 10, 11))
    ok(await desk.close(bob, t3, "Refunded the second charge"))
    await at(local(2026, 3, 10, 12))
    c = y.customer("c")
    await c.send(c.inbound("No", callback_data="feedback:solved.no"))
    await at(local(2026, 3, 12, 10))
    ok(await desk.close(bob, t3, "Refund confirmed by the bank"))
    await _rate(y, "c", local(2026, 3, 12, 10, 5), 2)
    await at(local(2026, 3, 15, 10, 10))  # FOLLOW_UP_DAYS (3) after "solved"
    assert await FollowUps(queue, core.pipeline, clock).tick() == 1
    await c.send(c.inbound("Yes", callback_data="feedback:solved.yes"))

    t4 = await y.complaint("T4", "d", local(2026, 3, 20, 17, 30), "My kettle leaks",
                           product="Breville kettle")
    await at(local(2026, 3, 23, 9, 15))
    ok(await desk.take(alice, t4))
    ok(await desk.promise_callback(alice, t4, "11:30"))
    await at(local(2026, 3, 23, 9, 30))
    ok(await desk.reply(alice, t4, "Sorry about the kettle, looking now"))
    await at(local(2026, 3, 23, 11))
    ok(await desk.called_back(alice, t4))

    await y.complaint("T5", "c", local(2026, 3, 25, 10), "My new kettle leaks too",
                      product="Breville kettle", again=True)

    t1 = await y.complaint("T1", "a", local(2026, 3, 31, 23, 30), "My parcel never arrived")
    await y.complaint("T2", "b", local(2026, 4, 1, 0, 30), "My kettle leaks",
                      product="Breville kettle")
    await at(local(2026, 4, 1, 9, 30))
    ok(await desk.take(alice, t1))
    await at(local(2026, 4, 1, 10))
    ok(await desk.reply(alice, t1, "Found it: it is at the depot"))
    await at(local(2026, 4, 1, 11))
    ok(await desk.close(alice, t1, "Redelivered"))
    await _rate(y, "a", local(2026, 4, 1, 11, 5), 5)
    await at(local(2026, 4, 4, 11, 10))  # FOLLOW_UP_DAYS (3) after "solved"
    assert await FollowUps(queue, core.pipeline, clock).tick() == 1
    a = y.customer("a")
    await a.send(a.inbound("Yes", callback_data="feedback:solved.yes"))
    clock.now = NOW
    return y


async def _rate(y: Year, who: str, when: datetime, score: int) -> None:
    y.clock.now = when
    c = y.customer(who)
    await c.send(c.inbound("Yes", callback_data="feedback:solved.yes"))
    await c.says(str(score))
    assert await c.state() == "filed", c.templates


