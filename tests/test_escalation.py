"""Escalation: the rules alone, and what the customer and the ticket get when one fires."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from bot.core import Core
from dialogs.escalation import Signals, default_rules, top_priority
from storage.schema import tickets
from tests.conftest import Clock, Customer

RULES = default_rules()
TICKET = re.compile(r"C-20261124-\d{4}")


def reasons(text: str = "", **signals: object) -> list[str]:
    return [h.reason for h in RULES.evaluate(Signals(text=text, **signals))]  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "expected"), [
    ("The heater caught fire and burned my son's hand", ["safety"]),
    ("我家孩子被烫伤了，电水壶漏电", ["safety"]),
    ("我家孩子被燙傷了", ["safety"]),
    ("I will take you to court and tell the media", ["public_or_legal"]),
    ("我要去消协投诉，还要在网上曝光你们", ["public_or_legal"]),
    ("我要打12315", ["public_or_legal"]),
    ("My parcel is three days late", []),
    ("I bought it for my son", []),  # people are not harm
    ("I saw your ad on social media", []),  # a mention is not a threat
    ("我气炸了", []),  # slang for furious, not an explosion
    ("the food court was dirty", []),
])
def test_words_rules(text: str, expected: list[str]) -> None:
    assert reasons(text) == expected


@pytest.mark.parametrize(("text", "words"), [
    # A smell of burning or smoke is a safety report in every locale.
    ("There's a burning smell coming from the charger", ["burning smell"]),
    ("it smells of burning", ["smells of burning"]),
    ("Smoke came out of the back and it was sparking", ["smoke", "sparking"]),
    ("the plug melted", ["melted"]),
    ("It's not working and smoke came out", ["smoke"]),  # "not" ends with its clause
    ("充电器有烧焦的味道", ["烧焦的味道"]),
    ("插座冒烟了，还有火花", ["冒烟", "火花"]),
    ("电源线都融化了", ["融化"]),
    ("燒焦的味道", ["烧焦的味道"]),
    ("吹風機冒煙了", ["冒烟"]),
    ("有一股焦味", ["焦味"]),
    ("插頭燒焦了", ["烧焦"]),
])
def test_burning_and_smoke_are_safety_reports(text: str, words: list[str]) -> None:
    hits = [h for h in RULES.evaluate(Signals(text=text)) if h.reason == "safety"]
    assert [h.evidence for h in hits] == [{"words": sorted(words)}]
    assert hits[0].priority == "P1"


@pytest.mark.parametrize("text", [
    "no smoke, it just stopped working", "there was no smoke or sparks, it just died",
    "the hotel room was meant to be smoke-free", "the smoke alarm I bought beeps all day",
    "my ice cream melted in the van", "the Fire TV stick won't turn on",
    "没有冒烟，就是不亮", "没冒烟也没有焦味", "冰淇淋都融化了", "沒有冒煙，只是不能充電",
])
def test_smoke_words_that_are_no_report(text: str) -> None:
    assert "safety" not in reasons(text)


def test_evidence_and_priority() -> None:
    hits = RULES.evaluate(Signals(text="it caught fire, I'll see you in court", anger=0.9))
    assert {h.reason: h.priority for h in hits} == {
        "safety": "P1", "public_or_legal": "P2", "anger": "P2"}
    assert top_priority(hits) == "P1"
    assert next(h for h in hits if h.reason == "safety").evidence == {"words": ["caught fire"]}


def test_threshold_rules() -> None:
    assert reasons(anger=0.79) == [] and reasons(anger=0.8) == ["anger"]
    assert reasons(upset_streak=3) == ["upset_streak"]
    assert reasons(amount=Decimal("5000"), currency="CNY") == ["high_amount"]
    assert reasons(amount=Decimal("4999.99"), currency="CNY") == []
    assert reasons(earlier_tickets=2) == ["repeat_complainant"]
    assert reasons(order_seen_before="C-20261120-0001") == ["same_order_again"]
    assert reasons(invalid_streak=3) == ["bot_failing"]
    assert reasons(readback_rejected=2) == ["bot_failing"]
    assert reasons(asked_for_human=True, text="human") == ["human_request"]


async def ticket_row(core: Core, number: str) -> sa.Row:  # type: ignore[type-arg]
    async with core.store.read_engine.connect() as conn:
        return (await conn.execute(sa.select(tickets).where(tickets.c.number == number))).one()


async def test_a_safety_report_goes_to_a_person_at_once(core: Core, clock: Clock) -> None:
    c = Customer(core)
    await c.says("The heater caught fire last night and burned my daughter's hand!!")
    assert await c.state() == "handed_off"
    assert c.templates[-2:] == ["escalation.safety", "handoff"]
    number = TICKET.search(c.text)
    assert number and "by Tue 24 Nov, 09:45" in c.text  # P1: 15 minutes
    row = await ticket_row(core, number.group(0))
    assert (row.status, row.priority, row.incomplete) == ("escalated", "P1", True)
    assert row.reasons[0]["reason"] == "safety"
    assert "caught fire" in row.reasons[0]["evidence"]["words"]
    assert "burned my daughter's hand" in row.description


@pytest.mark.parametrize(("language", "text", "hours"), [
    ("en", "The charger has a burning smell and smoke came out", "Tue 24 Nov, 09:45 UTC"),
    ("zh-hans", "充电器有烧焦的味道，还冒烟了", "11月24日 09:45（UTC）"),
    ("zh-hant", "吹風機有燒焦的味道", "11月24日 09:45（UTC）"),
])
async def test_a_burning_smell_goes_to_a_person_at_once_in_every_locale(
        core: Core, language: str, text: str, hours: str) -> None:
    c = Customer(core, language_code=language)
    await c.says(text)
    assert await c.state() == "handed_off"
    assert c.templates[-2:] == ["escalation.safety", "handoff"]
    assert hours in c.text  # P1: 15 minutes
    number = TICKET.search(c.text)
    assert number
    row = await ticket_row(core, number.group(0))
    assert (row.priority, row.reasons[0]["reason"]) == ("P1", "safety")


async def test_a_legal_threat_mid_way_keeps_what_was_gathered(core: Core) -> None:
    c = Customer(core, language_code="zh-hans")
    await c.says("我的订单 JD20261118001 还没到")
    await c.presses("就这些")
    await c.presses("物流配送")
    await c.says("再不处理我就去消协投诉，还要找媒体曝光")
    assert await c.state() == "handed_off"
    assert "escalation.public_or_legal" in c.templates
    number = TICKET.search(c.text)
    assert number
    row = await ticket_row(core, number.group(0))
    assert row.priority == "P2" and row.category == "delivery" and row.incomplete
    assert row.order_no == "JD20261118001"
    assert "再不处理我就去消协投诉" in row.description


async def test_a_high_amount_is_escalated(core: Core) -> None:
    c = Customer(core)
    await c.says("I was charged twice for my order")
    await c.presses("That's all")
    await c.presses("Billing and charges")
    await c.says("¥12,800")
    assert await c.state() == "handed_off"
    row = await ticket_row(core, TICKET.search(c.text).group(0))  # type: ignore[union-attr]
    assert row.reasons[0]["evidence"] == {"amount": "12800", "currency": "CNY",
                                          "threshold": 5000}


async def test_three_misunderstood_answers_bring_in_a_person(core: Core) -> None:
    c = Customer(core, channel="web", chat_id="lost")
    await c.says("I was charged twice")
    await c.presses("That's all")
    await c.presses("Billing and charges")
    await c.says("JD20261118001, yesterday, 59 yuan")
    await c.presses("Refund")
    assert c.templates[-1] == "ask.contact"  # the web chat cannot reply by phone itself
    await c.says("a lot")
    await c.says("loads")
    assert c.templates[-1] == "invalid.phone"
    await c.says("too much honestly")
    assert await c.state() == "handed_off"
    assert "escalation.bot_failing" in c.templates


async def test_an_optional_detail_missed_twice_is_left_out_not_escalated(core: Core) -> None:
    c = Customer(core, channel="web", chat_id="vague")
    await c.says("I was charged twice")
    await c.presses("That's all")
    await c.presses("Billing and charges")
    assert c.templates[-1] == "ask.amount"
    await c.says("a lot")
    assert c.templates[-1] == "invalid.amount"
    await c.says("loads")
    # The second miss changes approach: the amount is "not given" and the bot moves on.
    assert "moving_on" in c.templates and c.templates[-1] == "ask.order_no"
    assert await c.state() == "collecting"


async def test_a_read_back_rejected_twice_brings_in_a_person(core: Core) -> None:
    from tests.test_dialog_flow import reach_read_back

    c = Customer(core)
    await reach_read_back(c)
    await c.says("no")  # wrong, but not what: once
    await c.presses("Back to summary")
    assert await c.state() == "confirming"
    await c.says("nope")  # and again, still nothing to go on
    assert await c.state() == "handed_off"


async def test_pressing_edit_again_and_again_is_never_a_failure(core: Core) -> None:
    from tests.test_dialog_flow import reach_read_back

    c = Customer(core)
    await reach_read_back(c)
    for _ in range(4):
        await c.presses("Edit")
        await c.presses("Order number")
        await c.says("JD20261118002")
        assert await c.state() == "confirming", c.templates
    assert "escalation.bot_failing" not in c.templates


async def test_a_repeat_complainant_and_the_same_order_again(core: Core) -> None:
    from tests.test_dialog_flow import file_delivery_complaint

    c = Customer(core)
    await file_delivery_complaint(c)
    await c.presses("New complaint")
    # The same order number again: looked up with the next turn's batch, then escalated.
    await c.says("JD20261118001 still has not arrived")
    await c.presses("That's all")
    assert await c.state() == "handed_off"
    row = await ticket_row(core, TICKET.findall(c.text)[-1])
    assert {r["reason"] for r in row.reasons} == {"same_order_again"}
    await c.presses("New complaint")
    # Two tickets in 30 days: the third complaint goes to a person from the start.
    await c.says("The delivery man was rude")
    assert await c.state() == "handed_off"
    row = await ticket_row(core, TICKET.findall(c.text)[-1])
    assert {r["reason"] for r in row.reasons} == {"repeat_complainant"}


async def test_asking_for_a_human_records_the_reason(core: Core) -> None:
    c = Customer(core)
    await c.says("My parcel never arrived")
    await c.says("转人工")
    number = TICKET.search(c.text)
    assert number and await c.state() == "handed_off"
    row = await ticket_row(core, number.group(0))
    assert row.priority == "P3" and row.reasons[0]["reason"] == "human_request"
    events = await core.store.ticket_events(number.group(0))
    assert events[0]["kind"] == "filed" and events[0]["data"]["priority"] == "P3"


async def test_after_filing_a_safety_report_raises_the_ticket(core: Core) -> None:
    from tests.test_dialog_flow import file_delivery_complaint

    c = Customer(core)
    number = await file_delivery_complaint(c)
    await c.says("Update: the charger in the box exploded and started a fire")
    assert await c.state() == "handed_off"
    assert c.templates[-1] == "handoff.already" and number in c.text
    events = await core.store.ticket_events(number)
    assert events[-1]["kind"] == "escalated" and events[-1]["data"]["priority"] == "P1"


async def test_rules_published_in_a_new_version_take_effect_at_the_next_turn(
        core: Core) -> None:
    from dataclasses import replace

    _, bundle = await core.studio.current()
    rules = {**bundle.rules, "high_amount": {**bundle.rules["high_amount"],
                                             "threshold": {"CNY": 100}}}
    c = Customer(core)
    await c.says("I was overcharged ¥150 on my bill")
    assert await c.state() != "handed_off"  # 150 is below the shipped 5000
    await core.studio.publish(replace(bundle, rules=rules), note="lower the bar",
                              actor="admin")
    d = Customer(core, "1002")
    await d.says("I was overcharged ¥150 on my bill")
    assert await d.state() == "handed_off"  # 150 ≥ the published 100, no restart


async def test_while_with_a_person_only_something_more_urgent_is_raised(core: Core) -> None:
    c = Customer(core)
    await c.says("My parcel never arrived")
    await c.says("human please")
    number = TICKET.search(c.text)
    assert number and await c.state() == "handed_off"
    await c.says("I'll take you to court over this")  # P2 beats the P3 it was filed at
    assert c.templates[-1] == "handoff.already"
    await c.says("And I'll tell the media")  # P2 again: nothing new to raise
    assert c.templates == ["queue.waiting"]
    await c.says("Now the charger caught fire!")  # P1
    assert "escalation.safety" in c.templates
    events = await core.store.ticket_events(number.group(0))
    raised = [e["data"]["priority"] for e in events if e["kind"] == "escalated"]
    assert raised == ["P2", "P1"]
