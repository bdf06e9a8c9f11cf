"""The Telegram channel as one object the composition root starts and stops."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Bot

from handlers.channel import TurnHandler, UpdateInbox
from handlers.telegram.dispatch import TurnDispatcher
from handlers.telegram.output import TelegramOutput
from handlers.telegram.polling import DurablePoller
from handlers.telegram.ratelimit import SendLimiter
from handlers.telegram.updates import ALLOWED_UPDATES
from handlers.telegram.webhook import check_secret, webhook_routes

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.telegram.org/bot"


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
    ) -> None:
        self.bot = Bot(token, base_url=base_url)
        self.webhook_url = webhook_url or None
        self.webhook_secret = check_secret(webhook_secret) if self.webhook_url else webhook_secret
        self.output = TelegramOutput(self.bot, limiter)
        self.dispatcher = TurnDispatcher(
            self.bot, turns, inbox, self.output, max_concurrent_turns=max_concurrent_turns
        )
        self.poller = DurablePoller(self.bot, self.dispatcher, timeout=poll_timeout)
        self.stop_grace = stop_grace
        self._started = False

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
        # getMe: a wrong token or base URL fails here, loudly, rather than in the poll loop.
        await self.bot.initialize()
        self._started = True
        self.dispatcher.open()
        # Stored before a crash but never processed: these go first, ahead of anything new.
        await self.dispatcher.replay()
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
        log.info("telegram @%s started (%s)", self.bot.username, self.mode)

    async def stop(self) -> None:
        """Stop taking updates, let running turns finish, close the HTTP client.

        The webhook stays registered: Telegram queues updates until we are back.
        """
        if self.poller.running:
            await self.poller.stop()
        await self.dispatcher.stop(self.stop_grace)
        if self._started:
            await self.bot.shutdown()
            self._started = False

    async def aiohttp_ctx(self, app: web.Application) -> AsyncIterator[None]:
        """For `app.cleanup_ctx.append(service.aiohttp_ctx)`: runs with the web server."""
        await self.start()
        try:
            yield
        finally:
            await self.stop()
