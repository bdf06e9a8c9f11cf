"""What the service's log shows an operator, and what it never shows: secrets at any level,
customers' words unless LOG_CUSTOMER_TEXT asks for them."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
import sqlalchemy as sa
from aiohttp import web

from bot.logs import NOISY_LOGGERS, PAYLOAD_LOGGERS, AccessLog, RedactingFormatter, configure
from bot.settings import Settings
from storage.database import create_engine
from tests.conftest import Clock, make_settings
from tests.e2e_support import RunningApp, build_app, telegram_settings
from tests.fake_bot_api import JSON, FakeBotApi
from tests.test_e2e_telegram import TelegramCustomer
from tests.test_e2e_webchat import connect, open_page

TOKEN = "7654321098:AAHsecretTOKENpart-ofTheBot_0123456789"
WEBHOOK_SECRET = "hook-secret-QWERTY-42"
WEB_SECRET = "web-secret-" + "Z" * 30
STORY = ("My parcel never arrived at the blue lighthouse on Quayside Road. The courier says "
         "it was delivered but it wasn't.")
PHONE = "+86 138 0013 8000"
PHONE_FORMS = ("13800138000", "138 0013 8000")


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """configure() sets process-wide logger levels: put them back for the other tests."""
    root = logging.getLogger()
    names = [*PAYLOAD_LOGGERS, *NOISY_LOGGERS, "alembic"]
    levels = {name: logging.getLogger(name).level for name in names}
    root_level, handlers = root.level, list(root.handlers)
    yield
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(root_level)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_the_formatter_masks_secrets_and_anything_shaped_like_a_token() -> None:
    formatter = RedactingFormatter([TOKEN, WEBHOOK_SECRET, WEB_SECRET, "db-pass@word", None, ""])
    record = logging.LogRecord(
        "httpx", logging.INFO, __file__, 1,
        'HTTP Request: POST https://api.telegram.org/bot%s/getMe; secret %s, key %s, '
        'postgresql+asyncpg://heard:db-pass%%40word@db/heard, other bot42:ABCdef_-123 and '
        "1234567:%s", (TOKEN, WEBHOOK_SECRET, WEB_SECRET, "x" * 35), None)
    line = formatter.format(record)
    for secret in (TOKEN, WEBHOOK_SECRET, WEB_SECRET, "db-pass", "ABCdef", "x" * 35):
        assert secret not in line, line
    assert "https://api.telegram.org/bot***/getMe" in line
    assert "bot***" in line and "***@db/heard" in line


def test_the_formatter_masks_secrets_in_tracebacks_too() -> None:
    formatter = RedactingFormatter([TOKEN])
    try:
        raise RuntimeError(f"The token `{TOKEN}` was rejected by the server.")
    except RuntimeError:
        import sys

        record = logging.LogRecord("telegram", logging.ERROR, __file__, 1, "failed", (),
                                   sys.exc_info())
    text = formatter.format(record)
    assert "RuntimeError: The token `***` was rejected" in text and TOKEN not in text


async def test_a_database_error_does_not_carry_the_statement_parameters(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'h.db'}")
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text("CREATE TABLE said (text TEXT UNIQUE)"))
            await conn.execute(sa.text("INSERT INTO said VALUES (:t)"), {"t": STORY})
        with pytest.raises(sa.exc.IntegrityError) as failed:
            async with engine.begin() as conn:
                await conn.execute(sa.text("INSERT INTO said VALUES (:t)"), {"t": STORY})
    finally:
        await engine.dispose()
    assert "UNIQUE constraint failed" in str(failed.value)
    assert STORY not in str(failed.value)


async def _serve(settings: Settings, clock: Clock) -> RunningApp:
    """As `heard run` serves it: with our access log."""
    app = build_app(settings, clock=clock)
    runner = web.AppRunner(app, access_log_class=AccessLog, shutdown_timeout=2.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return RunningApp(app, runner, f"http://127.0.0.1:{runner.addresses[0][1]}")


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TOKEN) as fake:
        yield fake


async def _web_customer(app: RunningApp) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        await open_page(app, session)
        v = await connect(app, session)
        for text in (STORY, "1", "1", "JD20261118001", "last Tuesday", "1", PHONE):
            await v.says(text)
        assert "let me check i have this right" in v.text.lower()
        assert "lighthouse" in v.text and "+8613800138000" in v.text
        await v.ws.close()


async def _telegram_customer(api: FakeBotApi, app: RunningApp, webhook: bool) -> None:
    """Up to the read-back, which repeats the story and the phone number to the customer."""
    c = TelegramCustomer(api, app, 5150)

    async def deliver(update: JSON) -> None:
        before = len(api.sent_messages(c.chat_id))
        if webhook:
            status, _ = await api.post_webhook(app.url("/tg/hook"), update,
                                               secret=WEBHOOK_SECRET)
            assert status == 200
        await c.settle(int(update["update_id"]), before)

    async def says(text: str) -> None:
        await deliver(api.push_text(c.chat_id, text, queue=not webhook))

    async def presses(label: str) -> None:
        _, data = c.button(label)
        await deliver(api.push_callback(c.chat_id, data))

    await says(STORY)
    await presses("That's all")
    await presses("Delivery")
    await says("JD20261118001")
    await says("last Tuesday")
    await presses("Refund")
    await says(PHONE)
    assert "let me check i have this right" in c.text.lower()
    assert "lighthouse" in c.text and "+8613800138000" in c.text


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_a_debug_log_of_real_conversations_shows_no_secret_and_no_customer_text(
        api: FakeBotApi, sqlite_url: str, clock: Clock, restore_logging: None, mode: str
) -> None:
    extra = {"TELEGRAM_WEBHOOK_URL": "https://example.invalid/tg/hook"} if mode == "webhook" \
        else {}
    settings = make_settings(sqlite_url, **telegram_settings(api), LOG_LEVEL="DEBUG",
                             TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET, WEB_SECRET=WEB_SECRET,
                             **extra)
    stream = io.StringIO()
    configure(settings, stream=stream)
    app = await _serve(settings, clock)
    try:
        if mode == "webhook":
            await api.wait_for_call("setWebhook")
        await _web_customer(app)
        await _telegram_customer(api, app, webhook=mode == "webhook")
    finally:
        await app.stop()
    log = stream.getvalue()
    for secret in (TOKEN, TOKEN.split(":")[1], WEBHOOK_SECRET, WEB_SECRET,
                   "lighthouse", "Quayside", *PHONE_FORMS):
        assert secret not in log, f"{secret!r} in the log"
    # What an operator needs is still there.
    assert f"telegram @heard_test_bot started ({mode})" in log
    assert re.search(r'aiohttp\.access: 127\.0\.0\.1 "GET /chat" 200 \d+ [\d.]+$', log, re.M)
    assert "DEBUG" in log  # the level is honoured for everything else
    assert "transitions.core" not in log


async def test_customer_text_can_be_asked_for(
        api: FakeBotApi, sqlite_url: str, clock: Clock, restore_logging: None
) -> None:
    settings = make_settings(sqlite_url, **telegram_settings(api), LOG_LEVEL="DEBUG",
                             LOG_CUSTOMER_TEXT="true")
    stream = io.StringIO()
    configure(settings, stream=stream)
    app = await _serve(settings, clock)
    try:
        await _telegram_customer(api, app, webhook=False)
    finally:
        await app.stop()
    log = stream.getvalue()
    assert "lighthouse" in log  # python-telegram-bot's request dumps, as asked
    assert TOKEN not in log and TOKEN.split(":")[1] not in log  # secrets never
