"""Tells the other processes what changed here: an outbox listener that writes each committed
event's (ticket, kind) to the live news, just after the commit.

Writing is in the background, a batch at a time (whatever arrived while the last write ran
goes in the next, in one transaction), so neither a turn nor an agent's click waits for it,
and a burst costs one SQLite write lock rather than one per event. A process that dies between
its commit and this write leaves the other processes' pages without that one update; their
next load or update of the page shows it all the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Callable
from datetime import datetime

from dialogs.events import Event
from handlers.live.changes import TicketNews, ticket_changes
from storage.live_news import LiveNews

log = logging.getLogger(__name__)

# Changes waiting while the database does not answer: past this, the oldest are dropped.
MAX_PENDING = 10_000
COMPLAINT_SECONDS = 60.0


class LiveWriter:
    def __init__(self, news: LiveNews, clock: Callable[[], datetime]) -> None:
        self.news = news
        self.clock = clock
        # This process's name in the news: its own items are not delivered to it again.
        self.origin = secrets.token_hex(8)
        self._pending: list[TicketNews] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._complained = 0.0

    async def on_events(self, events: list[Event]) -> None:
        changes = ticket_changes(events)
        if changes:
            self._pending.extend(changes)
            del self._pending[:-MAX_PENDING]
            self._wake.set()

    def tell(self, number: str, kind: str) -> None:
        """News that is no committed event (who has a ticket open): written the same way."""
        self._pending.append((number, kind))
        del self._pending[:-MAX_PENDING]
        self._wake.set()

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="live-news-write")

    async def stop(self) -> None:
        """Stop, writing what is still waiting once more."""
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        await self._write()

    async def __aenter__(self) -> LiveWriter:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self._write()

    async def _write(self) -> None:
        batch, self._pending = self._pending, []
        if not batch:
            return
        try:
            await self.news.add(self.origin, batch, self.clock())
        except Exception as e:
            # Other processes miss these updates; retrying would only pile up behind an
            # outage, and their pages catch up on the next load.
            now = time.monotonic()
            if now - self._complained > COMPLAINT_SECONDS:
                self._complained = now
                log.warning("could not tell other processes of %d ticket changes (%s)",
                            len(batch), type(e).__name__)
