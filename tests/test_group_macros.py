"""Canned replies from the agents' Telegram group, end to end (python-telegram-bot against the
local Bot API server): /macro lists an agent's macros, /macro NAME TICKET sends one filled in
the customer's locale as the agent's reply, with the desk's usual checks."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from handlers.agents.telegram_group import REFUSAL
from storage.agents import AgentStore
from tests.conftest import Clock, make_settings
from tests.e2e_support import RunningApp, start_app, telegram_settings, wait_for
from tests.fake_bot_api import FakeBotApi
from tests.test_e2e_agents import group_says, group_texts
from tests.test_e2e_telegram import TelegramCustomer

GROUP = -100777  # as tests.test_e2e_agents' group_says expects
ALICE_TG, BOB_TG, STRANGER_TG = 5001, 5002, 6666
TICKET = re.compile(r"C-20261124-\d{4}")


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


@pytest.fixture
async def app(api: FakeBotApi, sqlite_url: str, clock: Clock) -> AsyncIterator[RunningApp]:
    settings = make_settings(sqlite_url, TELEGRAM_AGENT_CHAT_ID=str(GROUP),
                             HEARD_TIMEZONE="Asia/Taipei", **telegram_settings(api))
    running = await start_app(settings, clock=clock)
    agents = AgentStore(running.core.store.engine)
    now = datetime.now(UTC)
    await agents.add("alice", "agent", now, team="logistics", telegram_id=ALICE_TG)
    await agents.add("bob", "agent", now, team="logistics", telegram_id=BOB_TG)
    try:
        yield running
    finally:
        await running.stop()


async def taiwanese_customer(api: FakeBotApi, app: RunningApp, chat_id: int) -> tuple[
        TelegramCustomer, str]:
    customer = TelegramCustomer(api, app, chat_id)
    me = api.user(chat_id, language_code="zh-TW", first_name="陳美玲", last_name="")
    await customer.push(api.push_text(chat_id, "我的包裹一直沒有送到", user=me))
    await customer.push(api.push_text(chat_id, "轉真人", user=me))
    found = TICKET.search(api.texts(chat_id)[-1])
    assert found, api.texts(chat_id)
    ticket = found.group(0)
    await wait_for(lambda: any(ticket in t for t in group_texts(api)), what="the case card")
    return customer, ticket


async def test_macro_lists_and_sends_a_filled_canned_reply(api: FakeBotApi,
                                                          app: RunningApp) -> None:
    _, ticket = await taiwanese_customer(api, app, 4545)

    await group_says(api, "/help", ALICE_TG)
    assert "/macro [<macro> <ticket>]" in group_texts(api)[-1]

    await group_says(api, "/macro", ALICE_TG)
    listing = group_texts(api)[-1]
    assert listing.startswith("Your canned replies:")
    assert "sorry-delay · Apology for the delay (shared)" in listing
    assert "photo-damage" in listing and "refund-on-way" in listing

    await group_says(api, f"/macro sorry-delay {ticket}", STRANGER_TG)
    assert group_texts(api)[-1] == REFUSAL
    # The desk's rules hold: nobody holds it yet.
    to_customer = len(api.texts(4545))
    await group_says(api, f"/macro sorry-delay {ticket}", ALICE_TG)
    assert group_texts(api)[-1] == f"{ticket} is held by nobody; take it first."
    await group_says(api, f"/take {ticket}", ALICE_TG)
    await wait_for(lambda: len(api.texts(4545)) > to_customer, what="the joined message")

    await group_says(api, f"/macro nonsense {ticket}", ALICE_TG)
    assert group_texts(api)[-1].startswith("You have no macro called 'nonsense'")
    await group_says(api, "/macro sorry-delay", ALICE_TG)  # outside a topic: which ticket?
    assert group_texts(api)[-1].startswith("Which canned reply, for which ticket?")

    to_customer = len(api.texts(4545))
    await group_says(api, f"/macro {ticket} sorry-delay", ALICE_TG)  # either order
    said = group_texts(api)[-1]
    assert said.startswith(f"Sent to the customer of {ticket}. (sorry-delay, zh-TW)\n")
    sent = said.split("\n", 1)[1]
    assert sent.startswith("陳美玲，您好，很抱歉讓您久等了")
    assert ticket in sent and "11月24日 21:30（台北時間）" in sent and sent.endswith("前回覆您。")
    await wait_for(lambda: len(api.texts(4545)) > to_customer, what="the canned reply")
    assert api.texts(4545)[-1].endswith(sent)

    # Bob, who does not hold it, cannot send one for alice.
    await group_says(api, f"/macro sorry-delay {ticket}", BOB_TG)
    assert group_texts(api)[-1] == f"{ticket} is held by alice; take it first."


async def test_in_a_tickets_topic_macro_needs_no_number(sqlite_url: str, clock: Clock) -> None:
    from tests.test_e2e_forum import GROUP as FORUM
    from tests.test_e2e_forum import escalate, in_topic, start, topic_of

    async with FakeBotApi() as api:
        api.make_forum(FORUM)
        running = await start(api, sqlite_url, clock)
        try:
            _, ticket = await escalate(api, running, 4646)
            thread = (await topic_of(api, ticket)).message_thread_id
            await in_topic(api, thread, "/take", ALICE_TG)
            to_customer = len(api.texts(4646))
            await in_topic(api, thread, "/macro photo-damage", ALICE_TG)
            said = api.topic_texts(FORUM, thread)[-1]
            assert said.startswith(f"Sent to the customer of {ticket}. (photo-damage, en)\n")
            await wait_for(lambda: len(api.texts(4646)) > to_customer, what="the reply")
            assert api.texts(4646)[-1].endswith(said.split("\n", 1)[1])
            assert "could you send us a photo" in said.lower()
        finally:
            await running.stop()
