"""Idle reminders and draft expiry, with a controllable clock instead of waiting."""

from __future__ import annotations

from datetime import timedelta

from bot.core import Core
from handlers.turns.drafts import DraftScheduler
from tests.conftest import Clock, Customer


def scheduler(core: Core, c: Customer, clock: Clock) -> DraftScheduler:
    core.pipeline.outbox.register(c.key.channel, c.out)
    return DraftScheduler(core.store, core.pipeline, clock=clock,
                          remind_after=lambda: timedelta(minutes=30),
                          expire_after=lambda: timedelta(hours=72))


async def test_an_idle_draft_gets_one_reminder(core: Core, clock: Clock) -> None:
    c = Customer(core)
    await c.says("My parcel never arrived")
    s = scheduler(core, c, clock)
    clock.advance(minutes=10)
    assert await s.tick() == 0
    clock.advance(minutes=25)
    c.out.clear()
    assert await s.tick() == 1
    assert [r.template for _, r in c.out.sent] == ["reminder"]
    assert await s.tick() == 0  # never twice for the same pause
    transcript = await core.store.transcript(c.key)
    assert transcript[-1]["template"] == "reminder"
    # Answering re-arms it for the next pause.
    await c.presses("That's all")
    clock.advance(minutes=31)
    assert await s.tick() == 1


async def test_a_finished_complaint_gets_no_reminder(core: Core, clock: Clock) -> None:
    c = Customer(core)
    await c.says("hello")
    await c.says("cancel")
    clock.advance(hours=2)
    assert await scheduler(core, c, clock).tick() == 0


async def test_an_abandoned_draft_expires_and_the_customer_is_told(
        core: Core, clock: Clock) -> None:
    c = Customer(core)
    await c.says("My parcel never arrived")
    clock.advance(hours=73)
    assert await scheduler(core, c, clock).tick() == 1
    assert await c.state() == "expired"
    await c.says("hi")
    assert c.templates[0] == "expired"
    assert await c.state() == "listening"
    conv = await core.store.conversation(c.key)
    assert conv is not None and "description" not in conv.slots
