"""Presence and the check before a reply, over real HTTP and WebSockets against the composed
app: two agents on one ticket see each other (typing too), a closed page leaves at once, a
page no process refreshes expires, two app instances on one database agree; a reply that
would cross another agent's, the customer's newer words or a change of hands is held back
with the draft kept, and "Send anyway" sends it."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import aiohttp
import pytest

from storage.presence import PRESENCE_TTL
from tests.conftest import Clock
from tests.console_support import ConsoleClient, deps, escalate, staff
from tests.e2e_support import RunningApp, app_on, wait_for

_SEEN = re.compile(r'name="seen" value="(\d+\.\d+)"')


@pytest.fixture
async def running(database_url: str, clock: Clock) -> AsyncIterator[RunningApp]:
    async with app_on(database_url, clock) as app:
        yield app


class AgentTab:
    """One agent's browser tab on a ticket: logged in, its live socket open."""

    def __init__(self, running: RunningApp) -> None:
        self.running = running
        self.client = ConsoleClient(running)
        self.frames: list[dict[str, Any]] = []
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self._reading: asyncio.Task[None] | None = None

    async def open(self, name: str) -> AgentTab:
        status, _, path = await self.client.login(name)
        assert (status, path) == (200, "/console"), (name, status, path)
        self.ws = await self.client.http.ws_connect(self.running.url("/console/ws"),
                                                    origin=self.running.base_url)
        self._reading = asyncio.create_task(self._read(self.ws))
        return self

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for msg in ws:
            if msg.type == aiohttp.WSMsgType.TEXT:
                self.frames.append(json.loads(msg.data))

    async def say(self, frame: object) -> None:
        assert self.ws is not None
        await self.ws.send_str(frame if isinstance(frame, str) else json.dumps(frame))

    async def others(self, number: str) -> str:
        status, body, _ = await self.client.get(f"/console/tickets/{number}/presence")
        assert status == 200
        return body.strip()

    async def sees(self, number: str, expected: str, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        last = ""

        async def check() -> bool:
            nonlocal last
            last = await self.others(number)
            return last == expected

        try:
            await wait_for(check, timeout=timeout, what=f"presence {expected!r}")
        except AssertionError:
            raise AssertionError(f"saw {last!r}, not {expected!r}") from None

    def told(self, number: str) -> int:
        return sum(1 for f in self.frames if f == {"ticket": number, "kind": "presence"})

    async def close_socket(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reading is not None:
            await asyncio.gather(self._reading, return_exceptions=True)

    async def close(self) -> None:
        await self.close_socket()
        await self.client.close()


def here(*people: str) -> str:
    """The fragment that lists `people` ("bob" or "bob typing")."""
    if not people:
        return ""
    shown = ", ".join(f"<b>{p.split()[0]}</b> ("
                      + ("typing a reply" if p.endswith(" typing") else "viewing") + ")"
                      for p in people)
    return f'<p class="presence">Also here: {shown}</p>'


async def tabs(stack: AsyncExitStack, running: RunningApp, *names: str) -> list[AgentTab]:
    opened = []
    for name in names:
        tab = AgentTab(running)
        stack.push_async_callback(tab.close)
        opened.append(await tab.open(name))
    return opened


async def test_two_agents_on_one_ticket_see_each_other_and_typing(
        running: RunningApp) -> None:
    await staff(running)
    _, number = await escalate(running)
    async with AsyncExitStack() as stack:
        alice, bob, sam = await tabs(stack, running, "alice", "bob", "sam")
        status, page, _ = await alice.client.get(f"/console/tickets/{number}")
        assert status == 200 and '<div id="presence"></div>' in page
        await alice.say({"view": number})
        await bob.sees(number, here("alice"))
        await alice.sees(number, "")  # nobody else; never oneself
        await bob.say({"view": number.lower()})  # as typed in an address bar
        await alice.sees(number, here("bob"))
        await wait_for(lambda: alice.told(number) >= 1, what="alice's page to hear of bob")

        await bob.say({"typing": True})
        await alice.sees(number, here("bob typing"))
        # The supervisors' page: who views what, typing, and that two share one ticket.
        status, agents, _ = await sam.client.get("/console/agents")
        assert status == 200
        bob_row = next(r for r in agents.split("<tr>") if "<td>bob</td>" in r)
        assert number in bob_row and "(typing)" in bob_row and "shared" in bob_row
        await bob.say({"typing": False})
        await alice.sees(number, here("bob"))

        # What is not presence is ignored, and the socket stays open for the next frame.
        for junk in ("not json", "[1]", {"view": "C-nonsense"}, {"view": 7},
                     {"typing": "yes"}):
            await alice.say(junk)
        await bob.sees(number, here("alice"))
        told = bob.told(number)
        # A page that closes cleanly is gone at once, and the others are told.
        await alice.close_socket()
        await bob.sees(number, "")
        await wait_for(lambda: bob.told(number) > told, what="bob's page to hear alice left")


async def test_a_page_no_process_refreshes_expires(running: RunningApp, clock: Clock) -> None:
    agents = await staff(running)
    _, number = await escalate(running)
    console = deps(running)
    async with AsyncExitStack() as stack:
        alice, bob = await tabs(stack, running, "alice", "bob")
        await alice.say({"view": number})
        await bob.sees(number, here("alice"))
        # Time passes with no heartbeat: alice's row is too old to count.
        clock.advance(seconds=PRESENCE_TTL.total_seconds() + 1)
        await bob.sees(number, "")
        # The heartbeat refreshes the rows of the pages still open here: she is back.
        await console.presence.beat(console.hub.pages())
        await bob.sees(number, here("alice"))

        # A process that died leaves a row nobody refreshes: the next beat of a live process
        # prunes it and tells the pages on that ticket.
        await console.presence.store.viewing("deadbeef", agents.sam.id, number, clock())
        await bob.sees(number, here("alice", "sam"))
        told = bob.told(number)
        clock.advance(seconds=PRESENCE_TTL.total_seconds() + 1)
        await console.presence.beat(console.hub.pages())
        await bob.sees(number, here("alice"))
        await wait_for(lambda: bob.told(number) > told, what="the pruned page's news")


async def test_agents_on_two_app_instances_see_each_other(database_url: str,
                                                          clock: Clock) -> None:
    """Two apps on one database, as two processes would be: presence goes through the
    database (who is there) and the live news (look again)."""
    async with app_on(database_url, clock) as one, app_on(database_url, clock) as two, \
            AsyncExitStack() as stack:
        await staff(one)
        _, number = await escalate(one)
        (alice,) = await tabs(stack, one, "alice")
        (bob,) = await tabs(stack, two, "bob")
        await alice.say({"view": number})
        await bob.sees(number, here("alice"))
        await bob.say({"view": number})
        await alice.sees(number, here("bob"))
        # Bob's page, on the other app, heard that alice is typing through the live news.
        told = bob.told(number)
        await alice.say({"typing": True})
        await wait_for(lambda: bob.told(number) > told, what="news from the other app")
        await bob.sees(number, here("alice typing"))
        await alice.close_socket()
        await bob.sees(number, "")


async def seen_mark(client: ConsoleClient, number: str) -> str:
    _, page, _ = await client.get(f"/console/tickets/{number}")
    found = _SEEN.search(page)
    assert found, "the reply form carries where the ticket stood"
    return found.group(1)


async def test_a_reply_that_would_cross_another_agents_is_held_back(
        running: RunningApp) -> None:
    await staff(running)
    customer, number = await escalate(running)
    async with AsyncExitStack() as stack:
        alice, sam = await tabs(stack, running, "alice", "sam")
        assert (await alice.client.post(f"/console/tickets/{number}/take"))[0] == 200
        seen = await seen_mark(alice.client, number)
        # Unchanged since: the reply goes through.
        status, _, _ = await alice.client.post(f"/console/tickets/{number}/reply",
                                               {"text": "Looking into it.", "seen": seen})
        assert status == 200 and customer.out.sent[-1][1].text == "Looking into it."
        # A reply of her own is no surprise to her: the old mark still sends.
        status, _, _ = await alice.client.post(f"/console/tickets/{number}/reply",
                                               {"text": "One moment.", "seen": seen})
        assert status == 200 and customer.out.sent[-1][1].text == "One moment."

        seen = await seen_mark(alice.client, number)
        # Sam, a supervisor, answers meanwhile; then the customer writes.
        await sam.client.get(f"/console/tickets/{number}")
        await sam.client.post(f"/console/tickets/{number}/reply",
                              {"text": "Sam here: your refund is approved."})
        await customer.says("Thank you! And the shipping fee?")
        sent = len(customer.out.sent)
        status, page, _ = await alice.client.post(
            f"/console/tickets/{number}/reply",
            {"text": "We will refund the <shipping> too.", "seen": seen})
        assert status == 409 and len(customer.out.sent) == sent  # nothing went out
        assert "sam replied" in page and "the customer wrote" in page
        assert "We will refund the &lt;shipping&gt; too.</textarea>" in page  # draft kept
        assert "your refund is approved" in page and "And the shipping fee?" in page
        assert 'name="confirm" value="1"' in page and "Send anyway" in page
        again = _SEEN.search(page)
        assert again and again.group(1) != seen
        status, page, _ = await alice.client.post(
            f"/console/tickets/{number}/reply",
            {"text": "We will refund the <shipping> too.", "seen": again.group(1),
             "confirm": "1"})
        assert status == 200 and "Send anyway" not in page
        assert customer.out.sent[-1][1].text == "We will refund the <shipping> too."

        # A change of hands counts too, and a form without a mark (an old page) is sent.
        seen = await seen_mark(alice.client, number)
        await sam.client.post(f"/console/tickets/{number}/transfer", {"to": "agent:bob"})
        status, page, _ = await sam.client.post(f"/console/tickets/{number}/reply",
                                                {"text": "Bob will finish this.",
                                                 "seen": seen})
        assert status == 200, "sam's own transfer is no surprise to sam"
        status, page, _ = await alice.client.post(f"/console/tickets/{number}/reply",
                                                  {"text": "late", "seen": "garbage"})
        assert status == 409 and "held by bob" in page  # the desk's own refusal, as before


async def test_a_ticket_changing_hands_holds_the_reply_back(running: RunningApp) -> None:
    await staff(running)
    customer, number = await escalate(running)
    async with AsyncExitStack() as stack:
        sam, ada = await tabs(stack, running, "sam", "ada")
        await sam.client.post(f"/console/tickets/{number}/take")
        seen = await seen_mark(sam.client, number)
        await ada.client.get(f"/console/tickets/{number}")
        await ada.client.post(f"/console/tickets/{number}/transfer", {"to": "agent:bob"})
        sent = len(customer.out.sent)
        status, page, _ = await sam.client.post(f"/console/tickets/{number}/reply",
                                                {"text": "Mine.", "seen": seen})
        assert status == 409 and "ada transferred it" in page
        assert len(customer.out.sent) == sent


async def test_what_a_live_page_has_shown_is_no_surprise(running: RunningApp) -> None:
    """The live fragment carries its mark; the page's script puts it in the reply form, so
    words the page already showed do not hold the reply back (the script warns instead)."""
    await staff(running)
    customer, number = await escalate(running)
    async with AsyncExitStack() as stack:
        (alice,) = await tabs(stack, running, "alice")
        await alice.client.post(f"/console/tickets/{number}/take")
        stale = await seen_mark(alice.client, number)
        await customer.says("Are you still there?")
        async with alice.client.http.get(running.url(f"/console/tickets/{number}/live")) as r:
            assert r.status == 200 and "Are you still there?" in await r.text()
            shown = r.headers["X-Heard-Seen"]
        assert shown != stale
        status, _, _ = await alice.client.post(f"/console/tickets/{number}/reply",
                                               {"text": "Yes, sorry!", "seen": shown})
        assert status == 200 and customer.out.sent[-1][1].text == "Yes, sorry!"
