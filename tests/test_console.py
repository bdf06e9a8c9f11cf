"""The web console over real HTTP against the composed app: login, sessions, CSRF, roles, and
every agent action reaching the customer (or, for notes, never reaching them)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiohttp
import pytest

from storage.queue import TicketQueue
from tests.conftest import Clock
from tests.console_support import (
    ConsoleClient,
    add_agent,
    console,
    deps,
    escalate,
    staff,
)
from tests.e2e_support import RunningApp, wait_for


@pytest.fixture
async def running(tmp_path: Path, clock: Clock) -> RunningApp:  # type: ignore[misc]
    async with console(tmp_path, clock) as app:
        yield app


@pytest.fixture
async def browser(running: RunningApp) -> ConsoleClient:  # type: ignore[misc]
    client = ConsoleClient(running)
    yield client
    await client.close()


async def test_pages_need_a_login_and_forms_need_a_session(
        running: RunningApp, browser: ConsoleClient) -> None:
    status, body, path = await browser.get("/console/tickets/C-20261124-0001")
    assert (status, path) == (200, "/console/login")
    assert 'name="next" value="/console/tickets/C-20261124-0001"' in body
    status, body, _ = await browser.post("/console/tickets/C-20261124-0001/reply",
                                         {"text": "my careful answer"}, csrf="x")
    assert status == 401 and "Log in again" in body
    assert "my careful answer</textarea>" in body  # handed back, not lost


async def test_login_with_the_right_password_opens_a_fresh_session(
        running: RunningApp, browser: ConsoleClient) -> None:
    await add_agent(running, "alice")
    await browser.get("/console/login")
    browser.http.cookie_jar.update_cookies({"heard_console": "planted-by-an-attacker"})
    status, body, path = await browser.login("alice")
    assert (status, path) == (200, "/console")
    assert "alice · agent · customer_care" in body
    token = browser.cookie("heard_console")
    assert token and token != "planted-by-an-attacker"
    # The cookie is HttpOnly and SameSite=Strict, scoped to the console.
    async with browser.http.get(running.url("/console/login")) as r:
        assert r.status == 200  # a logged-in visit to the form goes on to the console
        assert r.url.path == "/console"


async def test_wrong_password_and_unknown_name_get_the_same_answer(
        running: RunningApp, browser: ConsoleClient) -> None:
    await add_agent(running, "alice")
    status, body, _ = await browser.login("alice", "wrong password!")
    assert status == 401 and "Wrong name or password." in body
    assert 'value="alice"' in body  # the name typed is kept
    status, body2, _ = await browser.login("mallory", "whatever password")
    assert status == 401 and "Wrong name or password." in body2
    assert browser.cookie("heard_console") is None


async def test_repeated_failures_slow_the_login_down(
        running: RunningApp, browser: ConsoleClient, clock: Clock) -> None:
    await add_agent(running, "alice")
    for _ in range(5):
        status, _, _ = await browser.login("alice", "not the password")
        assert status == 401
    # Now even the right password waits: the guesser learns nothing from trying it.
    status, body, _ = await browser.login("alice")
    assert status == 429 and "Too many failed attempts" in body
    clock.advance(seconds=3)
    status, _, path = await browser.login("alice")
    assert (status, path) == (200, "/console")


async def test_simultaneous_guesses_are_counted_before_they_are_checked(
        running: RunningApp, clock: Clock) -> None:
    await add_agent(running, "alice")
    guessers = [ConsoleClient(running) for _ in range(12)]
    try:
        for g in guessers:
            await g.get("/console/login")
        results = await asyncio.gather(*(
            g.post("/console/login", {"name": "alice", "password": f"guess number {n}"})
            for n, g in enumerate(guessers)))
    finally:
        for g in guessers:
            await g.close()
    statuses = sorted(status for status, _, _ in results)
    assert statuses.count(401) == 5 and statuses.count(429) == 7


async def test_the_login_form_itself_needs_its_token(
        running: RunningApp, browser: ConsoleClient) -> None:
    await add_agent(running, "alice")
    await browser.get("/console/login")
    status, body, _ = await browser.post("/console/login",
                                         {"name": "alice", "password": "correct horse battery"},
                                         csrf="forged")
    assert status == 403 and "expired" in body
    assert browser.cookie("heard_console") is None


async def test_a_login_never_redirects_off_site(
        running: RunningApp, browser: ConsoleClient) -> None:
    await add_agent(running, "alice")
    await browser.get("/console/login")
    status, _, path = await browser.post(
        "/console/login", {"name": "alice", "password": "correct horse battery",
                           "next": "//evil.example/console"})
    assert (status, path) == (200, "/console")


async def test_sessions_expire_when_idle_and_at_logout(
        running: RunningApp, browser: ConsoleClient, clock: Clock) -> None:
    await add_agent(running, "alice")
    await browser.login("alice")
    clock.advance(minutes=59)
    assert (await browser.get("/console"))[2] == "/console"  # activity keeps it alive
    clock.advance(minutes=61)
    assert (await browser.get("/console"))[2] == "/console/login"

    await browser.login("alice")
    token = browser.cookie("heard_console")
    await browser.get("/console")
    _, _, path = await browser.post("/console/logout")
    assert path == "/console/login"
    # The old cookie is dead on the server, not only forgotten by this browser.
    browser.http.cookie_jar.update_cookies({"heard_console": token or ""})
    assert (await browser.get("/console"))[2] == "/console/login"


async def test_forms_without_the_token_or_from_another_site_change_nothing(
        running: RunningApp, browser: ConsoleClient) -> None:
    await add_agent(running, "alice")
    _, number = await escalate(running)
    await browser.login("alice")
    await browser.get(f"/console/tickets/{number}")
    status, _, _ = await browser.post(f"/console/tickets/{number}/take", csrf="")
    assert status == 403
    status, _, _ = await browser.post(f"/console/tickets/{number}/take",
                                      origin="https://evil.example")
    assert status == 403
    view = await TicketQueue(running.core.store.engine).view(number)
    assert view is not None and view.agent is None


async def test_take_reply_note_and_close_from_the_console(
        running: RunningApp, browser: ConsoleClient) -> None:
    customer, number = await escalate(running)
    await add_agent(running, "alice")
    await browser.login("alice")

    _, body, _ = await browser.get("/console")
    assert number in body  # alice's team (customer care) has the case waiting

    _, body, _ = await browser.get(f"/console/tickets/{number}")
    assert "The parcel never came" in body and "human_request" in body

    status, body, _ = await browser.post(f"/console/tickets/{number}/take")
    assert status == 200 and f"alice took {number}." in body
    assert customer.out.sent[-1][1].template == "agent.joined"

    await browser.post(f"/console/tickets/{number}/reply", {"text": "Hello, I am on it."})
    assert customer.out.sent[-1][1].text == "Hello, I am on it."

    before = len(customer.out.sent)
    status, body, _ = await browser.post(f"/console/tickets/{number}/note",
                                         {"text": "Courier says depot B"})
    assert status == 200 and "Courier says depot B" in body
    assert len(customer.out.sent) == before  # a note never reaches the customer
    case = await deps(running).cases.case(number)
    assert case is not None
    assert all("depot B" not in line.text for line in case.transcript)
    assert [n.data["text"] for n in case.notes] == ["Courier says depot B"]

    status, body, _ = await browser.post(f"/console/tickets/{number}/close", {"text": ""})
    assert status == 409 and "how it was resolved" in body
    status, body, _ = await browser.post(f"/console/tickets/{number}/close",
                                         {"text": "Redelivered today"})
    assert status == 200 and f"{number} closed." in body
    said = [r.template for _, r in customer.out.sent[-2:]]
    assert said == ["agent.closed", "feedback.solved"]  # then: is it really solved?
    case = await deps(running).cases.case(number)
    assert case is not None and case.row.status == "closed"
    who = {e.kind: e.actor for e in case.events}
    assert who["taken"] == who["note"] == who["closed"] == "agent:alice"


async def test_a_refused_reply_keeps_what_the_agent_typed(
        running: RunningApp, browser: ConsoleClient) -> None:
    customer, number = await escalate(running)
    people = await staff(running)
    await deps(running).desk.take(people.bob, number)
    await browser.login("alice")
    await browser.get(f"/console/tickets/{number}")
    before = len(customer.out.sent)
    status, body, _ = await browser.post(f"/console/tickets/{number}/reply",
                                         {"text": "A long careful answer"})
    assert status == 409 and "held by bob" in body
    assert "A long careful answer</textarea>" in body
    assert len(customer.out.sent) == before


async def test_two_agents_take_at_once_and_one_is_told_who_won(
        running: RunningApp) -> None:
    _, number = await escalate(running)
    await staff(running)
    alice, bob = ConsoleClient(running), ConsoleClient(running)
    try:
        await alice.login("alice")
        await bob.login("bob")
        await alice.get(f"/console/tickets/{number}")
        await bob.get(f"/console/tickets/{number}")
        (sa, ba, _), (sb, bb, _) = await asyncio.gather(
            alice.post(f"/console/tickets/{number}/take"),
            bob.post(f"/console/tickets/{number}/take"))
        bodies = sorted([ba, bb], key=lambda b: "already taken" in b)
        assert "took" in bodies[0] and "already taken by" in bodies[1]
        assert sorted([sa, sb]) == [200, 409]
    finally:
        await alice.close()
        await bob.close()


async def test_transfer_to_a_team_and_to_an_agent(
        running: RunningApp, browser: ConsoleClient) -> None:
    customer, number = await escalate(running)
    await staff(running)
    await browser.login("alice")
    await browser.get(f"/console/tickets/{number}")
    await browser.post(f"/console/tickets/{number}/take")
    status, body, _ = await browser.post(f"/console/tickets/{number}/transfer",
                                         {"to": "agent:bob"})
    assert status == 200 and f"{number} is now with bob." in body
    assert "bob" in customer.out.sent[-1][1].text
    view = await TicketQueue(running.core.store.engine).view(number)
    assert view is not None and view.agent == "bob"

    # alice no longer holds it; the supervisor may move it anyway.
    status, body, _ = await browser.post(f"/console/tickets/{number}/transfer",
                                         {"to": "team:finance"})
    assert status == 409
    sam = ConsoleClient(running)
    try:
        await sam.login("sam")
        await sam.get(f"/console/tickets/{number}")
        status, body, _ = await sam.post(f"/console/tickets/{number}/transfer",
                                         {"to": "team:finance"})
        assert status == 200 and "finance" in body
        status, body, _ = await sam.post(f"/console/tickets/{number}/transfer",
                                         {"to": "team:nonsense"})
        assert status == 409 and "No team" in body
    finally:
        await sam.close()
    view = await TicketQueue(running.core.store.engine).view(number)
    assert view is not None and (view.team, view.agent) == ("finance", None)


async def test_customer_text_is_shown_as_text_never_as_markup(
        running: RunningApp, browser: ConsoleClient) -> None:
    _, number = await escalate(running, text="<script>alert('x')</script> my parcel is lost")
    await add_agent(running, "alice")
    await browser.login("alice")
    _, body, _ = await browser.get(f"/console/tickets/{number}")
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in body


async def test_queue_filters_and_bad_addresses(
        running: RunningApp, browser: ConsoleClient) -> None:
    _, number = await escalate(running)
    await add_agent(running, "alice")
    await add_agent(running, "fay", team="finance")
    fay = ConsoleClient(running)
    try:
        await fay.login("fay")
        _, body, _ = await fay.get("/console")
        assert number not in body and "the queue is empty" in body  # finance's own queue
        _, body, _ = await fay.get("/console?view=waiting&team=all")
        assert number in body
        _, body, _ = await fay.get("/console?view=waiting&team=all&priority=P1")
        assert number not in body
        _, body, _ = await fay.get("/console?view=nonsense&priority=P9")
        assert "Nothing here" in body  # unknown filters fall back, never fail
        status, _, _ = await fay.get("/console/tickets/not-a-ticket")
        assert status == 404
        status, _, _ = await fay.get("/console/tickets/C-20260101-9999")
        assert status == 404
    finally:
        await fay.close()


async def test_agents_page_is_for_supervisors_and_only_admins_disable(
        running: RunningApp, browser: ConsoleClient) -> None:
    await staff(running)
    await browser.login("alice")
    assert (await browser.get("/console/agents"))[0] == 403

    bob = ConsoleClient(running)
    sam = ConsoleClient(running)
    ada = ConsoleClient(running)
    try:
        await bob.login("bob")
        await sam.login("sam")
        _, body, _ = await sam.get("/console/agents")
        assert "bob" in body and "Disable" not in body
        assert (await sam.post("/console/agents/bob/disable"))[0] == 403

        await ada.login("ada")
        await ada.get("/console/agents")
        status, body, _ = await ada.post("/console/agents/bob/disable")
        assert status == 200 and "bob is disabled and signed out." in body
        # bob's open session ends with the account.
        assert (await bob.get("/console"))[2] == "/console/login"
        assert (await bob.login("bob"))[0] == 401
    finally:
        for c in (bob, sam, ada):
            await c.close()


async def test_live_socket_checks_origin_and_session_then_names_changed_tickets(
        running: RunningApp, browser: ConsoleClient) -> None:
    await add_agent(running, "alice")
    ws_url = running.url("/console/ws")
    async with aiohttp.ClientSession() as anonymous:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await anonymous.ws_connect(ws_url, origin=running.base_url)
        assert refused.value.status == 401
    await browser.login("alice")
    for origin in (None, "https://evil.example"):
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await browser.http.ws_connect(ws_url, origin=origin)
        assert refused.value.status == 403
    ws = await browser.http.ws_connect(ws_url, origin=running.base_url)
    try:
        await wait_for(lambda: len(deps(running).hub) == 1, what="the socket")
        customer, number = await escalate(running)
        change = json.loads((await ws.receive(timeout=5)).data)
        assert change == {"ticket": number, "kind": "escalated"}
        assert customer.last  # the customer was answered too
    finally:
        await ws.close()


async def test_a_call_back_promised_from_the_console_shows_on_the_ticket(
        running: RunningApp, browser: ConsoleClient) -> None:
    customer, number = await escalate(running)
    await add_agent(running, "alice")
    await browser.login("alice")
    await browser.get(f"/console/tickets/{number}")
    await browser.post(f"/console/tickets/{number}/take")
    status, body, _ = await browser.post(f"/console/tickets/{number}/callback",
                                         {"text": "in a while"})
    assert status == 409 and "When? Give a time like" in body
    assert 'value="in a while"' in body  # kept for the agent to fix
    status, body, _ = await browser.post(f"/console/tickets/{number}/callback",
                                         {"text": "+2h"})
    assert status == 200 and "Call-back promised" in body
    assert "in 2 hr</time> · 2026-11-24 11:30 UTC" in body
    assert customer.out.sent[-1][1].template == "agent.callback"
    status, body, _ = await browser.post(f"/console/tickets/{number}/called")
    assert status == 200 and f"Call-back on {number} marked done." in body
    assert "Call-back promised" not in body


async def test_an_unanswered_case_past_its_promise_is_marked_late(
        running: RunningApp, browser: ConsoleClient, clock: Clock) -> None:
    _, number = await escalate(running)
    await add_agent(running, "alice")
    await browser.login("alice")
    _, body, _ = await browser.get("/console")
    assert number in body and 'class="due late"' not in body
    for _ in range(6):  # P3 promises a first answer within 4 hours; alice stays active
        clock.advance(minutes=50)
        _, body, _ = await browser.get("/console")
    assert 'class="due late"' in body and " late</time>" in body


async def test_take_the_next_case_goes_most_urgent_first(
        running: RunningApp, browser: ConsoleClient) -> None:
    _, first = await escalate(running, chat_id="2001")
    _, urgent = await escalate(running, chat_id="2002",
                               text="The heater caught fire and burned my hand")
    await add_agent(running, "alice")
    await browser.login("alice")
    await browser.get("/console?team=all")
    status, body, path = await browser.post("/console/next", {"team": "all"})
    assert (status, path) == (200, f"/console/tickets/{urgent}")  # P1 before P3
    assert f"alice took {urgent}." in body
    await browser.get("/console?team=all")
    _, body, path = await browser.post("/console/next", {"team": "all"})
    assert path == f"/console/tickets/{first}"
    await browser.get("/console?team=all")
    _, body, path = await browser.post("/console/next", {"team": "all"})
    assert path == "/console" and "Nothing is waiting." in body


async def test_the_live_socket_ends_with_its_session(
        running: RunningApp, browser: ConsoleClient) -> None:
    await staff(running)
    ws_url = running.url("/console/ws")
    await browser.login("alice")
    await browser.get("/console")
    ws = await browser.http.ws_connect(ws_url, origin=running.base_url)
    await browser.post("/console/logout")
    closed = await ws.receive(timeout=5)
    assert closed.type == aiohttp.WSMsgType.CLOSE and closed.data == 4001

    bob = ConsoleClient(running)
    ada = ConsoleClient(running)
    try:
        await bob.login("bob")
        bob_ws = await bob.http.ws_connect(ws_url, origin=running.base_url)
        await ada.login("ada")
        await ada.get("/console/agents")
        await ada.post("/console/agents/bob/disable")
        closed = await bob_ws.receive(timeout=5)
        assert closed.type == aiohttp.WSMsgType.CLOSE and closed.data == 4001
        # One session cannot open sockets without end.
        opened = [await ada.http.ws_connect(ws_url, origin=running.base_url)
                  for _ in range(8)]
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await ada.http.ws_connect(ws_url, origin=running.base_url)
        assert refused.value.status == 429
        for s in opened:
            await s.close()
    finally:
        await bob.close()
        await ada.close()


async def test_only_the_holder_or_a_supervisor_marks_a_call_back_done(
        running: RunningApp, browser: ConsoleClient) -> None:
    customer, number = await escalate(running)
    people = await staff(running)
    desk = deps(running).desk
    await desk.take(people.alice, number)
    assert (await desk.promise_callback(people.alice, number, "+2h")).ok
    assert not (await desk.called_back(people.bob, number)).ok
    assert (await desk.called_back(people.sam, number)).ok
    # And nothing more is said to the customer of a closed case.
    assert (await desk.close(people.alice, number, "Sorted")).ok
    before = len(customer.out.sent)
    refused = await desk.reply(people.alice, number, "one more thing")
    assert not refused.ok and "closed" in refused.message
    assert len(customer.out.sent) == before


async def test_oversized_forms_static_caching_and_next_after_a_failed_login(
        running: RunningApp, browser: ConsoleClient) -> None:
    await add_agent(running, "alice")
    await browser.get("/console/login?next=/console/agents")
    status, body, _ = await browser.post("/console/login",
                                         {"name": "alice", "password": "wrong password",
                                          "next": "/console/agents"})
    assert status == 401 and 'name="next" value="/console/agents"' in body
    await browser.login("alice")
    status, _, _ = await browser.post("/console/tickets/C-20261124-0001/note",
                                      {"text": "x" * 100_000})
    assert status == 413
    async with browser.http.get(running.url("/console/static/console.js")) as r:
        assert r.status == 200 and r.headers["Cache-Control"] == "no-cache"


async def test_a_failure_on_our_side_hands_the_text_back(
        running: RunningApp, browser: ConsoleClient, monkeypatch: pytest.MonkeyPatch) -> None:
    _, number = await escalate(running)
    await add_agent(running, "alice")
    await browser.login("alice")
    await browser.get(f"/console/tickets/{number}")

    async def broken(*args: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(deps(running).desk, "note", broken)
    async with browser.http.post(running.url(f"/console/tickets/{number}/note"),
                                 data={"csrf": browser.csrf, "text": "my long note"},
                                 headers={"Origin": running.base_url}) as r:
        body = await r.text()
        assert r.status == 500 and "Content-Security-Policy" in r.headers
    assert "Something went wrong on our side" in body and "my long note</textarea>" in body
