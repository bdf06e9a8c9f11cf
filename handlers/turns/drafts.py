"""The service's own timers: one reminder for a draft left idle, expiry for an abandoned one.

Deadlines are derived from `idle_since` in the database, not kept in memory, so they survive
restarts and clock jumps; a reminder is claimed in the database before it is sent, so it goes
out once even with several processes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from aiohttp import web

from dialogs.commands import Expire, Remind
from handlers.turns.pipeline import Clock, TurnPipeline
from handlers.util.periodic import Periodic
from storage.store import Store

log = logging.getLogger(__name__)


class DraftScheduler:
    def __init__(self, store: Store, pipeline: TurnPipeline, *, clock: Clock,
                 remind_after: Callable[[], timedelta], expire_after: Callable[[], timedelta],
                 interval: float = 30.0) -> None:
        self.store = store
        self.pipeline = pipeline
        self.clock = clock
        # Asked on each pass: the times are the configuration bundle's in force.
        self.remind_after = remind_after
        self.expire_after = expire_after
        self._periodic = Periodic("draft-scheduler", self.tick, interval)

    async def tick(self) -> int:
        """One pass; returns how many drafts it acted on."""
        now = self.clock()
        acted = 0
        expire_after = self.expire_after()
        for draft in await self.store.idle_drafts(now - self.remind_after()):
            if draft.idle_since <= now - expire_after:
                await self.pipeline.act(draft.key, Expire())
                acted += 1
            elif not draft.reminded and await self.pipeline.act(draft.key, Remind()):
                acted += 1
        return acted

    async def start(self) -> None:
        await self._periodic.start()

    async def stop(self) -> None:
        await self._periodic.stop()


SCHEDULER: web.AppKey[DraftScheduler] = web.AppKey("scheduler")
