"""Input the database cannot hold never reaches it: lone surrogates and NUL are cleaned at the
edge and recorded, the customer is answered, and nobody else's turn fails — through the real
web chat on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import sqlalchemy as sa

from dialogs.messages import ConversationKey, Inbound
from storage.schema import conversations, messages
from tests.conftest import Clock
from tests.e2e_support import RunningApp, app_on

SECRET = "poison-test-web-secret-0123456789abcdef"
STORY = "My parcel never arrived, the courier says it was delivered."
# As a browser or a script would put them on the wire: escaped, valid JSON and valid UTF-8.
POISON_FRAMES = [
    '{"type": "text", "text": "\\ud800 my parcel never came", "id": "ID"}',
    '{"type": "text", "text": "my parcel\\u0000 never came \\udfff", "id": "ID"}',
]
NOTHING_STORABLE = '{"type": "text", "text": "\\u0000\\ud800", "id": "ID"}'


@pytest.fixture
async def app(database_url: str, clock: Clock) -> AsyncIterator[RunningApp]:
    async with app_on(database_url, clock, WEB_SECRET=SECRET) as running:
        yield running


class Tab:
    def __init__(self, session: aiohttp.ClientSession, ws: aiohttp.ClientWebSocketResponse):
        self.session = session
        self.ws = ws

    async def frames_until_ack(self, client_id: str) -> list[dict[str, Any]]:
        got: list[dict[str, Any]] = []
        while True:
            msg = await self.ws.receive(timeout=15)
            assert msg.type is aiohttp.WSMsgType.TEXT, msg
            frame = msg.json()
            if frame["type"] == "ack" and frame["id"] == client_id:
                return got
            if frame["type"] in ("reply", "error"):
                got.append(frame)

    async def send_raw(self, template: str) -> list[dict[str, Any]]:
        client_id = f"m-{uuid.uuid4()}"
        await self.ws.send_str(template.replace("ID", client_id))
        return await self.frames_until_ack(client_id)

    async def says(self, text: str) -> list[dict[str, Any]]:
        client_id = f"m-{uuid.uuid4()}"
        await self.ws.send_json({"type": "text", "text": text, "id": client_id})
        return await self.frames_until_ack(client_id)

    async def close(self) -> None:
        await self.ws.close()
        await self.session.close()


async def open_tab(app: RunningApp) -> Tab:
    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with session.get(app.url("/chat")) as page:
        assert page.status == 200
    ws = await session.ws_connect(app.url("/chat/ws"), headers={"Origin": app.base_url})
    history = (await ws.receive(timeout=10)).json()
    assert history["type"] == "history"
    return Tab(session, ws)


async def test_poison_frames_among_eight_honest_customers(
        app: RunningApp, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="heard.ops")
    tabs = [await open_tab(app) for _ in range(10)]
    honest, poisoners = tabs[:8], tabs[8:]
    try:
        results = await asyncio.gather(
            *(t.says(STORY) for t in honest),
            *(t.send_raw(frame) for t, frame in zip(poisoners, POISON_FRAMES, strict=True)))
    finally:
        for t in tabs:
            await t.close()
    # Everyone is answered by the dialog itself; nobody gets an error.
    for frames in results:
        assert frames and all(f["type"] == "reply" for f in frames), frames
        assert "anything else" in frames[-1]["text"].lower()
    kept = await _inbound_rows(app)
    assert sorted(r["text"] for r in kept) == sorted(
        [STORY] * 8 + ["\ufffd my parcel never came", "my parcel never came \ufffd"])
    assert sorted(json.dumps(r["cleaned"], sort_keys=True) for r in kept if r["cleaned"]) == [
        '{"lone_surrogate": 1, "nul": 1}', '{"lone_surrogate": 1}']
    # The operator is told what was done, without the words.
    cleaned = [r.getMessage() for r in caplog.records if "message.cleaned" in r.getMessage()]
    assert len(cleaned) == 2 and all("channel=web" in line for line in cleaned)
    assert not any("parcel" in line for line in cleaned)


async def test_a_frame_of_nothing_storable_is_empty_and_deep_nesting_is_refused(
        app: RunningApp) -> None:
    tab = await open_tab(app)
    try:
        client_id = f"m-{uuid.uuid4()}"
        await tab.ws.send_str(NOTHING_STORABLE.replace("ID", client_id))
        frame = (await tab.ws.receive(timeout=10)).json()
        assert (frame["type"], frame["code"], frame["id"]) == ("error", "empty", client_id)
        await tab.ws.send_str('{"type": "text", "x": ' + "[" * 100_000)
        frame = (await tab.ws.receive(timeout=10)).json()
        assert (frame["type"], frame["code"]) == ("error", "bad_json")
        # The socket still works.
        replies = await tab.says(STORY)
        assert "anything else" in replies[-1]["text"].lower()
    finally:
        await tab.close()


async def _inbound_rows(app: RunningApp) -> list[dict[str, Any]]:
    async with app.core.store.read_engine.connect() as conn:
        rows = (await conn.execute(
            sa.select(messages.c.text, messages.c.cleaned)
            .join(conversations, conversations.c.id == messages.c.conversation_id)
            .where(conversations.c.channel == "web", messages.c.direction == "in"))).all()
    return [{"text": r.text, "cleaned": r.cleaned} for r in rows]


def test_every_channel_envelope_is_cleaned_and_says_what_was_removed() -> None:
    inbound = Inbound(ConversationKey("telegram", "42"), text="hi\x00 there\ud83d\x07",
                      display_name="Li\x00 Wei", callback_data="cat:\udc00x")
    assert inbound.text == "hi there\ufffd"
    assert inbound.display_name == "Li Wei"
    assert inbound.callback_data == "cat:\ufffdx"
    assert dict(inbound.cleaned) == {"nul": 2, "lone_surrogate": 2, "control": 1}
    # A valid pair (an emoji) is text, not a lone surrogate.
    assert Inbound(ConversationKey("web", "v"), text="ok 😀").cleaned == ()
