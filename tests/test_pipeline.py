"""The turn pipeline's promises: once per update, in order per conversation, atomic turns,
and state that survives a restart — on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.core import Core, open_core
from dialogs.engine import DialogEngine
from tests.conftest import Clock, Customer, make_settings


@pytest.fixture
async def any_core(database_url: str, clock: Clock) -> AsyncIterator[Core]:
    async with open_core(make_settings(database_url), clock=clock) as c:
        yield c


async def test_a_redelivered_update_changes_nothing(any_core: Core) -> None:
    c = Customer(any_core)
    msg = c.inbound("My parcel never arrived")
    await c.send(msg)
    assert c.last
    replies = await c.send(msg)  # same update_id again
    assert replies == []
    transcript = await any_core.store.transcript(c.key)
    assert [m["direction"] for m in transcript].count("in") == 1


async def test_the_same_update_arriving_twice_at_once_is_processed_once(any_core: Core) -> None:
    c = Customer(any_core)
    msg = c.inbound("My parcel never arrived")
    await asyncio.gather(c.send(msg), c.send(msg), c.send(msg))
    transcript = await any_core.store.transcript(c.key)
    assert [m["direction"] for m in transcript].count("in") == 1


async def test_concurrent_messages_on_one_conversation_are_handled_in_order(
        any_core: Core) -> None:
    c = Customer(any_core)
    await c.says("hello")
    parts = [f"part {i} of my story" for i in range(8)]
    await asyncio.gather(*(any_core.pipeline.handle(c.inbound(p), c.out) for p in parts))
    conv = await any_core.store.conversation(c.key)
    assert conv is not None
    assert conv.slots["description"] == parts
    assert conv.version == 1 + len(parts)
    # Each turn's replies were sent before the next turn's.
    acks = [r.template for _, r in c.out.sent[1:]]
    # (Alternating, so a customer who keeps talking never gets the same sentence twice running.)
    assert acks == ["ack.story"] + ["ack.more", "ack.more.again"] * ((len(parts) - 1) // 2) \
        + ["ack.more"] * ((len(parts) - 1) % 2)


async def test_many_conversations_at_once_all_finish(any_core: Core) -> None:
    customers = [Customer(any_core, f"c{i}") for i in range(30)]
    await asyncio.gather(*(c.says("My parcel never arrived") for c in customers))
    await asyncio.gather(*(c.presses("That's all") for c in customers))
    assert {await c.state() for c in customers} == {"categorizing"}


async def test_a_turn_that_raises_leaves_the_stored_state_as_it_was(
        any_core: Core, monkeypatch: pytest.MonkeyPatch) -> None:
    c = Customer(any_core)
    await c.says("My parcel never arrived")
    before = await any_core.store.conversation(c.key)
    real_turn = DialogEngine.turn

    async def broken(self: DialogEngine, conv, inbound, desk, now):  # type: ignore[no-untyped-def]
        await real_turn(self, conv, inbound, desk, now)
        raise RuntimeError("bug after the dialog changed the state")

    monkeypatch.setattr(DialogEngine, "turn", broken)
    msg = c.inbound("That's all")
    await c.send(msg)  # kept for a retry, not raised to the channel
    # The customer is not left in silence, and is told the message is kept.
    assert c.out.sent[-1][1].template == "error.kept"
    [kept] = await any_core.store.failed.listing()
    assert (kept.update_id, kept.attempts, kept.text) == (msg.update_id, 1, "That's all")
    monkeypatch.setattr(DialogEngine, "turn", real_turn)
    after = await any_core.store.conversation(c.key)
    assert after is not None and before is not None
    assert (after.state, after.version, after.slots) == (before.state, before.version,
                                                         before.slots)
    # The update was not marked processed: delivered again, it is handled normally.
    await c.send(msg)
    assert await c.state() == "categorizing"
    assert await any_core.store.failed.listing() == []


async def test_the_draft_survives_a_restart(database_url: str, clock: Clock) -> None:
    settings = make_settings(database_url)
    async with open_core(settings, clock=clock) as first:
        c = Customer(first)
        await c.says("My parcel never arrived, order JD20261118001")
        await c.presses("That's all")
        await c.presses("Delivery")
    async with open_core(settings, clock=clock) as second:
        c2 = Customer(second)
        assert await c2.state() == "collecting"
        await c2.says("yesterday")  # the order number is remembered; the date was asked
        assert "what would you like us to do" in c2.text.lower()


@pytest.mark.postgres
async def test_two_processes_on_one_postgres_serialise_a_conversation(
        postgres_url: str, clock: Clock) -> None:
    settings = make_settings(postgres_url)
    async with open_core(settings, clock=clock) as a, open_core(settings, clock=clock) as b:
        ca, cb = Customer(a), Customer(b)
        await ca.says("hello")
        parts = [f"part {i}" for i in range(10)]
        await asyncio.gather(*(
            (a if i % 2 else b).pipeline.handle(ca.inbound(p), ca.out)
            for i, p in enumerate(parts)))
        conv = await a.store.conversation(ca.key)
        assert conv is not None
        assert sorted(conv.slots["description"]) == sorted(parts)
        assert conv.version == 1 + len(parts)  # no lost update
        # And a redelivery reaching the other process is still recognised.
        msg = ca.inbound("duplicate")
        await asyncio.gather(ca.send(msg), cb.send(msg))
        transcript = await a.store.transcript(ca.key)
        assert [m["text"] for m in transcript].count("duplicate") == 1
