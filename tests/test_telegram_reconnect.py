"""Telegram out of reach, or refusing the token, at start: the service serves anyway, says so
once, and takes Telegram up as soon as it answers (replaying what was stored, polling or
setting the webhook). The real app on a real port; python-telegram-bot over real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import pytest

from handlers.channels.telegram.service import TELEGRAM
from tests.conftest import Clock, make_settings
from tests.e2e_support import RunningApp, build_app, serve, wait_for
from tests.fake_bot_api import DEFAULT_TOKEN, FakeBotApi
from tests.test_cli import free_port
from tests.test_e2e_telegram import STORY, TelegramCustomer
from tests.test_e2e_webchat import connect, open_page

HOOK = "https://example.invalid/tg/hook"
SERVICE_LOG = "handlers.channels.telegram.service"


@asynccontextmanager
async def forwarding(port: int, to_port: int) -> AsyncIterator[None]:
    """Something answers on 127.0.0.1:`port` from now on: it pipes to `to_port`."""
    pipes: set[asyncio.Task[None]] = set()

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def connected(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", to_port)
        for task in (asyncio.create_task(pipe(reader, up_writer)),
                     asyncio.create_task(pipe(up_reader, writer))):
            pipes.add(task)
            task.add_done_callback(pipes.discard)

    server = await asyncio.start_server(connected, "127.0.0.1", port)
    try:
        yield
    finally:
        server.close()
        for task in list(pipes):
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*pipes, return_exceptions=True)
        await server.wait_closed()


async def start(clock: Clock, sqlite_url: str, base_url: str, **settings: str) -> RunningApp:
    app = build_app(make_settings(sqlite_url, TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN,
                                  TELEGRAM_API_BASE_URL=base_url, **settings), clock=clock)
    # Production waits 1 s doubling to 60 s, and 5 minutes for a refused token.
    service = app[TELEGRAM]
    service.retry_min, service.retry_max, service.retry_rejected = 0.05, 0.2, 0.2
    return await serve(app)


async def web_chat_and_console_work(app: RunningApp) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        async with session.get(app.url("/healthz")) as health:
            assert health.status == 200
        async with session.get(app.url("/console/login")) as login:
            assert login.status == 200
        await open_page(app, session)
        visitor = await connect(app, session)
        await visitor.says(STORY)
        assert "anything else" in visitor.text.lower()
        await visitor.ws.close()


def said(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == SERVICE_LOG and r.levelno >= level]


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_telegram_out_of_reach_at_start_is_taken_up_once_it_answers(
        sqlite_url: str, clock: Clock, caplog: pytest.LogCaptureFixture, mode: str) -> None:
    caplog.set_level(logging.DEBUG, logger=SERVICE_LOG)
    port = free_port()  # nothing listens there yet: every connection is refused
    extra = {"TELEGRAM_WEBHOOK_URL": HOOK, "TELEGRAM_WEBHOOK_SECRET": "s3cret"} \
        if mode == "webhook" else {}
    app = await start(clock, sqlite_url, f"http://127.0.0.1:{port}/bot", **extra)
    try:
        assert not app.telegram.up
        await web_chat_and_console_work(app)
        # It keeps trying, and said so once.
        await wait_for(lambda: len(said(caplog, logging.DEBUG)) >= 3, what="retries")
        (warning,) = said(caplog, logging.WARNING)
        assert warning.startswith(f"telegram at 127.0.0.1:{port} cannot be reached")
        assert "retried in the background" in warning
        # An update stored before a crash waits for Telegram, and is not lost.
        async with FakeBotApi() as api:
            stored = api.push_text(4300, STORY, queue=False)
            await app.core.store.store("telegram", str(stored["update_id"]), stored)
            async with forwarding(port, api.port):
                await wait_for(lambda: app.telegram.up, what="telegram to come up")
                if mode == "webhook":
                    assert api.webhook["url"] == HOOK
                else:
                    await api.wait_for_call("getUpdates")
                customer = TelegramCustomer(api, app, 4300)
                replayed = await customer.settle(int(stored["update_id"]), 0)
                assert "anything else" in "\n".join(m["text"] for m in replayed).lower()
                if mode == "polling":
                    await customer.says("The box was wet too")
                    assert customer.last
                await app.stop()
    finally:
        await app.stop()
    assert len(said(caplog, logging.WARNING)) == 1
    assert any(m.startswith("telegram @heard_test_bot started") for m in said(caplog, 0))


async def test_a_refused_token_is_said_once_and_tried_again_slowly(
        sqlite_url: str, clock: Clock, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger=SERVICE_LOG)
    async with FakeBotApi(token="42:a-token-this-bot-api-knows-not") as api:
        app = await start(clock, sqlite_url, api.base_url)
        try:
            assert not app.telegram.up
            await web_chat_and_console_work(app)
            await api.wait_until(lambda: len(api.calls_to("getMe")) >= 3)
            (error,) = said(caplog, logging.WARNING)
            assert error.startswith(f"telegram at 127.0.0.1:{api.port} rejects "
                                    "TELEGRAM_BOT_TOKEN; the web chat and console work")
            assert not app.telegram.up
            # Say the bot's token was restored at @BotFather: it is taken up with no restart.
            api.token = DEFAULT_TOKEN
            await wait_for(lambda: app.telegram.up, what="telegram to come up")
            customer = TelegramCustomer(api, app, 4301)
            await customer.says(STORY)
            assert "anything else" in customer.text.lower()
        finally:
            await app.stop()
    assert len(said(caplog, logging.WARNING)) == 1
    assert DEFAULT_TOKEN not in caplog.text
