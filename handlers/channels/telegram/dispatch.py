"""From raw Telegram update to turn: store durably, then hand over in order per chat.

Both the poller and the webhook go through `TurnDispatcher.accept`, so an update is in the
inbox before Telegram is told we have it (next getUpdates offset, or the webhook's 200).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, Update

from dialogs.messages import Inbound
from handlers.channels.base import TurnHandler, UpdateInbox
from handlers.channels.telegram.output import TelegramOutput
from handlers.channels.telegram.updates import CHANNEL, to_inbound

log = logging.getLogger(__name__)


class NotAccepting(Exception):
    """The dispatcher is not running; the sender should deliver the update again later."""


class TurnDispatcher:
    """Runs turns concurrently across chats and strictly in arrival order within one chat.

    An update whose `store()` says it was already stored is not handed over again: it was
    either processed, or it is still unprocessed and `replay()` at start hands it over. The
    pipeline's own dedupe by update_id stays the safety net for the overlap of the two.
    """

    def __init__(
        self,
        bot: Bot,
        turns: TurnHandler,
        inbox: UpdateInbox,
        output: TelegramOutput,
        *,
        max_concurrent_turns: int = 64,
    ) -> None:
        self.bot = bot
        self.turns = turns
        self.inbox = inbox
        self.output = output
        self._slots = asyncio.Semaphore(max_concurrent_turns)
        self._queues: dict[str, deque[tuple[Update, Inbound]]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._open = False
        # Updates that are not customer turns (the agents' group) go here, if set.
        self.side_channel: Callable[[Update], Awaitable[bool]] | None = None
        self._side_tasks: set[asyncio.Task[None]] = set()

    def open(self) -> None:
        self._open = True

    def parse(self, payload: dict[str, Any]) -> Update:
        return Update.de_json(payload, self.bot)

    async def accept(self, update: Update, payload: dict[str, Any] | None = None) -> bool:
        """Store `update` durably, then queue its turn. False when it is not handed over.

        Raises whatever the inbox raises: the caller must then not confirm the update.
        """
        if not self._open:
            raise NotAccepting("telegram dispatcher is not running")
        inbound = self._inbound(update)
        if inbound is None:
            # Not a customer turn (group chat, edit…): nothing to keep, safe to confirm.
            if self.side_channel is not None:
                task = asyncio.create_task(self._side(update))
                self._side_tasks.add(task)
                task.add_done_callback(self._side_tasks.discard)
            return False
        raw = payload if payload is not None else update.to_dict()
        if not await self.inbox.store(CHANNEL, str(update.update_id), raw):
            log.info("telegram update %s already stored, not handed over again", update.update_id)
            return False
        self._submit(update, inbound)
        return True

    async def replay(self) -> int:
        """Hand over updates stored before a crash but never processed, oldest first."""
        count = 0
        for update_id, payload in await self.inbox.unprocessed(CHANNEL):
            try:
                update = self.parse(payload)
            except Exception:
                log.exception("stored telegram update %s cannot be parsed, skipped", update_id)
                continue
            inbound = self._inbound(update)
            if inbound is not None:
                self._submit(update, inbound)
                count += 1
        if count:
            log.info("replaying %d unprocessed telegram updates", count)
        return count

    async def _side(self, update: Update) -> None:
        assert self.side_channel is not None
        try:
            await self.side_channel(update)
        except Exception:
            log.exception("telegram update %s failed in the agents' group", update.update_id)

    @staticmethod
    def _inbound(update: Update) -> Inbound | None:
        try:
            return to_inbound(update)
        except Exception:
            # An update we cannot read would otherwise block the poller on it forever.
            log.exception("telegram update %s cannot be read, skipped", update.update_id)
            return None

    def _submit(self, update: Update, inbound: Inbound) -> None:
        chat = inbound.key.chat_id
        queue = self._queues.get(chat)
        if queue is not None:
            queue.append((update, inbound))
            return
        # One worker per chat with pending turns: it alone pops that chat's queue, in order.
        queue = self._queues[chat] = deque([(update, inbound)])
        self._workers[chat] = asyncio.create_task(self._drain(chat, queue))

    async def _drain(self, chat: str, queue: deque[tuple[Update, Inbound]]) -> None:
        try:
            while queue:
                update, inbound = queue.popleft()
                await self._run_turn(update, inbound)
        finally:
            # No await between the empty check and here, so no update can slip in unseen.
            self._queues.pop(chat, None)
            self._workers.pop(chat, None)

    async def _run_turn(self, update: Update, inbound: Inbound) -> None:
        query = update.callback_query
        if query is not None:
            await self.output.answer_callback(query.id)
        async with self._slots:
            try:
                async with self.output.typing_while(inbound.key):
                    await self.turns.handle(inbound, self.output)
            except Exception:
                # The update stays unprocessed in the inbox and is replayed on the next start.
                log.exception("telegram turn for update %s failed", update.update_id)

    async def join(self) -> None:
        """Wait until every queued turn has run."""
        while self._workers:
            await asyncio.wait(list(self._workers.values()))

    async def stop(self, grace: float = 30.0) -> None:
        """Refuse new updates and let queued turns finish; cut off after `grace` seconds."""
        self._open = False
        workers = list(self._workers.values())
        if not workers:
            return
        _, late = await asyncio.wait(workers, timeout=grace)
        for task in late:
            # Their updates are stored and unprocessed, so the next start replays them.
            task.cancel()
        if late:
            await asyncio.wait(late)
            log.warning("stopped with %d telegram chats still mid-turn", len(late))
