"""The web chat over a real WebSocket, against an in-memory stand-in for the turn pipeline."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestClient, TestServer

from dialogs.messages import Button, ConversationKey, Inbound, Reply
from handlers.channels.base import HistoryItem, OutputChannel
from handlers.channels.webchat import setup_webchat
from handlers.channels.webchat.caps import (
    REFUSALS,
    SERVER_BUSY,
    TOO_MANY_FROM_ADDRESS,
    TOO_MANY_TABS,
    Refusal,
    SocketCaps,
)
from handlers.channels.webchat.keys import TRANSCRIPTS, TURNS, WEBCHAT_OUTPUT
from handlers.channels.webchat.visitor import COOKIE_NAME

SECRET = "test-secret"
BUTTONS = (Button("Yes", "yes"), Button("No, thanks", "no"))


class EchoTurns:
    """Stands in for the pipeline: replies "got: <text>" with two buttons, dedupes, keeps history.

    It is both the TurnHandler and the TranscriptReader, as the real storage-backed pipeline
    keeps the transcript the page reads on reconnect.
    """

    def __init__(self) -> None:
        self.inbounds: list[Inbound] = []
        # Pages that opened (hello frames run as turns), apart from what customers said.
        self.opens: list[Inbound] = []
        # Said on open to a visitor with no transcript yet, as the real dialog greets; None
        # keeps these tests about messages free of it.
        self.greeting: str | None = None
        self.transcripts: dict[ConversationKey, list[HistoryItem]] = {}
        self._seen: set[str] = set()
        self.fail_next = False
        self.delay = 0.0

    async def handle(self, inbound: Inbound, out: OutputChannel) -> None:
        if inbound.update_id is not None:
            if inbound.update_id in self._seen:
                return
            self._seen.add(inbound.update_id)
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("pipeline exploded")
        if self.delay:
            await asyncio.sleep(self.delay)
        history = self.transcripts.setdefault(inbound.key, [])
        if inbound.opened:
            self.opens.append(inbound)
            if self.greeting is not None and not history:
                history.append(HistoryItem("out", self.greeting))
                await out.send(inbound.key, Reply(self.greeting))
            return
        self.inbounds.append(inbound)
        if inbound.callback_data is not None:
            reply = Reply(f"pressed: {inbound.callback_data}", buttons=BUTTONS)
        else:
            reply = Reply(f"got: {inbound.text}", buttons=BUTTONS)
        history.append(HistoryItem("in", inbound.text))
        history.append(HistoryItem("out", reply.text, reply.buttons))
        await out.send(inbound.key, reply)

    async def history(self, key: ConversationKey, limit: int = 100) -> list[HistoryItem]:
        return self.transcripts.get(key, [])[-limit:]


def make_app(turns: EchoTurns, **options: Any) -> web.Application:
    app = web.Application()
    app[TURNS] = turns
    app[TRANSCRIPTS] = turns
    options.setdefault("allowed_origins", ["https://shop.example"])
    setup_webchat(app, secret=SECRET, **options)
    return app


@pytest.fixture
def turns() -> EchoTurns:
    return EchoTurns()


ClientFactory = Callable[..., Any]


@pytest.fixture
async def make_client(turns: EchoTurns) -> AsyncIterator[ClientFactory]:
    clients: list[TestClient[web.Request, web.Application]] = []

    async def factory(**options: Any) -> TestClient[web.Request, web.Application]:
        client = TestClient(TestServer(make_app(turns, **options)))
        await client.start_server()
        clients.append(client)
        return client

    yield factory
    for client in clients:
        await client.close()


@pytest.fixture
async def client(make_client: ClientFactory) -> TestClient[web.Request, web.Application]:
    c: TestClient[web.Request, web.Application] = await make_client()
    return c


def own_origin(client: TestClient[web.Request, web.Application]) -> str:
    return str(client.make_url("/")).rstrip("/")


async def open_chat(
    client: TestClient[web.Request, web.Application], *, load_page: bool = True
) -> aiohttp.ClientWebSocketResponse:
    if load_page:
        page = await client.get("/chat")
        assert page.status == 200
    return await client.ws_connect("/chat/ws", headers={"Origin": own_origin(client)})


async def next_frame(
    ws: aiohttp.ClientWebSocketResponse, kind: str | None = None
) -> dict[str, Any]:
    """The next frame of `kind`, skipping typing indicators (and other kinds when asked)."""
    while True:
        msg = await ws.receive(timeout=5.0)
        assert msg.type is WSMsgType.TEXT, f"socket ended: {msg.type} {msg.data} {msg.extra}"
        frame: dict[str, Any] = json.loads(msg.data)
        if frame["type"] == "typing" and kind != "typing":
            continue
        if kind is None or frame["type"] == kind:
            return frame


def msg_id() -> str:
    return f"m-{uuid.uuid4()}"


async def say(ws: aiohttp.ClientWebSocketResponse, text: str, mid: str | None = None) -> None:
    await ws.send_json({"type": "text", "text": text, "id": mid or msg_id()})


async def another_visitor(
    client: TestClient[web.Request, web.Application],
) -> aiohttp.ClientSession:
    """Another browser: its own cookie jar (unsafe=True: the test server is an IP address)."""
    browser = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    await browser.get(client.make_url("/chat"))
    return browser


async def open_as(
    browser: aiohttp.ClientSession, client: TestClient[web.Request, web.Application]
) -> aiohttp.ClientWebSocketResponse:
    return await browser.ws_connect(
        client.make_url("/chat/ws"), headers={"Origin": own_origin(client)}
    )


async def refused(ws: aiohttp.ClientWebSocketResponse) -> Refusal:
    """The close frame a socket over a cap gets straight after its handshake."""
    msg = await ws.receive(timeout=5.0)
    assert msg.type is WSMsgType.CLOSE, f"expected a refusal, got {msg.type} {msg.data}"
    return Refusal(msg.data, msg.extra)


# --- the page -------------------------------------------------------------------------------


async def test_page_sets_signed_cookie_and_strict_headers(
    client: TestClient[web.Request, web.Application],
) -> None:
    response = await client.get("/chat")
    assert response.status == 200
    assert response.content_type == "text/html"
    html = await response.text()
    assert "<title>heard — customer care</title>" in html
    assert "__MAX_CHARS__" not in html
    # No inline script: every <script> has a src.
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)

    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "default-src 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"

    cookie_header = response.headers["Set-Cookie"]
    assert cookie_header.startswith(f"{COOKIE_NAME}=")
    assert "HttpOnly" in cookie_header
    assert "SameSite=Lax" in cookie_header
    assert re.search(r"Max-Age=\d{8}", cookie_header)  # long-lived: hundreds of days

    # A returning visitor keeps the same id.
    first = client.session.cookie_jar.filter_cookies(client.make_url("/"))[COOKIE_NAME].value
    await client.get("/chat")
    again = client.session.cookie_jar.filter_cookies(client.make_url("/"))[COOKIE_NAME].value
    assert again.split(".")[0] == first.split(".")[0]


async def test_the_cookie_is_secure_when_the_setting_says_so(
    make_client: ClientFactory,
) -> None:
    # Behind a proxy that ends TLS the request arrives as plain HTTP, as it does here.
    client = await make_client(secure_cookies=True)
    response = await client.get("/chat")
    assert "Secure" in response.headers["Set-Cookie"]


async def test_assets_and_root_redirect(
    client: TestClient[web.Request, web.Application],
) -> None:
    js = await client.get("/chat/static/chat.js")
    assert js.status == 200
    assert "javascript" in js.content_type
    assert js.headers["X-Content-Type-Options"] == "nosniff"
    assert "innerHTML" not in await js.text()
    css = await client.get("/chat/static/chat.css")
    assert css.status == 200
    assert css.content_type == "text/css"
    # The html template is not served raw, nor anything else from the folder.
    assert (await client.get("/chat/static/chat.html")).status == 404

    root = await client.get("/", allow_redirects=False)
    assert root.status == 302
    assert root.headers["Location"] == "/chat"


# --- handshake checks -----------------------------------------------------------------------


async def test_socket_without_cookie_is_refused(
    client: TestClient[web.Request, web.Application],
) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await open_chat(client, load_page=False)
    assert refused.value.status == 403


async def test_socket_with_forged_cookie_is_refused(
    client: TestClient[web.Request, web.Application],
) -> None:
    client.session.cookie_jar.update_cookies(
        {COOKIE_NAME: "someone-else.forged.signature"}, client.make_url("/")
    )
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await open_chat(client, load_page=False)
    assert refused.value.status == 403


@pytest.mark.parametrize("origin", ["https://evil.example", "null", None])
async def test_foreign_or_missing_origin_is_refused(
    client: TestClient[web.Request, web.Application], origin: str | None
) -> None:
    await client.get("/chat")
    headers = {"Origin": origin} if origin else {}
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect("/chat/ws", headers=headers)
    assert refused.value.status == 403


async def test_allowed_extra_origin_is_accepted(
    client: TestClient[web.Request, web.Application],
) -> None:
    await client.get("/chat")
    ws = await client.ws_connect("/chat/ws", headers={"Origin": "https://SHOP.example"})
    assert (await next_frame(ws))["type"] == "history"
    await ws.close()


# --- conversation ---------------------------------------------------------------------------


async def test_text_gets_reply_with_buttons_and_ack(
    client: TestClient[web.Request, web.Application], turns: EchoTurns
) -> None:
    ws = await open_chat(client)
    assert await next_frame(ws) == {"type": "history", "items": []}
    await ws.send_json({"type": "hello", "languages": ["zh-CN", "en"]})
    mid = msg_id()
    await say(ws, "my parcel is late", mid)

    # The hello's own turn first (the stand-in greets no one), then the message's.
    assert await next_frame(ws, "typing") == {"type": "typing", "active": True}
    assert await next_frame(ws, "typing") == {"type": "typing", "active": False}
    assert await next_frame(ws, "typing") == {"type": "typing", "active": True}
    reply = await next_frame(ws)
    assert reply == {
        "type": "reply",
        "text": "got: my parcel is late",
        "buttons": [{"label": "Yes", "payload": "yes"}, {"label": "No, thanks", "payload": "no"}],
    }
    assert await next_frame(ws) == {"type": "ack", "id": mid}

    [inbound] = turns.inbounds
    assert inbound.key.channel == "web"
    assert inbound.text == "my parcel is late"
    assert inbound.update_id == mid
    assert inbound.language_code == "zh-CN"
    assert inbound.identified is False
    await ws.close()


async def test_hello_opens_the_conversation_once_in_the_first_language_we_speak(
    client: TestClient[web.Request, web.Application], turns: EchoTurns
) -> None:
    turns.greeting = "Hello!"
    ws = await open_chat(client)
    await next_frame(ws, "history")
    await ws.send_json({"type": "hello", "languages": ["fr-FR", "zh_HK", "en-US"]})
    assert await next_frame(ws) == {"type": "reply", "text": "Hello!", "buttons": []}
    # A second hello on the same socket (a page should not send one) is no second open.
    await ws.send_json({"type": "hello", "languages": ["en-US"]})
    await say(ws, "my parcel is late")
    assert (await next_frame(ws, "reply"))["text"] == "got: my parcel is late"

    [opened] = turns.opens
    assert opened.opened and opened.text == "" and opened.update_id is None
    assert opened.language_code == "zh-HK"  # the browser's order, skipping what we don't speak
    assert turns.inbounds[0].language_code == "en-US"  # the latest hello's
    await ws.close()


async def test_a_visitor_with_a_history_is_not_opened_again(
    client: TestClient[web.Request, web.Application], turns: EchoTurns
) -> None:
    turns.greeting = "Hello!"
    ws = await open_chat(client)
    await next_frame(ws, "history")
    await ws.send_json({"type": "hello", "languages": ["en"]})
    await next_frame(ws, "reply")
    await ws.close()

    again = await open_chat(client)
    assert (await next_frame(again, "history"))["items"] == [
        {"direction": "out", "text": "Hello!", "buttons": []}]
    await again.send_json({"type": "hello", "languages": ["en"]})
    await say(again, "back again")
    # The next frame after the history is the message's own turn: the hello ran none.
    assert await next_frame(again, "typing") == {"type": "typing", "active": True}
    assert (await next_frame(again))["text"] == "got: back again"
    assert len(turns.opens) == 1
    await again.close()


@pytest.mark.parametrize("hello", [
    {"type": "hello", "languages": "zh-CN"},
    {"type": "hello", "languages": [["zh-CN"]]},
    {"type": "hello", "languages": [7]},
    {"type": "hello", "languages": ["en"] * 33},
    {"type": "hello", "languages": ["x" * 65]},
    {"type": "hello", "language": {"tag": "en"}},
])
async def test_a_malformed_hello_gets_an_error_and_opens_nothing(
    client: TestClient[web.Request, web.Application], turns: EchoTurns, hello: dict[str, Any]
) -> None:
    turns.greeting = "Hello!"
    ws = await open_chat(client)
    await next_frame(ws, "history")
    await ws.send_json(hello)
    assert await next_frame(ws) == {
        "type": "error", "code": "bad_message",
        "message": "A hello message needs 'languages', a list of language tags."}
    assert turns.opens == []
    # A good one afterwards still opens the conversation.
    await ws.send_json({"type": "hello", "languages": []})
    assert (await next_frame(ws, "reply"))["text"] == "Hello!"
    await ws.close()


async def test_a_page_from_before_the_language_list_still_opens(
    client: TestClient[web.Request, web.Application], turns: EchoTurns
) -> None:
    """A tab loaded before a deploy sends navigator.language alone, as "language"."""
    ws = await open_chat(client)
    await next_frame(ws, "history")
    await ws.send_json({"type": "hello", "language": "zh-TW"})
    await say(ws, "still works")
    await next_frame(ws, "reply")
    assert [o.language_code for o in turns.opens] == ["zh-TW"]
    await ws.close()


async def test_button_press_becomes_callback_data(
    client: TestClient[web.Request, web.Application], turns: EchoTurns
) -> None:
    ws = await open_chat(client)
    await next_frame(ws, "history")
    await ws.send_json({"type": "button", "payload": "no", "label": "No, thanks", "id": msg_id()})
    reply = await next_frame(ws, "reply")
    assert reply["text"] == "pressed: no"
    [inbound] = turns.inbounds
    assert inbound.callback_data == "no"
    assert inbound.text == "No, thanks"
    await ws.close()


async def test_history_after_reconnect_includes_last_buttons(
    client: TestClient[web.Request, web.Application],
) -> None:
    ws = await open_chat(client)
    await next_frame(ws, "history")
    await say(ws, "first")
    await next_frame(ws, "ack")
    await ws.close()

    ws = await open_chat(client)
    history = await next_frame(ws, "history")
    assert history["items"] == [
        {"direction": "in", "text": "first", "buttons": []},
        {
            "direction": "out",
            "text": "got: first",
            "buttons": [
                {"label": "Yes", "payload": "yes"},
                {"label": "No, thanks", "payload": "no"},
            ],
        },
    ]
    # And on demand (the page asks after resending unacknowledged messages).
    await ws.send_json({"type": "history"})
    assert (await next_frame(ws, "history"))["items"] == history["items"]
    await ws.close()


async def test_resend_after_reconnect_is_deduped(
    client: TestClient[web.Request, web.Application], turns: EchoTurns
) -> None:
    ws = await open_chat(client)
    await next_frame(ws, "history")
    mid = msg_id()
    await say(ws, "only once", mid)
    await next_frame(ws, "ack")
    await ws.close()

    ws = await open_chat(client)
    await next_frame(ws, "history")
    await say(ws, "only once", mid)
    assert await next_frame(ws, "ack") == {"type": "ack", "id": mid}
    assert [i.text for i in turns.inbounds] == ["only once"]
    await ws.close()


async def test_visitors_do_not_see_each_other(
    client: TestClient[web.Request, web.Application],
) -> None:
    ws = await open_chat(client)
    await next_frame(ws, "history")
    await say(ws, "private")
    await next_frame(ws, "ack")

    # Another browser: its own cookie jar (unsafe=True: the test server is an IP address).
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as other:
        await other.get(client.make_url("/chat"))
        other_ws = await other.ws_connect(
            client.make_url("/chat/ws"), headers={"Origin": own_origin(client)}
        )
        assert await next_frame(other_ws, "history") == {"type": "history", "items": []}
        await other_ws.close()
    await ws.close()


async def test_every_tab_gets_the_reply_and_closed_tabs_are_forgotten(
    client: TestClient[web.Request, web.Application], turns: EchoTurns
) -> None:
    tab1 = await open_chat(client)
    tab2 = await open_chat(client, load_page=False)
    await next_frame(tab1, "history")
    await next_frame(tab2, "history")
    await say(tab1, "hello from tab 1")
    assert (await next_frame(tab1, "reply"))["text"] == "got: hello from tab 1"
    assert (await next_frame(tab2, "reply"))["text"] == "got: hello from tab 1"

    output = client.app[WEBCHAT_OUTPUT]
    key = turns.inbounds[0].key
    assert output.open_sockets(key.chat_id) == 2
    await tab1.close()
    await tab2.close()
    for _ in range(50):
        if len(output) == 0:
            break
        await asyncio.sleep(0.02)
    assert len(output) == 0


async def test_proactive_message_reaches_open_socket(
    client: TestClient[web.Request, web.Application], turns: EchoTurns
) -> None:
    ws = await open_chat(client)
    await next_frame(ws, "history")
    await say(ws, "hi")
    await next_frame(ws, "ack")
    key = turns.inbounds[0].key

    output = client.app[WEBCHAT_OUTPUT]
    await output.send(key, Reply("Still there?", buttons=(Button("Continue", "resume"),)))
    reminder = await next_frame(ws, "reply")
    assert reminder == {
        "type": "reply",
        "text": "Still there?",
        "buttons": [{"label": "Continue", "payload": "resume"}],
    }
    # Nobody connected: nothing to push, and no error (the transcript has it).
    await ws.close()
    await output.send(ConversationKey("web", "gone-visitor"), Reply("hello?"))
    with pytest.raises(ValueError):
        await output.send(ConversationKey("telegram", "1"), Reply("wrong channel"))


async def test_html_is_carried_as_data(
    client: TestClient[web.Request, web.Application], turns: EchoTurns
) -> None:
    payload = "<img src=x onerror=alert(1)><script>alert('x')</script> & \"quotes\""
    ws = await open_chat(client)
    await next_frame(ws, "history")
    await say(ws, payload)
    assert (await next_frame(ws, "reply"))["text"] == f"got: {payload}"
    assert turns.inbounds[0].text == payload
    await ws.close()
    ws = await open_chat(client)
    assert (await next_frame(ws, "history"))["items"][0]["text"] == payload
    await ws.close()


# --- abuse and mistakes ---------------------------------------------------------------------


async def test_too_long_text_gets_clear_error_and_socket_keeps_working(
    make_client: ClientFactory, turns: EchoTurns
) -> None:
    client = await make_client(max_message_chars=50)
    ws = await open_chat(client)
    await next_frame(ws, "history")
    mid = msg_id()
    await say(ws, "x" * 51, mid)
    error = await next_frame(ws, "error")
    assert error["code"] == "too_long"
    assert error["id"] == mid
    assert "max 50 characters" in error["message"]
    assert "shorten" in error["message"]
    assert turns.inbounds == []

    await say(ws, "x" * 50)
    assert (await next_frame(ws, "reply"))["text"] == "got: " + "x" * 50
    await ws.close()


async def test_frame_beyond_hard_cap_closes_socket(make_client: ClientFactory) -> None:
    client = await make_client(max_message_chars=50)
    ws = await open_chat(client)
    await next_frame(ws, "history")
    await ws.send_str(json.dumps({"type": "text", "text": "y" * 100_000}))
    msg = await ws.receive(timeout=5)
    assert msg.type in {WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING}
    assert ws.close_code == aiohttp.WSCloseCode.MESSAGE_TOO_BIG


async def test_invalid_json_gets_error_and_socket_keeps_working(
    client: TestClient[web.Request, web.Application],
) -> None:
    ws = await open_chat(client)
    await next_frame(ws, "history")
    await ws.send_str("{not json")
    assert (await next_frame(ws, "error"))["code"] == "bad_json"
    await ws.send_json(["a", "list"])
    assert (await next_frame(ws, "error"))["code"] == "bad_message"
    await ws.send_json({"type": "shout"})
    assert (await next_frame(ws, "error"))["code"] == "bad_message"
    await ws.send_json({"type": "text", "text": "   "})
    assert (await next_frame(ws, "error"))["code"] == "empty"
    await ws.send_bytes(b"\x00\x01")
    assert (await next_frame(ws, "error"))["code"] == "bad_message"
    await say(ws, "still here")
    assert (await next_frame(ws, "reply"))["text"] == "got: still here"
    await ws.close()


async def test_flood_gets_slow_down_and_is_not_processed(
    client: TestClient[web.Request, web.Application], turns: EchoTurns
) -> None:
    ws = await open_chat(client)
    await next_frame(ws, "history")
    for n in range(25):
        await say(ws, f"spam {n}")
    slow_downs = 0
    acks = 0
    while slow_downs + acks < 25:
        frame = await next_frame(ws)
        if frame["type"] == "error":
            assert frame["code"] == "slow_down"
            assert frame["id"].startswith("m-")
            slow_downs += 1
        elif frame["type"] == "ack":
            acks += 1
    assert slow_downs >= 10
    assert len(turns.inbounds) == acks <= 13  # the burst of 10, plus a little refill
    await ws.close()


async def test_sustained_flood_closes_with_policy_violation(
    client: TestClient[web.Request, web.Application],
) -> None:
    ws = await open_chat(client)
    await next_frame(ws, "history")
    for n in range(200):
        if ws.closed:
            break
        try:
            await say(ws, f"spam {n}")
        except ConnectionError:
            break
    while True:
        msg = await ws.receive(timeout=5)
        if msg.type is not WSMsgType.TEXT:
            break
    assert ws.close_code == aiohttp.WSCloseCode.POLICY_VIOLATION


async def test_failing_turn_reports_error_and_socket_keeps_working(
    client: TestClient[web.Request, web.Application], turns: EchoTurns
) -> None:
    ws = await open_chat(client)
    await next_frame(ws, "history")
    turns.fail_next = True
    mid = msg_id()
    await say(ws, "boom", mid)
    error = await next_frame(ws, "error")
    assert error["code"] == "server_error"
    assert error["id"] == mid
    assert (await next_frame(ws, "typing"))["active"] is False
    await say(ws, "again")
    assert (await next_frame(ws, "reply"))["text"] == "got: again"
    await ws.close()


async def test_turn_in_flight_finishes_after_the_tab_closes(
    client: TestClient[web.Request, web.Application], turns: EchoTurns
) -> None:
    turns.delay = 0.2
    ws = await open_chat(client)
    await next_frame(ws, "history")
    await say(ws, "sent just before closing")
    await next_frame(ws, "typing")
    await ws.close()
    for _ in range(50):
        if turns.inbounds:
            break
        await asyncio.sleep(0.02)
    assert [i.text for i in turns.inbounds] == ["sent just before closing"]
    ws = await open_chat(client)
    history = await next_frame(ws, "history")
    assert history["items"][-1]["text"] == "got: sent just before closing"
    await ws.close()


# --- socket caps ----------------------------------------------------------------------------


async def test_one_visitor_gets_no_more_sockets_than_the_cap(
    make_client: ClientFactory,
) -> None:
    client = await make_client(caps=SocketCaps(per_visitor=3))
    tabs = [await open_chat(client, load_page=n == 0) for n in range(3)]
    for tab in tabs:
        await next_frame(tab, "history")
    extra = await open_chat(client, load_page=False)
    assert await refused(extra) == TOO_MANY_TABS
    assert TOO_MANY_TABS.code == aiohttp.WSCloseCode.POLICY_VIOLATION
    # The admitted tabs keep working.
    await say(tabs[0], "still fine")
    for tab in tabs:
        assert (await next_frame(tab, "reply"))["text"] == "got: still fine"

    # A tab closed frees its place.
    await tabs[0].close()
    output = client.app[WEBCHAT_OUTPUT]
    for _ in range(100):
        if output.open_total == 2:
            break
        await asyncio.sleep(0.02)
    again = await open_chat(client, load_page=False)
    assert (await next_frame(again, "history"))["type"] == "history"
    for ws in (*tabs[1:], again):
        await ws.close()


async def test_a_reply_reaches_no_more_sockets_than_the_cap(
    make_client: ClientFactory, turns: EchoTurns
) -> None:
    client = await make_client(caps=SocketCaps(per_visitor=2))
    sockets = [await open_chat(client, load_page=n == 0) for n in range(6)]
    admitted = [ws for ws in sockets if (await next_frame_or_close(ws)) == "history"]
    assert len(admitted) == 2
    await say(admitted[0], "one reply")
    for ws in admitted:
        assert (await next_frame(ws, "reply"))["text"] == "got: one reply"
    visitor = turns.inbounds[0].key.chat_id
    output = client.app[WEBCHAT_OUTPUT]
    assert output.open_sockets(visitor) == 2
    assert await output.push(visitor, {"type": "typing", "active": False}) == 2
    for ws in admitted:
        await ws.close()


async def next_frame_or_close(ws: aiohttp.ClientWebSocketResponse) -> str:
    msg = await ws.receive(timeout=5.0)
    if msg.type is WSMsgType.TEXT:
        return str(json.loads(msg.data)["type"])
    return msg.type.name


async def test_one_address_gets_no_more_sockets_than_its_cap(
    make_client: ClientFactory,
) -> None:
    client = await make_client(caps=SocketCaps(per_visitor=2, per_address=3))
    first = [await open_chat(client, load_page=n == 0) for n in range(2)]
    async with await another_visitor(client) as other:
        mine = await open_as(other, client)
        await next_frame(mine, "history")
        # This visitor has one tab of two, but the address already has three.
        over = await open_as(other, client)
        assert await refused(over) == TOO_MANY_FROM_ADDRESS
        assert TOO_MANY_FROM_ADDRESS.code == aiohttp.WSCloseCode.TRY_AGAIN_LATER
        await mine.close()
    for ws in first:
        await ws.close()


async def test_the_server_takes_no_more_sockets_than_its_cap(
    make_client: ClientFactory,
) -> None:
    # per_address=0: no cap per address, as behind a proxy (the tests all come from 127.0.0.1).
    client = await make_client(caps=SocketCaps(per_visitor=8, per_address=0, total=2))
    first = await open_chat(client)
    await next_frame(first, "history")
    async with await another_visitor(client) as second, await another_visitor(client) as third:
        theirs = await open_as(second, client)
        await next_frame(theirs, "history")
        over = await open_as(third, client)
        assert await refused(over) == SERVER_BUSY
        assert SERVER_BUSY.code == aiohttp.WSCloseCode.TRY_AGAIN_LATER
        await theirs.close()
    await first.close()


def test_bad_caps_are_refused_with_a_reason() -> None:
    with pytest.raises(ValueError, match="socket caps must be positive"):
        SocketCaps(per_visitor=0)
    with pytest.raises(ValueError, match="socket caps must be positive"):
        SocketCaps(per_address=-1)


async def test_the_page_knows_every_refusal_by_its_words(
    client: TestClient[web.Request, web.Application],
) -> None:
    js = await (await client.get("/chat/static/chat.js")).text()
    for refusal in REFUSALS:
        # A close reason may carry at most 123 bytes.
        assert len(refusal.reason.encode()) <= 123
        assert json.dumps(refusal.reason) in js, refusal
