"""Shutting down with browsers still connected: no socket may hold it up, whether the browser
ignores the close frame or has stopped reading altogether, and a turn in progress finishes."""

from __future__ import annotations

import asyncio
import base64
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
from aiohttp import web

from dialogs.messages import ConversationKey
from handlers.agents.console.deps import CONSOLE
from handlers.channels.base import HistoryItem
from handlers.channels.webchat.keys import WEBCHAT_OUTPUT
from tests.conftest import Clock, make_settings
from tests.console_support import ConsoleClient, add_agent
from tests.e2e_support import RunningApp, build_app, wait_for
from tests.test_webchat import EchoTurns, make_app, msg_id

# aiohttp's WebSocketResponse waits this long (its default `timeout`) for a peer's answer to
# the close frame; a shutdown that took longer than this bound has waited for one.
CLOSE_HANDSHAKE_TIMEOUT = 10.0
BOUND = CLOSE_HANDSHAKE_TIMEOUT / 2


@asynccontextmanager
async def served(app: web.Application) -> AsyncIterator[tuple[web.AppRunner, str]]:
    # aiohttp's own default shutdown timeout (60 s): what we test must not lean on it.
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        yield runner, f"http://{host}:{port}"
    finally:
        await runner.cleanup()  # a no-op when the test already cleaned up


async def timed_cleanup(runner: web.AppRunner) -> float:
    started = time.monotonic()
    try:
        # Only so that a hanging shutdown fails here rather than at the test's own timeout.
        await asyncio.wait_for(runner.cleanup(), CLOSE_HANDSHAKE_TIMEOUT * 3)
    except TimeoutError:
        raise AssertionError("shutdown hung") from None
    return time.monotonic() - started


async def deaf_socket(http: aiohttp.ClientSession, url: str,
                      origin: str) -> aiohttp.ClientWebSocketResponse:
    """A client that never answers a close frame (nor a ping): it never reads."""
    return await http.ws_connect(url, origin=origin, autoclose=False, autoping=False)


async def test_open_chat_and_console_sockets_do_not_hold_up_shutdown(
        tmp_path: Path, clock: Clock) -> None:
    app = build_app(make_settings(f"sqlite+aiosqlite:///{tmp_path / 'heard.db'}"), clock=clock)
    async with served(app) as (runner, base_url):
        running = RunningApp(app, runner, base_url)
        await add_agent(running, "alice")
        agent = ConsoleClient(running)
        customer = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        try:
            await agent.login("alice")
            sockets = [await deaf_socket(agent.http, running.url("/console/ws"), base_url)]
            await customer.get(running.url("/chat"))
            for _ in range(3):
                sockets.append(await deaf_socket(customer, running.url("/chat/ws"), base_url))
            await wait_for(lambda: len(app[CONSOLE].hub) == 1
                           and app[WEBCHAT_OUTPUT].open_total == 3, what="the sockets")
            elapsed = await timed_cleanup(runner)
            assert elapsed < BOUND, f"shutdown took {elapsed:.1f}s"
        finally:
            await agent.close()
            await customer.close()


class BigHistory(EchoTurns):
    """Every history is a couple of megabytes that do not compress: enough to fill the
    socket buffers of a client that has stopped reading."""

    async def history(self, key: ConversationKey, limit: int = 100) -> list[HistoryItem]:
        return [HistoryItem("out", base64.b64encode(os.urandom(15_000)).decode())
                for _ in range(limit)]


async def test_a_browser_that_stopped_reading_does_not_hold_up_shutdown() -> None:
    requests: list[web.Request] = []

    @web.middleware
    async def remember(request: web.Request, handler: web.RequestHandler) -> web.StreamResponse:
        requests.append(request)
        return await handler(request)

    app = make_app(BigHistory())
    app.middlewares.append(remember)
    async with served(app) as (runner, base_url), aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        await http.get(base_url + "/chat")
        ws = await deaf_socket(http, base_url + "/chat/ws", base_url)
        for _ in range(8):
            await ws.send_json({"type": "history"})

        def server_is_stuck_writing() -> bool:
            # Its buffer is full: the server's writes now wait for the client to read.
            return requests[-1].protocol.writing_paused

        await wait_for(server_is_stuck_writing, what="the server to be stuck on a full buffer")
        elapsed = await timed_cleanup(runner)
        assert elapsed < BOUND, f"shutdown took {elapsed:.1f}s"


async def test_shutdown_finishes_the_running_turn_and_leaves_queued_ones_to_the_page() -> None:
    turns = EchoTurns()
    turns.delay = 0.5
    async with served(make_app(turns)) as (runner, base_url), aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        await http.get(base_url + "/chat")
        ws = await http.ws_connect(base_url + "/chat/ws", origin=base_url)
        await ws.receive_json(timeout=5)  # the history
        for text in ("first", "second", "third"):
            await ws.send_json({"type": "text", "text": text, "id": msg_id()})
        typing = await ws.receive_json(timeout=5)
        assert typing == {"type": "typing", "active": True}  # "first" is running
        await runner.cleanup()
    # "first" was answered and kept; the others were never acknowledged, so the page
    # sends them again, with the same ids, when it reconnects.
    assert [i.text for i in turns.inbounds] == ["first"]
    assert turns.transcripts[turns.inbounds[0].key][-1].text == "got: first"
