"""The Telegram channel as one object the composition root starts and stops.

Telegram being unreachable, or refusing the token, never stops the service: the web chat and
the console serve anyway while the channel keeps trying in the background.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Literal, NamedTuple
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Bot
from telegram.error import InvalidToken, TelegramError

from handlers.channels.base import TurnHandler, UpdateInbox
from handlers.channels.telegram.dispatch import TurnDispatcher
from handlers.channels.telegram.output import TelegramOutput
from handlers.channels.telegram.polling import DurablePoller
from handlers.channels.telegram.ratelimit import SendLimiter
from handlers.channels.telegram.updates import ALLOWED_UPDATES
from handlers.channels.telegram.webhook import check_secret, webhook_routes

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.telegram.org/bot"


class _Problem(NamedTuple):
    kind: Literal["unreachable", "rejected", "failed"]
    detail: str


class TelegramService:
    """Polling when no webhook URL is given, else webhook; either way updates are stored first."""

    def __init__(
        self,
        token: str,
        turns: TurnHandler,
        inbox: UpdateInbox,
        *,
        base_url: str = DEFAULT_BASE_URL,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        poll_timeout: int = 30,
        limiter: SendLimiter | None = None,
        max_concurrent_turns: int = 64,
        stop_grace: float = 30.0,
        retry_min: float = 1.0,
        retry_max: float = 60.0,
        retry_rejected: float = 300.0,
    ) -> None:
        self.bot = Bot(token, base_url=base_url)
        self.base_url = base_url
        self.webhook_url = webhook_url or None
        self.webhook_secret = check_secret(webhook_secret) if self.webhook_url else webhook_secret
        self.output = TelegramOutput(self.bot, limiter)
        self.dispatcher = TurnDispatcher(
            self.bot, turns, inbox, self.output, max_concurrent_turns=max_concurrent_turns
        )
        self.poller = DurablePoller(self.bot, self.dispatcher, timeout=poll_timeout)
        self.stop_grace = stop_grace
        # Waits between attempts to reach Telegram: doubling from retry_min to retry_max while
        # nothing answers; retry_rejected while it refuses the token (someone must fix it).
        self.retry_min = retry_min
        self.retry_max = retry_max
        self.retry_rejected = retry_rejected
        self._replayed = False
        self._up = False
        self._connecting: asyncio.Task[None] | None = None

    @property
    def up(self) -> bool:
        """Whether Telegram answered and updates are being taken."""
        return self._up

    @property
    def mode(self) -> str:
        return "webhook" if self.webhook_url else "polling"

    @property
    def webhook_path(self) -> str:
        """The path of the webhook URL, which is where our aiohttp app serves it."""
        if not self.webhook_url:
            raise ValueError("no webhook URL configured")
        return urlsplit(self.webhook_url).path or "/"

    def webhook_routes(self, path: str | None = None) -> list[web.RouteDef]:
        """Routes to add to the aiohttp app; the path defaults to the webhook URL's path."""
        secret = check_secret(self.webhook_secret)
        return webhook_routes(path or self.webhook_path, secret, self.dispatcher)

    async def start(self) -> None:
        """One attempt now; if Telegram cannot be reached or refuses the token, say so once
        and go on trying in the background."""
        problem = await self._attempt()
        if problem is not None:
            self._complain(problem, None)
            self._connecting = asyncio.create_task(self._keep_trying(problem),
                                                   name="telegram-connect")

    async def _keep_trying(self, problem: _Problem) -> None:
        wait = self.retry_min
        while True:
            await asyncio.sleep(self.retry_rejected if problem.kind == "rejected" else wait)
            wait = min(wait * 2, self.retry_max)
            latest = await self._attempt()
            if latest is None:
                return
            self._complain(latest, problem)
            problem = latest

    async def _attempt(self) -> _Problem | None:
        """Bring the channel up; None when it is, else what stands in the way."""
        try:
            await self._come_up()
        except InvalidToken:
            return _Problem("rejected", "")
        except TelegramError as e:  # PTB's NetworkError and TimedOut wrap httpx's errors
            return _Problem("unreachable", str(e))
        except Exception as e:
            return _Problem("failed", f"{type(e).__name__}: {e}")
        return None

    def _complain(self, problem: _Problem, before: _Problem | None) -> None:
        if before is not None and before.kind == problem.kind:
            # Said once already; a line for every retry would bury everything else.
            log.debug("telegram still not started (%s %s)", problem.kind, problem.detail)
            return
        where = urlsplit(self.base_url).netloc or self.base_url
        if problem.kind == "rejected":
            log.error("telegram at %s rejects TELEGRAM_BOT_TOKEN; the web chat and console "
                      "work, and the token is tried again every %.0fs", where,
                      self.retry_rejected)
        elif problem.kind == "unreachable":
            log.warning("telegram at %s cannot be reached (%s); the web chat and console work, "
                        "and telegram is retried in the background", where, problem.detail)
        else:
            log.error("telegram did not start (%s); the web chat and console work, and "
                      "telegram is retried in the background", problem.detail)

    async def _come_up(self) -> None:
        # getMe: a wrong token or base URL fails here. Safe to repeat after a failure.
        await self.bot.initialize()
        if not self._replayed:
            self.dispatcher.open()
            # Stored before a crash but never processed: these go first, ahead of anything new.
            await self.dispatcher.replay()
            self._replayed = True
        if self.webhook_url:
            await self.bot.set_webhook(
                self.webhook_url,
                secret_token=self.webhook_secret,
                allowed_updates=list(ALLOWED_UPDATES),
            )
        else:
            # getUpdates is refused while a webhook is set, e.g. from an earlier webhook run.
            await self.bot.delete_webhook()
            await self.poller.start()
        self._up = True
        log.info("telegram @%s started (%s)", self.bot.username, self.mode)

    async def stop(self) -> None:
        """Stop taking updates, let running turns finish, close the HTTP client.

        The webhook stays registered: Telegram queues updates until we are back.
        """
        if self._connecting is not None:
            self._connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._connecting
            self._connecting = None
        if self.poller.running:
            await self.poller.stop()
        await self.dispatcher.stop(self.stop_grace)
        # Also after a failed start: its attempts opened the HTTP client.
        await self.bot.shutdown()
        self._up = False
        self._replayed = False

    async def aiohttp_ctx(self, app: web.Application) -> AsyncIterator[None]:
        """For `app.cleanup_ctx.append(service.aiohttp_ctx)`: runs with the web server."""
        await self.start()
        try:
            yield
        finally:
            await self.stop()


TELEGRAM: web.AppKey[TelegramService] = web.AppKey("telegram")
