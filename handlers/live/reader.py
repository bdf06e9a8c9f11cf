"""Hears what changed in the other processes and hands it to this process's console pages, as
if it had happened here.

Two ways in, one cursor: on PostgreSQL each item arrives by NOTIFY at once; on both backends
the table is read every `interval` seconds for ids above the last seen (all SQLite has, and
PostgreSQL's fallback). The cursor delivers each id once, and an item this process wrote
itself is never delivered (its own pages heard it from the outbox already). Old rows are
pruned here too, by every process: deleting what another already deleted costs nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from handlers.live.cursor import Cursor
from storage.live_news import READ_LIMIT, LiveItem, LiveNews, parse
from storage.news import LIVE

log = logging.getLogger(__name__)

KEEP = timedelta(minutes=10)
PRUNE_SECONDS = 60.0
COMPLAINT_SECONDS = 60.0

Deliver = Callable[[str, str], None]  # (ticket number, kind)


class Listener(Protocol):
    def listen(self, channel: str, heard: Callable[[str], None],
               connected: Callable[[], None] = ...) -> None: ...


class LiveReader:
    def __init__(self, news: LiveNews, listener: Listener, origin: str, deliver: Deliver,
                 clock: Callable[[], datetime], *, interval: float = 0.5) -> None:
        self.news = news
        self.origin = origin
        self.deliver = deliver
        self.clock = clock
        self.interval = interval
        self._cursor: Cursor | None = None  # None until started: nothing to compare with
        self._tasks: list[asyncio.Task[None]] = []
        self._complained = 0.0
        listener.listen(LIVE, self._notice, self._reconnected)

    async def start(self) -> None:
        if self._tasks:
            return
        # From now on: what happened before this process started is no news to its pages.
        self._cursor = Cursor(await self.news.newest())
        self._tasks = [asyncio.create_task(self._look(), name="live-news-look"),
                       asyncio.create_task(self._prune(), name="live-news-prune")]

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def look(self) -> int:
        """Read what is new in the table; the number of items delivered."""
        if self._cursor is None:
            return 0
        delivered = 0
        while True:
            items = await self.news.after(self._cursor.last, self._cursor.gaps)
            delivered += sum(self._take(item) for item in items)
            if len(items) < READ_LIMIT:
                break
        self._cursor.expire(time.monotonic())
        return delivered

    def _take(self, item: LiveItem) -> bool:
        assert self._cursor is not None
        if not self._cursor.take(item.id, time.monotonic()) or item.origin == self.origin:
            return False
        self.deliver(item.number, item.kind)
        return True

    def _notice(self, payload: str) -> None:
        item = parse(payload)
        if item is None:
            log.warning("ignored a live notice that is not one")
        elif self._cursor is not None:
            self._take(item)

    def _reconnected(self) -> None:
        # Notices sent while the listener was away are lost: read the table now.
        if self._tasks:
            task = asyncio.create_task(self._look_once(), name="live-news-look-once")
            self._tasks.append(task)
            task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[None]) -> None:
        with contextlib.suppress(ValueError):
            self._tasks.remove(task)

    async def _look(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self._look_once()

    async def _look_once(self) -> None:
        try:
            await self.look()
        except Exception as e:
            self._complain("cannot read news from other processes", e)

    async def _prune(self) -> None:
        while True:
            await asyncio.sleep(PRUNE_SECONDS)
            try:
                await self.news.prune(self.clock() - KEEP)
            except Exception as e:
                self._complain("cannot prune old live news", e)

    def _complain(self, what: str, e: Exception) -> None:
        """Once a minute, not on every look, while the database does not answer."""
        now = time.monotonic()
        if now - self._complained > COMPLAINT_SECONDS:
            self._complained = now
            log.warning("%s (%s: %s)", what, type(e).__name__,
                        str(e).splitlines()[0] if str(e) else "")
