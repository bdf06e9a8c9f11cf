"""The agents' group as a forum supergroup, end to end: python-telegram-bot against the local
Bot API server; each ticket gets its own topic, agents answer by writing in it, a deleted
topic is made again, and a group where topics cannot be made works as a plain group."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from dialogs.events import Relayed
from handlers.agents.desk import AgentDesk
from handlers.agents.telegram_group import REFUSAL, AgentGroup
from storage.agents import AgentStore
from storage.queue import TicketQueue
from tests.conftest import Clock, make_settings
from tests.e2e_support import RunningApp, start_app, telegram_settings, wait_for
from tests.fake_bot_api import FakeBotApi, FakeTopic
from tests.test_e2e_telegram import TelegramCustomer, keyboard

GROUP = -100888
ALICE_TG, BOB_TG, STRANGER_TG = 5001, 5002, 6666
TICKET = re.compile(r"C-20261124-\d{4}")


async def start(api: FakeBotApi, sqlite_url: str, clock: Clock) -> RunningApp:
    settings = make_settings(sqlite_url, TELEGRAM_AGENT_CHAT_ID=str(GROUP),
                             **telegram_settings(api))
    running = await start_app(settings, clock=clock)
    agents = AgentStore(running.core.store.engine)
    now = datetime.now(UTC)
    await agents.add("alice", "agent", now, team="logistics", telegram_id=ALICE_TG)
    await agents.add("bob", "agent", now, team="logistics", telegram_id=BOB_TG)
    return running


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        fake.make_forum(GROUP)
        yield fake


@pytest.fixture
async def app(api: FakeBotApi, sqlite_url: str, clock: Clock) -> AsyncIterator[RunningApp]:
    running = await start(api, sqlite_url, clock)
    try:
        yield running
    finally:
        await running.stop()


async def escalate(api: FakeBotApi, app: RunningApp, chat_id: int) -> tuple[
        TelegramCustomer, str]:
    customer = TelegramCustomer(api, app, chat_id)
    await customer.says("My parcel never arrived")
    await customer.says("I want to talk to a human")
    found = TICKET.search(api.texts(chat_id)[-1])
    assert found, api.texts(chat_id)
    return customer, found.group(0)


async def topic_of(api: FakeBotApi, ticket: str) -> FakeTopic:
    def live() -> list[FakeTopic]:
        return [t for t in api.live_topics(GROUP) if t.name.startswith(ticket)]

    await wait_for(lambda: bool(live()) and any(
        ticket in t for t in api.topic_texts(GROUP, live()[0].message_thread_id)),
        what=f"the topic of {ticket} with its card")
    [topic] = live()
    return topic


async def in_topic(api: FakeBotApi, thread: int, text: str, user_id: int,
                   **kw: Any) -> None:
    """An agent (or not) writes in a topic; wait until the bot answers in that topic."""
    before = len(api.topic_texts(GROUP, thread))
    api.push_topic_text(GROUP, thread, text, user=api.user(user_id), **kw)
    await wait_for(lambda: len(api.topic_texts(GROUP, thread)) > before,
                   what=f"an answer to {text!r} in the topic")


async def stored_thread(app: RunningApp, ticket: str) -> int | None:
    view = await TicketQueue(app.core.store.engine).view(ticket)
    assert view is not None
    return view.topic[1] if view.topic is not None and view.topic[0] == GROUP else None


async def test_a_case_lives_in_its_own_topic(api: FakeBotApi, app: RunningApp) -> None:
    customer, ticket = await escalate(api, app, 4242)
    topic = await topic_of(api, ticket)
    thread = topic.message_thread_id
    assert re.fullmatch(rf"{ticket} · P\d · \S+", topic.name), topic.name
    assert await stored_thread(app, ticket) == thread
    [card] = api.topic_messages(GROUP, thread)
    assert "human_request" in card["text"] and "My parcel never arrived" in card["text"]
    assert keyboard(card) == [(f"Take {ticket}", f"take:{ticket}")]
    assert api.general_texts(GROUP) == []  # nothing about the case outside its topic

    # While it waits, what the customer adds shows up in the topic; the bot answers them.
    to_customer = len(api.texts(4242))
    api.push_text(4242, "It had medicine in it")
    await wait_for(lambda: len(api.topic_texts(GROUP, thread)) == 2, what="the waiting note")
    assert api.topic_texts(GROUP, thread)[-1] == (
        f"{ticket} · customer (waiting, not taken yet):\nIt had medicine in it")
    await wait_for(lambda: len(api.texts(4242)) > to_customer, what="the bot's answer")
    assert ticket in api.texts(4242)[-1]  # their place in line

    # Someone who is no agent writes in the topic: refused there, nothing reaches the customer.
    to_customer = len(api.texts(4242))
    await in_topic(api, thread, "Hi, I can help you!", STRANGER_TG)
    assert api.topic_texts(GROUP, thread)[-1] == REFUSAL
    # An agent who does not hold it is told to take it first.
    await in_topic(api, thread, "Hello there", ALICE_TG)
    assert api.topic_texts(GROUP, thread)[-1] == f"{ticket} is held by nobody; take it first."
    assert len(api.texts(4242)) == to_customer

    # /take in the topic needs no number.
    await in_topic(api, thread, "/take", ALICE_TG)
    assert api.topic_texts(GROUP, thread)[-1] == f"alice took {ticket}."
    await wait_for(lambda: "alice from our team has joined" in api.texts(4242)[-1],
                   what="the customer to hear who joined")

    # The customer's words go to the topic; the bot stays quiet.
    to_customer = len(api.texts(4242))
    api.push_text(4242, "It was a birthday present")
    await wait_for(lambda: api.topic_texts(GROUP, thread)[-1] == (
        f"{ticket} · customer:\nIt was a birthday present"), what="the relay")
    assert len(api.texts(4242)) == to_customer

    # Alice writes plainly in the topic: the customer gets her words under her name, nothing
    # else is said.
    in_group = len(api.sent_messages(GROUP))
    api.push_topic_text(GROUP, thread, "Hello, I'm Alice. I'll find your parcel.",
                        user=api.user(ALICE_TG))
    await wait_for(lambda: api.texts(4242)[-1] == (
        "alice (customer care team):\nHello, I'm Alice. I'll find your parcel."),
                   what="the agent's words to reach the customer")
    # Bob, who does not hold it, cannot answer for Alice there.
    await in_topic(api, thread, "Hi from Bob", BOB_TG)
    assert api.topic_texts(GROUP, thread)[-1] == f"{ticket} is held by alice; take it first."
    assert len(api.sent_messages(GROUP)) == in_group + 1
    assert "Hi from Bob" not in api.texts(4242)

    await in_topic(api, thread, "/note call back after 6pm", ALICE_TG)
    assert api.topic_texts(GROUP, thread)[-1] == f"Noted on {ticket}."
    await in_topic(api, thread, "/close Parcel found and redelivered", ALICE_TG)
    assert api.topic_texts(GROUP, thread)[-1] == f"{ticket} closed."
    await wait_for(lambda: api.texts(4242)[-1] == "Is your problem solved?",
                   what="the customer to be asked whether it is solved")
    assert "Parcel found and redelivered" in api.texts(4242)[-2]
    assert api.general_texts(GROUP) == []
    assert len(api.calls_to("createForumTopic")) == 1
    events = [(e["kind"], e["data"]) for e in await app.core.store.ticket_events(ticket)]
    assert ("note", {"text": "call back after 6pm"}) in events
    assert ("closed", {"resolution": "Parcel found and redelivered"}) in events
    rows = await customer.transcript()
    assert "agent:alice" in [r["template"] for r in rows if r["direction"] == "out"]


async def test_release_transfer_and_the_take_button_in_a_topic(api: FakeBotApi,
                                                              app: RunningApp) -> None:
    _, ticket = await escalate(api, app, 4343)
    thread = (await topic_of(api, ticket)).message_thread_id
    card = api.topic_messages(GROUP, thread)[0]
    before = len(api.topic_texts(GROUP, thread))
    api.push_callback(GROUP, f"take:{ticket}", card["message_id"], user=api.user(BOB_TG))
    await wait_for(lambda: len(api.topic_texts(GROUP, thread)) > before, what="the take")
    assert api.topic_texts(GROUP, thread)[-1] == f"bob took {ticket}."
    await in_topic(api, thread, "/release", BOB_TG)
    assert api.topic_texts(GROUP, thread)[-1] == f"{ticket} is back in the queue."
    await in_topic(api, thread, "/take", ALICE_TG)
    await in_topic(api, thread, "/transfer quality", ALICE_TG)
    assert api.topic_texts(GROUP, thread)[-1] == f"{ticket} is back in the quality queue."
    # A number still works in a topic, and a command for another ticket answers there too.
    await in_topic(api, thread, "/note C-20261124-9999 x", ALICE_TG)
    assert api.topic_texts(GROUP, thread)[-1] == "There is no ticket C-20261124-9999."
    kinds = [e["kind"] for e in await app.core.store.ticket_events(ticket)]
    assert kinds[-4:] == ["taken", "released", "taken", "transferred"]
    assert api.general_texts(GROUP) == []


async def test_a_deleted_topic_is_made_again(api: FakeBotApi, app: RunningApp) -> None:
    _, ticket = await escalate(api, app, 4444)
    first = (await topic_of(api, ticket)).message_thread_id
    await in_topic(api, first, "/take", ALICE_TG)
    api.delete_topic(GROUP, first)

    api.push_text(4444, "Are you still there?")
    await wait_for(lambda: len(api.live_topics(GROUP)) == 1, what="a new topic")
    [again] = api.live_topics(GROUP)
    assert again.message_thread_id != first and again.name.startswith(ticket)
    await wait_for(lambda: len(api.topic_texts(GROUP, again.message_thread_id)) == 2,
                   what="the card and the message in the new topic")
    card, relay = api.topic_messages(GROUP, again.message_thread_id)
    assert ticket in card["text"] and "My parcel never arrived" in card["text"]
    assert keyboard(card) == []  # Alice holds it: nothing to take
    assert relay["text"] == f"{ticket} · customer:\nAre you still there?"
    assert await stored_thread(app, ticket) == again.message_thread_id
    assert api.general_texts(GROUP) == []

    # Writing in the new topic reaches the customer; the old one is no longer the ticket's.
    api.push_topic_text(GROUP, again.message_thread_id, "Yes, still here.",
                        user=api.user(ALICE_TG))
    await wait_for(lambda: api.texts(4444)[-1].endswith("\nYes, still here."), what="the answer")


def agent_group(app: RunningApp) -> AgentGroup:
    """Another AgentGroup over the same database and bot: what a second process would run."""
    queue = TicketQueue(app.core.store.engine)
    app.core.pipeline.outbox.register("telegram", app.telegram.output)
    desk = AgentDesk(queue, app.core.pipeline, app.core.clock)
    return AgentGroup(GROUP, app.telegram.output, desk, AgentStore(app.core.store.engine))


async def test_events_at_once_for_a_deleted_topic_make_one_topic(api: FakeBotApi,
                                                                 app: RunningApp) -> None:
    customer, ticket = await escalate(api, app, 4545)
    first = (await topic_of(api, ticket)).message_thread_id
    api.delete_topic(GROUP, first)
    made_before = len(api.calls_to("createForumTopic"))

    # Within one process: the per-ticket lock lets one event make the topic.
    group = agent_group(app)
    await asyncio.gather(*(group.on_events([Relayed(customer.key, ticket, f"m{i}")])
                           for i in range(4)))
    assert len(api.calls_to("createForumTopic")) == made_before + 1
    [second] = api.live_topics(GROUP)
    texts = api.topic_texts(GROUP, second.message_thread_id)
    assert sorted(t for t in texts if "customer:" in t) == [
        f"{ticket} · customer:\nm{i}" for i in range(4)]
    assert sum(ticket in t and "Why:" in t for t in texts) == 1  # one card

    # Two processes (each with its own locks): the database keeps one topic for the ticket
    # and every message lands in it; a topic made in vain is deleted again.
    api.delete_topic(GROUP, second.message_thread_id)
    groups = [agent_group(app), agent_group(app)]
    await asyncio.gather(*(groups[i % 2].on_events([Relayed(customer.key, ticket, f"n{i}")])
                           for i in range(4)))
    [third] = api.live_topics(GROUP)
    assert await stored_thread(app, ticket) == third.message_thread_id
    assert sorted(t for t in api.topic_texts(GROUP, third.message_thread_id)
                  if "customer:" in t) == [f"{ticket} · customer:\nn{i}" for i in range(4)]


@pytest.mark.parametrize("refusal", ["rights", "old server"])
async def test_without_topics_a_forum_works_as_a_plain_group(
        api: FakeBotApi, sqlite_url: str, clock: Clock, refusal: str,
        caplog: pytest.LogCaptureFixture) -> None:
    if refusal == "rights":
        api.make_forum(GROUP, can_manage_topics=False)
    else:
        for _ in range(3):  # a Bot API server that does not know the method
            api.fail_next("createForumTopic", 404, description="Not Found")
    app = await start(api, sqlite_url, clock)
    try:
        _, ticket = await escalate(api, app, 4646)
        await wait_for(lambda: any(ticket in t for t in api.general_texts(GROUP)),
                       what="the card in the group")
        card = next(m for m in api.sent_messages(GROUP) if ticket in m["text"])
        assert keyboard(card) == [(f"Take {ticket}", f"take:{ticket}")]
        before = len(api.texts(GROUP))
        api.push_callback(GROUP, f"take:{ticket}", card["message_id"], user=api.user(ALICE_TG))
        await wait_for(lambda: len(api.texts(GROUP)) > before, what="the take")
        assert api.texts(GROUP)[-1] == f"alice took {ticket}."
        api.push_text(4646, "Any news?")
        await wait_for(lambda: api.texts(GROUP)[-1] == f"{ticket} · customer:\nAny news?",
                       what="the relay")
        api.push_text(GROUP, f"/reply {ticket} Looking into it.", user=api.user(ALICE_TG))
        await wait_for(lambda: api.texts(4646)[-1] == (
            "alice (customer care team):\nLooking into it."), what="the reply")

        _, second = await escalate(api, app, 4747)
        await wait_for(lambda: any(second in t for t in api.general_texts(GROUP)),
                       what="the second card")
        # Refused once: not asked again, and said once in the log.
        assert len(api.calls_to("createForumTopic")) == 1
        assert api.live_topics(GROUP) == []
        assert all("message_thread_id" not in m for m in api.sent_messages(GROUP))
        assert await stored_thread(app, ticket) is None
        assert sum("cannot create forum topics" in r.getMessage()
                   for r in caplog.records) == 1
    finally:
        await app.stop()
