"""The web chat end to end: the real composed application (create_app with a SQLite file) on a
real port, a real WebSocket with the visitor cookie from GET /chat and a same-origin Origin."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import sqlalchemy as sa

from dialogs.messages import ConversationKey
from handlers.channels.webchat.visitor import COOKIE_NAME
from storage.schema import tickets
from tests.conftest import Clock
from tests.e2e_support import RunningApp, running_app

TICKET = re.compile(r"C-20261124-\d{4}")
STORY = "My parcel never arrived. The courier says it was delivered but it wasn't."


@pytest.fixture
async def app(tmp_path: Path, clock: Clock) -> AsyncIterator[RunningApp]:
    async with running_app(tmp_path, clock,
                           WEB_SECRET="e2e-web-secret-0123456789abcdefghij") as running:
        yield running


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    # unsafe=True: the cookie jar otherwise ignores cookies set by an IP-address host.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as s:
        yield s


class WebVisitor:
    """One browser tab without a browser: sends frames and waits for the turn's ack."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.history: list[dict[str, Any]] = []
        self.last: list[dict[str, Any]] = []
        # What a page would show: ("in", text) and ("out", text) in order.
        self.shown: list[tuple[str, str]] = []

    async def frame(self, timeout: float = 10.0) -> dict[str, Any]:  # noqa: ASYNC109
        msg = await self.ws.receive(timeout=timeout)
        assert msg.type is aiohttp.WSMsgType.TEXT, msg
        data: dict[str, Any] = msg.json()
        return data

    async def read_history(self) -> list[dict[str, Any]]:
        frame = await self.frame()
        assert frame["type"] == "history", frame
        self.history = frame["items"]
        return self.history

    async def hello(self, languages: list[str] | None = None) -> list[dict[str, Any]]:
        """What the page sends once its socket is open; returns the greeting's frames. Only
        a visitor with no history gets a turn (and so a "typing" off at its end) for it."""
        await self.ws.send_json({"type": "hello", "languages": languages or ["en-US", "en"]})
        if self.history:
            return []
        replies: list[dict[str, Any]] = []
        while (frame := await self.frame()) != {"type": "typing", "active": False}:
            assert frame["type"] != "error", frame
            if frame["type"] == "reply":
                replies.append(frame)
                self.shown.append(("out", frame["text"]))
        self.last = replies
        return replies

    async def says(self, text: str) -> list[dict[str, Any]]:
        """Send `text`; return the reply frames that arrived before its ack."""
        client_id = f"m-{uuid.uuid4()}"
        await self.ws.send_json({"type": "text", "text": text, "id": client_id})
        self.shown.append(("in", text))
        replies: list[dict[str, Any]] = []
        while True:
            frame = await self.frame()
            if frame["type"] == "ack" and frame["id"] == client_id:
                break
            assert frame["type"] != "error", frame
            if frame["type"] == "reply":
                replies.append(frame)
                self.shown.append(("out", frame["text"]))
        assert replies, f"no reply to {text!r}"
        self.last = replies
        return replies

    @property
    def text(self) -> str:
        return "\n".join(r["text"] for r in self.last)

    def labels(self) -> list[str]:
        return [b["label"] for r in self.last for b in r["buttons"]]


async def connect(app: RunningApp, session: aiohttp.ClientSession,
                  origin: str | None = None, *, hello: bool = True) -> WebVisitor:
    """A socket as the page opens it: the history, then its hello (and the greeting that
    a visitor without a history gets for it)."""
    ws = await session.ws_connect(app.url("/chat/ws"),
                                  headers={"Origin": origin or app.base_url})
    visitor = WebVisitor(ws)
    await visitor.read_history()
    if hello:
        await visitor.hello()
    return visitor


async def open_page(app: RunningApp, session: aiohttp.ClientSession) -> str:
    async with session.get(app.url("/chat")) as page:
        assert page.status == 200
        assert "Content-Security-Policy" in page.headers
        assert COOKIE_NAME in page.cookies
        return str(page.cookies[COOKIE_NAME].value)


async def test_typed_complaint_gets_a_ticket_and_the_history_survives_a_reconnect(
    app: RunningApp, session: aiohttp.ClientSession
) -> None:
    await open_page(app, session)
    v = await connect(app, session)
    assert v.history == []
    # Received at once, before typing anything.
    assert v.shown == [("out", "Hello, this is heard customer care. I'm here to help. What "
                               "happened? Tell me in your own words — you can send several "
                               "messages.")]

    await v.says(STORY)
    assert "anything else" in v.text.lower()
    assert "hello" not in v.text.lower()  # greeted once, not again with the story
    assert v.labels() == ["That's all"]
    await v.says("1")  # That's all
    assert v.labels()[0] == "Delivery"  # inferred from "parcel", "courier"
    await v.says("1")  # Delivery
    assert "order number" in v.text.lower()
    await v.says("JD20261118001")
    assert "when did this happen" in v.text.lower()
    await v.says("last Tuesday")
    assert "what would you like us to do" in v.text.lower()
    assert v.labels()[0] == "Refund"
    await v.says("1")  # Refund
    assert "phone number" in v.text.lower()
    await v.says("+86 138 0013 8000")
    assert "let me check i have this right" in v.text.lower()
    assert "JD20261118001" in v.text and "+8613800138000" in v.text and "Refund" in v.text
    assert v.labels() == ["Confirm", "Edit", "Cancel"]
    await v.says("1")  # Confirm
    m = TICKET.search(v.text)
    assert m, v.text
    assert m.group(0) == "C-20261124-0001"
    await v.ws.close()

    # The same visitor (cookie) comes back: the whole conversation is there, in order.
    again = await connect(app, session)
    assert [(i["direction"], i["text"]) for i in again.history] == v.shown
    # The last bot message keeps its buttons in the history.
    assert again.history[-1]["buttons"] == v.last[-1]["buttons"]
    await again.ws.close()

    async with app.core.store.read_engine.connect() as conn:
        ticket = (await conn.execute(
            sa.select(tickets).where(tickets.c.number == m.group(0)))).one()
    assert ticket.category == "delivery" and ticket.outcome == "refund"
    assert ticket.phone == "+8613800138000"


async def test_markup_is_stored_and_echoed_as_data(
    app: RunningApp, session: aiohttp.ClientSession
) -> None:
    await open_page(app, session)
    v = await connect(app, session)
    await v.says(STORY)
    evil = "<script>alert(1)</script> & <b>bold</b> {{ 7*7 }}"
    await v.says(evil)
    assert v.last  # answered, not refused
    await v.ws.close()

    again = await connect(app, session)
    inbound = [i["text"] for i in again.history if i["direction"] == "in"]
    assert inbound == [STORY, evil]  # byte for byte: not escaped, not rendered
    assert not any("&lt;" in i["text"] or "49" in i["text"] for i in again.history)
    await again.ws.close()
    (visitor_key,) = [k for k in await _web_keys(app)]
    transcript = await app.core.store.transcript(visitor_key)
    assert [r["text"] for r in transcript if r["direction"] == "in"] == [STORY, evil]


async def _web_keys(app: RunningApp) -> list[ConversationKey]:
    from storage.schema import conversations

    async with app.core.store.read_engine.connect() as conn:
        rows = (await conn.execute(sa.select(conversations.c.chat_id)
                                   .where(conversations.c.channel == "web"))).all()
    return [ConversationKey("web", r.chat_id) for r in rows]


@pytest.mark.parametrize("origin", ["https://evil.example", "null", None])
async def test_foreign_origin_is_refused(
    app: RunningApp, session: aiohttp.ClientSession, origin: str | None
) -> None:
    await open_page(app, session)
    # None: no Origin header at all (aiohttp's ws_connect sends none unless asked).
    headers = {"Origin": origin} if origin is not None else {}
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await session.ws_connect(app.url("/chat/ws"), headers=headers)
    assert refused.value.status == 403
    # Nothing was recorded for the refused socket; the same visitor from our own origin
    # still gets in (and is greeted: the first thing recorded for them).
    assert await _web_keys(app) == []
    v = await connect(app, session)
    assert v.history == []
    assert [text for _, text in v.shown] == [v.text] and v.text.startswith("Hello")
    await v.ws.close()
    assert len(await _web_keys(app)) == 1
