"""Canned replies in the console over real HTTP, on SQLite and PostgreSQL: filled in the
customer's locale with the ticket's facts, inserted with or without the page's script, the
reply sent being what the agent edited; who may write and change which macros; bad
placeholders refused with their line; every change in the audit log."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from html import unescape

import pytest

from dialogs.events import Escalated
from storage.agents import Agent
from storage.audit import AuditAction, AuditLog
from tests.conftest import Clock, Customer
from tests.console_support import ConsoleClient, add_agent, committed, deps, escalate
from tests.e2e_support import RunningApp, app_on, wait_for

JSON = {"Accept": "application/json"}
EMPTY = {"body_en": "", "body_zh-CN": "", "body_zh-TW": ""}


@pytest.fixture
async def running(database_url: str, clock: Clock) -> AsyncIterator[RunningApp]:
    async with app_on(database_url, clock, HEARD_TIMEZONE="Asia/Taipei") as app:
        yield app


@pytest.fixture
async def browser(running: RunningApp) -> AsyncIterator[ConsoleClient]:
    client = ConsoleClient(running)
    yield client
    await client.close()


async def escalate_tw(running: RunningApp, chat_id: str = "2002") -> tuple[Customer, str]:
    """A Taiwanese customer on Telegram who asks for a person."""
    events = committed(running)
    c = Customer(running.core, chat_id=chat_id, language_code="zh-TW", name="陳美玲")
    running.core.pipeline.outbox.register("telegram", c.out)
    await c.says("我的包裹一直沒有送到")
    await c.says("轉真人")
    await wait_for(lambda: any(isinstance(e, Escalated) for e in events), what="the handoff")
    return c, next(e.number for e in events if isinstance(e, Escalated))


def textarea(body: str, name: str = "reply-text") -> str:
    found = re.search(rf'id="{name}"[^>]*>(.*?)</textarea>', body, re.S)
    assert found, body
    return unescape(found.group(1))


async def fill(browser: ConsoleClient, number: str, name: str) -> tuple[int, dict[str, str]]:
    async with browser.http.get(browser.running.url(
            f"/console/tickets/{number}/macro?name={name}"), headers=JSON) as r:
        return r.status, json.loads(await r.text())


async def new_macro(browser: ConsoleClient, name: str, who: str, **bodies: str) -> tuple[
        int, str]:
    await browser.get("/console/macros")
    form = {"name": name, "title": f"About {name}", "for": who, **EMPTY}
    form.update({f"body_{k.replace('_', '-')}": v for k, v in bodies.items()})
    status, body, _ = await browser.post("/console/macros", form)
    return status, body


async def test_a_seeded_macro_fills_in_zh_tw_and_the_edited_reply_is_what_is_sent(
        running: RunningApp, browser: ConsoleClient) -> None:
    customer, number = await escalate_tw(running)
    await add_agent(running, "alice")
    await browser.login("alice")
    await browser.post(f"/console/tickets/{number}/take")

    _, page, _ = await browser.get(f"/console/tickets/{number}")
    assert 'id="macro-name"' in page and 'value="sorry-delay"' in page
    assert 'value="photo-damage"' in page and 'value="refund-on-way"' in page

    # The page's script asks for JSON: the zh-TW text with every variable filled.
    status, filled = await fill(browser, number, "sorry-delay")
    assert status == 200 and filled["locale"] == filled["wanted"] == "zh-TW"
    text = filled["text"]
    assert text.startswith("陳美玲，您好，很抱歉讓您久等了")
    assert number in text and text.endswith("前回覆您。")
    # The first-response promise, as the customer reads times (15:30 UTC is 21:30 in Taipei).
    assert "11月24日 21:30（台北時間）" in text
    assert "{" not in text and "None" not in text and filled["note"] == ""

    # Without the script, the picker's form brings the page back with the box filled.
    status, page, _ = await browser.get(f"/console/tickets/{number}/macro?name=sorry-delay")
    assert status == 200 and textarea(page) == text
    assert "sorry-delay inserted in zh-TW" in page

    # The agent edits a word before sending: the customer gets the edited text.
    edited = text.replace("很抱歉", "真的很抱歉")
    await browser.post(f"/console/tickets/{number}/reply", {"text": edited})
    assert customer.out.sent[-1][1].text == edited


async def test_a_macro_without_the_customers_locale_falls_back_and_says_so(
        running: RunningApp, browser: ConsoleClient, clock: Clock) -> None:
    _, number = await escalate_tw(running)
    await add_agent(running, "alice")
    await browser.login("alice")
    status, _ = await new_macro(browser, "thanks", "personal",
                                en="Thanks {customer_name}, {agent_name} here.")
    assert status == 200
    status, filled = await fill(browser, number, "thanks")
    assert filled["locale"] == "en" and filled["wanted"] == "zh-TW"
    assert filled["text"] == "Thanks 陳美玲, alice here."
    assert filled["note"] == "thanks has no zh-TW text: the en one is inserted."
    _, page, _ = await browser.get(f"/console/tickets/{number}/macro?name=thanks")
    assert "thanks has no zh-TW text" in page

    # Once the promised time has passed it is not promised again: stand-in words, and the
    # agent is told to check them.
    clock.advance(hours=7)
    await browser.login("alice")  # the session is long idle by then
    status, filled = await fill(browser, number, "sorry-delay")
    assert "我會在盡快前回覆您" in filled["text"] and "台北時間" not in filled["text"]
    assert filled["note"] == "No value for {promised_time} on this ticket: check the wording."

    # An unknown name, or another agent's own macro, is not there.
    status, filled = await fill(browser, number, "nonsense")
    assert status == 404 and "no macro called" in filled["error"]
    await add_agent(running, "bob")
    other = ConsoleClient(running)
    try:
        await other.login("bob")
        status, _ = await fill(other, number, "thanks")
        assert status == 404
    finally:
        await other.close()


async def test_who_may_write_and_change_which_macros(
        running: RunningApp, browser: ConsoleClient) -> None:
    await add_agent(running, "alice")  # customer_care
    await add_agent(running, "bob")  # customer_care
    await add_agent(running, "carol", team="logistics")
    await add_agent(running, "sam", "supervisor", team=None)
    await add_agent(running, "ada", "admin", team=None)
    store = deps(running).macros
    assert store is not None
    clients = {n: ConsoleClient(running) for n in ("bob", "carol", "sam", "ada")}
    try:
        for name, client in clients.items():
            await client.login(name)
        await browser.login("alice")

        # An agent may not write a shared or a team macro; the form says so, keeps the text.
        status, body = await new_macro(browser, "hello", "shared", en="Hello!")
        assert status == 400 and "Only admins write shared macros" in body
        assert "Hello!</textarea>" in body and 'value="hello"' in body
        assert 'value="shared"' not in body  # not even offered
        status, body = await new_macro(browser, "hello", "team:customer_care", en="Hello!")
        assert status == 400 and "Only supervisors and admins" in body
        status, _ = await new_macro(browser, "hello", "personal", en="Hello from alice")
        assert status == 200

        # Her own is hers alone: bob neither sees nor reaches it.
        [mine] = [m for m in await store.store.visible(
            await _agent(running, "alice")) if m.name == "hello"]
        _, bobs_list, _ = await clients["bob"].get("/console/macros")
        assert "Hello from alice" not in bobs_list and "About hello" not in bobs_list
        status, _, _ = await clients["bob"].get(f"/console/macros/{mine.id}")
        assert status == 404
        status, _, _ = await clients["bob"].post(f"/console/macros/{mine.id}/delete")
        assert status == 404
        status, _, _ = await clients["ada"].post(f"/console/macros/{mine.id}",
                                                 {"name": "hello", "title": "x", **EMPTY,
                                                  "body_en": "hijacked"})
        assert status == 404  # not even an admin edits someone's own

        # A shared macro: every agent sees it, only admins change it.
        shared = next(m for m in await store.store.visible(await _agent(running, "alice"))
                      if m.name == "sorry-delay")
        _, listing, _ = await browser.get("/console/macros")
        assert "sorry-delay" in listing and f'href="/console/macros/{shared.id}"' not in listing
        status, _, _ = await browser.get(f"/console/macros/{shared.id}")
        assert status == 403
        status, _, _ = await browser.post(f"/console/macros/{shared.id}",
                                          {"name": "sorry-delay", "title": "x", **EMPTY,
                                           "body_en": "changed by alice"})
        assert status == 403
        status, _, _ = await clients["sam"].post(f"/console/macros/{shared.id}/delete")
        assert status == 403  # supervisors keep to team macros
        status, _, _ = await clients["ada"].get(f"/console/macros/{shared.id}")
        status, body, _ = await clients["ada"].post(
            f"/console/macros/{shared.id}",
            {"name": "sorry-delay", "title": "Apology", **EMPTY,
             "body_en": "Sorry for the wait, {customer_name}."})
        assert status == 200 and "Saved sorry-delay." in body
        changed = await store.store.get(shared.id)
        assert changed is not None and changed.bodies == {
            "en": "Sorry for the wait, {customer_name}."}

        # A team macro: written by a supervisor, seen by that team only.
        status, _ = await new_macro(clients["sam"], "depot-b", "team:customer_care",
                                    en="Your parcel is at depot B.")
        assert status == 200
        status, _ = await new_macro(clients["sam"], "no-team", "team:nowhere", en="x")
        assert status == 400
        status, _ = await new_macro(clients["sam"], "everyone", "shared", en="x")
        assert status == 400
        _, listing, _ = await browser.get("/console/macros")
        assert "depot-b" in listing
        _, listing, _ = await clients["carol"].get("/console/macros")
        assert "depot-b" not in listing and "sorry-delay" in listing
        _, listing, _ = await clients["ada"].get("/console/macros")
        assert "depot-b" in listing  # admins see every team's, to keep them

        # A form without its token changes nothing.
        status, _, _ = await browser.post("/console/macros", {
            "name": "sneaky", "title": "t", "for": "personal", **EMPTY, "body_en": "x"},
            csrf="forged")
        assert status == 403
        assert all(m.name != "sneaky" for m in await store.store.visible(
            await _agent(running, "alice")))
    finally:
        for client in clients.values():
            await client.close()


async def test_bad_placeholders_are_refused_with_their_line_and_names_are_unique(
        running: RunningApp, browser: ConsoleClient) -> None:
    await add_agent(running, "alice")
    await browser.login("alice")
    status, body = await new_macro(
        browser, "late", "personal",
        zh_TW="{customer_name}，您好，\n您的訂單 {order_number} 延誤了。")
    assert status == 400
    assert "Text (zh-TW), line 2: unknown placeholder {order_number}" in unescape(body)
    assert "延誤了。</textarea>" in body  # what was typed is still there
    status, body = await new_macro(browser, "Bad Name!", "personal", en="x")
    assert status == 400 and "Name: 2-40 of a-z" in body
    status, body = await new_macro(browser, "late", "personal", en="", zh_TW="")
    assert status == 400 and "at least one language" in body

    status, _ = await new_macro(browser, "late", "personal", en="Late, sorry.")
    assert status == 200
    status, body = await new_macro(browser, "late", "personal", en="Again")
    assert status == 409 and "You already have a macro called late." in body
    # The same name as a shared one is fine: the agent's own is the one they get.
    status, _ = await new_macro(browser, "sorry-delay", "personal", en="My own apology.")
    assert status == 200
    _, number = await escalate(running)
    status, filled = await fill(browser, number, "sorry-delay")
    assert filled["text"] == "My own apology."


async def test_every_change_is_in_the_audit_log(
        running: RunningApp, browser: ConsoleClient) -> None:
    await add_agent(running, "alice")
    await browser.login("alice")
    await new_macro(browser, "later", "personal", en="Talk later")
    store = deps(running).macros
    assert store is not None
    [made] = [m for m in await store.store.visible(await _agent(running, "alice"))
              if m.name == "later"]
    await browser.get(f"/console/macros/{made.id}")
    await browser.post(f"/console/macros/{made.id}", {"name": "talk-later", "title": "T",
                                                      **EMPTY, "body_en": "Talk soon"})
    await browser.post(f"/console/macros/{made.id}/delete")
    assert await store.store.get(made.id) is None
    entries = [e for e in reversed(await AuditLog(running.core.store.read_engine).entries())
               if e.subject.startswith("macro ")]
    assert [(e.actor, e.action, e.subject) for e in entries] == [
        ("alice", AuditAction.MACRO_CREATED, "macro personal/later"),
        ("alice", AuditAction.MACRO_CHANGED, "macro personal/talk-later"),
        ("alice", AuditAction.MACRO_DELETED, "macro personal/talk-later"),
    ]
    assert entries[1].detail["was"] == "later"
    assert entries[1].detail["bodies"] == {"en": "Talk soon"}


async def _agent(running: RunningApp, name: str) -> Agent:
    found = await deps(running).agents.by_name(name)
    assert found is not None
    return found
