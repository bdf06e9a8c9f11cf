"""The one way out: who sends to each channel, and who hears of committed events.

The composition root registers each channel's sender and subscribes each listener (the
agents' group, the console's live pages, the operator's log) once, visibly; the pipeline,
the agent desk and the promise watch publish through it. A listener that fails is logged and
never fails the action that published, nor the other listeners.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from dialogs.events import Event
from dialogs.messages import ConversationKey, Reply
from handlers.channels.base import OutputChannel

log = logging.getLogger(__name__)

Listener = Callable[[list[Event]], Awaitable[None]]


class Outbox:
    def __init__(self) -> None:
        self._senders: dict[str, OutputChannel] = {}
        self._listeners: list[Listener] = []
        self._background: set[asyncio.Task[None]] = set()

    def register(self, channel: str, sender: OutputChannel) -> None:
        self._senders[channel] = sender

    def sender(self, channel: str) -> OutputChannel | None:
        return self._senders.get(channel)

    async def send(self, key: ConversationKey, replies: Sequence[Reply]) -> None:
        """To the customer's own channel; a channel this process does not serve (a terminal
        chat) finds the replies in its transcript."""
        sender = self._senders.get(key.channel)
        if sender is not None:
            for reply in replies:
                await sender.send(key, reply)

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    async def publish(self, events: list[Event]) -> None:
        """Tell every listener at once (a slow Telegram does not hold up the console's
        pages) and return when all have heard."""
        if events:
            await asyncio.gather(*(self._tell(listener, events)
                                   for listener in self._listeners))

    @staticmethod
    async def _tell(listener: Listener, events: list[Event]) -> None:
        try:
            await listener(events)
        except Exception:
            log.exception("a listener failed on %d events", len(events))

    def publish_soon(self, events: list[Event]) -> None:
        """Publish in the background: the turn writer never waits for Telegram or a page."""
        task = asyncio.create_task(self.publish(events))
        self._background.add(task)
        task.add_done_callback(self._background.discard)
