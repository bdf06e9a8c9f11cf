"""A conversation's stored text is bounded per day, politely; and the operator's log gets one
structured line per thing that happens to a ticket, with no customer words in it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from bot.core import Core, open_core
from dialogs.events import Change, TicketChanged
from handlers.ops.lines import ThrottledOps
from handlers.ops.listener import OpsLog
from tests.conftest import Clock, Customer, make_settings


@pytest.fixture
async def any_core(database_url: str, clock: Clock) -> AsyncIterator[Core]:
    async with open_core(make_settings(database_url, DAILY_TEXT_QUOTA=1_000),
                         clock=clock) as c:
        yield c


async def test_a_flood_of_long_messages_stops_being_kept_and_is_answered_politely(
        any_core: Core, clock: Clock) -> None:
    c = Customer(any_core, "flood")
    story = "My parcel never arrived. " * 24  # 600 characters
    await c.says(story)
    assert await c.state() == "listening"
    await c.says("x" * 600)  # would pass 1,000 today
    assert [r.template for r in c.last] == ["quota.reached"]
    assert await c.state() == "listening"  # the dialog waits; nothing was taken in
    await c.says("and a short one")  # still fits
    assert "quota.reached" not in [r.template for r in c.last]
    transcript = await any_core.store.transcript(c.key)
    inbound = [(m["text"], m["cleaned"]) for m in transcript if m["direction"] == "in"]
    assert inbound == [(story, None), ("…", {"over_quota": 600}), ("and a short one", None)]
    # A new day in the service's zone: the allowance is back.
    clock.advance(days=1)
    await c.says("y" * 600)
    assert "quota.reached" not in [r.template for r in c.last]


async def test_ticket_lines_for_the_operator(any_core: Core,
                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="heard.ops")
    c = Customer(any_core, "ops-1")
    await c.says("My heater caught fire and my hand got burnt, call me on 13800138000")
    lines = [r.getMessage() for r in caplog.records if r.name == "heard.ops"]
    [escalated] = [line for line in lines if line.startswith("ticket.escalated ")]
    assert "number=C-20261124-0001" in escalated and "priority=P1" in escalated
    assert "safety" in escalated
    assert "heater" not in " ".join(lines) and "13800138000" not in " ".join(lines)

    ops = OpsLog()
    caplog.clear()
    await ops.on_events([TicketChanged("C-20261124-0001", Change.TAKEN),
                         TicketChanged("C-20261124-0001", Change.REPLY)])  # not an ops matter
    assert [r.getMessage() for r in caplog.records] == ["ticket.taken number=C-20261124-0001"]


def test_lines_an_outsider_can_trigger_are_throttled(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="heard.ops")
    now = [0.0]
    line = ThrottledOps("message.cleaned", rate=1.0, burst=10.0, clock=lambda: now[0])
    for n in range(30):
        line(channel="web", nul=n)
    assert len(caplog.records) == 10
    now[0] += 1.0
    line(channel="web", nul=1)
    assert caplog.records[-1].getMessage() == "message.cleaned channel=web nul=1 held_back=20"
