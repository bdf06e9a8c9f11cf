"""Helpers for the end-to-end tests: the real composed application (`bot.app.create_app`)
served on a real 127.0.0.1 port, plus small wait-for-condition helpers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.app import CORE, create_app
from bot.core import Core
from bot.settings import Settings
from handlers.channels.telegram.ratelimit import SendLimiter
from handlers.channels.telegram.service import TELEGRAM, TelegramService
from handlers.turns.pipeline import Clock, utcnow
from tests.conftest import make_settings
from tests.fake_bot_api import FakeBotApi


def fast_limiter() -> SendLimiter:
    """Telegram's pacing (1 msg/s per chat) would make every flow take many seconds; the
    limiter itself is covered by the adapter tests."""
    return SendLimiter(per_chat_rate=200, per_chat_burst=50, global_rate=2000, global_burst=200,
                       per_group_rate=200, per_group_burst=50)


def telegram_settings(api: FakeBotApi) -> dict[str, Any]:
    return {"TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_API_BASE_URL": api.base_url}


@dataclass
class RunningApp:
    app: web.Application
    runner: web.AppRunner
    base_url: str
    stopped: bool = False

    @property
    def core(self) -> Core:
        return self.app[CORE]

    @property
    def telegram(self) -> TelegramService:
        return self.app[TELEGRAM]

    def url(self, path: str) -> str:
        return self.base_url + path

    async def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            await self.runner.cleanup()


def build_app(settings: Settings, *, clock: Clock = utcnow, fast: bool = True) -> web.Application:
    """The production composition; only Telegram's send pacing is sped up (see fast_limiter)."""
    # A long scheduler interval: reminders/expiry are not what these tests look at, and the
    # first pass runs at start anyway.
    app = create_app(settings, clock=clock, scheduler_interval=3600)
    if fast and TELEGRAM in app:
        service = app[TELEGRAM]
        service.output.limiter = fast_limiter()
        service.stop_grace = 10
    return app


async def serve(app: web.Application,
                before_start: Callable[[web.Application], Awaitable[None]] | None = None,
                ) -> RunningApp:
    """Start `app` (its cleanup_ctx: core, Telegram, scheduler) on a free 127.0.0.1 port."""
    if before_start is not None:
        await before_start(app)
    runner = web.AppRunner(app, shutdown_timeout=5.0)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    port = int(runner.addresses[0][1])
    return RunningApp(app, runner, f"http://127.0.0.1:{port}")


async def start_app(settings: Settings, *, clock: Clock = utcnow, fast: bool = True,
                    before_start: Callable[[web.Application], Awaitable[None]] | None = None,
                    ) -> RunningApp:
    return await serve(build_app(settings, clock=clock, fast=fast), before_start)


async def wait_for(check: Callable[[], Awaitable[bool]] | Callable[[], bool],
                   timeout: float = 10.0, what: str = "condition",  # noqa: ASYNC109
                   interval: float = 0.02) -> None:
    """Poll `check` (sync or async) until it is true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(interval)


@asynccontextmanager
async def app_on(database_url: str, clock: Clock, **settings: object) -> AsyncIterator[
        RunningApp]:
    """The real app on `database_url`, served on a free local port."""
    running = await start_app(make_settings(database_url, **settings), clock=clock)
    try:
        yield running
    finally:
        await running.stop()


@asynccontextmanager
async def running_app(tmp_path: Path, clock: Clock, **settings: object) -> AsyncIterator[
        RunningApp]:
    """The real app on a fresh SQLite file in `tmp_path`, served on a free local port."""
    async with app_on(f"sqlite+aiosqlite:///{tmp_path / 'heard.db'}", clock,
                      **settings) as running:
        yield running
