"""What the customer sees of an agent: their display name, never their login name, on every
message of theirs and every message about them, in the web chat (live and after a reload) and
on Telegram; inside (the console, the ticket's history, the transcript's template, reports)
the login name stays who did it. Set by the agent, in the studio, refused when bad."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
import sqlalchemy as sa

from storage.agents import AgentStore
from storage.schema import messages, ticket_events, tickets
from tests.conftest import Clock, make_settings
from tests.console_support import PASSWORD, ConsoleClient, add_agent, staff
from tests.e2e_support import RunningApp, app_on, start_app, telegram_settings, wait_for
from tests.fake_bot_api import FakeBotApi
from tests.test_e2e_telegram import TelegramCustomer
from tests.test_e2e_webchat import WebVisitor, connect

TICKET = re.compile(r"C-\d{8}-\d{4}")


@pytest.fixture
async def running(database_url: str, clock: Clock) -> AsyncIterator[RunningApp]:
    async with app_on(database_url, clock,
                      WEB_SECRET="display-name-secret-0123456789abcdef") as app:
        yield app


async def agent_client(running: RunningApp, name: str) -> ConsoleClient:
    client = ConsoleClient(running)
    status, _, path = await client.login(name)
    assert (status, path) == (200, "/console")
    return client


async def frames_until(visitor: WebVisitor, done: Any) -> list[dict[str, Any]]:
    """The reply frames that arrive (an agent's doing, not an answer to a turn) until
    `done(frames)` holds."""
    got: list[dict[str, Any]] = []
    while not done(got):
        frame = await visitor.frame()
        if frame["type"] == "reply":
            got.append(frame)
    return got


async def test_the_web_chat_customer_sees_the_display_name_and_the_desk_the_login(
        running: RunningApp) -> None:
    alice = await add_agent(running, "alice")
    await AgentStore(running.core.store.engine).set_display_name("alice", "林小姐")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(running.url("/chat")) as page:
            assert page.status == 200
        visitor = await connect(running, http)
        await visitor.says("My parcel never arrived")
        await visitor.says("I want to talk to a human")
        found = TICKET.search(visitor.text)
        assert found, visitor.text
        number = found.group(0)

        desk = await agent_client(running, "alice")
        await desk.get(f"/console/tickets/{number}")
        await desk.post(f"/console/tickets/{number}/take")
        joined = await frames_until(visitor, lambda f: len(f) >= 1)
        assert "林小姐 from our team has joined" in joined[0]["text"]
        await desk.post(f"/console/tickets/{number}/reply", {"text": "I am on it."})
        said = await frames_until(visitor, lambda f: len(f) >= 1)
        assert said[0]["agent"] == "林小姐" and said[0]["text"] == "I am on it."

        # The agent renames herself: new messages carry the new name, the old one keeps the
        # name the customer saw it under.
        await desk.get("/console/me")
        status, body, _ = await desk.post("/console/me", {"display_name": "  Lin  "})
        assert status == 200 and "Customers now see you as Lin." in body
        await desk.post(f"/console/tickets/{number}/reply", {"text": "Found it."})
        said = await frames_until(visitor, lambda f: len(f) >= 1)
        assert said[0]["agent"] == "Lin"
        await desk.post(f"/console/tickets/{number}/close", {"text": "Parcel redelivered"})
        closed = await frames_until(visitor, lambda f: any("closed" in r["text"] for r in f))
        assert any("Our agent Lin has closed" in r["text"] for r in closed)

        # The customer says it is not solved: the case goes back to her, by that name.
        await visitor.says("No, not solved")
        assert "reopened your case and Lin will pick it up again" in visitor.text
        again = await connect(running, http, hello=False)  # a reload
        agents = [(i["text"], i.get("agent")) for i in again.history if i.get("agent")]
        assert agents == [("I am on it.", "林小姐"), ("Found it.", "Lin")]
        assert not any("alice" in i["text"] for i in again.history)  # not even "joined"
        await again.ws.close()
        await visitor.ws.close()

        # Inside, the login name: the console's transcript and history, the stored template.
        _, page_text, _ = await desk.get(f"/console/tickets/{number}")
        assert "alice (agent)" in page_text and "林小姐 (agent)" not in page_text
        await desk.close()
    async with running.core.store.engine.connect() as conn:
        signed = (await conn.execute(
            sa.select(messages.c.template, messages.c.shown_name)
            .where(messages.c.template.like("agent:%")).order_by(messages.c.id))).all()
        actors = set((await conn.execute(
            sa.select(ticket_events.c.actor)
            .join(tickets, tickets.c.id == ticket_events.c.ticket_id)
            .where(tickets.c.number == number, ticket_events.c.kind.in_(("taken", "closed")))
        )).scalars())
        held_by = (await conn.execute(sa.select(tickets.c.assigned_agent_id)
                                      .where(tickets.c.number == number))).scalar()
    assert [tuple(r) for r in signed] == [("agent:alice", "林小姐"), ("agent:alice", "Lin")]
    assert actors == {"agent:alice"} and held_by == alice.id  # reports count alice


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


@pytest.mark.parametrize(("language", "said", "line"), [
    ("en", ("My parcel never arrived", "I want to talk to a human"),
     "Ann Lee (customer care team):\nHello, I will sort this out."),
    ("zh-TW", ("我的包裹一直沒有送到", "我要找真人客服"),
     "客服專員林小姐：\nHello, I will sort this out.")])
async def test_a_telegram_customer_reads_the_display_name_above_the_agents_words(
        api: FakeBotApi, sqlite_url: str, clock: Clock, language: str,
        said: tuple[str, str], line: str) -> None:
    """Telegram sends an agent's words from the bot's own account, so the name goes above
    them, with the role in the customer's language (handlers/channels/telegram/output.py)."""
    running = await start_app(make_settings(sqlite_url, **telegram_settings(api)), clock=clock)
    try:
        shown = "Ann Lee" if language == "en" else "林小姐"
        await AgentStore(running.core.store.engine).add(
            "ann", "agent", datetime.now(UTC), team="customer_care", display_name=shown,
            password_hash=await _hash())
        customer = TelegramCustomer(api, running, 4242)
        for text in said:
            await customer.push(api.push_text(4242, text, user=api.user(4242, language)))
        found = TICKET.search("\n".join(api.texts(4242)))
        assert found, api.texts(4242)
        number = found.group(0)
        desk = await agent_client(running, "ann")
        await desk.get(f"/console/tickets/{number}")
        await desk.post(f"/console/tickets/{number}/take")
        await desk.post(f"/console/tickets/{number}/reply",
                        {"text": "Hello, I will sort this out."})
        await wait_for(lambda: api.texts(4242)[-1] == line, what="the agent's reply",
                       timeout=15)
        assert shown in api.texts(4242)[-2]  # "… has joined"
        assert not any(re.search(r"\bann\b", t) for t in api.texts(4242))
        await desk.close()
    finally:
        await running.stop()


async def _hash() -> str:
    from handlers.agents.passwords import hash_password

    return await hash_password(PASSWORD)


async def test_the_studio_and_the_agent_set_it_and_bad_names_are_refused(
        running: RunningApp) -> None:
    await staff(running)
    store = AgentStore(running.core.store.engine)
    ada = ConsoleClient(running)
    await ada.login("ada")  # one session for both: the studio shares the console's login
    status, body, _ = await ada.get("/admin/people")
    assert status == 200 and 'name="display_name"' in body
    for bad, why in (("x" * 41, "this one has 41"), ("Ann\u202eLee", "control characters"),
                     ("Ann\x07", "control characters")):
        status, body, _ = await ada.post("/admin/people/bob/display_name", {"display_name": bad})
        assert status == 422 and why in body, bad
    assert (await store.by_name("bob")).display_name is None  # type: ignore[union-attr]
    status, body, _ = await ada.post("/admin/people/bob/display_name",
                                     {"display_name": " 客服  小林 "})
    assert status == 200
    assert (await store.by_name("bob")).display_name == "客服 小林"  # type: ignore[union-attr]
    status, body, _ = await ada.post("/admin/people", {
        "name": "cy", "role": "agent", "team": "", "password": "", "display_name": "Cy"})
    assert status == 200
    assert (await store.by_name("cy")).shown_name == "Cy"  # type: ignore[union-attr]
    status, body, _ = await ada.post("/admin/people", {
        "name": "dee", "role": "agent", "team": "", "password": "",
        "display_name": "a\nb"})
    assert status == 422 and await store.by_name("dee") is None
    await ada.post("/admin/people/bob/display_name", {"display_name": ""})  # cleared
    assert (await store.by_name("bob")).shown_name == "bob"  # type: ignore[union-attr]
    status, body, _ = await ada.get("/admin/audit")
    assert "display_name" in body
    await ada.close()

    bob = await agent_client(running, "bob")
    status, body, _ = await bob.get("/console/me")
    assert status == 200 and "Customers now see you as <b>bob</b>" in body
    status, body, _ = await bob.post("/console/me", {"display_name": "\t"})
    assert status == 200  # blank: back to the login name
    status, body, _ = await bob.post("/console/me", {"display_name": "y" * 41})
    assert status == 422 and "this one has 41" in body and 'value="' + "y" * 41 in body
    status, body, _ = await bob.post("/console/me", {"display_name": "Bo"}, csrf="forged")
    assert status in (401, 403)
    assert (await store.by_name("bob")).display_name is None  # type: ignore[union-attr]
    status, body, _ = await bob.post("/console/me", {"display_name": "Bo"})
    assert status == 200 and (await store.by_name("bob")).display_name == "Bo"  # type: ignore[union-attr]
    # The supervisors' agents page shows what customers see beside the login name.
    sam = await agent_client(running, "sam")
    _, body, _ = await sam.get("/console/agents")
    assert "<td>bob</td><td>Bo</td>" in body
    await sam.close()
    await bob.close()


def test_a_display_name_is_trimmed_normalised_and_checked() -> None:
    from dialogs.display_name import BadDisplayName, display_name

    assert display_name("  客服小林 ") == "客服小林"
    assert display_name("Ann   Lee") == "Ann Lee"
    assert display_name("Zoe\u0301") == "Zo\u00e9"  # NFC: one é, however it was typed
    assert display_name("x" * 40) == "x" * 40
    for bad in ("", "   ", "x" * 41, "Ann\nLee", "Ann\tLee", "Ann\u202eLee", "A\u200db",
                "\x00"):
        with pytest.raises(BadDisplayName):
            display_name(bad)


def test_channels_show_the_display_name_and_the_template_keeps_the_login() -> None:
    from dialogs.commands import AgentSays
    from dialogs.messages import Reply
    from handlers.channels.telegram.output import shown_text
    from handlers.channels.webchat.protocol import reply_frame

    signed = Reply("Hi", (), "agent:lin.w", "zh-TW", "neutral", 0, shown_name="林小姐")
    assert signed.agent == "林小姐" and signed.template == "agent:lin.w"
    assert shown_text(signed) == "客服專員林小姐：\nHi"
    assert reply_frame(signed)["agent"] == "林小姐"
    unsigned = Reply("Hi", (), "agent:lin.w", "en")
    assert unsigned.agent == "lin.w" and shown_text(unsigned).startswith("lin.w (customer")
    # A bot message never gets a sender, whatever it carries.
    assert Reply("Hello", (), "greet", "en", shown_name="x").agent is None
    assert AgentSays("lin.w", "Hi", "林小姐").name == "林小姐"
    assert AgentSays("lin.w", "Hi").name == "lin.w"


async def test_migration_0020_goes_down_and_up_and_matches_the_schema(
        database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from storage.database import create_engine
    from storage.migrate import downgrade, upgrade
    from storage.schema import metadata

    engine = create_engine(database_url)
    try:
        await upgrade(engine)
        store = AgentStore(engine)
        await store.add("lin", "agent", datetime.now(UTC), display_name="客服小林")
        await downgrade(engine, "0019")
        async with engine.connect() as conn:
            columns = await conn.run_sync(
                lambda c: {col["name"] for col in sa.inspect(c).get_columns("agents")})
            assert "display_name" not in columns
            assert not await conn.run_sync(lambda c: sa.inspect(c).has_table("presence"))
        await upgrade(engine)
        lin = await store.by_name("lin")
        assert lin is not None and lin.display_name is None and lin.shown_name == "lin"

        def differences(sync_conn: Any) -> list[Any]:
            found = compare_metadata(MigrationContext.configure(sync_conn), metadata)
            mine = ("presence", "display_name", "shown_name")
            return [d for d in found if any(m in repr(d) for m in mine)]

        async with engine.connect() as conn:
            assert await conn.run_sync(differences) == []
    finally:
        await engine.dispose()
