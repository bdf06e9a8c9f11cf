"""The case first, over real HTTP on both databases: the ticket page leads with the complaint
the customer is on now (their earlier one folded away), a customer panel lists their other
tickets with status and rating, the queue says why and how long, sorts, and keeps its
filters in the URL; every time is in HEARD_TIMEZONE with the zone shown."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from dialogs.events import Escalated
from tests.conftest import Clock, Customer
from tests.console_support import ConsoleClient, add_agent, committed, escalate
from tests.e2e_support import RunningApp, app_on, wait_for

ZONE = "Asia/Taipei"  # UTC+8: a UTC time on the page would be eight hours off


@pytest.fixture
async def running(database_url: str, clock: Clock) -> AsyncIterator[RunningApp]:
    async with app_on(database_url, clock, HEARD_TIMEZONE=ZONE) as app:
        yield app


@pytest.fixture
async def browser(running: RunningApp) -> AsyncIterator[ConsoleClient]:
    client = ConsoleClient(running)
    yield client
    await client.close()


async def closed_and_rated(running: RunningApp, browser: ConsoleClient) -> str:
    """Alice answers and closes a first complaint; the customer says solved, 4 of 5."""
    customer, number = await escalate(running, text="The parcel never came")
    await browser.post(f"/console/tickets/{number}/take")
    await browser.post(f"/console/tickets/{number}/reply", {"text": "It is on its way again"})
    await browser.post(f"/console/tickets/{number}/close", {"text": "Redelivered"})
    await customer.send(customer.inbound("Yes", callback_data="feedback:solved.yes"))
    await customer.says("4")
    assert await customer.state() == "filed"
    return number


async def new_complaint(running: RunningApp, text: str) -> str:
    """The same customer, after their first case was rated, starts another and asks for a
    person: the ticket it files."""
    events = committed(running)
    customer = Customer(running.core, chat_id="1001")
    running.core.pipeline.outbox.register("telegram", customer.out)
    await customer.says("Hello again")  # joins the filed complaint until they say otherwise
    await customer.presses("New complaint")
    await customer.says(text)
    await customer.says("I want to talk to a human")
    await wait_for(lambda: any(isinstance(e, Escalated) for e in events), what="the handoff")
    return next(e.number for e in events if isinstance(e, Escalated))


async def test_the_ticket_page_leads_with_the_complaint_now(
        running: RunningApp, browser: ConsoleClient, clock: Clock) -> None:
    await add_agent(running, "alice")
    await browser.login("alice")
    first = await closed_and_rated(running, browser)
    clock.advance(days=2)
    second = await new_complaint(running, "The kettle leaks all over the table")
    assert second != first
    await browser.login("alice")  # two days on, the session has lapsed

    status, body, _ = await browser.get(f"/console/tickets/{second}")
    assert status == 200
    now_at = body.index("The kettle leaks all over the table")
    before_at = body.index("The parcel never came")
    assert now_at < before_at  # this complaint first
    # The earlier complaint is one click away, in a <details> that starts closed.
    details = re.search(r"<details class=\"earlier\"[^>]*>(.*?)</details>", body, re.S)
    assert details is not None and "The parcel never came" in details.group(1)
    assert "<details class=\"earlier\" id=\"earlier\">" in body  # no `open`
    assert "It is on its way again" in details.group(1)  # alice's answer went with it
    # Why a person, in words, with what the customer wrote.
    assert "asked for a person: they wrote “I want to talk to a human”" in body
    # The slot for who else is viewing the ticket leads the case.
    assert body.index('<div id="presence"></div>') < now_at

    # The customer panel: who, where, and the first ticket with its status and rating.
    panel = body[body.index('id="customer-h"'):body.index('aria-label="Act on')]
    assert "Li Wei" in panel and "telegram" in panel and "en" in panel
    assert f'<a href="/console/tickets/{first}">{first}</a>' in panel
    assert "closed" in panel and "★ 4/5 — solved" in panel
    assert "2 days ago" in panel

    # The first ticket's own page shows its rating as the rating, and its complaint first;
    # the later complaint is folded away there.
    _, body, _ = await browser.get(f"/console/tickets/{first}")
    assert "★ 4/5 — solved" in body and "rated it <span class=\"rating\">★ 4/5</span>" in body
    assert "customer rating" not in body
    assert body.index("The parcel never came") < body.index("The kettle leaks")
    later = re.search(r"<details class=\"later\">(.*?)</details>", body, re.S)
    assert later is not None and "The kettle leaks" in later.group(1)
    assert f'<a href="/console/tickets/{second}">{second}</a>' in body  # in the panel


async def test_a_first_time_customer_has_no_other_tickets_and_nothing_folded(
        running: RunningApp, browser: ConsoleClient) -> None:
    await add_agent(running, "alice")
    _, number = await escalate(running)
    await browser.login("alice")
    _, body, _ = await browser.get(f"/console/tickets/{number}")
    assert "Other tickets (0)" in body and "this is their first" in body
    assert "<details" not in body
    assert "The parcel never came" in body


async def test_other_customers_tickets_stay_out_of_the_panel(
        running: RunningApp, browser: ConsoleClient) -> None:
    await add_agent(running, "alice")
    _, mine = await escalate(running, chat_id="3001")
    _, theirs = await escalate(running, chat_id="3002", text="My refund is late")
    await browser.login("alice")
    _, body, _ = await browser.get(f"/console/tickets/{mine}")
    assert theirs not in body and "My refund is late" not in body


async def test_the_same_phone_from_another_chat_counts_as_the_same_customer(
        running: RunningApp, browser: ConsoleClient, clock: Clock) -> None:
    await add_agent(running, "alice")
    _, before = await escalate(running, chat_id="6001",
                               text="The parcel never came, call me on +44 7911 123456")
    clock.advance(hours=1)
    _, now = await escalate(running, chat_id="6002",
                            text="The kettle leaks, my number is 07911 123456")
    _, stranger = await escalate(running, chat_id="6003", text="My refund is late")
    await browser.login("alice")
    _, body, _ = await browser.get(f"/console/tickets/{now}")
    panel = body[body.index('id="customer-h"'):body.index('aria-label="Act on')]
    assert 'href="tel:+447911123456"' in panel
    assert f'<a href="/console/tickets/{before}">{before}</a>' in panel
    assert "by phone" in panel and stranger not in panel


async def test_the_queue_says_why_how_long_and_when_due(
        running: RunningApp, browser: ConsoleClient, clock: Clock) -> None:
    await add_agent(running, "alice")
    _, calm = await escalate(running, chat_id="4001")
    clock.advance(minutes=5)
    _, urgent = await escalate(running, chat_id="4002",
                               text="The heater caught fire and burned my hand")
    clock.advance(minutes=12)
    await browser.login("alice")
    _, body, _ = await browser.get("/console?team=all")
    row = body[body.index(f">{calm}</a>"):]
    row = row[:row.index("</tr>")]
    assert "asked for a person" in row and 'data-label="Locale">en' in row
    assert ">17 min</time>" in row  # waited, relative
    assert 'data-rel="due" class="due">in 4 hr</time>' in row  # P3: within 4 hours
    # The absolute time is in the title, in the service zone (09:30 UTC is 17:30 in Taipei).
    assert 'title="2026-11-24 17:30 CST"' in row
    urgent_row = body[body.index(f">{urgent}</a>"):]
    assert "safety" in urgent_row[:urgent_row.index("</tr>")]
    # Most urgent first by default; by waited, the longest waiting first.
    assert body.index(urgent) < body.index(calm)
    _, body, _ = await browser.get("/console?team=all&sort=waited")
    assert body.index(calm) < body.index(urgent)
    assert 'aria-sort="descending"' in body
    # Past its promise, the countdown says late in words (and turns red).
    clock.advance(hours=5)
    await browser.login("alice")  # idle that long, the session lapsed
    _, body, _ = await browser.get("/console?team=all&sort=due")
    assert 'class="due late">' in body and "hr late</time>" in body


async def test_filters_and_sort_round_trip_through_the_url(
        running: RunningApp, browser: ConsoleClient) -> None:
    await add_agent(running, "alice")
    await escalate(running)
    await browser.login("alice")
    _, body, _ = await browser.get("/console?view=open&team=all&priority=P3&sort=due")
    # The form keeps every choice, sort included.
    assert '<option value="open" selected>' in body
    assert '<option value="all" selected>' in body
    assert '<option value="P3" selected>' in body
    assert '<option value="due" selected>' in body
    # The column links change the sort and keep the filters.
    assert 'href="/console?view=open&amp;team=all&amp;priority=P3&amp;sort=waited"' in body
    assert 'href="/console?view=open&amp;team=all&amp;priority=P3&amp;sort=priority"' in body
    # The live refetch of the table reads the same query.
    _, table, _ = await browser.get("/console/queue?view=open&team=all&priority=P3&sort=due")
    assert 'aria-sort="ascending"' in table and "sort=waited" in table
    # A sort that does not exist falls back to the default, not an error.
    status, body, _ = await browser.get("/console?sort=%27;drop")
    assert status == 200 and '<option value="urgency" selected>' in body


async def test_every_time_is_in_the_service_zone_with_the_zone_shown(
        running: RunningApp, browser: ConsoleClient) -> None:
    await add_agent(running, "alice")
    await add_agent(running, "sam", "supervisor", team=None)
    _, number = await escalate(running)
    await browser.login("sam")
    for path in (f"/console/tickets/{number}", "/console?view=all&team=all",
                 f"/console/search?q={number}", "/console/agents", "/console/failed"):
        status, body, _ = await browser.get(path)
        assert status == 200, path
        assert f"times in {ZONE}" in body, path
        assert "UTC" not in body, path  # not one time left in UTC
    _, body, _ = await browser.get(f"/console/tickets/{number}")
    assert "filed 2026-11-24 17:30 CST" in body
    _, body, _ = await browser.get(f"/console/search?q={number}")
    assert "2026-11-24 17:30 CST" in body
