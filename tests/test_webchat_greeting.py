"""The web chat greets a visitor as soon as the page opens (the playbook's "receive at once"),
through the real application and pipeline, on SQLite and PostgreSQL: once per conversation,
whatever reloads, tabs and reconnects follow, and never again with the customer's story."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.core import Core, open_core
from dialogs.messages import ConversationKey, Inbound
from handlers.channels.base import CollectingOutputChannel
from handlers.channels.webchat.visitor import COOKIE_NAME
from tests.conftest import Clock, Customer, make_settings
from tests.e2e_support import RunningApp, app_on
from tests.test_e2e_webchat import WebVisitor, connect, open_page

SECRET = "greeting-web-secret-0123456789abcdef"
GREETINGS = {
    "en": "Hello, this is heard customer care. I'm here to help. What happened? Tell me in "
          "your own words — you can send several messages.",
    "zh-CN": "您好，这里是heard客服。很高兴为您服务。请问发生了什么事？您可以慢慢说，"
             "分几条消息发也没关系。",
    "zh-TW": "您好，這裡是heard客服。很高興為您服務。請問發生了什麼事？您可以慢慢說，"
             "分幾條訊息發也沒關係。",
}


@pytest.fixture
async def app(database_url: str, clock: Clock) -> AsyncIterator[RunningApp]:
    async with app_on(database_url, clock, WEB_SECRET=SECRET) as running:
        yield running


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    # unsafe=True: the cookie jar otherwise ignores cookies set by an IP-address host.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as s:
        yield s


async def visitor_key(app: RunningApp, session: aiohttp.ClientSession) -> ConversationKey:
    """The conversation key behind the session's cookie (the signed id, read as the server
    reads it)."""
    from itsdangerous import URLSafeTimedSerializer

    from handlers.channels.webchat.visitor import SALT

    cookie = next(c for c in session.cookie_jar if c.key == COOKIE_NAME)
    return ConversationKey("web", URLSafeTimedSerializer(SECRET, salt=SALT).loads(cookie.value))


async def transcript(app: RunningApp, key: ConversationKey) -> list[tuple[str, Any, Any]]:
    return [(m["direction"], m["template"], m["locale"])
            for m in await app.core.store.transcript(key)]


async def until_idle(v: WebVisitor, turns: int) -> list[dict[str, Any]]:
    """The frames up to the end of `turns` turns (each ends with "typing" off)."""
    frames: list[dict[str, Any]] = []
    ended = 0
    while ended < turns:
        frame = await v.frame()
        frames.append(frame)
        ended += frame == {"type": "typing", "active": False}
    return frames


@pytest.mark.parametrize(("languages", "locale"), [
    (["en-US", "en"], "en"),
    (["zh-CN", "zh", "en"], "zh-CN"),
    (["zh-TW", "zh", "en-US"], "zh-TW"),
    # The first language the bot speaks, in the browser's order: Hong Kong reads Traditional.
    (["fr-FR", "zh-HK", "en"], "zh-TW"),
])
async def test_the_page_is_greeted_on_open_in_the_browsers_language(
    app: RunningApp, session: aiohttp.ClientSession, languages: list[str], locale: str
) -> None:
    await open_page(app, session)
    v = await connect(app, session, hello=False)
    assert v.history == []
    [greeting] = await v.hello(languages)
    assert greeting == {"type": "reply", "text": GREETINGS[locale], "buttons": []}

    key = await visitor_key(app, session)
    # Kept as a turn: the greeting in the transcript (no empty customer line for the open),
    # the conversation moved on to listening, in the browser's language.
    assert await transcript(app, key) == [("out", "greet", locale)]
    conv = await app.core.store.conversation(key)
    assert conv is not None
    assert (conv.state, conv.locale, conv.context["greeted"]) == ("listening", locale, True)
    await v.ws.close()


async def test_a_reload_or_reconnect_is_not_greeted_again(
    app: RunningApp, session: aiohttp.ClientSession
) -> None:
    await open_page(app, session)
    first = await connect(app, session)
    assert first.text == GREETINGS["en"]
    await first.ws.close()

    # Reloaded before typing anything: the greeting is history, not said twice.
    again = await connect(app, session, hello=False)
    assert [(i["direction"], i["text"]) for i in again.history] == [("out", GREETINGS["en"])]
    assert await again.hello() == []
    await again.says("My parcel never arrived.")
    await again.ws.close()

    # Back after the conversation started, from a Chinese browser this time.
    later = await connect(app, session, hello=False)
    assert [i["direction"] for i in later.history] == ["out", "in", "out"]
    await later.hello(["zh-CN"])
    await later.says("My order number is JD20261118001")  # still answered in English
    key = await visitor_key(app, session)
    assert [(d, t) for d, t, _ in await transcript(app, key)] == [
        ("out", "greet"), ("in", None), ("out", "ack.story"), ("in", None), ("out", "ack.more")]
    # Nothing but the answer came back after the hellos: no greeting, no error.
    assert len(later.last) == 1
    await later.ws.close()


async def test_two_tabs_opening_at_once_get_one_greeting(
    app: RunningApp, session: aiohttp.ClientSession
) -> None:
    await open_page(app, session)
    # Both pages read an empty history, so both send a hello that asks for a turn.
    tabs = [await connect(app, session, hello=False) for _ in range(2)]
    assert all(t.history == [] for t in tabs)
    await asyncio.gather(*(t.ws.send_json({"type": "hello", "languages": ["zh-TW"]})
                           for t in tabs))
    # Each tab hears both turns end (the typing indicator goes to every tab of the visitor).
    seen = await asyncio.gather(*(until_idle(t, turns=2) for t in tabs))
    for frames in seen:
        assert [f for f in frames if f["type"] == "reply"] == [
            {"type": "reply", "text": GREETINGS["zh-TW"], "buttons": []}]
        assert not [f for f in frames if f["type"] == "error"]
    key = await visitor_key(app, session)
    assert await transcript(app, key) == [("out", "greet", "zh-TW")]
    for t in tabs:
        await t.ws.close()


async def test_the_story_after_the_greeting_is_acknowledged_without_a_second_hello(
    app: RunningApp, session: aiohttp.ClientSession
) -> None:
    await open_page(app, session)
    v = await connect(app, session, hello=False)
    await v.hello(["en-GB"])
    await v.says("My parcel never arrived. The courier says it was delivered but it wasn't.")
    assert v.text == ("Thank you for telling me. Is there anything else you'd like to add? "
                      "When you're done, press “That's all”.")
    assert [b["label"] for r in v.last for b in r["buttons"]] == ["That's all"]
    key = await visitor_key(app, session)
    assert [t for _, t, _ in await transcript(app, key)] == ["greet", None, "ack.story"]
    await v.ws.close()


# --- the pipeline alone: the open as a turn ------------------------------------------------


@pytest.fixture
async def any_core(database_url: str, clock: Clock) -> AsyncIterator[Core]:
    async with open_core(make_settings(database_url), clock=clock) as c:
        yield c


def opened(c: Customer, language_code: str | None = "en-US") -> Inbound:
    return Inbound(key=c.key, user_id=c.key.chat_id, language_code=language_code,
                   opened=True)


async def test_opens_at_the_same_instant_greet_once(any_core: Core) -> None:
    c = Customer(any_core, "visitor-1", channel="web", language_code=None, name=None)
    await asyncio.gather(*(c.send(opened(c)) for _ in range(5)))
    assert [r.template for _, r in c.out.sent] == ["greet"]
    assert [m["template"] for m in await any_core.store.transcript(c.key)] == ["greet"]


async def test_two_processes_opening_at_once_greet_once(
    postgres_url: str, clock: Clock
) -> None:
    """The per-conversation lock of one process does not reach another: the database's
    lock and the saved state do."""
    settings = make_settings(postgres_url)
    async with open_core(settings, clock=clock) as a, open_core(settings, clock=clock) as b:
        key = ConversationKey("web", "visitor-1")
        outs = [CollectingOutputChannel("web"), CollectingOutputChannel("web")]
        inbound = Inbound(key=key, language_code="zh-CN", opened=True)
        await asyncio.gather(a.pipeline.handle(inbound, outs[0]),
                             b.pipeline.handle(inbound, outs[1]))
        assert sorted(len(o.sent) for o in outs) == [0, 1]
        assert [m["template"] for m in await a.store.transcript(key)] == ["greet"]


async def test_an_open_after_the_conversation_started_changes_nothing(
    any_core: Core, clock: Clock
) -> None:
    c = Customer(any_core, "visitor-1", channel="web", language_code="en", name=None)
    await c.says("My parcel never arrived.")
    before = await any_core.store.conversation(c.key)
    clock.advance(hours=2)
    assert await c.send(opened(c, "zh-TW")) == []
    after = await any_core.store.conversation(c.key)
    assert before is not None and after is not None
    # Not even a new version: a reconnect costs the conversation nothing.
    assert (after.version, after.locale, after.context) == (
        before.version, before.locale, before.context)
    assert [m["direction"] for m in await any_core.store.transcript(c.key)] == ["in", "out"]


async def test_a_visitor_who_only_looked_is_not_reminded_or_welcomed_back(
    any_core: Core, clock: Clock
) -> None:
    c = Customer(any_core, "visitor-1", channel="web", language_code="en", name=None)
    await c.send(opened(c))
    clock.advance(hours=5)
    # No idle spell started: reminders and expiry count from the customer's own words.
    assert await any_core.store.idle_drafts(clock.now) == []
    await c.says("My parcel never arrived.")
    assert c.templates == ["ack.story"]  # no "welcome back": nothing was said before


async def test_a_chinese_first_message_from_an_english_browser_is_answered_in_chinese(
    any_core: Core
) -> None:
    """Greeted in the browser's language, the customer's first words still choose, as they
    would have without the greeting."""
    c = Customer(any_core, "visitor-1", channel="web", language_code="en-US", name=None)
    await c.send(opened(c))
    assert c.last[0].locale == "en"
    await c.says("快递没到")
    assert [(r.template, r.locale) for r in c.last] == [("ack.story", "zh-CN")]


@pytest.mark.parametrize(("code", "hello"), [("en-US", "hi"), ("zh-CN", "你好"),
                                             ("zh-TW", "您好")])
async def test_a_hello_back_to_the_greeting_is_answered_in_kind_not_started_over(
    any_core: Core, code: str, hello: str
) -> None:
    c = Customer(any_core, "visitor-1", channel="web", language_code=code, name=None)
    await c.send(opened(c))
    await c.says(hello)
    assert c.templates == ["greet.again"]
    assert "heard" not in c.text  # the service was named once, in the greeting
    await c.says("快递没到，已经一个星期了" if code.startswith("zh") else "My parcel never came")
    assert c.templates == ["ack.story"]
