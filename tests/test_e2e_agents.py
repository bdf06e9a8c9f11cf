"""The agents' Telegram group end to end: python-telegram-bot against the local Bot API server,
one customer chat and one agents' group."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from storage.agents import AgentStore
from tests.conftest import Clock, make_settings
from tests.e2e_support import RunningApp, start_app, telegram_settings, wait_for
from tests.fake_bot_api import FakeBotApi
from tests.test_e2e_telegram import TelegramCustomer, keyboard

GROUP = -100777
ALICE_TG, BOB_TG, STRANGER_TG = 5001, 5002, 6666
TICKET = re.compile(r"C-20261124-\d{4}")


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


@pytest.fixture
async def app(api: FakeBotApi, sqlite_url: str, clock: Clock) -> AsyncIterator[RunningApp]:
    settings = make_settings(sqlite_url, TELEGRAM_AGENT_CHAT_ID=str(GROUP),
                             **telegram_settings(api))
    running = await start_app(settings, clock=clock)
    agents = AgentStore(running.core.store.engine)
    now = datetime.now(UTC)
    await agents.add("alice", "agent", now, team="logistics", telegram_id=ALICE_TG)
    await agents.add("bob", "agent", now, team="logistics", telegram_id=BOB_TG)
    try:
        yield running
    finally:
        await running.stop()


def group_texts(api: FakeBotApi) -> list[str]:
    return api.texts(GROUP)


async def group_says(api: FakeBotApi, text: str, user_id: int, **kw: Any) -> None:
    before = len(group_texts(api))
    api.push_text(GROUP, text, user=api.user(user_id), **kw)
    await wait_for(lambda: len(group_texts(api)) > before, what=f"the group to answer {text!r}")


async def test_a_case_goes_from_customer_to_agent_and_back(api: FakeBotApi,
                                                           app: RunningApp) -> None:
    customer = TelegramCustomer(api, app, 4242)
    await customer.says("My parcel never arrived")
    await customer.says("I want to talk to a human")
    number = TICKET.search(api.texts(4242)[-1])
    assert number, api.texts(4242)
    ticket = number.group(0)

    # The case is posted to the agents' group with why, what, and a Take button.
    await wait_for(lambda: any(ticket in t for t in group_texts(api)), what="the case card")
    card = next(m for m in api.sent_messages(GROUP) if ticket in m["text"])
    assert "human_request" in card["text"] and "My parcel never arrived" in card["text"]
    assert keyboard(card) == [(f"Take {ticket}", f"take:{ticket}")]

    # A stranger cannot take it; Alice can; Bob is told Alice has it.
    await group_says(api, f"/take {ticket}", STRANGER_TG)
    assert group_texts(api)[-1] == "Only registered agents can do that."
    before = len(group_texts(api))
    api.push_callback(GROUP, f"take:{ticket}", card["message_id"], user=api.user(ALICE_TG))
    await wait_for(lambda: len(group_texts(api)) > before, what="the take")
    assert group_texts(api)[-1] == f"alice took {ticket}."
    await wait_for(lambda: "alice from our team has joined" in api.texts(4242)[-1],
                   what="the customer to hear who joined")
    await group_says(api, f"/take {ticket}", BOB_TG)
    assert group_texts(api)[-1] == f"{ticket} is already taken by alice."

    # The customer's words go to the group; the bot itself stays quiet.
    to_customer = len(api.texts(4242))
    before = len(group_texts(api))
    api.push_text(4242, "It was a birthday present, it matters a lot")
    await wait_for(lambda: len(group_texts(api)) > before, what="the relay")
    assert group_texts(api)[-1] == (
        f"{ticket} · customer:\nIt was a birthday present, it matters a lot")
    assert len(api.texts(4242)) == to_customer

    # Alice answers by command and by replying; the customer gets her words verbatim, under
    # her name so that they know a person is writing, not the bot.
    await group_says(api, f"/reply {ticket} Hello, I'm Alice. I'll find your parcel.", ALICE_TG)
    await wait_for(lambda: api.texts(4242)[-1] == (
        "alice (customer care team):\nHello, I'm Alice. I'll find your parcel."),
                   what="the agent's reply")
    relay_message = next(m for m in reversed(api.sent_messages(GROUP))
                         if "customer:" in m["text"])
    await group_says(api, "Found it: it is at the depot, delivery tomorrow.", ALICE_TG,
                     reply_to_message=relay_message)
    await wait_for(lambda: api.texts(4242)[-1].endswith(
        "\nFound it: it is at the depot, delivery tomorrow."), what="the reply-to")

    # Bob, who does not hold it, cannot answer for Alice; Alice closes it.
    await group_says(api, f"/reply {ticket} hi", BOB_TG)
    assert group_texts(api)[-1] == f"{ticket} is held by alice; take it first."
    await group_says(api, f"/close {ticket} Parcel found and redelivered", ALICE_TG)
    assert group_texts(api)[-1] == f"{ticket} closed."
    await wait_for(lambda: api.texts(4242)[-1] == "Is your problem solved?",
                   what="the customer to be asked whether it is solved")
    assert "Parcel found and redelivered" in api.texts(4242)[-2]
    await customer.presses("Yes, solved")
    assert [label for label, _ in keyboard(customer.last[-1])] == ["1", "2", "3", "4", "5"]
    await customer.presses("5")
    assert "Thank you for your feedback" in customer.last[-1]["text"]

    # Everything is in the transcript and on the ticket.
    rows = await customer.transcript()
    templates = [r["template"] for r in rows if r["direction"] == "out"]
    assert "agent.joined" in templates and "agent:alice" in templates
    assert "agent.closed" in templates
    events = [e["kind"] for e in await app.core.store.ticket_events(ticket)]
    assert events[:2] == ["filed", "taken"] and "customer_message" in events
    assert events[-3:] == ["closed", "solved", "rating"]


async def test_queue_and_help_for_agents_only(api: FakeBotApi, app: RunningApp) -> None:
    await group_says(api, "/queue", ALICE_TG)
    assert group_texts(api)[-1] == "The logistics queue is empty (/queue all for every team)."
    customer = TelegramCustomer(api, app, 4343)
    await customer.says("The charger caught fire and burned my hand")
    await wait_for(lambda: any("🔴" in t for t in group_texts(api)), what="the P1 card")
    await group_says(api, "/queue all", ALICE_TG)
    assert re.match(r"C-20261124-\d{4}  P1  ", group_texts(api)[-1])
    await group_says(api, "/help", STRANGER_TG)
    assert group_texts(api)[-1] == "Only registered agents can do that."
    card = next(t for t in group_texts(api) if t.startswith("C-") and "  P1  " in t)
    ticket = re.match(r"C-20261124-\d{4}", card)
    assert ticket
    number = ticket.group(0)
    await group_says(api, f"/note {number} call the customer back", ALICE_TG)
    assert group_texts(api)[-1] == f"Noted on {number}."
    await group_says(api, f"/transfer {number} nowhere", ALICE_TG)
    assert group_texts(api)[-1] == "There is no active agent called 'nowhere'."
    await group_says(api, f"/transfer {number} no such team!", ALICE_TG)
    assert group_texts(api)[-1].startswith("Transfer to which team (")
    await group_says(api, "/next", ALICE_TG)  # alice's team (logistics) has nothing
    assert group_texts(api)[-1] == "Nothing is waiting for logistics."
    for command in ("/note", "/release", "/transfer", "/close", "/reply", "/take",
                    "/callback", "/called", "/next"):
        await group_says(api, f"{command} {number} x", STRANGER_TG)
        assert group_texts(api)[-1] == "Only registered agents can do that."
    kinds = [e["kind"] for e in await app.core.store.ticket_events(number)]
    assert kinds == ["filed", "note"]  # nothing the stranger tried changed anything
    await group_says(api, "/next all", ALICE_TG)
    assert group_texts(api)[-1] == f"alice took {number}."


async def test_what_a_waiting_customer_writes_is_posted_with_the_ticket(
        api: FakeBotApi, app: RunningApp) -> None:
    customer = TelegramCustomer(api, app, 4444)
    await customer.says("My parcel never arrived")
    await customer.says("I want to talk to a human")
    found = TICKET.search(api.texts(4444)[-1])
    assert found
    ticket = found.group(0)
    await wait_for(lambda: any(ticket in t for t in group_texts(api)), what="the case card")

    # Nobody has taken it: the bot answers the customer, and the agents see the words too.
    replies = await customer.says("The tracking page says delivered, but it was not")
    assert ticket in replies[-1]["text"]  # their place in line, from the bot
    await wait_for(lambda: group_texts(api)[-1] == (
        f"{ticket} · customer (waiting, not taken yet):\n"
        "The tracking page says delivered, but it was not"), what="the waiting note")
    # Replying to it answers the customer once the agent holds the case.
    note = api.sent_messages(GROUP)[-1]
    await group_says(api, f"/take {ticket}", ALICE_TG)
    await group_says(api, "We are checking with the courier.", ALICE_TG, reply_to_message=note)
    assert group_texts(api)[-1] == f"Sent to the customer of {ticket}."
    await wait_for(lambda: api.texts(4444)[-1].endswith("\nWe are checking with the courier."),
                   what="the reply")
    # A plain group: asked once whether it is a forum, and no topic anywhere.
    assert len(api.calls_to("getChat")) == 1
    assert api.calls_to("createForumTopic") == []
    assert all("message_thread_id" not in c for c in api.calls_to("sendMessage"))


async def test_an_agent_promises_a_call_back_from_the_group(api: FakeBotApi,
                                                            app: RunningApp) -> None:
    customer = TelegramCustomer(api, app, 4545)
    await customer.says("My parcel never arrived")
    await customer.says("I want to talk to a human")
    found = TICKET.search(api.texts(4545)[-1])
    assert found
    ticket = found.group(0)
    await wait_for(lambda: any(ticket in t for t in group_texts(api)), what="the case card")
    await group_says(api, f"/take {ticket}", ALICE_TG)
    await group_says(api, f"/callback {ticket} whenever", ALICE_TG)
    assert group_texts(api)[-1].startswith("When? Give a time like 15:30")
    await group_says(api, f"/callback {ticket} +2h", ALICE_TG)
    assert group_texts(api)[-1] == (f"Call-back for {ticket} promised by 24 Nov 11:30 (UTC); "
                                    "the customer is told.")
    await wait_for(lambda: "alice will get back to you by Tue 24 Nov, 11:30" in
                   api.texts(4545)[-1], what="the customer to hear the time")
    await group_says(api, f"/called {ticket}", ALICE_TG)
    assert group_texts(api)[-1] == f"Call-back on {ticket} marked done."


async def test_open_cases_survive_a_restart(api: FakeBotApi, sqlite_url: str,
                                            clock: Clock) -> None:
    """A held case and a waiting one, then the service restarts: the relay goes on both ways,
    the waiting case is still in the queue, and a take after the restart still works."""
    settings = make_settings(sqlite_url, TELEGRAM_AGENT_CHAT_ID=str(GROUP),
                             **telegram_settings(api))
    first = await start_app(settings, clock=clock)
    try:
        await AgentStore(first.core.store.engine).add(
            "alice", "agent", datetime.now(UTC), team="logistics", telegram_id=ALICE_TG)
        held, waiting = TelegramCustomer(api, first, 4601), TelegramCustomer(api, first, 4602)
        numbers = []
        for c in (held, waiting):
            await c.says("My parcel never arrived")
            await c.says("I want to talk to a human")
            found = TICKET.search(api.texts(c.chat_id)[-1])
            assert found
            numbers.append(found.group(0))
        await wait_for(lambda: all(any(n in t for t in group_texts(api)) for n in numbers),
                       what="both cards")
        await group_says(api, f"/take {numbers[0]}", ALICE_TG)
    finally:
        await first.stop()

    second = await start_app(settings, clock=clock)
    try:
        held.app = waiting.app = second
        await held.says("Still here after your restart?")
        await wait_for(lambda: any("Still here after your restart?" in t
                                   for t in group_texts(api)), what="the relay")
        await group_says(api, f"/reply {numbers[0]} Yes, still with you.", ALICE_TG)
        await wait_for(lambda: api.texts(held.chat_id)[-1].endswith("\nYes, still with you."),
                       what="the agent's answer")
        await group_says(api, "/queue all", ALICE_TG)
        assert numbers[1] in group_texts(api)[-1] and numbers[0] not in group_texts(api)[-1]
        await group_says(api, f"/take {numbers[1]}", ALICE_TG)
        assert group_texts(api)[-1] == f"alice took {numbers[1]}."
    finally:
        await second.stop()
