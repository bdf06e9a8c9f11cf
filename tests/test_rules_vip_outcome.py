"""The VIP and rejected-outcome rules: alone, and what the customer and the ticket get."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
import sqlalchemy as sa

from bot.core import Core
from dialogs.escalation import EscalationRules, Signals, default_data, default_rules
from storage.schema import tickets
from tests.conftest import Customer

TICKET = re.compile(r"C-20261124-\d{4}")


def with_vip(**vip: Any) -> EscalationRules:
    data = copy.deepcopy(default_data())
    data["rules"]["vip"].update(vip)
    return EscalationRules.from_data(data)


async def ticket_row(core: Core, number: str) -> Any:
    async with core.store.read_engine.connect() as conn:
        return (await conn.execute(sa.select(tickets).where(tickets.c.number == number))).one()


def test_vip_matches_a_listed_chat_or_phone() -> None:
    rules = with_vip(channels=["telegram:1001"], phones=["+8613800138000"], priority="P1")
    hits = rules.evaluate(Signals(channel_id="telegram:1001"))
    assert [(h.reason, h.priority, h.evidence) for h in hits] == [
        ("vip", "P1", {"channel": "telegram:1001"})]
    assert [h.evidence for h in rules.evaluate(Signals(phone="+8613800138000"))] == [
        {"phone": "+8613800138000"}]
    assert rules.evaluate(Signals(channel_id="telegram:1002", phone="+8613900139000")) == []
    assert default_rules().evaluate(Signals(channel_id="telegram:1001")) == []  # empty list


@pytest.mark.parametrize("bad", [{"phones": ["138 0013 8000"]}, {"channels": ["12345"]}])
def test_vip_entries_that_cannot_match_are_refused(bad: dict[str, list[str]]) -> None:
    with pytest.raises(ValueError, match="vip"):
        with_vip(**bad)


@pytest.mark.parametrize(("text", "words"), [
    ("None of these, sorry", ["none of these"]),
    ("That is not acceptable", ["not acceptable"]),
    ("I don\u2019t accept that", ["i don't accept"]),  # a phone's curly apostrophe
    ("都不要", ["都不要"]),
    ("我不接受", ["不接受"]),
    ("這些我都不接受", ["都不接受"]),  # Traditional is matched after conversion
    ("A refund please", []),
    ("退款", []),
])
def test_refusing_every_outcome_is_recognised(text: str, words: list[str]) -> None:
    assert list(default_rules().refusal(text)) == words


async def test_a_vip_chat_goes_to_a_person_once_there_is_a_complaint(core: Core) -> None:
    core.engine.rules = with_vip(channels=["telegram:4242"])
    c = Customer(core, "4242")
    await c.says("hello")
    assert await c.state() == "listening"  # a greeting is nothing to hand over
    await c.says("My order arrived broken and nobody answers the phone")
    assert await c.state() == "handed_off" and c.templates[-1] == "handoff"
    number = TICKET.search(c.text)
    assert number
    row = await ticket_row(core, number.group(0))
    assert (row.status, row.priority) == ("escalated", "P2")
    assert row.reasons == [{"reason": "vip", "priority": "P2",
                            "evidence": {"channel": "telegram:4242"}}]
    other = Customer(core, "4343")
    await other.says("My order arrived broken and nobody answers the phone")
    assert await other.state() == "listening"  # not on the list


async def test_a_vip_phone_is_recognised_when_given(core: Core) -> None:
    core.engine.rules = with_vip(phones=["+8613800138000"])
    c = Customer(core, channel="web", chat_id="visitor-5151")
    await c.says("The parcel was left in the rain and everything is soaked")
    await c.presses("That's all")
    await c.presses("Delivery")
    await c.says("JD20261118001")
    await c.says("yesterday")
    await c.presses("Refund")
    assert await c.state() == "asking_contact"
    await c.says("138 0013 8000")
    assert await c.state() == "handed_off"
    number = TICKET.search(c.text)
    assert number
    row = await ticket_row(core, number.group(0))
    assert row.reasons[0]["evidence"] == {"phone": "+8613800138000"}
    assert row.phone == "+8613800138000"


async def reach_outcome_question(c: Customer) -> None:
    await c.says("My parcel never arrived")
    await c.presses("That's all")
    await c.presses("Delivery")
    await c.says("JD20261118001")
    await c.says("yesterday")
    assert await c.state() == "choosing_outcome"


async def test_refusing_every_outcome_brings_in_a_person(core: Core) -> None:
    c = Customer(core)
    await reach_outcome_question(c)
    await c.says("None of these is acceptable")
    assert await c.state() == "handed_off"
    assert c.templates[-2:] == ["escalation.outcome_rejected", "handoff"]
    number = TICKET.search(c.text)
    assert number
    row = await ticket_row(core, number.group(0))
    assert (row.priority, row.outcome) == ("P2", None)  # the refusal is not an outcome
    assert row.reasons == [{"reason": "outcome_rejected", "priority": "P2",
                            "evidence": {"words": ["none of these"]}}]


async def test_a_chinese_refusal_and_a_configured_priority(core: Core) -> None:
    data = copy.deepcopy(default_data())
    data["rules"]["outcome_rejected"]["priority"] = "P1"
    core.engine.rules = EscalationRules.from_data(data)
    c = Customer(core, "6161", language_code="zh-hans")
    await c.says("我的快递一直没到")
    await c.presses("就这些")
    await c.presses("物流配送")
    await c.says("JD20261118001")
    await c.says("昨天")
    await c.says("这些方案我都不接受")
    assert await c.state() == "handed_off"
    assert "escalation.outcome_rejected" in c.templates
    assert "同事" in c.text
    number = TICKET.search(c.text)
    assert number and (await ticket_row(core, number.group(0))).priority == "P1"


async def test_an_outcome_in_own_words_is_still_an_answer(core: Core) -> None:
    c = Customer(core)
    await reach_outcome_question(c)
    await c.says("Send it again by express please")
    assert await c.state() == "asking_contact"


def test_the_agents_card_shows_which_vip_matched() -> None:
    from dialogs.messages import ConversationKey
    from handlers.agents.telegram_group import AgentGroup
    from storage.queue import TicketView

    view = TicketView("C-20261124-0001", "escalated", "P2", "logistics", "delivery", "Late",
                      None, [{"reason": "vip", "priority": "P2",
                              "evidence": {"channel": "telegram:4242"}},
                             {"reason": "outcome_rejected", "priority": "P2",
                              "evidence": {"words": ["none of these"]}}],
                      ConversationKey("telegram", "4242"), None, [])
    card = AgentGroup._card(None, view)  # type: ignore[arg-type]
    assert "Why: vip (telegram:4242); outcome_rejected (none of these)" in card
