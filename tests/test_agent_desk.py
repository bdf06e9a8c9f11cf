"""Agent actions without any agent surface: take, relay, reply and close, for a web customer."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.core import Core
from dialogs.events import Escalated, Event, Relayed, Reopened
from dialogs.messages import Reply
from handlers.agents.desk import AgentDesk
from handlers.agents.promises import FollowUps
from storage.agents import AgentStore
from storage.queue import TicketQueue
from tests.conftest import Clock, Customer
from tests.e2e_support import wait_for


def committed(core: Core) -> list[Event]:
    """What the pipeline announces after each commit, collected for the test."""
    events: list[Event] = []

    async def record(batch: list[Event]) -> None:
        events.extend(batch)

    core.pipeline.outbox.subscribe(record)
    return events


async def test_a_web_customer_and_an_agent_talk_through_the_desk(core: Core) -> None:
    events = committed(core)
    c = Customer(core, channel="web", chat_id="visitor-9")
    core.pipeline.outbox.register("web", c.out)
    desk = AgentDesk(TicketQueue(core.store.engine), core.pipeline, core.clock)
    alice = await AgentStore(core.store.engine).add("alice", "agent", datetime.now(UTC))

    await c.says("The parcel never came")
    await c.says("human")
    await wait_for(lambda: any(isinstance(e, Escalated) for e in events), what="the case")
    number = next(e.number for e in events if isinstance(e, Escalated))

    outcome = await desk.take(alice, number)
    assert outcome.ok and c.out.sent[-1][1].template == "agent.joined"
    assert "alice" in c.out.sent[-1][1].text

    await c.says("Are you there?")
    assert c.last == []  # the bot stays quiet: a person has the case
    await wait_for(lambda: any(isinstance(e, Relayed) for e in events), what="the relay")
    relayed = next(e for e in events if isinstance(e, Relayed))
    assert (relayed.number, relayed.text, relayed.waiting) == (number, "Are you there?", False)

    assert (await desk.reply(alice, number, "Yes — looking now.")).ok
    assert c.out.sent[-1][1].text == "Yes — looking now."
    assert not (await desk.close(alice, number, "")).ok  # a resolution is required
    assert (await desk.close(alice, number, "Redelivered")).ok
    assert [r.template for _, r in c.out.sent[-2:]] == ["agent.closed", "feedback.solved"]
    assert await c.state() == "feedback"
    history = [i.text for i in await core.store.history(c.key)]
    assert "Yes — looking now." in history and "Are you there?" in history

    # Not solved: back to Alice, who is told in the group; the customer talks to her again.
    await c.send(c.inbound("No, not yet", callback_data="feedback:solved.no"))
    assert c.templates == ["feedback.reopened"] and await c.state() == "handed_off"
    await wait_for(lambda: any(isinstance(e, Reopened) for e in events), what="reopening")
    waiting = await TicketQueue(core.store.engine).waiting()
    assert waiting == []  # still held by Alice, not queued for anyone else
    await c.says("It still has not arrived")
    assert c.last == []  # relayed to Alice
    # Closed again, solved this time, and rated.
    assert (await desk.close(alice, number, "Delivered by courier")).ok
    await c.says("yes")
    assert c.templates == ["feedback.rating"] and len(c.buttons()) == 5
    await c.says("9")
    assert c.templates == ["feedback.rating"]  # 1 to 5 only: asked again
    await c.presses("4")
    assert c.templates == ["feedback.thanks"] and await c.state() == "filed"
    kinds = [(e["kind"], e["data"]) for e in await core.store.ticket_events(number)]
    assert ("not_solved", {"text": "No, not yet"}) in kinds
    assert ("rating", {"score": 4}) in kinds and ("solved", {}) in kinds


async def test_what_a_waiting_customer_writes_reaches_the_agents_and_the_bot_answers(
        core: Core) -> None:
    events = committed(core)
    c = Customer(core, channel="web", chat_id="visitor-10")
    core.pipeline.outbox.register("web", c.out)
    desk = AgentDesk(TicketQueue(core.store.engine), core.pipeline, core.clock)
    alice = await AgentStore(core.store.engine).add("alice", "agent", datetime.now(UTC))
    await c.says("The parcel never came")
    await c.says("human")
    await wait_for(lambda: any(isinstance(e, Escalated) for e in events), what="the case")
    number = next(e.number for e in events if isinstance(e, Escalated))
    assert not any(isinstance(e, Relayed) for e in events)  # the filing itself is the card

    await c.says("It had my grandmother's medicine in it")
    assert c.templates == ["queue.waiting"]  # nobody holds it: the bot still answers
    await wait_for(lambda: any(isinstance(e, Relayed) for e in events), what="the waiting note")
    waiting = [e for e in events if isinstance(e, Relayed)]
    assert [(e.number, e.text, e.waiting) for e in waiting] == [
        (number, "It had my grandmother's medicine in it", True)]

    # Once Alice holds it the same words are a plain relay, and the bot is quiet again.
    assert (await desk.take(alice, number)).ok
    await c.says("Hello?")
    assert c.last == []
    await wait_for(lambda: len([e for e in events if isinstance(e, Relayed)]) == 2,
                   what="the relay")
    last = [e for e in events if isinstance(e, Relayed)][-1]
    assert (last.text, last.waiting) == ("Hello?", False)
    # Released: waiting again, and the agents see that too.
    assert (await desk.release(alice, number)).ok
    await c.says("Is anyone there?")
    assert c.templates == ["queue.waiting"]
    await wait_for(lambda: len([e for e in events if isinstance(e, Relayed)]) == 3,
                   what="the second waiting note")
    assert [e for e in events if isinstance(e, Relayed)][-1].waiting


async def test_notes_release_and_transfer(core: Core) -> None:
    events = committed(core)
    c = Customer(core, channel="web", chat_id="visitor-10")
    queue = TicketQueue(core.store.engine)
    core.pipeline.outbox.register("web", c.out)
    desk = AgentDesk(queue, core.pipeline, core.clock,
                     teams={"logistics", "finance"})
    agents = AgentStore(core.store.engine)
    now = datetime.now(UTC)
    alice = await agents.add("alice", "agent", now)
    bob = await agents.add("bob", "agent", now)
    sue = await agents.add("sue", "supervisor", now)
    await c.says("My parcel never arrived")
    await c.says("human")
    await wait_for(lambda: any(isinstance(e, Escalated) for e in events), what="the case")
    number = next(e.number for e in events if isinstance(e, Escalated))
    await desk.take(alice, number)
    seen_by_customer = len(c.out.sent)

    assert (await desk.note(alice, number, "Customer sounds worried; check the depot")).ok
    assert len(c.out.sent) == seen_by_customer  # a note is never shown to the customer
    assert not (await desk.release(bob, number)).ok  # Bob does not hold it
    assert (await desk.release(alice, number)).ok
    assert c.out.sent[-1][1].template == "agent.left"
    assert [t.number for t in await queue.waiting()] == [number]  # back in the queue

    await desk.take(bob, number)
    assert not (await desk.release(sue, number, team="marketing")).ok  # no such team
    assert (await desk.release(sue, number, team="finance")).ok  # a supervisor moves it
    assert [(t.number, t.team) for t in await queue.waiting(team="finance")] == [
        (number, "finance")]
    kinds = [e["kind"] for e in await core.store.ticket_events(number)]
    assert kinds[-5:] == ["taken", "note", "released", "taken", "transferred"]


async def test_a_waiting_customer_hears_their_place_in_line(core: Core) -> None:
    first, second = Customer(core, "7001"), Customer(core, "7002")
    for c in (first, second):
        await c.says("My parcel never arrived")
        await c.presses("That's all")
        await c.presses("Delivery")  # both go to logistics
        await c.says("human")
    await second.says("Any news?")
    assert second.templates == ["queue.waiting"]
    assert "number 2 in line" in second.text and "by Tue 24 Nov, 13:30" in second.text
    await first.says("Hello?")
    assert "number 1 in line" in first.text


async def test_days_after_a_fix_the_customer_is_asked_whether_it_held(
        core: Core, clock: Clock) -> None:
    events = committed(core)
    c = Customer(core, channel="web", chat_id="visitor-11")
    queue = TicketQueue(core.store.engine)
    core.pipeline.outbox.register("web", c.out)
    desk = AgentDesk(queue, core.pipeline, core.clock)
    follow_ups = FollowUps(queue, core.pipeline, core.clock)
    alice = await AgentStore(core.store.engine).add("alice", "agent", datetime.now(UTC))
    await c.says("My parcel never arrived")
    await c.says("human")
    await wait_for(lambda: any(isinstance(e, Escalated) for e in events), what="the case")
    number = next(e.number for e in events if isinstance(e, Escalated))
    await desk.take(alice, number)
    await desk.close(alice, number, "Redelivered")
    await c.send(c.inbound("Yes, solved", callback_data="feedback:solved.yes"))
    await c.says("5")
    assert await c.state() == "filed"

    clock.advance(days=2)
    assert await follow_ups.tick() == 0
    clock.advance(days=1, minutes=1)
    assert await follow_ups.tick() == 1
    assert c.out.sent[-1][1].template == "follow_up.ask"
    assert [b.label for b in c.out.sent[-1][1].buttons] == ["Yes, all good",
                                                           "No, it came back"]
    assert await follow_ups.tick() == 0  # asked once
    await c.send(c.inbound("No, it came back", callback_data="feedback:solved.no"))
    assert await c.state() == "handed_off"  # back with Alice
    kinds = [(e["kind"], e["data"].get("stayed_fixed")) for e in
             await core.store.ticket_events(number)]
    assert ("follow_up", False) in kinds


async def says_after(c: Customer, text: str, delay: float) -> list[Reply]:
    await asyncio.sleep(delay)
    return await c.says(text)


async def test_a_customer_writing_while_their_case_is_taken_is_never_lost(core: Core) -> None:
    """The take and the customer's message race: the message is answered as a waiting
    customer's (before the take) or relayed to the agent (after it), never in between."""
    events = committed(core)
    alice = await AgentStore(core.store.engine).add("alice", "agent", datetime.now(UTC))
    for n in range(12):
        c = Customer(core, channel="web", chat_id=f"racer-{n}")
        core.pipeline.outbox.register("web", c.out)
        desk = AgentDesk(TicketQueue(core.store.engine), core.pipeline, core.clock)
        await c.says("The parcel never came")
        await c.says("human")
        await wait_for(lambda: any(isinstance(e, Escalated) and e.number not in
                                   {x.number for x in events if isinstance(x, Relayed)}
                                   for e in events), what="the case")
        number = [e.number for e in events if isinstance(e, Escalated)][-1]
        text = f"are you there {n}?"
        # The message lands anywhere in the take, from its start to its end.
        taken, said = await asyncio.gather(desk.take(alice, number),
                                           says_after(c, text, n * 0.002))
        assert taken.ok
        await wait_for(lambda t=text: any(isinstance(e, Relayed) and e.text == t
                                          for e in events),
                       what="the message to reach the agent's side")
        relayed = next(e for e in events if isinstance(e, Relayed) and e.text == text)
        # The desk's "alice joined" goes to the same sink and may land among the answers.
        answered = [r.template for r in said if r.template != "agent.joined"]
        if relayed.waiting:
            assert answered == ["queue.waiting"], said
        else:
            assert answered == []  # an agent holds it: the bot stays quiet
