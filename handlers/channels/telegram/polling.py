"""Long polling that never confirms an update before it is stored.

PTB's Updater advances the offset as soon as getUpdates returns, before any handler ran, so a
crash in between loses those updates. Here the offset moves past an update only after the
inbox stored it; Telegram drops it when the next getUpdates carries that offset.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from telegram import Bot, Update
from telegram.error import InvalidToken, RetryAfter

from handlers.channels.telegram.dispatch import TurnDispatcher
from handlers.channels.telegram.output import retry_seconds
from handlers.channels.telegram.updates import ALLOWED_UPDATES

log = logging.getLogger(__name__)


class DurablePoller:
    def __init__(
        self,
        bot: Bot,
        dispatcher: TurnDispatcher,
        *,
        timeout: int = 30,
        allowed_updates: Sequence[str] = ALLOWED_UPDATES,
        min_backoff: float = 0.5,
        max_backoff: float = 30.0,
    ) -> None:
        self.bot = bot
        self.dispatcher = dispatcher
        self.timeout = timeout
        self.allowed_updates = list(allowed_updates)
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        # The first update_id not yet stored: what the next getUpdates passes as offset.
        self.offset: int | None = None
        self._confirmed: int | None = None
        self._stopping = asyncio.Event()
        self._fetch: asyncio.Task[tuple[Update, ...]] | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        if self.running:
            return
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="telegram-poller")

    async def stop(self) -> None:
        """Stop fetching. An update being stored is finished first; a pending fetch is dropped."""
        self._stopping.set()
        if self._fetch is not None:
            # Whatever that fetch would have returned is unconfirmed, so Telegram keeps it.
            self._fetch.cancel()
        if self._task is not None:
            await self._task
            self._task = None
        await self._confirm_stored()

    async def _run(self) -> None:
        backoff = self.min_backoff
        # The failure already logged, so that an outage is one line, not one per retry.
        failing: str | None = None
        while not self._stopping.is_set():
            try:
                updates = await self._get_updates(self.timeout)
            except asyncio.CancelledError:
                if self._stopping.is_set():
                    return
                raise
            except RetryAfter as e:
                await self._pause(retry_seconds(e))
                continue
            except InvalidToken:
                if failing != "token":
                    log.error("telegram rejects TELEGRAM_BOT_TOKEN; polling again every %.0fs",
                              self.max_backoff)
                failing = "token"
                await self._pause(self.max_backoff)
                continue
            except Exception as e:
                # Network trouble, Telegram 5xx, a webhook still set (409): wait, never die.
                if failing != type(e).__name__:
                    log.warning("getUpdates failed (%s); retrying with backoff up to %.0fs",
                                e, self.max_backoff)
                else:
                    log.debug("getUpdates failed again (%s); retrying in %.1fs", e, backoff)
                failing = type(e).__name__
                await self._pause(backoff)
                backoff = min(backoff * 2, self.max_backoff)
                continue
            if failing is not None:
                log.info("getUpdates works again")
                failing = None
            backoff = self.min_backoff
            if not await self._take(updates):
                await self._pause(backoff)

    async def _get_updates(self, wait: int, limit: int | None = None) -> tuple[Update, ...]:
        offset = self.offset
        self._fetch = asyncio.create_task(
            self.bot.get_updates(
                offset=offset, timeout=wait, limit=limit, allowed_updates=self.allowed_updates
            )
        )
        try:
            updates = await self._fetch
        finally:
            self._fetch = None
        self._confirmed = offset
        return updates

    async def _take(self, updates: Sequence[Update]) -> bool:
        """Store and queue `updates` in order; False when the inbox failed part way."""
        for update in updates:
            try:
                await self.dispatcher.accept(update)
            except Exception:
                # Offset stays before this update: Telegram sends it, and those after, again.
                log.exception("storing telegram update %s failed", update.update_id)
                return False
            self.offset = update.update_id + 1
        return True

    async def _confirm_stored(self) -> None:
        """Tell Telegram about updates stored since the last fetch, so a restart skips them."""
        if self.offset is None or self.offset == self._confirmed:
            return
        # The one update this may return is not confirmed by it, so it is not lost.
        with contextlib.suppress(Exception):
            await self._get_updates(wait=0, limit=1)

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
